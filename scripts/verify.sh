#!/usr/bin/env bash
# The main job: check every claim of theorems.md (arguments go to `wideminima verify`).
source "$(dirname "$0")/_venv.sh"
exec wideminima verify "$@"
