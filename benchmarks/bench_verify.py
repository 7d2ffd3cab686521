"""How long ``wideminima verify`` takes: the built-in claims (ci profile) and the wrong variants.

    python benchmarks/bench_verify.py [--repeats 3] [--profile ci] [--quick]

``--quick``: one run of the command (no median), no wrong variants.

Runs the whole command as a fresh process (import and start-up included) ``repeats``
times and prints the median wall time, then one row per claim (examples, worst
margin, status, median seconds). The budget is 60 s for the ci profile on 2 cores.
A second table times the wrong variants (refutation, shrinking and certificate).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_verify(profile: str, out: str) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "wideminima", "verify", "--profile", profile, "--json", "--out", out],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"verify failed with exit {done.returncode}: {done.stderr.strip()}")
    return wall, json.loads(done.stdout)


def _margin(value: float | None, width: int) -> str:
    """A worst margin for the table; None (no example evaluated, e.g. a claim that errors at once) as "-"."""
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", default="ci", choices=("dev", "ci", "thorough"))
    parser.add_argument("--quick", action="store_true", help="one run of the command, no wrong variants")
    args = parser.parse_args()
    if args.quick:
        args.repeats = 1
    print(f"machine: {os.cpu_count()} logical CPUs visible; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as out:
        runs = [run_verify(args.profile, out) for _ in range(args.repeats)]
    walls = [w for w, _ in runs]
    print(f"wideminima verify --profile {args.profile}: median {statistics.median(walls):.1f} s wall "
          f"(runs: {', '.join(f'{w:.1f}' for w in walls)}), budget 60 s")
    print(f"{'claim':<28} {'kind':<10} {'examples':>8} {'worst margin':>13} {'status':<9} {'median s':>8}")
    for i, row in enumerate(runs[0][1]["claims"]):
        secs = statistics.median(r["claims"][i]["seconds"] for _, r in runs)
        print(f"{row['id']:<28} {row['kind']:<10} {row['examples']:>8} {_margin(row['worst_margin'], 13)} "
              f"{row['status']:<9} {secs:>8.2f}")

    if args.quick:
        print("\nwrong variants: not timed with --quick")
        return 0
    from wideminima.property_tests import verify
    from wideminima.property_tests.mutants import WRONG_VARIANTS

    print("\nwrong variants (must all be refuted), ci profile:")
    print(f"{'variant':<24} {'status':<9} {'evaluations':>11} {'margin':>10} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = verify(WRONG_VARIANTS, "ci", 0, out_dir=out)
        for row in result.claims:
            print(f"{row.id:<24} {row.status:<9} {row.examples:>11} {_margin(row.worst_margin, 10)} {row.seconds:>8.2f}")
        print(f"total {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
