"""What an experiment is, and the list of experiments the report runs.

An experiment is a module with

- ``ID`` (``"E1"``...), ``TITLE`` and ``THEORY`` (the theory ids it illustrates);
- ``tasks(mode, seed) -> list[Task]``: independent units of work, each a plain dict of
  parameters (picklable, so that they can run in worker processes);
- ``run_task(params, seed) -> dict``: the work itself, a module-level function whose
  result depends only on ``params`` and ``seed`` (JSON-able floats, ints, lists);
- ``summarize(mode, records, context) -> Section``: tables, figures and checks
  drawn from the records of all its tasks, in task order.

Seeds: the seed of a task is derived from the report seed, the experiment id and
the task key only (:func:`task_seed`), so results do not depend on the number of
workers or on the order in which tasks finish.
"""

from __future__ import annotations

import importlib
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from types import ModuleType
from typing import Any

import numpy as np

from wideminima.errors import InputError

__all__ = [
    "CheckVerdict",
    "MODES",
    "EXPERIMENT_MODULES",
    "Task",
    "Check",
    "Figure",
    "Table",
    "Section",
    "Context",
    "experiments",
    "task_seed",
]

MODES = ("quick", "full")

# In report order; each module follows the protocol in this module's docstring.
EXPERIMENT_MODULES = (
    "wideminima.report.e1_minima",
    "wideminima.report.e2_step_size",
    "wideminima.report.e3_near_balance",
    "wideminima.report.e4_stability",
    "wideminima.report.e5_coupling",
    "wideminima.report.e6_scalar",
)


@dataclass(frozen=True)
class Task:
    """One independent unit of work of experiment ``experiment``.

    ``key`` is unique within the experiment and names the task in the results;
    ``cost`` is a rough relative cost used only for the progress bar's ETA.
    """

    experiment: str
    key: str
    params: dict[str, Any]
    cost: float = 1.0


@dataclass(frozen=True)
class Check:
    """A number in the report compared with what the theory says about it.

    ``kind`` is ``"theorem"`` (a failure means a bug or a wrong theorem: the
    command exits 1) or ``"empirical"`` (a law seen in practice; reported only).
    """

    id: str
    kind: str
    statement: str
    value: float
    bound: str
    passed: bool

    @property
    def verdict(self) -> CheckVerdict:
        """pass; else FAIL for a theorem and "not seen" for an empirical law."""
        if self.passed:
            return CheckVerdict.PASS
        return CheckVerdict.FAIL if self.kind == "theorem" else CheckVerdict.NOT_SEEN


class CheckVerdict(StrEnum):
    """The verdict column of the report's checks table (the strings are the report's)."""

    PASS = "pass"
    FAIL = "FAIL"
    NOT_SEEN = "not seen"


@dataclass(frozen=True)
class Figure:
    """A saved figure: files ``figures/<name>.png`` and ``.svg`` and its caption.

    ``shows`` says what is plotted, ``theory`` what the theory predicts.
    """

    name: str
    title: str
    shows: str
    theory: str


@dataclass(frozen=True)
class Table:
    """A table for the Markdown report and for ``results/<name>.csv``."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Section:
    """What one experiment contributes to the report."""

    id: str
    title: str
    text: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Where a summarizer saves figures and how the report was made."""

    figure_dir: Any  # pathlib.Path
    command: str
    mode: str
    seed: int


def experiments(selected: list[str] | None = None) -> list[ModuleType]:
    """The experiment modules in report order, optionally only the ids in ``selected``."""
    modules = [importlib.import_module(name) for name in EXPERIMENT_MODULES]
    if selected is None:
        return modules
    known = {m.ID for m in modules}
    if not selected:
        raise InputError(f"--only: names no experiment; choose from {','.join(sorted(known))}")
    unknown = sorted(set(selected) - known)
    if unknown:
        raise InputError(f"--only {','.join(unknown)}: unknown experiment; choose from {','.join(sorted(known))}")
    return [m for m in modules if m.ID in selected]


def task_seed(seed: int, experiment: str, key: str) -> int:
    """A 63-bit seed that depends only on the report seed, the experiment and the task key.

    >>> task_seed(0, "E1", "a") == task_seed(0, "E1", "a") != task_seed(1, "E1", "a")
    True
    """
    tag = zlib.crc32(f"{experiment}/{key}".encode())
    return int(np.random.SeedSequence([seed, tag]).generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> 1)
