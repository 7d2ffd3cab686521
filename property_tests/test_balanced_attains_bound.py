"""Theory id balanced-attains-bound, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_balanced_attains_bound() -> None:
    check_claim("balanced-attains-bound")
