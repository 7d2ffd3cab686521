#!/usr/bin/env bash
# The main job: check every claim of theorems.md (arguments go to `wideminima verify`).
WM_EXTRAS="fast,report,backends"
source "$(dirname "$0")/_venv.sh"
exec wideminima verify "$@"
