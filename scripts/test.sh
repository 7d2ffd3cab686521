#!/usr/bin/env bash
# The whole test suite: unit tests, doctests and the Hypothesis property suites
# (ci profile when CI is set, else dev; override with WIDEMINIMA_PROFILE).
source "$(dirname "$0")/_venv.sh"
exec python -m pytest -q "$@"
