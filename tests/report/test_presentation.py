"""What the report tells its reader: parts skipped and why, numbers at a readable precision (issue 14)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wideminima.cli import main
from wideminima.report import e5_coupling
from wideminima.report.build import ReportResult
from wideminima.report.markdown import render_report
from wideminima.report.registry import Context, Section


def _fake_e5_records(mode: str) -> list[dict]:
    """Records shaped like E5's run_task results, for the tasks E5 plans here (no training)."""
    rng = np.random.default_rng(0)
    records = []
    for task in e5_coupling.tasks(mode, 0):
        pairs = [{"alignment": rng.uniform(0, 1, (e5_coupling.TOP, e5_coupling.TOP)).tolist(),
                  "score": float(rng.uniform(0.6, 1)), "null": rng.uniform(0.3, 0.7, 5).tolist()} for _ in range(3)]
        records.append({"key": task.key, "params": task.params, "result": {"status": "converged", "pairs": pairs}})
    return records


def test_missing_scikit_learn_is_said_in_the_report_and_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(e5_coupling, "_has_sklearn", lambda: False)
    monkeypatch.setattr(e5_coupling, "BOOTSTRAP", 20)  # the CI of Cohen's d is not what is tested here
    records = _fake_e5_records("quick")
    assert records and not any("digits" in r["params"]["model"] for r in records)
    context = Context(figure_dir=tmp_path / "figures", command="wideminima report --quick", mode="quick", seed=0)
    section = e5_coupling.summarize("quick", records, context)
    assert len(section.skipped) == 1
    assert "relu/digits and tanh/digits" in section.skipped[0] and "scikit-learn is not installed" in section.skipped[0]
    assert "4 of the 10 rows and checks" in section.skipped[0] and len(section.checks) == 6
    text = render_report([section], title="t", preamble="p", command="c", footer="f")
    assert "**Skipped here:** the relu/digits and tanh/digits networks" in text
    assert "Not run here, so not in the table (1): E5: the relu/digits" in text

    def fake_build(out: Path, **_: object) -> ReportResult:
        return ReportResult(out, [section], section.checks, 1.0)

    monkeypatch.setattr("wideminima.cli.report.build_report", fake_build)
    assert main(["report", "--quiet", "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert "wideminima report: skipped E5: the relu/digits and tanh/digits networks" in err
    assert "pip install 'wideminima[datasets]'" in err


def test_prose_numbers_are_shortened_everywhere() -> None:
    section = Section("E9", "title", "median 2.2333199183357855. tiny -1.23456789e-09, kept 0.05 and 1e-10.",
                      summary={"x": 1.0})
    text = render_report([section], title="t", preamble="eta 0.123456789", command="c", footer="wideminima 0.1.0")
    assert "median 2.23332. tiny -1.235e-09, kept 0.05 and 1e-10." in text and "eta 0.123457" in text
    assert "0.1.0" in text
