"""``wideminima report``: the quick report end to end, reproducibility, and bad usage."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wideminima.cli import main
from wideminima.property_tests.theorems import GD_EXCESS_CONSTANT
from wideminima.report.e1_minima import LR

FIGURES = ["E1_ratio_vs_depth", "E2_excess_vs_eta", "E3_path_gains", "E4_stability", "E5_alignment_heatmaps",
           "E5_coupling_scores", "E6_scalar"]
TABLES = ["E1_ratios", "E2_excess", "E3_near_balance", "E4_stability", "E5_effect_sizes", "E6_flattest"]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "quick"
    run = subprocess.run([sys.executable, "-m", "wideminima", "report", "--quick", "--quiet", "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return out


def _results(out: Path, experiment: str) -> dict:
    return json.loads((out / "results" / f"{experiment}.json").read_text())


@pytest.mark.slow
def test_quick_report_has_every_figure_table_and_caption(quick_report: Path) -> None:
    text = (quick_report / "report.md").read_text()
    for name in FIGURES:
        for ext in ("png", "svg"):
            path = quick_report / "figures" / f"{name}.{ext}"
            assert path.is_file() and path.stat().st_size > 1000, path
        assert f"](figures/{name}.png)" in text
    for name in TABLES:
        assert (quick_report / "results" / f"{name}.csv").read_text().count("\n") >= 2
        assert f"results/{name}.csv" in text
    captions = re.findall(r"\*\*Figure \d+\..*", text)
    assert len(captions) == len(FIGURES)
    assert all("*Theory:*" in c and "*Made by:* `wideminima report --quick --seed 0`" in c for c in captions)
    manifest = json.loads((quick_report / "results" / "manifest.json").read_text())
    assert manifest["generator"] == "wideminima report"
    assert all((quick_report / name).is_file() for name in manifest["files"])


@pytest.mark.slow
def test_quick_report_numbers_satisfy_the_theorems(quick_report: Path) -> None:
    e1 = _results(quick_report, "E1")
    zero = [r["result"]["ratio"] for r in e1["records"] if r["params"]["setting"] == "zero-resnet"]
    # resnet-zero-init-flattest: ratio 1 under gradient flow; GD at eta = 0.02 adds the O(eta^2) excess of the
    # empirical law gd-excess-sharpness, <= C eta^2 = 2e-5 with its constant C = 0.05 (measured here: <= 9e-7,
    # N = 2, 3, 5). The report's own check keeps the looser 1e-3.
    allowed = GD_EXCESS_CONSTANT * LR**2
    assert zero and all(abs(x - 1) <= allowed for x in zero)
    converged = [r["result"]["ratio"] for r in e1["records"] if r["result"]["ratio"] is not None]
    # sharpness-lower-bound: trained points are minima to relative residual ~1e-10.
    assert min(converged) >= 1 - 1e-9
    e2 = _results(quick_report, "E2")
    assert all(r["result"]["excess"] > 0 for r in e2["records"])  # finite steps land above the bound
    e3 = _results(quick_report, "E3")
    for rec in e3["records"]:
        res = rec["result"]
        if res["status"] == "converged":
            lo, hi = res["rho_interval"]
            assert all(lo * (1 - 1e-7) <= r <= hi * (1 + 1e-7) for r in res["rho"])  # near-balance
    e4 = _results(quick_report, "E4")
    for rec in e4["records"]:
        if rec["params"]["optimizer"] == "gd" and rec["result"]["lambda_max"] is not None:
            assert rec["result"]["lambda_max"] <= 2 / rec["params"]["eta"] * (1 + 1e-6)  # linear stability
    e6 = _results(quick_report, "E6")
    assert all(r["result"]["exact_at_flattest"] for r in e6["records"] if r["params"]["part"] == "curve")
    for experiment in ("E1", "E2", "E3", "E4", "E5", "E6"):
        assert all(c["passed"] for c in _results(quick_report, experiment)["checks"] if c["kind"] == "theorem")


def test_same_seed_same_results_whatever_the_worker_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        assert main(["report", "--quick", "--quiet", "--json", "--only", "E2", "--workers", workers, "--out", str(out)]) == 0
        summary = json.loads(capsys.readouterr().out)  # --json: stdout is exactly one JSON object
        assert summary["out"] == str(out) and summary["mode"] == "quick"
        outs.append(out)
    names = sorted(p.name for p in (outs[0] / "results").iterdir())
    assert names == sorted(p.name for p in (outs[1] / "results").iterdir())
    for name in names:
        assert (outs[0] / "results" / name).read_bytes() == (outs[1] / "results" / name).read_bytes(), name


def test_stranger_folder_is_refused_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    run = subprocess.run([sys.executable, "-m", "wideminima", "report", "--quick", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "not a previous report" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


@pytest.mark.parametrize("argv, message", [
    (["--workers", "0"], "--workers 0"),
    (["--only", "E7"], "--only E7"),
    (["--only", ","], "--only: names no experiment"),
    (["--seed", "-1"], "--seed -1"),
])
def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["report", "--quiet", "--out", str(tmp_path / "r"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()
