#!/usr/bin/env bash
# GPU check of wideminima, unattended, under 8 minutes: benchmarks/device_check.sh [--cpu-only]
#
# On a machine with an NVIDIA GPU and PyPI access, from the repository root:
#   1. makes a fresh virtual environment (.device-venv) and installs the project with the
#      test and torch extras (PyPI's Linux torch wheels are CUDA builds) and, where it
#      installs, CuPy (cupy-cuda12x);
#   2. checks that torch sees a CUDA device;
#   3. runs the array-backend tests (tests/numeric, whose `xp` fixture takes
#      WIDEMINIMA_ARRAY_BACKENDS) on torch CUDA, then on CuPy if it installed;
#   4. times wideminima.numeric.sharpness at (N, d) = (8, 256), (4, 1024), (2, 4096) on the
#      GPU (torch float64) and on the CPU (NumPy, default threads);
#   5. prints ONE markdown table: every step with its status and seconds, then the
#      sharpness rows with GPU/CPU time ratio and the relative difference of lambda_max.
# Every step has a time limit, cut to what is left of a 450 s budget (a step that no longer
# fits is reported as skipped), so the whole script ends within 8 minutes; a failed or
# skipped required step prints why on stderr and makes the script exit 1 (the table is
# still printed). CuPy is optional: if it does not
# install, its rows say so and the exit status is not affected.
#
# --cpu-only: the CPU fallback, to test this script on a machine without a GPU: installs
# nothing (uses $PYTHON, default .venv/bin/python), runs the backend tests on torch CPU and
# the benchmark on the CPU only. DEVICE_CHECK_CASES overrides the sizes (e.g. 8x64,2x512).
set -euo pipefail

CPU_ONLY=0
case "${1:-}" in
  --cpu-only) CPU_ONLY=1 ;;
  "") ;;
  *) echo "usage: $0 [--cpu-only]" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/device-check.XXXXXX")"
STEPS="$WORK/steps.tsv"
: > "$STEPS"
CASES="${DEVICE_CHECK_CASES:-8x256,4x1024,2x4096}"
FAILED=0
START=$SECONDS
BUDGET=450  # seconds for all steps together (the final table takes a second): under 8 minutes

# step NAME LIMIT_SECONDS REQUIRED(1|0) COMMAND...: run with a time limit, log to $WORK/NAME.log,
# record "name<TAB>status<TAB>seconds<TAB>detail" in $STEPS; loud on failure.
step() {
  local name="$1" limit="$2" required="$3"; shift 3
  local log="$WORK/$name.log" t0=$SECONDS rc=0
  local left=$((BUDGET - (SECONDS - START)))
  if [ "$left" -lt 15 ]; then  # the 8-minute budget is spent: say so instead of running over
    echo "!! $name: skipped, the ${BUDGET}s budget is spent" >&2
    [ "$required" -eq 1 ] && FAILED=1
    printf '%s\t%s\t%s\t%s\n' "$name" "SKIPPED (budget spent)" 0 "not run" >> "$STEPS"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo ">> $name (limit ${limit}s)" >&2
  timeout --kill-after=10 "$limit" "$@" > "$log" 2>&1 || rc=$?
  local secs=$((SECONDS - t0)) status="ok" detail
  detail="$(tail -n 1 "$log" | tr '\t|' '  ' | cut -c1-120)"
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then status="TIMEOUT"; else status="FAIL (exit $rc)"; fi
    if [ "$required" -eq 1 ]; then FAILED=1; else status="$status, optional"; fi
    echo "!! $name: $status; last lines of $log:" >&2
    tail -n 25 "$log" >&2
  fi
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$secs" "$detail" >> "$STEPS"
  return 0
}

HAVE_CUPY=0
if [ "$CPU_ONLY" -eq 1 ]; then
  PY="${PYTHON:-$ROOT/.venv/bin/python}"
  [ -x "$PY" ] || { echo "device_check: no python at $PY (set PYTHON)" >&2; exit 2; }
  step "python-ready" 60 1 "$PY" -c "import wideminima, torch, numpy; print('wideminima', wideminima.__version__, 'torch', torch.__version__)"
  BACKENDS="torch"
  DEVICES="cpu"
else
  step "make-venv" 60 1 python3 -m venv "$ROOT/.device-venv"
  PY="$ROOT/.device-venv/bin/python"
  step "install" 240 1 "$PY" -m pip install -q -e ".[test,torch]"
  step "cuda-visible" 60 1 "$PY" -c "import torch; assert torch.cuda.is_available(), 'torch sees no CUDA device'; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))"
  step "install-cupy" 120 0 "$PY" -m pip install -q cupy-cuda12x
  if "$PY" -c "import cupy; cupy.arange(3).sum()" > "$WORK/cupy-check.log" 2>&1; then HAVE_CUPY=1; fi
  BACKENDS="torch-cuda"
  DEVICES="cpu cuda"
fi

step "tests-$BACKENDS" 150 1 env WIDEMINIMA_ARRAY_BACKENDS="$BACKENDS" WIDEMINIMA_PROFILE=ci \
  "$PY" -m pytest -q -x -p no:randomly tests/numeric
if [ "$HAVE_CUPY" -eq 1 ]; then
  step "tests-cupy" 120 0 env WIDEMINIMA_ARRAY_BACKENDS=cupy WIDEMINIMA_PROFILE=ci \
    "$PY" -m pytest -q -p no:randomly tests/numeric
elif [ "$CPU_ONLY" -eq 0 ]; then
  printf '%s\t%s\t%s\t%s\n' "tests-cupy" "SKIPPED, optional" 0 "CuPy did not install or import (see install-cupy)" >> "$STEPS"
fi

for device in $DEVICES; do
  step "sharpness-$device" 150 1 sh -c "'$PY' benchmarks/_device_sharpness.py --device $device --cases '$CASES' > '$WORK/sharpness-$device.jsonl'"
done

"$PY" - "$WORK" "$((SECONDS - START))" <<'PYEOF'
import json, pathlib, sys

work, total = pathlib.Path(sys.argv[1]), sys.argv[2]
print(f"\n| item | status | seconds | detail |\n| --- | --- | --- | --- |")
for line in (work / "steps.tsv").read_text().splitlines():
    name, status, secs, detail = line.split("\t")
    print(f"| {name} | {status} | {secs} | {detail} |")
rows = {}
for path in sorted(work.glob("sharpness-*.jsonl")):
    for line in path.read_text().splitlines():
        r = json.loads(line)
        rows[(r["depth"], r["width"], r["device"])] = r
for (depth, width, device), r in sorted(rows.items()):
    cpu = rows.get((depth, width, "cpu"))
    versus = ""
    if device != "cpu" and cpu is not None:
        diff = abs(r["lambda_max"] - cpu["lambda_max"]) / cpu["lambda_max"]
        versus = f"; {r['seconds'] / cpu['seconds']:.2f}x the CPU time, lambda_max differs by {diff:.1e} relative"
    print(f"| sharpness ({depth}, {width}) on {device} | ok | {r['seconds']:.3f} | {r['products']} products, "
          f"{r['method']}, lambda_max {r['lambda_max']:.15g}{versus} |")
print(f"| total | - | {total} | |")
PYEOF

exit "$FAILED"
