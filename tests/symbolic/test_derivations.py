"""Derivations: every step machine-checked, rendering, and the ``wideminima derive`` command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy as sp

from wideminima.cli import main
from wideminima.symbolic import Derivation, matrix_derivation, scalar_derivation
from wideminima.symbolic import derivations
from wideminima.symbolic.steps import cited_step, fact_step, identity_step


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5, 6])
def test_scalar_derivation_fully_checked(depth: int) -> None:
    d = scalar_derivation(depth)
    assert d.all_checked, [s.claim for s in d.steps if not s.checked]


@pytest.mark.parametrize(("depth", "width"), [(1, 1), (1, 2), (2, 1), (2, 2), (3, 2)])
def test_matrix_derivation_fully_checked(depth: int, width: int) -> None:
    d = matrix_derivation(depth, width)
    assert d.all_checked, [s.claim for s in d.steps if not s.checked]
    claims = " ".join(s.claim for s in d.steps)
    for key in ("hessian-gauss-newton", "output-gram-spectrum", "balanced minimum"):
        assert key in claims


def test_a_false_identity_is_never_checked() -> None:
    x = sp.Symbol("x")
    assert not identity_step("wrong", "", (x + 1) ** 2, x**2 + 1).checked
    assert not identity_step("shapes", "", sp.Matrix([x]), sp.Matrix([[x, x]])).checked
    assert not fact_step("undecided", "", None, "sympy returned None").checked
    assert not fact_step("false", "", False, "").checked
    assert not cited_step("AM-GM", "cited", "an inequality").checked
    derivation = Derivation("t", (), (cited_step("c", "j", "r"),))
    assert not derivation.all_checked
    assert json.loads(derivation.to_json())["steps"][0]["checked"] is False
    assert "NOT CHECKED" in derivation.to_text()
    assert r"\textbf{not checked}" in derivation.to_latex()


def test_renderings() -> None:
    d = scalar_derivation(3)
    data = json.loads(d.to_json())
    assert data["all_checked"] is True and len(data["steps"]) == len(d.steps)
    assert all(set(step) >= {"claim", "justification", "check", "checked", "latex"} for step in data["steps"])
    latex = d.to_latex()
    assert latex.count(r"\item") == len(d.steps) and latex.strip().endswith(r"\end{enumerate}")
    assert d.to_text().endswith(f"{len(d.steps)} of {len(d.steps)} steps machine-checked.")


def test_cli_scalar_depth_5_json_every_step_checked() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wideminima", "derive", "scalar", "--depth", "5", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["steps"] and all(step["checked"] is True for step in data["steps"])


def test_cli_json_synonym_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "scalar", "--depth", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["all_checked"] is True
    assert main(["derive", "matrix", "--depth", "1", "--width", "2", "--format", "latex"]) == 0
    assert r"\begin{enumerate}" in capsys.readouterr().out
    assert main(["derive", "scalar", "--depth", "2"]) == 0
    assert "machine-checked" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["derive"],
        ["derive", "scalar"],
        ["derive", "scalar", "--depth", "0"],
        ["derive", "scalar", "--depth", "-3"],
        ["derive", "scalar", "--depth", "17"],
        ["derive", "scalar", "--depth", "two"],
        ["derive", "scalar", "--depth", "2", "--width", "2"],
        ["derive", "matrix", "--depth", "2"],
        ["derive", "matrix", "--depth", "2", "--width", "0"],
        ["derive", "matrix", "--depth", "2", "--width", "4"],
        ["derive", "matrix", "--depth", "4", "--width", "2"],
        ["derive", "scalar", "--depth", "2", "--json", "--format", "text"],
    ],
)
def test_cli_bad_input_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == ""


def test_cli_bad_input_no_traceback_in_a_real_process() -> None:
    out = subprocess.run([sys.executable, "-m", "wideminima", "derive", "matrix", "--depth", "0", "--width", "2"], capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_cli_exits_1_when_a_step_is_not_checked(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    unchecked = Derivation("t", (), (cited_step("a cited lemma", "cited", "not decided by SymPy"),))
    monkeypatch.setattr(derivations, "scalar_derivation", lambda depth: unchecked)
    assert main(["derive", "scalar", "--depth", "2"]) == 1
    assert "NOT CHECKED" in capsys.readouterr().out
