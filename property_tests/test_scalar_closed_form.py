"""Theory id scalar-closed-form, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_scalar_closed_form() -> None:
    check_claim("scalar-closed-form")
