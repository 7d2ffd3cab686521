"""What ``wideminima sharpness`` reports for a nonlinear chain (activation or biases): a JSON-ready dict.

The keys of the linear report, with ``None`` where the theory of deep linear networks
gives no number (global-minimum test, flattest bound, sharpness ratio, path gains),
plus the activation, the loss and the trace's standard error: off linear chains the
trace is a Hutch++ estimate (``trace_method``), never printed as if exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import check_seed, to_numpy
from .hessian_spectrum import extremes_of, hessian_trace_of
from .parameter_hessian import hessian_of
from .signatures import signatures
from .spectra import Extremes
from .torch_models import Chain

__all__ = ["summarize_chain"]

# Hutch++ products for the reported trace: 3 x 33 (the standard error is reported beside it).
TRACE_PRODUCTS = 99


def summarize_chain(chain: Chain, x: Any, y: Any, *, seed: int = 0) -> dict[str, Any]:
    """Every number the command prints for ``chain`` on samples X (n, d_0), Y (n, d_N)."""
    seed = check_seed(seed)
    op = hessian_of(chain, (x, y))
    net, params = op.extra["mlp"], op.extra["params"]
    value, grad = net.value_and_gradient_unchecked(op.namespace, params, op.extra["x"], op.extra["y"])
    ext: Extremes = extremes_of(op, seed=seed)
    trace = hessian_trace_of(op, products=TRACE_PRODUCTS, seed=seed)
    sig = signatures(chain.weights, linear=False)
    return {
        "depth": len(chain.layers),
        "widths": chain.widths,
        "activation": chain.activation,
        "biases": chain.biases is not None,
        "residual": chain.residual,
        "whitened": False,
        "loss": value,
        "lambda_max": ext.lambda_max,
        "lambda_min": ext.lambda_min,
        "residual_max": ext.top.residual,
        "residual_min": ext.bottom.residual,
        "converged": ext.top.converged and ext.bottom.converged,
        "products": ext.products + trace.products,
        "method": "lanczos-hessian",
        "trace": trace.value,
        "trace_standard_error": trace.standard_error,
        "trace_method": trace.method,
        "at_global_minimum": None,
        "gradient_norm": float(np.linalg.norm(np.concatenate([to_numpy(g).reshape(-1) for g in grad]))),
        "flattest_bound": None,
        "sharpness_ratio": None,
        "path_gains": None,
        "coupling": sig.coupling.tolist(),
        "imbalance": sig.imbalance.tolist(),
    }
