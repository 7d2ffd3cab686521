"""Theory id near-balance, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_near_balance() -> None:
    check_claim("near-balance")
