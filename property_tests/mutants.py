"""Wrong variants of the theorems: a checker that cannot refute these proves nothing.

Each is a small, plausible mutation of a built-in claim that is false; tests/verify
requires every one to be refuted under the ci profile with an interval-certified
counterexample, and ``wideminima verify --replay`` on the saved file to refute it
again. Run them from Python with ``verify(WRONG_VARIANTS)`` or with
``python benchmarks/bench_verify.py`` (second table); a saved counterexample
replays with ``wideminima verify --replay FILE`` (the file records this module).

- ``wrong-exponent``: lambda_max >= N s^(2 - 1/N) (false for s > 1 at balanced minima);
- ``wrong-constant``: near-balance with N + 1 in place of N - 1 (false at balanced minima, rho_k = 1);
- ``balance-dropped``: every global minimum (not only balanced ones) has lambda_max = N s^(2-2/N);
- ``coupling-top-singular``: at flattest minima s^(1/N) is the top singular value of every W_k
  (false by theorems.md's caveat: W_2 = diag(1, 5) in its example).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .arithmetic import Arithmetic
from .claims import Claim
from .instances import Minimum
from .quantities import layers, sharpness, top_singular_value
from .strategies import global_minima
from .theorems import INTERVAL_CERTIFICATE, gram_budget, near_balance_margin, representation_tolerance

__all__ = ["WRONG_VARIANTS", "SOURCE"]

SOURCE = f"module:{__name__}"  # lets --replay find these claims again


def _wrong_exponent(m: Minimum, ctx: Arithmetic) -> Any:
    bound = m.depth * ctx.power(top_singular_value(m, ctx), Fraction(2 * m.depth - 1, m.depth))
    return sharpness(m, ctx) / bound - 1


def _balance_dropped(m: Minimum, ctx: Arithmetic) -> Any:
    bound = m.depth * ctx.power(top_singular_value(m, ctx), Fraction(2 * m.depth - 2, m.depth))
    return ctx.scalar(representation_tolerance(m)) - ctx.absolute(sharpness(m, ctx) / bound - 1)


def _coupling_top_singular(m: Minimum, ctx: Arithmetic) -> Any:
    """min_k (s^(1/N) (1 + tol) - sigma_1(W_k)) / s^(1/N)."""
    root = ctx.power(top_singular_value(m, ctx), Fraction(1, m.depth))
    slack = 1 + ctx.scalar(representation_tolerance(m))
    return ctx.minimum([(root * slack - ctx.top_singular_value(w)) / root for w in layers(m, ctx)])


def _wrong(claim_id: str, statement: str, margin: Any, **options: Any) -> Claim:
    """A false conjecture over whitened minima of depth 2..4 (widths <= 3), certified in intervals."""
    kinds = options.pop("kinds", ("balanced", "gauge", "flattest_unbalanced", "near_flattest"))
    min_width = options.pop("min_width", 1)
    strategy = lambda: global_minima(kind=kinds, min_depth=2, max_depth=4, min_width=min_width,  # noqa: E731
                                     max_width=3)
    return Claim(id=claim_id, kind="conjecture", statement="(wrong) " + statement, strategy=strategy, margin=margin,
                 budget=options.pop("budget", gram_budget), source=SOURCE,
                 certified_by=INTERVAL_CERTIFICATE + options.pop("certified_extra", ""))


WRONG_VARIANTS: list[Claim] = [
    _wrong("wrong-exponent", "whitened: every global minimum has lambda_max >= N s^(2 - 1/N)", _wrong_exponent),
    _wrong("wrong-constant", "near-balance with N + 1 in place of N - 1: rho_k + (N+1) rho_k^(-1/(N-1)) <= "
           "(1 + delta) N", lambda m, ctx: near_balance_margin(m, ctx, constant=m.depth + 1)),
    _wrong("balance-dropped", "whitened: every global minimum, balanced or not, has lambda_max = N s^(2-2/N)",
           _balance_dropped),
    _wrong("coupling-top-singular", "at a flattest minimum the coupled value s^(1/N) is the largest singular value "
           "of every W_k", _coupling_top_singular, kinds=("balanced", "flattest_unbalanced"), min_width=2,
           # sigma_1 and s from SVDs of d x d matrices: ~d eps each, times N layers; 64 for room
           budget=lambda m: 64 * m.depth * max(m.widths) * 2.2e-16,
           certified_extra="; sigma_1(W_k) enclosed the same way"),
]
CLAIMS = WRONG_VARIANTS  # what the loader (and --replay) reads
