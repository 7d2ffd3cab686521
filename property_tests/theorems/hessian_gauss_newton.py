"""Theory id hessian-gauss-newton: at a global minimum H[D, D] is the Gauss-Newton form, for any Sigma_x."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from wideminima.numeric.hessian import hessian_vector_product
from wideminima.numeric.network import products_after, products_before

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import layers
from ..strategies import global_minima
from .budgets import EPS

__all__ = ["hessian_gauss_newton"]


def _directions(draw: Any, m: Minimum) -> list[np.ndarray]:
    entries = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    return [np.array(draw(st.lists(entries, min_size=w.size, max_size=w.size))).reshape(w.shape) for w in m.weights]


@st.composite
def minima_and_directions(draw: Any) -> dict[str, Any]:
    """{"minimum": a global minimum (any Sigma_x, N <= 4, d <= 3), "direction": D, one (d_k, d_{k-1}) block per layer}."""
    m = draw(global_minima(whitened=False, max_depth=4, max_width=3))
    return {"minimum": m, "direction": _directions(draw, m)}


def _gauss_newton_scale(m: Minimum, d: list[np.ndarray]) -> float:
    f = np.eye(m.widths[0]) if m.sigma_x_factor is None else m.sigma_x_factor
    return m.depth * float(sum((np.linalg.norm(a, 2) * np.linalg.norm(dk) * np.linalg.norm(b @ f, 2)) ** 2
                               for a, dk, b in zip(products_after(m.weights), d, products_before(m.weights))))


@claim(
    id="hessian-gauss-newton",
    kind="theorem",
    statement="at a global minimum H[D, D] = ||(sum_k A_k D_k B_k) Sigma_x^{1/2}||_F^2: the numeric engine's full "
              "Hessian-vector product (residual term included) matches the Gauss-Newton form along random D, "
              "any Sigma_x; margin 64 P eps - |difference| / (N sum_k ||A_k||^2 ||D_k||^2 ||B_k F||^2)",
    strategy=minima_and_directions,
    budget=lambda x: 8 * x["minimum"].depth * max(x["minimum"].widths) * EPS,
    certified_by="interval evaluation of the Gauss-Newton form at the saved instance against the numeric engine's "
                 "float64 value (a refutation exposes the numeric Hessian)",
)
def hessian_gauss_newton(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """tol - |H[D,D] (numeric engine, float64) - ||(sum_k A_k D_k B_k) F||_F^2 (ctx)| / scale."""
    m, d = x["minimum"], x["direction"]
    hd = hessian_vector_product(m.weights, m.moments(), d)
    q_numeric = float(sum(np.sum(a * b) for a, b in zip(d, hd)))
    ws, ds = layers(m, ctx), ctx.matrices(d)
    jd = sum(a @ dk @ b for a, dk, b in zip(products_after(ws), ds, products_before(ws)))
    if m.sigma_x_factor is not None:
        jd = jd @ ctx.array(m.sigma_x_factor)
    scale = _gauss_newton_scale(m, d)
    if scale == 0:
        return ctx.scalar(1.0)
    params = sum(w.size for w in m.weights)
    # numeric's H[D,D] errs by ~P eps scale (forming products) plus its residual term,
    # which at the float64-rounded target T is ~N eps scale: 64 P eps covers both.
    tolerance = 64 * params * EPS
    return ctx.scalar(tolerance) - ctx.absolute(ctx.scalar(q_numeric) - np.sum(jd * jd)) / ctx.scalar(scale)
