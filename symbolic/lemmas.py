"""Named lemmas and the steps that apply them, with machine-checked side conditions.

A lemma's own truth is cited, not re-proved: AM-GM, Cauchy-Schwarz, Courant-Fischer,
Sylvester's determinant identity and the vec/Kronecker rules are textbook results.
What the machine checks is the application: every side condition the lemma needs
(positivity of the terms, symmetry of the operator, that the quantity in the
derivation really is the lemma's expression at the chosen instance, ...) is decided
by an exact SymPy computation when the step is built. :func:`lemma_step` marks the
step checked only when every side condition is exactly ``True``; a condition SymPy
cannot decide (``None``) or that fails leaves the step NOT CHECKED, so
``wideminima derive`` exits 1.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> step = lemma_step(AM_GM, "x + 1/x >= 2", [("x > 0", x.is_positive), ("1/x > 0", (1 / x).is_positive)])
>>> step.checked, step.check.startswith("lemma AM-GM (cited:")
(True, True)
>>> lemma_step(AM_GM, "y + 1/y >= 2", [("y > 0", sp.Symbol("y").is_positive)]).checked
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .steps import Step

__all__ = [
    "AM_GM",
    "CAUCHY_SCHWARZ",
    "COURANT_FISCHER",
    "KRONECKER_TRACE",
    "Lemma",
    "SYLVESTER",
    "VEC_KRONECKER",
    "lemma_step",
]


@dataclass(frozen=True)
class Lemma:
    """A cited result: ``name``, its ``statement`` (with the hypotheses) and a ``reference``."""

    name: str
    statement: str
    reference: str


AM_GM = Lemma(
    "AM-GM",
    "for n >= 1 positive reals c_1..c_n, sum_k c_k >= n (prod_k c_k)^(1/n), with equality iff all c_k are equal",
    "Hardy, Littlewood, Polya, Inequalities, Thm. 9",
)
CAUCHY_SCHWARZ = Lemma(
    "Cauchy-Schwarz",
    "for vectors x, y of a real inner-product space, <x, y>^2 <= <x, x> <y, y>, with equality iff x, y are parallel",
    "Horn and Johnson, Matrix Analysis, 5.1.4",
)
COURANT_FISCHER = Lemma(
    "Courant-Fischer",
    "for a symmetric (self-adjoint) operator H on a finite-dimensional real inner-product space, "
    "lambda_max(H) = max_{v != 0} <v, H v> / <v, v>",
    "Horn and Johnson, Matrix Analysis, 4.2.6",
)
SYLVESTER = Lemma(
    "Sylvester's determinant identity",
    "for linear maps J: U -> V and K: V -> U of finite-dimensional spaces, "
    "x^(dim V) det(x I - K J) = x^(dim U) det(x I - J K), so K J and J K have the same nonzero eigenvalues "
    "with multiplicities",
    "Horn and Johnson, Matrix Analysis, 1.3.22",
)
VEC_KRONECKER = Lemma(
    "vec-Kronecker rule",
    "for matrices X (p x m), M (m x n), Y (n x q): vec(X M Y) = (Y^T kron X) vec(M), vec column-major",
    "Magnus and Neudecker, Matrix Differential Calculus, 2.4",
)
KRONECKER_TRACE = Lemma(
    "Kronecker trace rule",
    "for square X and Y: tr(X kron Y) = tr(X) tr(Y)",
    "Magnus and Neudecker, Matrix Differential Calculus, 2.3",
)


def _holds(value: Any) -> bool:
    return value is True or value is sp.true


def lemma_step(
    lemma: Lemma,
    claim: str,
    side_conditions: Sequence[tuple[str, Any]],
    *,
    justification: str = "",
    formula: str = "",
    latex: str = "",
) -> Step:
    """A step applying ``lemma``; checked iff every ``(description, decided)`` side condition is exactly True.

    ``decided`` is the outcome of an exact SymPy computation the caller ran (e.g.
    ``expr.is_positive`` or :func:`~.steps.is_zero` of a difference); ``None``
    (undecided) and ``False`` both leave the step unchecked, and the check text names
    the conditions that did not hold. A lemma with no side condition to check is a
    citation, not a checked step: an empty list leaves the step unchecked.
    """
    failed = [text for text, decided in side_conditions if not _holds(decided)]
    ok = bool(side_conditions) and not failed
    conditions = "; ".join(text for text, _ in side_conditions) or "none given"
    how = f"lemma {lemma.name} (cited: {lemma.reference}); side conditions checked by SymPy: {conditions}"
    if failed:
        how += " -- did NOT hold or could not be decided: " + "; ".join(failed)
    elif not side_conditions:
        how += " -- nothing checked"
    because = f"{lemma.name}: {lemma.statement}" + (f"; {justification}" if justification else "")
    return Step(claim, formula or claim, latex, because, how, ok)
