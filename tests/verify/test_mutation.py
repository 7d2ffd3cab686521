"""Search power in CI: a fast subset of the mutation benchmark (benchmarks/mutants/variants.py).

Each variant here is false (decided independently by benchmarks/mutants/truth.py) and must be
refuted with an interval certificate at the ci profile for every seed tested; the true
claims run over the same seeds must never be refuted. The full benchmark, with detection
rates per profile and seed, is ``python benchmarks/bench_mutation.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wideminima.property_tests import verify_claim
from wideminima.property_tests.loader import load_claim_file

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = {c.id: c for c in load_claim_file(ROOT / "benchmarks" / "mutants" / "variants.py")}
TRUE_EXAMPLE = ROOT / "examples" / "true_conjecture.py"
SEEDS = (1, 2)

# one per violation shape: rare (~1-2%), 1e-6 magnitude, depth >= 3, repeated top singular value,
# rank-deficient T, end widths >= 3, general Sigma_x, scalar networks
FAST_SUBSET = (
    "v-ratio-at-most-10",
    "v-lower-bound-plus-1e-6-deep",
    "v-lower-bound-exponent",
    "v-top-gap",
    "v-full-rank",
    "v-trace-at-most-end-widths",
    "v-sigma-mean",
    "v-scalar-exponent",
)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("variant", FAST_SUBSET)
def test_false_variant_is_refuted_with_a_certificate(variant, seed, tmp_path) -> None:
    row = verify_claim(VARIANTS[variant], "ci", seed, out_dir=tmp_path)
    assert row.status == "refuted", f"{variant} seed {seed}: {row.status} {row.message} (worst {row.worst_margin})"
    lo, hi = row.counterexample["enclosure"]
    assert lo <= hi < 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS[:1])  # seed 0 is tests/claims' under ci; the benchmark runs 0..4
def test_true_claims_are_never_refuted_over_the_same_seeds(seed, tmp_path) -> None:
    from wideminima.property_tests import builtin_claims

    cheap = [c for c in builtin_claims() if c.examples_scale == 1] + load_claim_file(TRUE_EXAMPLE)
    rows = [verify_claim(c, "ci", seed, out_dir=tmp_path) for c in cheap]
    assert [(r.id, r.status) for r in rows if r.status != "verified"] == []
