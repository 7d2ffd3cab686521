"""Exact balanced factorizations and their exact lambda_max: theory id balanced-attains-bound.

For T = U S V^T (U, V orthogonal, S = diag(s_1 >= ... >= s_d >= 0)) and orthogonal
Q_1..Q_{N-1}, the layers W_k = Q_k S^(1/N) Q_{k-1}^T (Q_0 = V, Q_N = U) multiply to T
and are balanced (W_{k+1}^T W_{k+1} = W_k W_k^T). With whitened data their output gram is

    G = (V kron U) diag( sum_k s_j^(2(k-1)/N) s_i^(2(N-k)/N) )_{(i,j)} (V kron U)^T,

so lambda_max(G) = N s_1^(2 - 2/N). :func:`balanced_lambda_max` computes G exactly,
verifies that orthogonal similarity exactly and returns the largest diagonal entry.

Exact orthogonal matrices with rational entries come from the Cayley transform
(:func:`cayley_orthogonal`), so T can be rational and non-diagonal while S^(1/N)
carries the radicals.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from wideminima.errors import InputError

from ._checks import check_depth
from .steps import is_zero
from .matrix import kron, output_gram

__all__ = ["balanced_factorization", "balanced_lambda_max", "cayley_orthogonal"]


def cayley_orthogonal(skew_entries: Sequence[int | sp.Rational], size: int) -> sp.ImmutableMatrix:
    """The rational orthogonal matrix (I - K)(I + K)^{-1} for the skew matrix K with the given upper entries.

    ``skew_entries`` fill K's strict upper triangle row by row (size (size-1)/2 numbers).

    >>> q = cayley_orthogonal([sp.Rational(1, 2)], 2)
    >>> q, q.T * q == sp.eye(2)
    (Matrix([
    [3/5, -4/5],
    [4/5,  3/5]]), True)
    """
    k = sp.zeros(size, size)
    entries = list(skew_entries)
    if len(entries) != size * (size - 1) // 2:
        raise InputError(f"skew_entries must have {size * (size - 1) // 2} numbers for size {size}, got {len(entries)}")
    pos = 0
    for i in range(size):
        for j in range(i + 1, size):
            k[i, j] = sp.nsimplify(entries[pos], rational=True)
            k[j, i] = -k[i, j]
            pos += 1
    eye = sp.eye(size)
    return sp.ImmutableMatrix((eye - k) * (eye + k).inv())


def _check_orthogonal(q: sp.MatrixBase, name: str) -> sp.ImmutableMatrix:
    q = sp.ImmutableMatrix(q)
    if not q.is_square or not is_zero(q.T * q - sp.eye(q.rows)):
        raise InputError(f"{name} must be an exactly orthogonal square matrix, got {q.tolist()}")
    return q


def _check_singular_values(values: Sequence[sp.Expr], size: int) -> list[sp.Expr]:
    s = [sp.sympify(x) for x in values]
    if len(s) != size:
        raise InputError(f"singular_values must have {size} entries, got {len(s)}")
    for x in s:
        if not (x.is_real and x.is_nonnegative) or not x.is_finite:
            raise InputError(f"singular_values must be finite and >= 0, got {x}")
    if any(sp.simplify(a - b).is_negative for a, b in zip(s, s[1:])):
        raise InputError(f"singular_values must be in decreasing order, got {s}")
    return s


def _rotations(u: sp.MatrixBase, v: sp.MatrixBase, depth: int, rotations: Sequence[sp.MatrixBase]) -> list[sp.ImmutableMatrix]:
    """[Q_0 = v, Q_1, ..., Q_{N-1}, Q_N = u], every one checked exactly orthogonal."""
    u = _check_orthogonal(u, "u")
    v = _check_orthogonal(v, "v")
    if u.rows != v.rows:
        raise InputError(f"u and v must have the same size here (square T), got {u.rows} and {v.rows}")
    if len(rotations) not in (0, depth - 1):
        raise InputError(f"rotations must hold depth - 1 = {depth - 1} matrices, got {len(rotations)}")
    qs = [v] + [_check_orthogonal(q, f"rotations[{i}]") for i, q in enumerate(rotations)]
    return qs + [sp.ImmutableMatrix(sp.eye(u.rows))] * (depth - len(qs)) + [u]


def _layers(qs: list[sp.ImmutableMatrix], root: sp.MatrixBase) -> tuple[sp.ImmutableMatrix, ...]:
    return tuple(sp.ImmutableMatrix(qs[k] * root * qs[k - 1].T) for k in range(1, len(qs)))


def balanced_factorization(
    u: sp.MatrixBase,
    singular_values: Sequence[sp.Expr],
    v: sp.MatrixBase,
    depth: int,
    rotations: Sequence[sp.MatrixBase] = (),
) -> tuple[sp.ImmutableMatrix, ...]:
    """W_k = Q_k S^(1/N) Q_{k-1}^T with Q_0 = v, Q_N = u, Q_1..Q_{N-1} = rotations (default identities).

    >>> ws = balanced_factorization(sp.eye(2), [4, 1], sp.eye(2), 2)
    >>> ws
    (Matrix([
    [2, 0],
    [0, 1]]), Matrix([
    [2, 0],
    [0, 1]]))
    """
    n = check_depth(depth)
    qs = _rotations(u, v, n, rotations)
    s = _check_singular_values(singular_values, qs[0].rows)
    return _layers(qs, sp.diag(*[x ** sp.Rational(1, n) for x in s]))


def balanced_lambda_max(
    u: sp.MatrixBase,
    singular_values: Sequence[sp.Expr],
    v: sp.MatrixBase,
    depth: int,
    rotations: Sequence[sp.MatrixBase] = (),
) -> sp.Expr:
    """Exact lambda_max of the Hessian at the balanced minimum above (whitened data).

    The layers are first built with symbols r_i > 0 in place of s_i^(1/N); the output
    gram G is then a polynomial matrix in r, and (v kron u)^T G (v kron u) is verified
    to equal diag(sum_k r_j^(2(k-1)) r_i^(2(N-k))) as an exact polynomial identity (an
    orthogonal similarity, so that diagonal is the spectrum, for every r). Substituting
    r_i = s_i^(1/N) gives the exact eigenvalues; the largest is returned (``sympy.Max``
    orders these real algebraic numbers; mathematically each is termwise at most the
    (1, 1) entry N s_1^(2-2/N), since s_i <= s_1 and every exponent is >= 0).

    >>> balanced_lambda_max(sp.eye(2), [4, 1], sp.eye(2), 2)     # N s^(2 - 2/N) = 2 * 4
    8
    >>> balanced_lambda_max(sp.eye(2), [2, 1], sp.eye(2), 3)     # 3 * 2^(4/3)
    6*2**(1/3)
    """
    n = check_depth(depth)
    qs = _rotations(u, v, n, rotations)
    d = qs[0].rows
    s = _check_singular_values(singular_values, d)
    r = sp.symbols(f"r1:{d + 1}", positive=True)
    basis = kron(qs[0], qs[-1])
    similar = basis.T * output_gram(_layers(qs, sp.diag(*r))) * basis
    spectrum = [
        sum(r[j] ** (2 * (k - 1)) * r[i] ** (2 * (n - k)) for k in range(1, n + 1)) for j in range(d) for i in range(d)
    ]
    if not is_zero(similar - sp.diag(*spectrum)):  # a theorem: failing here is a bug, not a user error
        raise ArithmeticError("the output gram of a balanced factorization was not diagonalized by V kron U")
    roots = {ri: si ** sp.Rational(1, n) for ri, si in zip(r, s)}
    return sp.Max(*[sp.expand(e.subs(roots)) for e in spectrum])
