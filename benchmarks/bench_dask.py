"""Scaling of ``verify`` and ``report`` over workers: 1 process, ``--workers 2``, a Dask LocalCluster of 2.

    python benchmarks/bench_dask.py --quick          (overhead with 200 tasks: what benchmarks/run.py runs)
    python benchmarks/bench_dask.py overhead [--tasks 2000]
    python benchmarks/bench_dask.py verify [--profile thorough] [--claim ID ...] [--shards S]
    python benchmarks/bench_dask.py shards [--profile thorough] [--claim ID ...] [--shards 8]
    python benchmarks/bench_dask.py report [--mode full] [--only E2,E3] [--model]

``overhead``: the cost per task of the execution layer itself, from ``--tasks``
no-op tasks on each backend (wall / tasks), and the start-up of a LocalCluster.
``verify`` / ``report``: the whole command as a fresh process (start-up included)
on each backend, wall time, the machine's load average before and after each run,
and whether the results are identical (verify: status, examples, worst margin per
claim; report: the bytes of ``results/*.json``). ``verify`` also prints each
claim's seconds and the model of the time on K workers (below). ``report --model``
times each task's CPU (robust to the machine's load) and prints the speed-up the
task sizes allow on K cores (total CPU / longest-first makespan).
``shards``: ``verify --shards 1`` and ``verify --shards S`` in one process each (same
total examples): CPU seconds of the process, the claims' seconds and examples side by
side (what a shard's start-up costs), and the makespan model from the S-shard task times.

Model (verify): one task per claim shard, so on K workers the run takes about
start-up + the makespan of the tasks' times on K machines (longest first) +
tasks x overhead per task. The 1-process run gives the tasks' times (the shard
rows' seconds); the model is checked against the measured 2-worker time and then
extrapolated: 10^5 examples per claim is ``--examples 100000 --shards 100000/m``
with tasks of m examples each, i.e. each claim's measured task times repeated
(10^5 / m of the measured size m = profile examples / S). Every process runs with
one BLAS thread (OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1).
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from wideminima.execution import Backend, run_tasks, single_threaded_children


def nothing() -> None:
    """A task that does no work: its wall time is the execution layer's overhead."""


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def local_cluster(workers: int = 2) -> Iterator[tuple[str, float]]:
    """A LocalCluster of ``workers`` single-threaded processes: (scheduler address, start-up seconds)."""
    from distributed import LocalCluster

    start = time.perf_counter()
    with single_threaded_children():
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        yield cluster.scheduler_address, time.perf_counter() - start
    finally:
        cluster.close()


def makespan(times: Sequence[float], machines: int) -> float:
    """Longest-processing-time-first schedule of ``times`` on ``machines``: when the last one ends."""
    ends = [0.0] * machines
    for t in sorted(times, reverse=True):
        heapq.heappush(ends, heapq.heappop(ends) + t)
    return max(ends)


def overhead(tasks: int) -> None:
    print(f"overhead per task: {tasks} no-op tasks per backend; load average before {load()}")
    with local_cluster() as (address, startup):
        print(f"LocalCluster of 2 processes started in {startup:.2f} s")
        for backend in (Backend.serial(), Backend.processes(2), Backend.dask(address)):
            start = time.perf_counter()
            run_tasks(nothing, [()] * tasks, backend)
            wall = time.perf_counter() - start
            print(f"  {backend.describe():<45} {wall:7.2f} s wall, {1e3 * wall / tasks:7.3f} ms per task "
                  f"(start-up included; load {load()})")


def run_cli(args: list[str]) -> tuple[float, subprocess.CompletedProcess, str, str, float]:
    """(wall s, the finished process, load before, load after, CPU s of the process and its children)."""
    before = load()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with single_threaded_children():
        done = subprocess.run([sys.executable, "-m", "wideminima", *args], capture_output=True, text=True, check=False)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, done, before, load(), after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime


def _rows(name: str, done: subprocess.CompletedProcess) -> list[dict]:
    """The claims of a verify run's JSON (any verdict's exit status); exit on bad usage or a crash."""
    try:
        rows = json.loads(done.stdout)["claims"]
    except (ValueError, KeyError):
        raise SystemExit(f"{name}: exit {done.returncode}: {done.stderr.strip()[-500:]}") from None
    print(f"  {name}: exit {done.returncode}; " + ", ".join(f"{r['id']} {r['status']}" for r in rows
                                                          if r["status"] != "verified"))
    return rows


def _tasks(rows: list[dict]) -> dict[str, list[float]]:
    """Each claim's task times (seconds): its shard rows', or the row's own when unsharded."""
    return {r["id"]: [s["seconds"] for s in r["shards"]["rows"]] if "shards" in r else [r["seconds"]] for r in rows}


