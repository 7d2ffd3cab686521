"""Dimension-free matrix algebra: non-commuting SymPy symbols with shapes, transpose and trace.

A matrix is a non-commutative SymPy symbol with a symbolic shape (rows, cols), e.g.
W_k of shape (d_k, d_{k-1}); its transpose is a second symbol, W_k^T, and a symmetric
matrix (C = Sigma_x^{1/2}) is its own transpose. An expression is a polynomial in these
symbols with commutative (scalar) coefficients; SymPy's ``expand`` multiplies it out
without ever commuting two matrices. An identity between two such expressions that
expands to 0 holds for real matrices of every size that makes the words well-formed:
it is proved once for all widths.

Traces: tr is linear, tr(X Y) = tr(Y X) and tr(X^T) = tr(X). :func:`trace_normal_form`
writes tr(expr) as a combination of canonical words (the least of all cyclic rotations
of the word and of its transpose), so two traces are equal when their normal forms are.
Only these three true rules are used, so a zero normal form proves the trace identity
for every size; a nonzero one proves nothing (the check then fails honestly).

Shapes: :meth:`MatrixAlgebra.shape` types a word by its symbolic shapes and returns
None when two neighbours do not chain; identity and trace steps check that every word
on both sides is well-formed (and that every traced word is square).

>>> alg = MatrixAlgebra()
>>> a, b = alg.matrix("A", "m", "n"), alg.matrix("B", "n", "m")
>>> alg.transpose(a * b)
B^T*A^T
>>> trace_is_zero(alg, a * b - b * a), trace_is_zero(alg, a * b - alg.transpose(a * b)), trace_is_zero(alg, a * b)
(True, True, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

from .steps import Step, fact_step, identity_step

__all__ = ["MatrixAlgebra", "product", "trace_identity_step", "trace_is_zero", "trace_normal_form", "word_identity_step"]

Word = tuple[sp.Symbol, ...]


class MatrixAlgebra:
    """The symbols of one derivation: each matrix symbol's transpose and symbolic shape."""

    def __init__(self) -> None:
        self._transpose: dict[sp.Symbol, sp.Symbol] = {}
        self._shape: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]] = {}

    def matrix(self, name: str, rows: Any, cols: Any, *, symmetric: bool = False) -> sp.Symbol:
        """A new non-commutative symbol ``name`` of shape (rows, cols) and its transpose ``name^T``."""
        x = sp.Symbol(name, commutative=False)
        rows, cols = sp.sympify(rows), sp.sympify(cols)
        if symmetric:
            if rows != cols:
                raise ValueError(f"symmetric matrix {name} must be square")
            self._transpose[x] = x
        else:
            xt = sp.Symbol(f"{name}^T", commutative=False)
            self._transpose[x], self._transpose[xt] = xt, x
            self._shape[xt] = (cols, rows)
        self._shape[x] = (rows, cols)
        return x

    def T(self, x: sp.Symbol) -> sp.Symbol:  # noqa: N802 (the mathematical name)
        """The transpose symbol of the matrix symbol ``x``."""
        return self._transpose[x]

    def transpose(self, expr: Any) -> sp.Expr:
        """(sum_i c_i X_1 ... X_m)^T = sum_i c_i X_m^T ... X_1^T (scalar coefficients unchanged)."""
        return sp.Add(*[coeff * product(self._transpose[x] for x in reversed(word)) for coeff, word in terms(expr)])

    def shape(self, word: Word) -> tuple[sp.Expr, sp.Expr] | None:
        """The symbolic shape of a word, or None when two neighbours do not chain (or a symbol is unknown)."""
        if not word:
            return None  # the identity: shape given by its context
        try:
            shapes = [self._shape[x] for x in word]
        except KeyError:
            return None
        if any(left[1] != right[0] for left, right in zip(shapes, shapes[1:])):
            return None
        return shapes[0][0], shapes[-1][1]

    def well_formed(self, *exprs: Any) -> bool:
        """Whether every word of ``exprs`` chains and all words share one shape (a matrix identity can be stated)."""
        shapes = {self.shape(word) for expr in exprs for _, word in terms(expr) if word}
        return None not in shapes and len(shapes) <= 1

    def traceable(self, *exprs: Any) -> bool:
        """Whether every word of ``exprs`` chains and is square (each term of a sum of traces has its own size)."""
        shapes = [self.shape(word) for expr in exprs for _, word in terms(expr) if word]
        return all(shape is not None and shape[0] == shape[1] for shape in shapes)


