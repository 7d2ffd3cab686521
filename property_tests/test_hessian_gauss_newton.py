"""Theory id hessian-gauss-newton, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_hessian_gauss_newton() -> None:
    check_claim("hessian-gauss-newton")
