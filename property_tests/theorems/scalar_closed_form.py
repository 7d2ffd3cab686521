"""Theory id scalar-closed-form: d_k = 1, the Hessian is sigma^2 g g^T and lambda_max >= N sigma^2 |T|^(2-2/N)."""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric.hessian import dense_hessian

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import flattest_exponent
from ..strategies import scalar_networks
from .budgets import EPS

__all__ = ["scalar_closed_form"]


@claim(
    id="scalar-closed-form",
    kind="theorem",
    statement="d_k = 1, Sigma_x = sigma^2: the Hessian at prod w_k = T is sigma^2 g g^T (g_k = prod_{j!=k} w_j; the "
              "numeric dense Hessian has that one nonzero eigenvalue), which is >= N sigma^2 |T|^(2-2/N) with "
              "equality when every |w_k| = |T|^(1/N); N = 1..12",
    strategy=lambda: scalar_networks(max_depth=12),
    budget=lambda m: 16 * m.depth * EPS,  # the closed form's N - 1 products and one power
    certified_by="interval evaluation of the closed form and of the AM-GM ratio at the saved weights",
)
def scalar_closed_form(m: Minimum, ctx: Arithmetic) -> Any:
    """min of: Hessian = closed form (numeric dense Hessian vs sigma^2 sum_k prod_{j!=k} w_j^2, rank one),
    closed form >= N sigma^2 |T|^(2-2/N) (AM-GM), with equality when all |w_k| are equal."""
    n = m.depth
    w = [ctx.array(wk)[0, 0] for wk in m.weights]
    sigma2 = ctx.array(m.sigma_x_factor)[0, 0] ** 2
    closed = sigma2 * sum(np.prod([w[j] ** 2 for j in range(n) if j != k]) if n > 1 else ctx.scalar(1.0)
                          for k in range(n))
    t = ctx.absolute(np.prod(w))
    bound = n * sigma2 * ctx.power(t, flattest_exponent(n))
    eig = np.linalg.eigvalsh(np.asarray(dense_hessian(m.weights, m.moments())))
    # dense Hessian eigenvalues: Weyl, ~N eps ||H|| each; the residual term at the rounded T adds ~N eps;
    # 256 N eps stays above the float64 budget (16 N eps) of evaluating this margin
    tolerance = ctx.scalar(256 * n * EPS)
    terms = [tolerance - ctx.absolute(ctx.scalar(float(eig[-1])) - closed) / closed,
             closed / bound - 1]
    if n > 1:
        terms.append(tolerance - ctx.scalar(float(np.max(np.abs(eig[:-1])))) / closed)
    if len({abs(float(wk[0, 0])) for wk in m.weights}) == 1:  # the flattest point: equality
        # exact, no tolerance: the |w_k| are equal floats and T is their exact product, so closed = bound
        # exactly; the float64 value of this term (~N eps) is inside the budget and settled at 50 digits
        terms.append(-ctx.absolute(closed / bound - 1))
    return ctx.minimum(terms)