def product(factors: Iterable[Any]) -> sp.Expr:
    """The ordered product f_1 f_2 ... (1 when empty)."""
    out: sp.Expr = sp.S.One
    for f in factors:
        out = out * f
    return out


def terms(expr: Any) -> list[tuple[sp.Expr, Word]]:
    """The expanded expression as (scalar coefficient, word of matrix symbols) pairs."""
    out = []
    for term in sp.Add.make_args(sp.expand(sp.sympify(expr))):
        if term == 0:
            continue
        commutative, noncommutative = term.args_cnc()
        word: list[sp.Symbol] = []
        for factor in noncommutative:
            base, exponent = factor.as_base_exp()
            if not (exponent.is_Integer and exponent > 0 and base.is_Symbol):
                raise ValueError(f"not a polynomial in matrix symbols: {factor}")
            word += [base] * int(exponent)
        out.append((sp.Mul(*commutative), tuple(word)))
    return out


def _canonical(alg: MatrixAlgebra, word: Word) -> tuple[str, ...]:
    transposed = tuple(alg.T(x) for x in reversed(word))
    rotations = [w[i:] + w[:i] for w in (word, transposed) for i in range(max(len(w), 1))]
    return min(tuple(x.name for x in w) for w in rotations)


def trace_normal_form(alg: MatrixAlgebra, expr: Any) -> dict[tuple[str, ...], sp.Expr]:
    """tr(expr) as {canonical word: coefficient}, zero coefficients dropped (see the module docstring)."""
    form: dict[tuple[str, ...], sp.Expr] = {}
    for coeff, word in terms(expr):
        key = _canonical(alg, word)
        form[key] = form.get(key, sp.S.Zero) + coeff
    return {key: c for key, c in form.items() if sp.expand(c) != 0}


def trace_is_zero(alg: MatrixAlgebra, expr: Any) -> bool:
    """True when tr(expr) = 0 follows from linearity, cyclicity and tr(X^T) = tr(X) alone."""
    return not trace_normal_form(alg, expr)


def word_identity_step(
    alg: MatrixAlgebra, claim: str, justification: str, lhs: Any, rhs: Any, *, formula: str, shown: tuple[Any, Any] | None = None
) -> Step:
    """``lhs = rhs`` as matrices of every size: well-formed words on both sides, difference expands to 0."""
    if not alg.well_formed(lhs, rhs):
        return fact_step(claim, justification, False, "the two sides are not well-formed matrices of one shape", formula=formula)
    because = justification + " (non-commuting matrix symbols: holds for every width)"
    return identity_step(claim, because, lhs, rhs, formula=formula, shown=shown)


def trace_identity_step(alg: MatrixAlgebra, claim: str, justification: str, lhs: Any, rhs: Any, *, formula: str, latex: str = "") -> Step:
    """tr(lhs) = tr(rhs) for every size: both sides square and well-formed, trace normal form of lhs - rhs is 0."""
    shapes_ok = alg.traceable(lhs, rhs)
    return fact_step(
        claim,
        justification,
        shapes_ok and trace_is_zero(alg, lhs - rhs),
        "every word square and well-formed; tr(lhs - rhs) in trace normal form (linearity, tr(XY) = tr(YX), "
        "tr(X^T) = tr(X)) is 0 for non-commuting matrix symbols of every width",
        formula=formula,
        latex=latex,
    )
