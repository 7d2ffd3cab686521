"""Run a list of independent tasks here, in local processes or on a Dask cluster; results in task order.

A task is ``function(*arguments)`` with ``function`` defined at the top level of an
importable module (it travels by name, as pickle does) and picklable arguments
that say everything the task needs (seeds included). The caller fixes the list of
tasks from its own inputs only - never from the number of workers - and
:func:`run_tasks` returns the results in task order, so a run gives the same
results on every backend:

- ``Backend.serial()``: one after the other, in this process;
- ``Backend.processes(K)``: K fresh ("spawn") worker processes of this machine;
- ``Backend.dask(ADDRESS)``: the workers of the Dask scheduler at ADDRESS
  (the optional extra ``dask``; ``dask scheduler`` / ``dask worker``, a
  ``distributed.LocalCluster``, or dask-jobqueue on a batch system).

Local worker processes run with one BLAS/OpenMP thread: the tasks multiply small
matrices, where threads only contend for the cores the workers already use, and
one thread keeps the floating-point summation order, hence the results, the same
for any number of workers. Dask workers should be started the same way
(``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 dask worker ADDRESS --nthreads 1``; README).

Every worker imports the task's module and runs it: workers must have the same
wideminima (and, for verify, the same claim files at the same paths) as the client.
Nothing a worker receives is a data file that could run code: tasks name functions
of installed modules or files the user asked to run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal

from wideminima.errors import InputError
from wideminima.threads import child_environment

__all__ = ["Backend", "run_tasks", "single_threaded_children", "watch_parent", "DASK_EXTRA"]

DASK_EXTRA = "pip install 'wideminima[dask]'"

# Seconds to wait for a Dask scheduler to answer before --scheduler is called unreachable.
CONNECT_TIMEOUT = 20

# One BLAS thread (read when numpy loads) and the non-interactive matplotlib backend for worker processes.
_WORKER_ENV = {**child_environment(1), "MPLBACKEND": "Agg"}


@dataclass(frozen=True)
class Backend:
    """Where tasks run: ``kind`` "serial", "processes" (``workers`` of them) or "dask" (at ``address``)."""

    kind: Literal["serial", "processes", "dask"]
    workers: int = 1
    address: str = ""

    @classmethod
    def serial(cls) -> Backend:
        return cls("serial")

    @classmethod
    def processes(cls, workers: int) -> Backend:
        if not (isinstance(workers, int) and workers >= 1):
            raise InputError(f"--workers {workers}: must be at least 1")
        return cls("processes", workers)

    @classmethod
    def dask(cls, address: str) -> Backend:
        if not address:
            raise InputError("--scheduler: give the scheduler's address, e.g. tcp://127.0.0.1:8786")
        if importlib.util.find_spec("distributed") is None:
            raise InputError(f"--scheduler needs Dask: {DASK_EXTRA}")
        return cls("dask", 0, address)

    def describe(self) -> str:
        """In words, for progress lines and report footers."""
        if self.kind == "serial":
            return "1 process"
        if self.kind == "processes":
            return f"{self.workers} local worker process(es)"
        return f"the Dask scheduler at {self.address}"


@contextlib.contextmanager
def single_threaded_children() -> Iterator[None]:
    """Environment for processes started inside the block: one BLAS thread (read when NumPy loads)."""
    saved = {name: os.environ.get(name) for name in _WORKER_ENV}
    os.environ.update(_WORKER_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


OnDone = Callable[[int, Any], None]


def run_tasks(function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]], backend: Backend, *,
              order: Sequence[int] | None = None, on_done: OnDone | None = None) -> list[Any]:
    """``[function(*a) for a in arguments]``, computed on ``backend``.

    ``order``: the indices in the order to start them (e.g. costly tasks first, so
    that the longest one does not end up last); it never changes the results.
    ``on_done(index, result)`` is called in this process as each task finishes (in
    completion order). The first task that raises ends the run: the others are
    cancelled and its exception is raised here.
    """
    start_order = list(order) if order is not None else list(range(len(arguments)))
    if sorted(start_order) != list(range(len(arguments))):
        raise ValueError("order must be a permutation of the task indices")
    results: dict[int, Any] = {}

    def done(index: int, result: Any) -> None:
        results[index] = result
        if on_done is not None:
            on_done(index, result)

    if backend.kind == "serial":
        for i in start_order:
            done(i, function(*arguments[i]))
    elif backend.kind == "processes":
        _run_in_processes(function, arguments, backend.workers, start_order, done)
    else:
        _run_on_dask(function, arguments, backend.address, start_order, done)
    return [results[i] for i in range(len(arguments))]


# How often a worker process checks that the main process is still alive.
_WATCH_PARENT_S = 0.5


def watch_parent(parent: int, interval: float = _WATCH_PARENT_S) -> threading.Thread:
    """Start a daemon thread that ends this process as soon as its parent ``parent`` is gone.

    The initializer of every local worker process: a worker whose main process was
    killed (SIGKILL leaves no chance to stop the pool) is re-parented; it then exits
    within ``interval`` seconds instead of running its task to the end for nobody.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread


def _run_in_processes(function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]], workers: int,
                      start_order: list[int], done: OnDone) -> None:
    context = multiprocessing.get_context("spawn")
    with single_threaded_children(), ProcessPoolExecutor(workers, context, watch_parent, (os.getpid(),)) as pool:
        pending = {pool.submit(function, *arguments[i]): i for i in start_order}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(pending.pop(future), future.result())
        except BaseException:
            for future in pending:  # a failed task ends the run: do not start the others
                future.cancel()
            raise


def _run_on_dask(function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]], address: str,
                 start_order: list[int], done: OnDone) -> None:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"--scheduler {address}: cannot connect ({first})") from None
    with client:
        name = f"{function.__module__}.{function.__qualname__}"
        # Distinct keys per run (pure=False): a rerun recomputes instead of reusing cached results;
        # a higher priority starts first, so the start order is the given order.
        futures = {client.submit(function, *arguments[i], pure=False, priority=len(start_order) - rank,
                                 key=f"{name}-{i}-{os.urandom(4).hex()}"): i
                   for rank, i in enumerate(start_order)}
        try:
            for future in as_completed(futures, loop=client.loop):
                done(futures[future], future.result())
        except BaseException:
            client.cancel(list(futures))
            raise
