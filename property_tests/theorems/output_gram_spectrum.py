"""Theory id output-gram-spectrum: lambda_max and trace of the Hessian at a global minimum are those of G."""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric.gram import hessian_trace, output_gram
from wideminima.numeric.hessian import dense_hessian
from wideminima.numeric.network import products_after, products_before

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import layers, sharpness
from ..strategies import global_minima
from .budgets import EPS, gram_budget, gram_scale

__all__ = ["output_gram_spectrum"]


@claim(
    id="output-gram-spectrum",
    kind="theorem",
    statement="lambda_max and trace of the Hessian at a global minimum equal those of the (d_N d_0)-square output gram "
              "G = sum_k (F^T B_k^T B_k F) kron (A_k A_k^T), trace = sum_k ||A_k||_F^2 ||B_k F||_F^2; checked for the "
              "numeric engine's dense Hessian, output_gram and hessian_trace against G evaluated exactly; margin "
              "Weyl tolerance 64 (P + N) eps S / lambda_max minus the largest relative gap",
    strategy=lambda: global_minima(whitened=False, max_depth=4, max_width=3),
    budget=gram_budget,
    certified_by="interval enclosure of lambda_max and the trace of G at the saved instance against the numeric "
                 "engine's float64 values",
)
def output_gram_spectrum(m: Minimum, ctx: Arithmetic) -> Any:
    """tol - relative gaps between lambda_max and trace of the dense Hessian, the numeric gram, and ctx's gram."""
    h = np.asarray(dense_hessian(m.weights, m.moments()))
    eig = np.linalg.eigvalsh((h + h.T) / 2)
    g_numeric = np.asarray(output_gram(m.weights, None if m.is_whitened else m.sigma_x))
    lam_gram = float(np.linalg.eigvalsh((g_numeric + g_numeric.T) / 2)[-1])
    lam = sharpness(m, ctx)
    ws = layers(m, ctx)
    f = None if m.sigma_x_factor is None else ctx.array(m.sigma_x_factor)
    trace = sum(np.sum(a * a) * np.sum((b if f is None else b @ f) ** 2)
                for a, b in zip(products_after(ws), products_before(ws)))
    params = h.shape[0]
    # Weyl: each float64 eigenvalue of the P x P Hessian is within ~P eps ||H|| of exact;
    # ||H|| <= scale; the residual term at the rounded target adds ~N eps scale.
    tolerance = ctx.scalar(64 * (params + m.depth) * EPS * gram_scale(m)) / lam
    gaps = [ctx.absolute(ctx.scalar(float(eig[-1])) - lam) / lam,
            ctx.absolute(ctx.scalar(lam_gram) - lam) / lam,
            ctx.absolute(ctx.scalar(float(np.trace(h))) - trace) / trace,
            ctx.absolute(ctx.scalar(float(hessian_trace(m.weights, None if m.is_whitened else m.sigma_x))) - trace)
            / trace]
    return tolerance - ctx.maximum(gaps)
