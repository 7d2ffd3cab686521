"""Run the tasks of the experiments, in parallel over local cores, deterministically.

Each task runs ``module.run_task(params, seed)`` with the seed from
:func:`~wideminima.report.registry.task_seed`; results are returned keyed by
(experiment, key) in task order, so they do not depend on the number of workers
or on which task finishes first.

Tasks always run in fresh ("spawn") worker processes whose BLAS is single-threaded:
the experiments multiply small matrices, where OpenBLAS threads only contend for
the cores the workers already use (measured 4.6x slower on a loaded 2-core
machine), and one thread keeps the floating-point summation order, hence the
results, the same for any number of workers.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from .registry import Task, task_seed

__all__ = ["run_tasks", "execute"]

def execute(module_name: str, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Run one task in this process: ``module.run_task(params, seed)``."""
    module = importlib.import_module(module_name)
    return module.run_task(params, seed)


_SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Environment for processes started inside the block: one BLAS thread (read when numpy loads)."""
    saved = {name: os.environ.get(name) for name in _SINGLE_THREAD}
    os.environ.update(_SINGLE_THREAD)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _init_worker() -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:  # pragma: no cover - the report extra is checked before running
        pass


def run_tasks(
    tasks: Sequence[Task],
    modules: dict[str, str],
    *,
    seed: int,
    workers: int = 2,
    on_done: Callable[[Task], None] | None = None,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Results of every task, keyed by (experiment id, task key), in task order.

    ``modules`` maps an experiment id to the module that defines its ``run_task``;
    ``workers`` is the number of worker processes (at least one); ``on_done(task)``
    is called in this process as each task finishes (in completion order).
    """
    keys = [(t.experiment, t.key) for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique within an experiment")
    results: dict[tuple[str, str], dict[str, Any]] = {}
    # Costly tasks first: with few workers the longest task then does not end up last.
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].cost)
    context = multiprocessing.get_context("spawn")
    with _single_threaded_children(), ProcessPoolExecutor(max(workers, 1), context, _init_worker) as pool:
        pending = {}
        for i in order:
            t = tasks[i]
            future = pool.submit(execute, modules[t.experiment], t.params, task_seed(seed, t.experiment, t.key))
            pending[future] = i
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    i = pending.pop(future)
                    results[keys[i]] = future.result()
                    if on_done is not None:
                        on_done(tasks[i])
        except BaseException:
            for future in pending:  # a failed task ends the run: do not start the others
                future.cancel()
            raise
    return {k: results[k] for k in keys}
