"""Run the experiments and write the report folder (``wideminima report``).

Layout of ``out``: ``report.md``; ``figures/<name>.png`` and ``.svg``;
``results/<experiment>.json`` (every task's parameters and raw results, the
summary numbers and the checks), ``results/<table>.csv`` and
``results/manifest.json``. Everything under ``results/`` depends only on the
mode, the seed and the selected experiments: two runs give identical files.
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from wideminima import __version__
from wideminima.errors import InputError
from wideminima.progress import ProgressBar, format_seconds

from .figures import pyplot
from .markdown import render_report
from .output import GENERATOR, MANIFEST, staged_output, write_csv, write_json, write_text
from .registry import MODES, Check, Context, Section, Task, experiments
from .runner import run_tasks

__all__ = ["ReportResult", "build_report"]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote and how the checks went."""

    path: Path
    sections: list[Section]
    checks: list[Check]
    seconds: float

    @property
    def failed_theorems(self) -> list[Check]:
        """The theorem checks that failed (each one a bug or a wrong theorem)."""
        return [c for c in self.checks if c.kind == "theorem" and not c.passed]


def _preamble(mode: str, seed: int) -> str:
    return (
        "This report shows, on networks trained in practice, the properties of flat minima of deep linear "
        "networks proved in `theorems.md` (Mulayoff & Michaeli, ICML 2020). Loss convention everywhere: "
        "L = 1/2 E||y - W_N...W_1 x||^2, so gradient descent with step eta can be stable at a minimum only if "
        "lambda_max <= 2/eta. s is the largest singular value of the target T; N s^(2-2/N) is the smallest "
        "sharpness of any global minimum of a depth-N network on whitened data (theory id sharpness-lower-bound), "
        "and the *sharpness ratio* is lambda_max / (N s^(2-2/N)).\n\n"
        f"Mode: `{mode}` (the `--full` report uses more depths, seeds and step sizes). Seed: {seed}. "
        "The raw results are in `results/` (JSON per experiment, CSV per table); figures in `figures/` "
        "as PNG and SVG."
    )


def build_report(
    out: Path,
    *,
    mode: str = "quick",
    seed: int = 0,
    workers: int = 2,
    only: list[str] | None = None,
    show_progress: bool = True,
    command: str | None = None,
) -> ReportResult:
    """Run the experiments of ``mode`` (``"quick"`` or ``"full"``) and write the report to ``out``."""
    if mode not in MODES:
        raise InputError(f"mode {mode!r}: choose one of {', '.join(MODES)}")
    pyplot()  # fail early, with an install hint, when matplotlib is missing
    modules = experiments(only)
    if command is None:
        command = f"wideminima report --{mode} --seed {seed}" + (f" --only {','.join(only)}" if only else "")
    start = time.monotonic()
    with staged_output(Path(out)) as stage:
        tasks = [t for m in modules for t in m.tasks(mode, seed)]
        # Off a terminal too (one line per task): a long --full run in a log shows how far it got.
        bar = ProgressBar(sum(t.cost for t in tasks), enabled=show_progress, on_pipe=True)
        finished: list[Task] = []

        def advance(task: Task) -> None:
            finished.append(task)
            text = f"{len(finished)}/{len(tasks)} tasks  {task.experiment} {task.key}"
            bar.update(sum(t.cost for t in finished), text, force=True)

        results = run_tasks(tasks, {m.ID: m.__name__ for m in modules}, seed=seed, workers=workers, on_done=advance)
        bar.close()
        context = Context(figure_dir=stage / "figures", command=command, mode=mode, seed=seed)
        sections: list[Section] = []
        files = []
        for module in modules:
            records = [
                {"key": t.key, "params": t.params, "result": results[(t.experiment, t.key)]}
                for t in tasks
                if t.experiment == module.ID
            ]
            section = module.summarize(mode, records, context)
            sections.append(section)
            for table in section.tables:
                write_csv(stage / "results" / f"{table.name}.csv", table.columns, table.rows)
                files.append(f"results/{table.name}.csv")
            write_json(
                stage / "results" / f"{module.ID}.json",
                {
                    "experiment": module.ID,
                    "title": module.TITLE,
                    "theory": list(module.THEORY),
                    "mode": mode,
                    "seed": seed,
                    "records": records,
                    "summary": section.summary,
                    "checks": [asdict(c) for c in section.checks],
                },
            )
            files.append(f"results/{module.ID}.json")
            files += [f"figures/{f.name}.{ext}" for f in section.figures for ext in ("png", "svg")]
        checks = [c for s in sections for c in s.checks]
        seconds = time.monotonic() - start
        footer = (
            f"---\nMade by `{command}` with wideminima {__version__} (Python {platform.python_version()}) "
            f"in {format_seconds(seconds)} on {workers} worker process(es)."
        )
        title = "Flat minima in training practice"
        write_text(stage / "report.md", render_report(sections, title=title, preamble=_preamble(mode, seed), command=command, footer=footer))
        write_json(
            stage / MANIFEST,
            {
                "generator": GENERATOR,
                "version": __version__,
                "mode": mode,
                "seed": seed,
                "experiments": [m.ID for m in modules],
                "files": ["report.md"] + sorted(files),
                "checks": {"passed": sum(c.passed for c in checks), "failed": [c.id for c in checks if not c.passed]},
            },
        )
    return ReportResult(Path(out), sections, checks, seconds)
