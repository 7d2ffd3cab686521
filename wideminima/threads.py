"""How many BLAS / OpenMP threads a computation gets: chosen from its size and the cores it can really use.

Base layer (imports nothing of the project but :mod:`wideminima.errors`).

The default, :func:`choose_threads`, is

    min(available_cores(), idle_cores(), max(1, floor(work / WORK_PER_THREAD)))

- :func:`available_cores`: the CPUs this process may run on (``os.sched_getaffinity``)
  capped by the cgroup CPU quota (``cpu.max`` of cgroup v2, ``cpu.cfs_quota_us`` /
  ``cpu.cfs_period_us`` of cgroup v1), so a container limited to 2 CPUs on a 64-core host
  gets 2, not 64.
- :func:`idle_cores`: those cores minus the threads of other processes that are runnable
  right now (``/proc/loadavg``'s running count less this process's own runnable threads, median of
  three reads 1 ms apart; the rounded 1-minute load average where that file does not
  exist), at least 1, read once per process (at its first use, before its own threads
  run). The instantaneous count, not the 1-minute average: the average still holds the
  user's previous command for a minute (measured on the idle 2-core machine: load average
  0.7 from the benchmark itself made the default take 1 thread, 1.69x slower than 2 at
  (N, d) = (8, 256)).
  OpenBLAS threads that wait for a busy core spin and slow a run down several times
  (issue 12 measured 7.9x at (N, d) = (8, 256) on a loaded 2-core machine), while one
  thread on a busy machine only loses the speed-up.
- the size term: one thread per :data:`WORK_PER_THREAD` floating-point operations of the
  largest single BLAS call (``work``); below that, starting threads costs more than it saves.
  ``work`` None (the size is not known yet, e.g. in the command-line dispatcher) drops it.

An explicit count (``--threads N`` on every command, or ``thread_limit(N)``) overrides
the default for everything run inside it, including nested :func:`thread_limit` calls
that pass only ``work``. With OpenBLAS the thread count changed speed, not results:
``sharpness`` at (N, d) = (8, 64) gave bit-identical values, vectors and product counts
with 1 and 2 threads (OpenBLAS splits a GEMM over output blocks, not over the summation);
other BLAS libraries need not behave so. The report's worker processes are
single-threaded whatever is chosen (:func:`child_environment`), which keeps their
summation order fixed.

threadpoolctl (core dependency) applies the limit to every BLAS / OpenMP library loaded
in the process; PyTorch's intra-op pool is set too when torch is already imported.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from wideminima.errors import InputError

__all__ = [
    "WORK_PER_THREAD",
    "available_cores",
    "idle_cores",
    "runnable_elsewhere",
    "choose_threads",
    "thread_limit",
    "child_environment",
    "check_threads",
]

# Floating-point operations per thread below which another thread does not pay: a (64, 64) x (64, 128)
# GEMM (1e6 flops) takes ~0.1 ms on one core, the order of waking and joining a thread pool.
WORK_PER_THREAD = 1e6
# Environment variables read by the BLAS / OpenMP libraries when they load (child processes).
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_CGROUP = Path("/sys/fs/cgroup")
_requested: ContextVar[int | None] = ContextVar("wideminima_threads", default=None)


def check_threads(threads: int) -> int:
    """``threads`` as an int >= 1, else :class:`InputError` naming the problem."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"threads must be an integer >= 1, got {threads!r}")
    return threads


