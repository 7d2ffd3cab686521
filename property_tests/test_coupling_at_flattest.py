"""Theory id coupling-at-flattest, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_coupling_at_flattest() -> None:
    check_claim("coupling-at-flattest")
