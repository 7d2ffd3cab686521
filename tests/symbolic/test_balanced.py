"""Balanced minima (theory id balanced-attains-bound): exact lambda_max = N s^(2-2/N)."""

from __future__ import annotations

import pytest
import sympy as sp

from wideminima.errors import InputError
from wideminima.symbolic import balanced_factorization, balanced_lambda_max, cayley_orthogonal
from wideminima.symbolic.steps import is_zero


def _orthogonal(size: int, seed: int) -> sp.ImmutableMatrix:
    m = size * (size - 1) // 2
    return cayley_orthogonal([sp.Rational(seed + i, 7 + 2 * i) for i in range(m)], size)


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize(
    "values", [[2, 1], [sp.Rational(9, 4), sp.Rational(1, 3)], [3, 2, 1], [5, 5, 0], [sp.Rational(7, 2), 1, sp.Rational(1, 5)]]
)
@pytest.mark.parametrize("diagonal", [True, False])
def test_balanced_minimum_attains_the_bound(depth: int, values: list, diagonal: bool) -> None:
    d = len(values)
    eye = sp.eye(d)
    u, v = (eye, eye) if diagonal else (_orthogonal(d, 1), _orthogonal(d, -2))
    rotations = [_orthogonal(d, 3 + k) for k in range(depth - 1)]
    ws = balanced_factorization(u, values, v, depth, rotations)
    product = ws[0]
    for w in ws[1:]:
        product = w * product
    assert is_zero(product - u * sp.diag(*values) * v.T)  # a factorization of T
    for k in range(depth - 1):
        assert is_zero(ws[k + 1].T * ws[k + 1] - ws[k] * ws[k].T)  # balanced
    s = max(sp.sympify(x) for x in values)
    assert is_zero(balanced_lambda_max(u, values, v, depth, rotations) - depth * s ** (2 - sp.Rational(2, depth)))


def test_cayley_matrices_are_orthogonal() -> None:
    for size in (1, 2, 3):
        q = _orthogonal(size, 4)
        assert q.T * q == sp.eye(size)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"u": sp.Matrix([[1, 1], [0, 1]])}, "orthogonal"),
        ({"values": [1, -1]}, "singular_values"),
        ({"values": [1, 2]}, "decreasing"),
        ({"values": [1]}, "2 entries"),
        ({"depth": 0}, "depth"),
        ({"rotations": [sp.eye(2), sp.eye(2)]}, "rotations"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    args = {"u": sp.eye(2), "values": [2, 1], "v": sp.eye(2), "depth": 2}
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        balanced_lambda_max(args["u"], args["values"], args["v"], args["depth"], args.get("rotations", ()))
