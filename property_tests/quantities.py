"""The theory's quantities at a :class:`~wideminima.property_tests.instances.Minimum`, in any arithmetic.

These evaluate the formulas of theorems.md in the arithmetic ``ctx`` of
:mod:`wideminima.property_tests.arithmetic`, from the instance's float64 numbers
taken exactly, so a margin built from them can be re-evaluated at 50 digits and
enclosed in intervals. In float64 they agree with the numeric engine
(``wideminima.numeric.sharpness``, ``flattest_sharpness``), which tests/verify
checks; the numeric engine itself works in float64 only.

>>> import numpy as np
>>> from wideminima.property_tests.arithmetic import FLOAT64
>>> m = Minimum([np.diag([2.0, 1.0]), np.diag([2.0, 1.0])])   # balanced, T = diag(4, 1)
>>> float(sharpness(m, FLOAT64)), float(flattest_bound(m, FLOAT64))   # both N s^(2-2/N) = 2 * 4
(8.0, 8.0)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from wideminima.numeric.network import end_to_end, products_after, products_before

from .arithmetic import Arithmetic
from .instances import Minimum

__all__ = [
    "layers",
    "target",
    "sharpness",
    "top_singular_value",
    "flattest_exponent",
    "flattest_bound",
    "bilinear_terms",
]


def layers(m: Minimum, ctx: Arithmetic) -> list[np.ndarray]:
    """[W_1, ..., W_N] in ``ctx``."""
    return ctx.matrices(m.weights)


def target(m: Minimum, ctx: Arithmetic) -> np.ndarray:
    """T = W_N ... W_1, exactly in ``ctx`` (the instance's definition of T)."""
    return end_to_end(layers(m, ctx))


def sharpness(m: Minimum, ctx: Arithmetic) -> Any:
    """lambda_max of the Hessian at the minimum = lambda_max of the output gram (output-gram-spectrum)."""
    factor = None if m.sigma_x_factor is None else ctx.array(m.sigma_x_factor)
    return ctx.lambda_max(ctx.output_gram(layers(m, ctx), factor))


def top_singular_value(m: Minimum, ctx: Arithmetic) -> Any:
    """s = sigma_1(T)."""
    return ctx.top_singular_value(target(m, ctx))


def flattest_exponent(depth: int) -> Fraction:
    """2 - 2/N, exactly."""
    return Fraction(2 * depth - 2, depth)


def flattest_bound(m: Minimum, ctx: Arithmetic) -> Any:
    """N s^(2-2/N), the flattest sharpness for whitened data (balanced-attains-bound)."""
    return m.depth * ctx.power(top_singular_value(m, ctx), flattest_exponent(m.depth))


def bilinear_terms(m: Minimum, ctx: Arithmetic, u: np.ndarray, v: np.ndarray) -> list[Any]:
    """[||A_k^T u||^2 ||B_k F v||^2]_k for vectors u, v of ``ctx`` (bilinear-lower-bound's terms)."""
    ws = layers(m, ctx)
    factor = None if m.sigma_x_factor is None else ctx.array(m.sigma_x_factor)
    fv = v if factor is None else factor @ v
    terms = []
    for a, b in zip(products_after(ws), products_before(ws)):
        au, bv = a.T @ u, b @ fv
        terms.append(np.sum(au * au) * np.sum(bv * bv))
    return terms
