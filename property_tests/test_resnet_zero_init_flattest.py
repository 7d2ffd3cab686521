"""Theory id resnet-zero-init-flattest, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_resnet_zero_init_flattest() -> None:
    check_claim("resnet-zero-init-flattest")
