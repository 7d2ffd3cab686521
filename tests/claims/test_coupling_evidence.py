"""The coupling statistic shared by claim nonlinear-evidence and report E5 (wideminima.numeric.coupling_evidence)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wideminima import numeric
from wideminima.numeric.coupling_evidence import cohens_d, coupling_evidence, null_coupling, scrambled
from wideminima.property_tests import ClaimResult
from wideminima.property_tests.engine import ClaimStatus, Verdict
from wideminima.property_tests.theorems.nonlinear_evidence import batch_effect
from wideminima.report import e5_coupling
from wideminima.report.registry import Check, CheckVerdict

EPS = np.finfo(np.float64).eps


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_scrambled_keeps_the_singular_values(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    w = rng.standard_normal(shape)
    s = np.linalg.svd(w, compute_uv=False)
    # two SVDs and two orthogonal products: ~10 d eps relative to sigma_1 is generous
    assert np.allclose(np.linalg.svd(scrambled(w, rng), compute_uv=False), s, rtol=0, atol=64 * max(shape) * EPS * s[0])


def test_a_flattest_minimum_scores_one_and_beats_its_null() -> None:
    rng = np.random.default_rng(2)
    ws = numeric.balanced_minimum(rng.standard_normal((3, 3)), [3, 4, 4, 3])
    evidence = coupling_evidence(ws, np.random.default_rng(0), 50)
    assert evidence.scores.shape == (2,) and evidence.null.shape == (2, 50)
    # coupling-at-flattest: every score is a cosine equal to 1 up to the SVDs' rounding
    assert np.all(evidence.scores >= 1 - 64 * 4 * EPS)
    assert np.all(evidence.null < 1) and evidence.effect > 1


def test_the_evidence_draws_the_null_pair_by_pair_from_one_generator() -> None:
    # what E5's stored null scores are: pair k's draws follow pair k-1's on the same generator
    rng = np.random.default_rng(3)
    ws = [rng.standard_normal((4, 3)), rng.standard_normal((4, 4)), rng.standard_normal((2, 4))]
    evidence = coupling_evidence(ws, np.random.default_rng(7), 5)
    again = np.random.default_rng(7)
    expected = [null_coupling(ws[0], ws[1], again, 5), null_coupling(ws[1], ws[2], again, 5)]
    assert np.array_equal(evidence.null, np.array(expected))
    assert np.array_equal(evidence.scores, numeric.coupling(ws))


def test_claim_and_report_use_the_one_statistic() -> None:
    assert e5_coupling.cohens_d is cohens_d and e5_coupling.coupling_evidence is coupling_evidence
    rng = np.random.default_rng(4)
    nets = [[rng.standard_normal((4, 3)), rng.standard_normal((2, 4))] for _ in range(2)]
    evidence = [coupling_evidence(ws, np.random.default_rng(s), 20) for ws, s in zip(nets, (10, 11))]
    pooled = cohens_d(np.concatenate([e.scores for e in evidence]), np.concatenate([e.null.ravel() for e in evidence]))
    assert batch_effect(nets, [10, 11], draws=20) == pooled


def test_cohens_d_of_shifted_samples() -> None:
    # equal variances 1 (ddof 1), means 1 apart: d = 1 exactly
    assert cohens_d(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0])) == pytest.approx(1.0, rel=4 * EPS)


def test_statuses_are_str_enums_with_the_json_strings() -> None:
    assert [str(s) for s in ClaimStatus] == ["verified", "refuted", "violated-float64", "inconclusive", "timeout",
                                             "error"]
    assert [str(v) for v in Verdict] == ["holds", "refuted", "unconfirmed", "candidate", "doubtful"]
    row = ClaimResult("x", "theorem", ClaimStatus.VERIFIED, 1, 0.0, None, "", 0.0)
    assert json.loads(json.dumps(row.as_json()))["status"] == "verified"
    assert type(row.as_json()["status"]) is str


def test_report_check_verdicts_keep_their_strings() -> None:
    verdicts = [Check("c", kind, "", 0.0, "", passed).verdict for kind, passed in
                [("theorem", True), ("theorem", False), ("empirical", False)]]
    assert verdicts == [CheckVerdict.PASS, CheckVerdict.FAIL, CheckVerdict.NOT_SEEN]
    assert [str(v) for v in verdicts] == ["pass", "FAIL", "not seen"]
