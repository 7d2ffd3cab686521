"""Theory id output-gram-spectrum, checked by the verify engine (see wideminima.property_tests.theorems)."""

from wideminima.property_tests.suite import check_claim


def test_output_gram_spectrum() -> None:
    check_claim("output-gram-spectrum")
