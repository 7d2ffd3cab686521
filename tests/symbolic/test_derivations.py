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
        ["derive", "scalar", "--depth", "65"],
        ["derive", "scalar", "--depth", "two"],
        ["derive", "scalar", "--depth", "2", "--width", "2"],
        ["derive", "matrix", "--depth", "9"],
        ["derive", "matrix", "--depth", "0"],
        ["derive", "matrix", "--general", "--width", "2"],
        ["derive", "scalar", "--general", "--depth", "3"],
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


# --- every depth and every width (issue 13) ---


@pytest.mark.parametrize("depth", [1, 2, 3, 8])
def test_dimension_free_matrix_derivation_fully_checked(depth: int) -> None:
    from wideminima.symbolic.matrix_free import dimension_free_matrix_derivation

    d = dimension_free_matrix_derivation(depth)
    assert d.all_checked, [s.claim for s in d.steps if not s.checked]
    claims = " ".join(s.claim for s in d.steps)
    for key in ("hessian-gauss-newton", "output-gram-spectrum", "bilinear-lower-bound", "expansion of P(W + tD)", "trace formula"):
        assert key in claims


def test_general_matrix_derivation_fully_checked() -> None:
    from wideminima.symbolic.matrix_free import general_matrix_derivation

    d = general_matrix_derivation()
    assert d.all_checked, [s.claim for s in d.steps if not s.checked]
    claims = " ".join(s.claim for s in d.steps)
    for key in ("induction step", "hessian-gauss-newton", "output-gram-spectrum", "bilinear-lower-bound", "trace formula"):
        assert key in claims


@pytest.mark.parametrize("depth", [12, 13, 64])
def test_scalar_derivation_to_depth_64(depth: int) -> None:
    d = scalar_derivation(depth)
    assert d.all_checked, [s.claim for s in d.steps if not s.checked]
    has_bruteforce = any("sympy.hessian" in s.justification for s in d.steps)
    assert has_bruteforce == (depth <= 12)
    assert ("dropped above N = 12" in d.assumptions[-1]) == (depth > 12)


def test_scalar_ring_check_catches_a_planted_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from wideminima.symbolic import scalar_proof

    right = scalar_proof._Ring.monomial

    def one_wrong_residual_factor(self: object, skip: tuple[int, ...], power: int = 1) -> object:
        value = right(self, skip, power)
        return value * 2 if skip == (3, 40) else value

    monkeypatch.setattr(scalar_proof._Ring, "monomial", one_wrong_residual_factor)
    d = scalar_proof.scalar_derivation.__wrapped__(64)
    assert [s.claim for s in d.steps if not s.checked] == ["Hessian anywhere for N = 64"]


def test_general_scalar_derivation_fully_checked() -> None:
    from wideminima.symbolic.scalar_general import general_scalar_derivation

    d = general_scalar_derivation()
    assert d.all_checked, [s.claim for s in d.steps if not s.checked]
    claims = " ".join(s.claim for s in d.steps)
    assert "induction base" in claims and "induction step" in claims
    lemmas = " ".join(s.check for s in d.steps)
    for name in ("AM-GM", "Cauchy-Schwarz", "Courant-Fischer"):
        assert f"lemma {name}" in lemmas


def test_general_scalar_derivation_catches_a_wrong_product_range(monkeypatch: pytest.MonkeyPatch) -> None:
    from wideminima.symbolic import scalar_general

    monkeypatch.setattr(scalar_general, "_prod", lambda lo, hi: sp.Product(scalar_general._W[scalar_general._K], (scalar_general._K, lo, hi + 1)))
    d = scalar_general.general_scalar_derivation.__wrapped__()
    assert [s.claim for s in d.steps if not s.checked] == ["the recurrences of the products"]


def test_lemma_step_is_checked_only_when_every_side_condition_holds() -> None:
    from wideminima.symbolic.lemmas import AM_GM, SYLVESTER, lemma_step

    assert lemma_step(AM_GM, "c", [("a", True), ("b", sp.true)]).checked
    for decided in (False, None, sp.false, 1):
        step = lemma_step(SYLVESTER, "c", [("a", True), ("undecided", decided)])
        assert not step.checked and "undecided" in step.check
    assert not lemma_step(AM_GM, "c", []).checked  # a bare citation is not a check


def test_latex_prints_nabla_squared() -> None:
    latex = scalar_derivation(2).to_latex()
    assert r"\nabla^2 L" in latex and r"\nabla^{2 L}" not in latex


def test_cli_general_and_dimension_free(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "scalar", "--general", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["all_checked"] is True
    assert main(["derive", "matrix", "--general", "--format", "latex"]) == 0
    assert r"\begin{enumerate}" in capsys.readouterr().out
    assert main(["derive", "matrix", "--depth", "4", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["all_checked"] is True and "every width" in data["title"]


def test_cli_scalar_depth_64_json_every_step_checked() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wideminima", "derive", "scalar", "--depth", "64", "--format", "json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["all_checked"] is True and all(step["checked"] is True for step in data["steps"])
