"""Theory id gd-excess-sharpness, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_gd_excess_sharpness() -> None:
    check_claim("gd-excess-sharpness")
