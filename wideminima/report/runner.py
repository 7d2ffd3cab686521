"""Run the tasks of the experiments on an execution backend, deterministically.

Each task runs ``module.run_task(params, seed)`` with the seed from
:func:`~wideminima.report.registry.task_seed`; results are returned keyed by
(experiment, key) in task order, so they do not depend on the backend, the number
of workers or on which task finishes first (:mod:`wideminima.execution`, whose worker
processes are single-threaded and exit when the main process dies).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from wideminima.execution import Backend
from wideminima.execution import run_tasks as run_on_backend

from .registry import Task, task_seed

__all__ = ["run_tasks", "execute"]


def execute(module_name: str, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Run one task in this process: ``module.run_task(params, seed)``."""
    module = importlib.import_module(module_name)
    return module.run_task(params, seed)


def run_tasks(
    tasks: Sequence[Task],
    modules: dict[str, str],
    *,
    seed: int,
    backend: Backend,
    on_done: Callable[[Task], None] | None = None,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Results of every task, keyed by (experiment id, task key), in task order.

    ``modules`` maps an experiment id to the module that defines its ``run_task``;
    ``on_done(task)`` is called in this process as each task finishes (in completion order).
    """
    keys = [(t.experiment, t.key) for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique within an experiment")
    arguments = [(modules[t.experiment], t.params, task_seed(seed, t.experiment, t.key)) for t in tasks]
    # Costly tasks first: with few workers the longest task then does not end up last.
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].cost)
    results = run_on_backend(execute, arguments, backend, order=order,
                             on_done=None if on_done is None else lambda i, _: on_done(tasks[i]))
    return dict(zip(keys, results, strict=True))
