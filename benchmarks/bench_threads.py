"""The default thread count against fixed ones, side by side: ``python benchmarks/bench_threads.py [--repeats R]``.

For each (N, d) in ``--cases`` (default (8, 256), (50, 64), (4, 1024); the gauge-transformed
minima of bench_sharpness.py, where :func:`wideminima.numeric.sharpness` runs Lanczos on G),
times one ``sharpness`` call with the toolkit's default (``wideminima.threads.choose_threads``
for the size of one product, the load average re-read before each run as a new process would)
and with every fixed count from 1 to the available cores. The settings are interleaved
(repetition r runs them all, in an order rotated by r), so a change of the machine's load hits
every setting alike. Prints the median wall-clock seconds, their min-max range, the thread count
the default chose, and default / best; the 1-minute load average before and after each case.
On a machine shared with other work the spread says how far the medians can be trusted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from wideminima.numeric import gauge_minimum, sharpness
from wideminima.numeric.gram import product_flops
from wideminima.threads import available_cores, choose_threads, thread_limit


def _instance(depth: int, width: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    target = rng.standard_normal((width, width)) / np.sqrt(width)
    return gauge_minimum(target, [width] * (depth + 1), rng, condition=10.0)


def run_case(depth: int, width: int, repeats: int) -> list[str]:
    weights = _instance(depth, width)
    sharpness(weights)  # warm up (imports, first BLAS calls)
    settings: list[int | str] = ["default", *range(1, available_cores() + 1)]
    times: dict[int | str, list[float]] = {s: [] for s in settings}
    chosen = []
    load_before = os.getloadavg()[0]
    for r in range(repeats):
        order = settings[r % len(settings):] + settings[: r % len(settings)]
        for setting in order:
            count = choose_threads(product_flops(depth, width, width), reread_load=True) if setting == "default" else setting
            if setting == "default":
                chosen.append(count)
            with thread_limit(count):
                start = time.perf_counter()
                sharpness(weights)
                times[setting].append(time.perf_counter() - start)
    medians = {s: statistics.median(t) for s, t in times.items()}
    best = min(medians[s] for s in settings if s != "default")
    lines = [f"\n(N, d) = ({depth}, {width}): load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
             f"{repeats} interleaved repetitions", "",
             "| threads | median s | min - max s | / best fixed |", "| --- | --- | --- | --- |"]
    for s in settings:
        label = f"default (chose {', '.join(str(c) for c in sorted(set(chosen)))})" if s == "default" else str(s)
        lines.append(f"| {label} | {medians[s]:.2f} | {min(times[s]):.2f} - {max(times[s]):.2f} | {medians[s] / best:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions per setting (default 5)")
    parser.add_argument("--cases", default="8x256,50x64,4x1024", help="comma-separated NxD list")
    parser.add_argument("--quick", action="store_true", help="smoke run: case 4x64, one repetition")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.repeats = "4x64", 1
    print(f"sharpness at gauge-transformed minima: default threads vs fixed; {available_cores()} cores available "
          f"(affinity and cgroup quota), {os.cpu_count()} in the machine; numpy {np.__version__}")
    for case in args.cases.split(","):
        depth, width = (int(x) for x in case.lower().split("x"))
        print(f"(N, d) = ({depth}, {width}) ...", file=sys.stderr, flush=True)
        print("\n".join(run_case(depth, width, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
