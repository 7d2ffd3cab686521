"""Built-in claims: one per theory id; the checker refutes wrong variants and 1e-6 violations, with certificates."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import mpmath
import numpy as np
import pytest

from wideminima import numeric
from wideminima.property_tests import Claim, Minimum, builtin_claims, evaluate, replay, verify_claim
from wideminima.property_tests.arithmetic import FLOAT64, MultiPrecision
from wideminima.property_tests.claims import registered_claims
from wideminima.property_tests.loader import load_claim_file, load_source
from wideminima.property_tests.mutants import WRONG_VARIANTS
from wideminima.property_tests.quantities import flattest_bound, sharpness
from wideminima.property_tests.strategies import global_minima
from wideminima.property_tests.theorems import (
    FLATTEST_LABELS,
    coupling_margin,
    coupling_relations,
    gram_budget,
    representation_tolerance,
)
from wideminima.symbolic import precise_flattest_sharpness, precise_sharpness

ROOT = Path(__file__).resolve().parents[2]
THEORY_IDS = [
    "hessian-gauss-newton", "output-gram-spectrum", "bilinear-lower-bound", "sharpness-lower-bound",
    "balanced-attains-bound", "scalar-closed-form", "resnet-zero-init-flattest", "gd-excess-sharpness",
    "near-balance", "coupling-at-flattest", "nonlinear-evidence",
]


def test_every_theory_id_is_a_builtin_claim_with_its_kind() -> None:
    claims = builtin_claims()
    assert [c.id for c in claims] == THEORY_IDS
    headings = dict(re.findall(r"^### ([a-z-]+) \(([a-z]+)", (ROOT / "theorems.md").read_text(), re.M))
    for c in claims:
        expected = "empirical" if headings.get(c.id, "").startswith("empirical") else "theorem"
        assert c.kind == expected, c.id
        assert c.certified_by and c.statement


def test_every_theory_id_has_its_module_registering_that_one_claim() -> None:
    # one module per theorems.md id, written with @claim: the registry holds exactly its claim
    for claim_id in THEORY_IDS:
        module = importlib.import_module(f"wideminima.property_tests.theorems.{claim_id.replace('-', '_')}")
        assert [c.id for c in registered_claims(module.__name__)] == [claim_id]
    assert all(c.source == "builtin" for c in builtin_claims())


def test_a_claim_file_registers_every_decorated_margin_in_order(tmp_path) -> None:
    # two margins with the same Python name both count; loading the file again does not count them twice
    path = tmp_path / "same_name.py"
    path.write_text(
        "from wideminima.property_tests import claim\n"
        "from wideminima.strategies import global_minima\n"
        "@claim(id='second-defined-first', strategy=global_minima(max_depth=2, max_width=2))\n"
        "def margin(m, ctx):\n    return ctx.scalar(1.0)\n"
        "@claim(id='a-later-one', strategy=global_minima(max_depth=2, max_width=2))\n"
        "def margin(m, ctx):\n    return ctx.scalar(1.0)\n")
    for _ in range(2):
        claims = load_claim_file(path)
        assert [c.id for c in claims] == ["second-defined-first", "a-later-one"]
        assert {c.source for c in claims} == {str(path.resolve())}


@pytest.mark.slow
@pytest.mark.parametrize("variant", WRONG_VARIANTS, ids=lambda c: c.id)
def test_wrong_variants_are_refuted_with_certificates(variant: Claim, tmp_path) -> None:
    row = verify_claim(variant, "ci", 0, out_dir=tmp_path)
    assert row.status == "refuted", (row.id, row.message, row.worst_margin)
    lo, hi = row.counterexample["enclosure"]
    assert lo <= row.counterexample["margin"] <= hi < 0  # the interval proves the exact margin negative
    again = replay(row.counterexample["file"], WRONG_VARIANTS)
    assert again.claims[0].status == "refuted"


def _scaled(claim_id: str, margin) -> Claim:
    return Claim(id=claim_id, kind="conjecture", statement="", strategy=lambda: global_minima(
        kind="balanced", max_depth=4, max_width=3), margin=margin, budget=gram_budget)


@pytest.mark.slow
@pytest.mark.parametrize("factor", [1 + 1e-6, 1 - 1e-6])
def test_a_relative_violation_of_1e_6_never_slips_through(factor: float, tmp_path) -> None:
    # at balanced minima lambda_max = N s^(2-2/N) exactly; claiming 1e-6 more (or less) must be refuted
    lower = _scaled("lower-by-1e-6", lambda m, ctx: sharpness(m, ctx) / (flattest_bound(m, ctx) * factor) - 1)
    upper = _scaled("upper-by-1e-6", lambda m, ctx: 1 - sharpness(m, ctx) / (flattest_bound(m, ctx) * factor))
    rows = [verify_claim(c, "ci", 0, out_dir=tmp_path) for c in (lower, upper)]
    statuses = sorted(r.status for r in rows)
    assert statuses == ["refuted", "verified"], [(r.id, r.status, r.worst_margin) for r in rows]


def test_theory_caveat_example_is_coupled_and_refutes_the_top_singular_variant() -> None:
    # theorems.md: N = 3, T = diag(1, 0), W_2 = diag(1, 5) is flattest although ||W_2|| = 5
    m = Minimum([np.diag([1.0, 0.1]), np.diag([1.0, 5.0]), np.diag([1.0, 0.0])], label="flattest_unbalanced")
    assert float(sharpness(m, FLOAT64)) == pytest.approx(3.0, rel=1e-15)
    assert float(coupling_margin(m, FLOAT64)) >= -1e-15  # cosines exactly 1; the relations hold exactly
    assert min(float(x) for x in coupling_relations(m, FLOAT64)) == representation_tolerance(m)
    variant = next(c for c in WRONG_VARIANTS if c.id == "coupling-top-singular")
    assert evaluate(variant, m).status == "refuted"


def test_coupling_relations_catch_a_1e_6_error(tmp_path) -> None:
    # the relations are linear in the error (the cosine is quadratic): a coupled gain 1e-6 too large is refuted
    wrong = Claim(id="coupled-gain-off-by-1e-6", kind="conjecture", statement="",
                  strategy=lambda: global_minima(kind=FLATTEST_LABELS, min_depth=2, max_depth=4, max_width=3),
                  margin=lambda m, ctx: ctx.minimum(coupling_relations(m, ctx, gain_factor=1 + 1e-6)),
                  budget=gram_budget)
    row = verify_claim(wrong, "ci", 0, out_dir=tmp_path)
    assert row.status == "refuted", (row.message, row.worst_margin)
    assert row.counterexample["enclosure"][1] < 0


@pytest.mark.parametrize("seed", range(3))
def test_quantities_agree_with_the_numeric_engine(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((2, 3))
    ws = numeric.gauge_minimum(t, [3, 3, 2, 2], rng)
    m = Minimum(ws)
    assert float(sharpness(m, FLOAT64)) == pytest.approx(numeric.sharpness(ws).lambda_max, rel=1e-10)
    assert float(flattest_bound(m, FLOAT64)) == pytest.approx(numeric.flattest_sharpness(m.target, 3), rel=1e-13)
    f = np.linalg.cholesky(np.diag([1.0, 2.0, 3.0]))
    g_ctx = FLOAT64.output_gram(ws, f)
    g_num = np.asarray(numeric.output_gram(ws, f @ f.T))
    assert np.allclose(np.linalg.eigvalsh(g_ctx), np.linalg.eigvalsh(g_num), rtol=0, atol=1e-12 * np.abs(g_num).max())


def test_user_claims_in_a_module_list_are_found() -> None:
    assert [c.id for c in load_source("module:wideminima.property_tests.mutants")] == [c.id for c in WRONG_VARIANTS]


def test_50_digit_quantities_agree_with_the_symbolic_engine() -> None:
    rng = np.random.default_rng(4)
    ws = numeric.gauge_minimum(rng.standard_normal((2, 2)), [2, 3, 2, 2], rng)
    m = Minimum(ws)
    mp = MultiPrecision()
    with mp.active():
        lam, bound = sharpness(m, mp), flattest_bound(m, mp)
        # two independent 50-digit routes (object arrays here, SymPy rationals there) agree to ~1e-45
        assert abs(lam - precise_sharpness(ws)) <= mpmath.mpf(10) ** -40 * lam
        # there T is the float64-rounded product (~1e-16 off the exact product used here)
        assert abs(bound - precise_flattest_sharpness(m.target, 3)) <= mpmath.mpf(10) ** -14 * bound
