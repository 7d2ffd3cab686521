# Sourced by scripts/verify.sh and scripts/test.sh: create or reuse .venv and
# install the project (editable) with one set of extras, the same for both scripts,
# so that alternating them never reinstalls: every CPU extra (what the test suite
# needs, which also serves verify and report, scikit-learn's digits included) and
# torch from a local wheel if there is one. Re-installs only when pyproject.toml or
# this file change.
set -euo pipefail
WM_EXTRAS="fast,report,backends,datasets,test"
WM_TORCH=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${WIDEMINIMA_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating virtual environment $venv" >&2
    "$python" -m venv "$venv"
fi
stamp="$venv/.wideminima-installed"
want="$(cat "$root/pyproject.toml" "$root/scripts/_venv.sh" | sha256sum | cut -c1-16) extras=${WM_EXTRAS} torch=${WM_TORCH:-0}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing wideminima[${WM_EXTRAS}] into $venv" >&2
    "$venv/bin/python" -m pip install -q --upgrade pip >&2
    if [ "${WM_TORCH:-0}" = 1 ]; then
        # Only a torch wheel that lies on this machine (pip's find-links): from the
        # index, torch would be a CUDA build of several GB. Without one, the torch
        # tests are skipped and the rest runs.
        if "$venv/bin/python" -m pip install -q --no-index --no-deps "torch>=2.4" >&2 2>/dev/null; then
            "$venv/bin/python" -m pip install -q "torch>=2.4" >&2
        else
            echo "no local torch wheel: torch backend tests will be skipped" >&2
        fi
    fi
    "$venv/bin/python" -m pip install -q -e "$root[${WM_EXTRAS}]" >&2
    echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
