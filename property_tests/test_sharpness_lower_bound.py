"""Theory id sharpness-lower-bound, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_sharpness_lower_bound() -> None:
    check_claim("sharpness-lower-bound")
