"""The verify engine on toy claims: verdicts, escalation to 50 digits, certificates, shrinking, replay."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import strategies as st

from wideminima.errors import InputError
from wideminima.property_tests import Claim, claim, evaluate, replay, verify, verify_claim
from wideminima.property_tests.arithmetic import FLOAT64
from wideminima.property_tests.engine import MP_ACCURACY, VerifyResult, load_counterexample, save_counterexample


@claim(id="square-nonnegative", kind="theorem", statement="x^2 >= 0", strategy=st.floats(-10, 10))
def square(x, ctx):
    a = ctx.scalar(x)
    return a * a


@claim(id="square-above-x", statement="x^2 >= x (false on (0, 1))", strategy=st.floats(-10, 10))
def square_above(x, ctx):
    a = ctx.scalar(x)
    return a * a - a


@claim(id="cancellation", kind="theorem", statement="(x/3)*3 - x = 0, which float64 rounds to +-ulp",
       strategy=st.floats(1, 2), budget=1e-15)
def cancellation(x, ctx):
    # exact value 0; float64 gives a few ulps of either sign: the engine must settle it at 50 digits
    return (ctx.scalar(x) / 3) * 3 - ctx.scalar(x) + ctx.scalar(0.0)


@claim(id="lying-float", statement="a margin that is exactly 1 but -1 in float64", strategy=st.just(1.0))
def lying(x, ctx):
    return ctx.scalar(-1.0) if ctx.name == "float64" else ctx.scalar(1.0)


@claim(id="below-interval-width", statement="lambda_max([[1]]) - 1 - 1e-20: negative, inside the enclosure's width",
       strategy=st.just(1.0))
def below_interval_width(x, ctx):
    # exact value -1e-20: below -MP_ACCURACY at 50 digits, but the interval enclosure of lambda_max is
    # ~n^2 eps wide (Cholesky just above the float64 eigenvalue), so intervals cannot certify the sign
    return ctx.lambda_max(ctx.array([[x]])) - ctx.scalar(1.0) - ctx.scalar(1e-20)


@claim(id="broken", statement="a margin function that raises", strategy=st.just(0.0))
def broken(x, ctx):
    raise ZeroDivisionError("deliberately")


def test_verified_claim_reports_examples_and_worst_margin(tmp_path) -> None:
    row = verify_claim(square, "ci", 0, out_dir=tmp_path)
    # 50 Hypothesis examples + 100 of the adversarial descent (no strata: no coverage phase)
    assert row.status == "verified" and row.examples == 150 and row.counterexample is None
    assert row.worst_margin is not None and 0 <= row.worst_margin <= 1e-30
    assert not list(tmp_path.iterdir())  # nothing saved when nothing is refuted


def test_refutation_is_shrunk_certified_saved_and_replayed(tmp_path) -> None:
    row = verify_claim(square_above, "ci", 0, out_dir=tmp_path)
    assert row.status == "refuted"
    record = row.counterexample
    lo, hi = record["enclosure"]
    assert lo <= record["margin"] <= hi < 0
    meta, x = load_counterexample(record["file"])
    assert 0 < x < 1 and meta["claim"] == "square-above-x"
    assert row.reproduce.endswith(f"--replay {record['file']}")
    again = replay(record["file"], [square_above])
    assert again.claims[0].status == "refuted" and again.claims[0].worst_margin == record["margin"]
    assert again.exit_code == 1


def test_float_noise_is_settled_at_50_digits_never_refuted(tmp_path) -> None:
    row = verify_claim(cancellation, "ci", 0, out_dir=tmp_path)
    assert row.status == "verified" and row.escalated > 0
    assert row.worst_margin >= -MP_ACCURACY


def test_float_verdict_contradicted_by_exact_arithmetic_is_not_a_refutation(tmp_path) -> None:
    row = verify_claim(lying, "ci", 0, out_dir=tmp_path)
    assert row.status == "error" and row.unconfirmed == 1 and "error budget is wrong" in row.message
    assert not list(tmp_path.iterdir())


def test_uncertified_negative_margin_is_inconclusive_with_a_hint(tmp_path) -> None:
    evaluation = evaluate(below_interval_width, 1.0)
    assert evaluation.status == "unconfirmed" and evaluation.margin < -MP_ACCURACY
    row = verify_claim(below_interval_width, "ci", 0, out_dir=tmp_path)
    assert row.status == "inconclusive" and row.unconfirmed >= 1 and "could not certify" in row.message
    assert "rounding tolerance" in row.message and "\n" not in row.message  # the one-line hint
    assert VerifyResult("ci", 0, [row]).exit_code == 4 and not list(tmp_path.iterdir())
    path = save_counterexample(below_interval_width, 1.0, evaluation, tmp_path, "ci", 0)
    again = replay(path, [below_interval_width]).claims[0]
    assert again.status == "inconclusive" and again.unconfirmed == 1 and again.counterexample is None
    # a claim whose margin now raises (e.g. its file was edited) replays as an error row, not a traceback
    edited = Claim(id="below-interval-width", kind="conjecture", statement="", strategy=st.just(1.0),
                   margin=broken.margin)
    failed = replay(path, [edited])
    assert failed.claims[0].status == "error" and "ZeroDivisionError" in failed.claims[0].message
    assert failed.exit_code == 2


def test_margin_that_raises_is_an_error_with_its_message(tmp_path) -> None:
    result = verify([broken, square], "ci", 0, out_dir=tmp_path)
    assert [r.status for r in result.claims] == ["error", "verified"]
    assert "ZeroDivisionError: deliberately" in result.claims[0].message
    assert result.exit_code == 2 and result.summary == {"verified": 1, "refuted": 0, "violated-float64": 0,
                                                        "inconclusive": 0, "timeout": 0, "error": 1}


def test_same_seed_same_run(tmp_path) -> None:
    a = verify_claim(square_above, "dev", 123, out_dir=tmp_path / "a")
    b = verify_claim(square_above, "dev", 123, out_dir=tmp_path / "b")
    assert (a.status, a.examples, a.worst_margin) == (b.status, b.examples, b.worst_margin)


def test_profiles_scale_examples(tmp_path) -> None:
    counts = {p: verify_claim(square, p, 0, out_dir=tmp_path).examples for p in ("dev", "ci")}
    assert counts == {"dev": 30, "ci": 150}  # n from Hypothesis, 2n from the adversarial descent
    scaled = Claim(id="scaled", kind="theorem", statement="", strategy=st.floats(0, 1),
                   margin=square.margin, examples_scale=0.2)
    assert verify_claim(scaled, "ci", 0, out_dir=tmp_path).examples == 30


def test_evaluate_budget_rule() -> None:
    # m >= budget: decided in float64; inside the budget: 50 digits
    assert evaluate(square, 2.0).digits == "float64"
    assert evaluate(cancellation, 1.1).digits == "mp50"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(id="Bad Id", strategy=st.just(0)), "id='Bad Id'"),
        (dict(id="ok", kind="lemma", strategy=st.just(0)), "kind='lemma'"),
        (dict(id="ok", strategy=st.just(0), examples_scale=0), "examples_scale=0"),
        (dict(id="ok", strategy=st.just(0), budget=2.0), "budget=2.0"),
    ],
)
def test_claim_arguments_are_validated(kwargs, words) -> None:
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        claim(**kwargs)(lambda x, ctx: 0.0)


def test_strategy_that_is_not_a_strategy_is_an_error(tmp_path) -> None:
    bad = Claim(id="bad-strategy", kind="conjecture", statement="", strategy=lambda: 3, margin=square.margin)
    row = verify_claim(bad, "ci", 0, out_dir=tmp_path)
    assert row.status == "error" and "strategy" in row.message


def test_non_finite_margin_is_an_error(tmp_path) -> None:
    nan = Claim(id="nan", kind="conjecture", statement="", strategy=st.just(0.0),
                margin=lambda x, ctx: ctx.scalar(math.inf) if ctx is FLOAT64 else ctx.scalar(0))
    row = verify_claim(nan, "ci", 0, out_dir=tmp_path)
    assert row.status == "error" and "inf" in row.message


def test_empirical_float_only_claims_say_so(tmp_path) -> None:
    negative = Claim(id="float-only", kind="empirical", statement="", strategy=st.just(0.0),
                     margin=lambda x, ctx: -1.0, exact=False, budget=0.0)
    row = verify_claim(negative, "ci", 0, out_dir=tmp_path)
    assert row.status == "violated-float64" and "float64 evidence only" in row.counterexample["certified_by"]
    assert VerifyResult("ci", 0, [row]).exit_code == 3
    assert np.isclose(row.worst_margin, -1.0)


def test_float_only_margin_gets_a_hint_when_escalated(tmp_path) -> None:
    float_only = Claim(id="float-only-code", kind="conjecture", statement="", strategy=st.just(1.0),
                       margin=lambda x, ctx: float(np.linalg.eigvalsh(ctx.array([[x]]))[0]) - 1.0)
    row = verify_claim(float_only, "ci", 0, out_dir=tmp_path)
    assert row.status == "error" and "exact=False" in row.message


def test_float_only_margin_clearly_negative_is_an_error_not_a_crash(tmp_path) -> None:
    # m = -1 < -budget skips escalation during the search; the certification of the shrunk instance then
    # fails in 50-digit arithmetic, which must be reported, not raised out of verify_claim
    float_only = Claim(id="float-only-negative", kind="conjecture", statement="", strategy=st.just(1.0),
                       margin=lambda x, ctx: float(np.linalg.eigvalsh(ctx.array([[x]]))[0]) - 2.0)
    row = verify_claim(float_only, "ci", 0, out_dir=tmp_path)
    assert row.status == "error" and "exact=False" in row.message and not list(tmp_path.iterdir())
@pytest.mark.parametrize(
    "value, words",
    [
        (True, "returned a bool (True)"),
        (np.array([1.0, -1.0]), "an array of shape (2,)"),
        (1 + 2j, "a complex number"),
        (None, "returned None"),
    ],
)
def test_margin_must_be_a_real_scalar(value, words, tmp_path) -> None:
    bad = Claim(id="not-a-number", kind="conjecture", statement="", strategy=st.just(0.0),
                margin=lambda x, ctx: value)
    row = verify_claim(bad, "ci", 0, out_dir=tmp_path)
    assert row.status == "error" and row.message.startswith("MarginTypeError: claim not-a-number: the margin must be")
    assert words in row.message and "\n" not in row.message
    assert VerifyResult("ci", 0, [row]).exit_code == 2


def test_a_zero_dimensional_array_is_a_scalar() -> None:
    ok = Claim(id="zero-d", kind="conjecture", statement="", strategy=st.just(2.0),
               margin=lambda x, ctx: np.array(ctx.scalar(x)))
    assert evaluate(ok, 2.0).status == "holds"


@claim(id="gap-positive", statement="x - x > 0 (false everywhere, but >= 0 holds)", strategy=st.floats(0, 1),
       strict=True)
def zero_gap(x, ctx):
    return ctx.scalar(x) - ctx.scalar(x)


@claim(id="eigenvalue-gap", statement="lambda_max(diag(2, 1)) - 1 > 0", strategy=st.just(0.0), strict=True)
def eigen_gap(x, ctx):
    return ctx.lambda_max(ctx.array([[2.0, x], [x, 1.0]])) - ctx.scalar(1.0)


def test_strict_claims_need_a_positive_enclosure(tmp_path) -> None:
    row = verify_claim(zero_gap, "ci", 0, out_dir=tmp_path)
    assert row.status == "refuted" and row.counterexample["enclosure"][1] <= 0  # exactly 0 refutes "> 0"
    assert verify_claim(eigen_gap, "ci", 0, out_dir=tmp_path).status == "verified"
    assert replace(zero_gap, strict=False).strict is False and verify_claim(
        replace(zero_gap, strict=False), "ci", 0, out_dir=tmp_path).status == "verified"


def test_timeout_gives_partial_counts(tmp_path) -> None:
    import time as clock

    def slow(x, ctx):
        clock.sleep(0.05)
        return ctx.scalar(1.0)

    slow_claim = Claim(id="slow", kind="conjecture", statement="", strategy=st.floats(0, 1), margin=slow)
    row = verify_claim(slow_claim, "ci", 0, out_dir=tmp_path, timeout=0.5)
    assert row.status == "timeout" and 0 < row.examples < 150 and "partial" in row.message
    assert row.seconds < 3 and VerifyResult("ci", 0, [row]).exit_code == 5

    def stuck(x, ctx):
        clock.sleep(30)  # one margin far past the deadline: interrupted, not waited for
        return ctx.scalar(1.0)

    stuck_claim = Claim(id="stuck", kind="conjecture", statement="", strategy=st.floats(0, 1), margin=stuck)
    start = clock.perf_counter()
    assert verify_claim(stuck_claim, "ci", 0, out_dir=tmp_path, timeout=0.3).status == "timeout"
    assert clock.perf_counter() - start < 5
