"""Run every benchmark in this folder, one after the other: ``python benchmarks/run.py [--full] [NAME ...]``.

Discovers ``bench_*.py`` (and any other ``*.py`` here except this file and ``_*.py``),
runs each as its own process so that one failure does not stop the others, and
prints their tables. Give names (e.g. ``sharpness``) to run only those.

By default every script runs with ``--quick`` (small sizes, one repeat: about a minute
in all on 2 cores, a smoke run of every benchmark). ``--full`` runs the sizes the README's
tables quote; its expected time and memory are printed before it starts. Convention for a
new benchmark: accept ``--quick``, and add its full cost to :data:`FULL_COST`.
Exit status: 0 if every benchmark ran, 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

# Expected wall time (seconds) and peak memory of each script's full run on the project's 2-core
# machine. Measured: the whole --full run, 33 min and 7.1 GB (issue 14, machine shared with other
# jobs), not broken down by script. Estimated from that and from the quick runs (70 s in all, 0.3 GB,
# load average 15): the other three scripts take a few minutes together at most (their full runs
# repeat the quick cases 3-5 times and add a few larger ones), so bench_sharpness (the (8, 256),
# (50, 64) and (4, 1024) cases, each method capped at 60 s) is nearly all of the time and memory.
# Issue-wave-2 scripts, from their own full runs on the shared machine (load average 6 to 20, so
# upper ends): bench_mutation 5 seeds x 40 variants at ci (about 2 CPU-minutes a seed), bench_dask's
# default (overhead, 2000 tasks), bench_flattest (the certificate at d = 64 is about a minute),
# bench_threads (3 cases x 5 interleaved repetitions), bench_torch_spectra (two models, methods capped at 120 s).
FULL_COST = {
    "bench_dask.py": (60, "under 1 GB"),
    "bench_flattest.py": (180, "under 1 GB"),
    "bench_mutation.py": (900, "under 2 GB"),
    "bench_sharpness.py": (1800, "about 7 GB (estimate)"),
    "bench_threads.py": (600, "about 1 GB"),
    "bench_torch_spectra.py": (900, "about 4 GB (estimate)"),
    "bench_symbolic.py": (120, "under 1 GB"),
    "bench_verify.py": (60, "under 1 GB"),
    "training.py": (30, "under 1 GB"),
}


def discover(folder: Path) -> list[Path]:
    """The benchmark scripts in ``folder``, ``bench_*.py`` first, then the others, each sorted."""
    scripts = [p for p in folder.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_")]
    return sorted(scripts, key=lambda p: (not p.name.startswith("bench_"), p.name))


def full_estimate(scripts: list[Path]) -> str:
    """What a --full run of ``scripts`` is expected to cost, as one line."""
    known = [FULL_COST[p.name] for p in scripts if p.name in FULL_COST]
    unknown = [p.name for p in scripts if p.name not in FULL_COST]
    seconds = sum(seconds for seconds, _ in known)
    duration = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
    memory = ", ".join(f"{p.name} {FULL_COST[p.name][1]}" for p in scripts if p.name in FULL_COST)
    line = f"--full: expect about {duration} on 2 cores (peak memory: {memory})"
    return line + (f"; not estimated: {', '.join(unknown)}" if unknown else "")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the README's sizes (about 80 minutes, 7 GB; printed before it starts)")
    parser.add_argument("names", nargs="*", metavar="NAME", help="run only these (e.g. sharpness)")
    args = parser.parse_args(argv)
    scripts = discover(Path(__file__).resolve().parent)
    if args.names:
        scripts = [p for p in scripts if p.stem in args.names or p.stem.removeprefix("bench_") in args.names]
    if args.full:
        print(full_estimate(scripts), flush=True)
    else:
        print("quick run (--quick for every script; `python benchmarks/run.py --full` for the README's sizes)", flush=True)
    failed = []
    for script in scripts:
        print(f"== {script.name} ==", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)] + ([] if args.full else ["--quick"]), check=False)
        print(f"== {script.name}: exit {done.returncode}, {time.perf_counter() - start:.0f} s ==\n", flush=True)
        if done.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
