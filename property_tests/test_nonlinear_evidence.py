"""Theory id nonlinear-evidence, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_nonlinear_evidence() -> None:
    check_claim("nonlinear-evidence")