def _cgroup_quota(root: Path = _CGROUP) -> float | None:
    """CPUs allowed by the cgroup quota (quota / period), None when there is no quota or no cgroup file."""
    candidates = ((root / "cpu.max", None), (root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"))
    for quota_file, period_file in candidates:
        try:
            if period_file is None:  # cgroup v2: "max 100000" or "200000 100000"
                quota, period = quota_file.read_text().split()[:2]
            else:  # cgroup v1: -1 means no quota
                quota, period = quota_file.read_text().strip(), period_file.read_text().strip()
        except (OSError, ValueError):
            continue
        if quota in ("max", "-1"):
            return None
        try:
            return max(float(quota) / float(period), 1.0)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def available_cores(root: Path = _CGROUP) -> int:
    """CPUs this process can use: its affinity set, capped by the cgroup CPU quota (rounded up), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(root)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(cores, 1)


_LOADAVG = Path("/proc/loadavg")


_OWN_TASKS = Path("/proc/self/task")


def _own_runnable(tasks: Path = _OWN_TASKS) -> int:
    """Threads of this process that are runnable now (state R in /proc/self/task/*/stat), at least 1: the reader."""
    count = 0
    for stat_file in tasks.glob("*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # a thread that ended while we read
            continue
        count += fields[:1] == ["R"]
    return max(count, 1)


def runnable_elsewhere(path: Path = _LOADAVG, reads: int = 3, tasks: Path = _OWN_TASKS) -> int | None:
    """Threads of other processes runnable now: the running count of ``path`` (Linux's
    ``/proc/loadavg``, fourth field ``running/total``) less this process's own runnable threads
    (the reader, and BLAS threads still spinning after a parallel call), median of ``reads``
    reads 1 ms apart; None where the file cannot be read."""
    counts = []
    try:
        for i in range(reads):
            if i:
                time.sleep(0.001)
            running = int(path.read_text().split()[3].split("/")[0])
            counts.append(running - _own_runnable(tasks))
    except (OSError, ValueError, IndexError):
        return None
    return max(0, sorted(counts)[len(counts) // 2])


def idle_cores(cores: int | None = None, load: float | None = None) -> int:
    """``cores`` (default :func:`available_cores`) minus the rounded ``load``, at least 1.

    ``load`` None: :func:`runnable_elsewhere`, else (no ``/proc/loadavg``) the 1-minute
    load average, else no load term.
    """
    cores = available_cores() if cores is None else cores
    if load is None:
        load = runnable_elsewhere()
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # pragma: no cover - not on Unix
            return cores
    return max(1, cores - round(load))


@functools.cache
def _idle_at_first_use() -> int:
    """:func:`idle_cores` read once per process, so that the process's own threads do not feed back into it."""
    return idle_cores()


def choose_threads(work: float | None = None, *, reread_load: bool = False) -> int:
    """The thread count for a computation whose largest BLAS call does ``work`` flops (module docstring).

    An explicit count set by an enclosing :func:`thread_limit` wins. ``reread_load``: read the
    load now instead of the one read at first use (for benchmarks that compare settings).
    """
    requested = _requested.get()
    if requested is not None:
        return requested
    threads = idle_cores() if reread_load else _idle_at_first_use()
    if work is not None:
        threads = min(threads, max(1, int(work // WORK_PER_THREAD)))
    return threads


def _set_torch_threads(threads: int) -> int | None:
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    previous = int(torch.get_num_threads())
    torch.set_num_threads(threads)
    return previous


@contextlib.contextmanager
def thread_limit(threads: int | None = None, *, work: float | None = None) -> Iterator[int]:
    """Run the block with ``threads`` BLAS / OpenMP (and torch) threads; yields the count applied.

    ``threads`` None: :func:`choose_threads` (``work``) decides, or the explicit count of an
    enclosing ``thread_limit(N)``. An explicit ``threads`` is remembered for nested calls.
    The previous limits are restored on exit.
    """
    if threads is not None:
        check_threads(threads)
    count = threads if threads is not None else choose_threads(work)
    token = _requested.set(threads) if threads is not None else None
    from threadpoolctl import threadpool_limits  # lazily: inspecting the loaded libraries costs ~ms

    previous_torch = _set_torch_threads(count)
    try:
        with threadpool_limits(limits=count):
            yield count
    finally:
        if previous_torch is not None:
            _set_torch_threads(previous_torch)
        if token is not None:
            _requested.reset(token)


def child_environment(threads: int = 1) -> dict[str, str]:
    """Environment variables giving processes started with them ``threads`` BLAS / OpenMP threads."""
    value = str(check_threads(threads))
    return {name: value for name in _THREAD_VARIABLES}