def _model(rows: list[dict], profile: str, shards: int) -> None:
    """10^5 examples per claim as tasks of the measured size: the makespan on 2 and 64 idle cores."""
    from hypothesis import settings

    from wideminima.property_tests.profiles import register_profiles

    register_profiles()
    tasks = _tasks(rows)
    base = settings.get_profile(profile).max_examples  # the profile's examples per claim, before examples_scale
    repeat = 10**5 / base  # a task of n / S examples, 10^5 / n times as many as measured
    big = [t for times in tasks.values() for _ in range(round(repeat)) for t in times]
    print(f"  10^5 examples per claim (--examples 100000 --shards {round(repeat * shards)}: {len(big)} tasks of the "
          f"measured sizes, {sum(big):.0f} s in all):")
    for k in (2, 64):
        print(f"    {k:>2} idle cores: makespan {makespan(big, k):8.0f} s ({makespan(big, k) / 3600:.2f} h)")
    one = [sum(times) * repeat for times in tasks.values()]
    print(f"    one task per claim instead: {makespan(one, 64):.0f} s on 64 cores (the slowest claim)")


def verify(profile: str, claims: list[str], shards: int) -> None:
    picked = [a for c in claims for a in ("--claim", c)]
    rows, walls = {}, {}
    with local_cluster() as (address, startup), tempfile.TemporaryDirectory() as out:
        print(f"verify --profile {profile} --shards {shards} {' '.join(picked)}; LocalCluster start-up {startup:.1f} s "
              "(not counted)")
        for name, extra in {"1 process": [], "--workers 2": ["--workers", "2"],
                            "Dask LocalCluster(2)": ["--scheduler", address]}.items():
            wall, done, before, after, cpu = run_cli(["verify", *picked, "--profile", profile, "--seed", "0", "--json",
                                                      "--shards", str(shards), *extra,
                                                      "--out", str(Path(out) / name.replace(" ", "_"))])
            rows[name] = _rows(name, done)
            walls[name] = wall
            same = [(r["status"], r["examples"], r["worst_margin"], r.get("shards", {}).get("count"))
                    for r in rows[name]] == [(r["status"], r["examples"], r["worst_margin"],
                                              r.get("shards", {}).get("count")) for r in rows["1 process"]]
            print(f"  {name:<22} {wall:8.1f} s wall, {cpu:7.1f} s CPU (the command and its processes, not Dask's)  speed-up "
                  f"{walls['1 process'] / wall:4.2f}  load {before} -> {after}  results identical to 1 process: {same}")
    tasks = _tasks(rows["1 process"])
    seconds = {c: sum(t) for c, t in tasks.items()}
    examples = {r["id"]: r["examples"] for r in rows["1 process"]}
    startup = walls["1 process"] - sum(seconds.values())
    print(f"  claims' seconds in the 1-process run: total {sum(seconds.values()):.1f}, start-up and import "
          f"{startup:.1f}; longest {max(seconds, key=seconds.get)} {max(seconds.values()):.1f}")
    for claim, s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"    {claim:<28} {examples[claim]:>6} examples {s:8.2f} s  {1e3 * s / max(examples[claim], 1):8.2f} "
              f"ms/example, longest task {max(tasks[claim]):.2f} s")
    every = [t for times in tasks.values() for t in times]
    print(f"  model for 2 workers: {startup:.1f} + makespan {makespan(every, 2):.1f} = "
          f"{startup + makespan(every, 2):.1f} s (measured --workers 2: {walls['--workers 2']:.1f} s)")
    _model(rows["1 process"], profile, shards)


def shards_cost(profile: str, claims: list[str], shards: int) -> None:
    """--shards 1 against --shards S, one process each, the same total examples: what sharding costs."""
    picked = [a for c in claims for a in ("--claim", c)]
    rows, cpus = {}, {}
    with tempfile.TemporaryDirectory() as out:
        for count in (1, shards):
            wall, done, before, after, cpus[count] = run_cli(["verify", *picked, "--profile", profile, "--seed", "0",
                                                              "--json", "--shards", str(count), "--out", out])
            rows[count] = {r["id"]: r for r in _rows(f"--shards {count}", done)}
            print(f"verify --profile {profile} --shards {count}: {wall:.1f} s wall, {cpus[count]:.1f} s CPU, "
                  f"load {before} -> {after}")
    print(f"  {'claim':<28} {'examples 1':>10} {'S':>6} {'s, 1 shard':>10} {'S shards':>9} {'ratio':>6} "
          f"{'ms/ex 1':>8} {'ms/ex S':>8}")
    for claim, one in rows[1].items():
        many = rows[shards][claim]
        print(f"  {claim:<28} {one['examples']:>10} {many['examples']:>6} {one['seconds']:>10.2f} "
              f"{many['seconds']:>9.2f} {many['seconds'] / one['seconds']:>6.2f} "
              f"{1e3 * one['seconds'] / one['examples']:>8.2f} {1e3 * many['seconds'] / many['examples']:>8.2f}")
    total = {c: sum(r["seconds"] for r in rows[c].values()) for c in rows}
    print(f"  claims' seconds: {total[1]:.1f} (1 shard) vs {total[shards]:.1f} ({shards} shards), ratio "
          f"{total[shards] / total[1]:.3f}; process CPU ratio {cpus[shards] / cpus[1]:.3f}")
    _model(list(rows[shards].values()), profile, shards)


def report(mode: str, only: str) -> None:
    results: dict[str, dict[str, bytes]] = {}
    walls = {}
    with local_cluster() as (address, startup), tempfile.TemporaryDirectory() as out:
        print(f"report --{mode} --only {only}; LocalCluster start-up {startup:.1f} s (not counted)")
        for name, extra in {"--workers 1": ["--workers", "1"], "--workers 2": ["--workers", "2"],
                            "Dask LocalCluster(2)": ["--scheduler", address]}.items():
            folder = Path(out) / name.replace(" ", "_")
            wall, done, before, after, _ = run_cli(["report", f"--{mode}", "--quiet", "--only", only, *extra,
                                                 "--out", str(folder)])
            if done.returncode not in (0, 1):
                raise SystemExit(f"{name}: exit {done.returncode}: {done.stderr.strip()[-500:]}")
            results[name] = {p.name: p.read_bytes() for p in sorted((folder / "results").glob("*.json"))}
            walls[name] = wall
            print(f"  {name:<22} {wall:8.1f} s wall  speed-up {walls['--workers 1'] / wall:4.2f}  "
                  f"load {before} -> {after}  results/*.json identical to --workers 1: "
                  f"{results[name] == results['--workers 1']}")


def report_model(mode: str, only: str) -> None:
    """Each task's CPU time, one after the other in this process, and the speed-up it allows on K cores."""
    from wideminima.report.registry import experiments, task_seed
    from wideminima.report.runner import execute

    cpu = []
    start = time.perf_counter()
    before = load()
    for module in experiments(only.split(",")):
        for task in module.tasks(mode, 0):
            t0 = time.process_time()
            execute(module.__name__, task.params, task_seed(0, task.experiment, task.key))
            cpu.append(time.process_time() - t0)
    print(f"report --{mode} --only {only}: {len(cpu)} tasks, CPU time {sum(cpu):.1f} s (longest task "
          f"{max(cpu):.2f} s), {time.perf_counter() - start:.1f} s wall in one process, load {before} -> {load()}")
    for k in (2, 4, 16, 64):
        print(f"  {k:>2} cores: makespan {makespan(cpu, k):7.1f} s CPU, speed-up bound {sum(cpu) / makespan(cpu, k):5.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: overhead with 200 tasks (benchmarks/run.py)")
    sub = parser.add_subparsers(dest="what")
    sub.add_parser("overhead").add_argument("--tasks", type=int, default=2000)
    v = sub.add_parser("verify")
    v.add_argument("--profile", default="thorough", choices=("dev", "ci", "thorough"))
    v.add_argument("--claim", action="append", default=[])
    v.add_argument("--shards", type=int, default=1)
    sh = sub.add_parser("shards")
    sh.add_argument("--profile", default="thorough", choices=("dev", "ci", "thorough"))
    sh.add_argument("--claim", action="append", default=[])
    sh.add_argument("--shards", type=int, default=8)
    r = sub.add_parser("report")
    r.add_argument("--mode", default="full", choices=("quick", "full"))
    r.add_argument("--only", default="E1,E2,E3,E4,E5,E6")
    r.add_argument("--model", action="store_true", help="time each task's CPU in this process instead")
    args = parser.parse_args()
    if args.quick:
        args.what, args.tasks = "overhead", 200
    elif args.what is None:
        parser.error("name what to measure: overhead, verify or report (or --quick)")
    print(f"machine: {os.cpu_count()} logical CPUs; python {sys.version.split()[0]}; one BLAS thread per process")
    if args.what == "overhead":
        overhead(args.tasks)
    elif args.what == "verify":
        verify(args.profile, args.claim, args.shards)
    elif args.what == "shards":
        shards_cost(args.profile, args.claim, args.shards)
    elif args.model:
        report_model(args.mode, args.only)
    else:
        report(args.mode, args.only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
