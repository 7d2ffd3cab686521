"""Record lambda_max, the trace and the flatness signatures every k steps of your own torch training loop.

>>> import torch
>>> from torch import nn
>>> _ = torch.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
>>> x, y = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
>>> tracker = Tracker(model, (x, y), every=5)
>>> for step in range(11):                           # your loop; any optimizer
...     model.zero_grad()
...     loss = 0.5 * ((model(x) - y) ** 2).sum() / 32
...     loss.backward()
...     _ = tracker.record(step, loss=loss.item(), lr=0.1)   # computes at steps 0, 5, 10 only
...     with torch.no_grad():
...         for p in model.parameters():
...             p -= 0.1 * p.grad
>>> [(row["step"], round(row["lambda_max"], 6)) for row in tracker.rows]
[(0, 2.071105), (5, 1.95525), (10, 1.926833)]

Rows hold ``step``, ``lr``, ``loss``, ``gradient_norm`` (of the gradients the module holds
when ``record`` is called; None when there are none), ``lambda_max`` and ``lambda_min``
(signed, with the convergence flag), ``trace`` with ``trace_standard_error`` and
``trace_method`` (exact for linear chains, Hutch++ otherwise), and per consecutive pair of
Linear layers ``imbalance`` and ``coupling`` (plus ``path_gains`` for linear chains; modules
that are not a chain of Linear layers have no signatures). :meth:`Tracker.write` saves the
trajectory JSON of ``wideminima train``: ``{"config": ..., "status": ..., "rows": [...]}``,
non-finite numbers as null, written atomically. The Hessian is that of the loss on the
data given to the tracker (the toolkit's 1/2 mean squared error unless ``loss`` is given),
measured on a float64 copy of the module in eval mode; the training itself is not touched.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from wideminima.errors import InputError
from wideminima.io import write_trajectory

from .hessian_spectrum import extremes_of, hessian_trace_of
from .parameter_hessian import hessian_of
from .signatures import signatures
from .torch_models import chain_from_module

__all__ = ["Tracker"]


class Tracker:
    """Records Hessian summaries of ``model`` on ``data`` every ``every`` steps (module docstring)."""

    def __init__(
        self, model: Any, data: Any, *, every: int = 100, loss: Callable[[Any, Any], Any] | None = None,
        trace_products: int = 30, seed: int = 0,
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise InputError(f"every must be an integer >= 1, got {every!r}")
        self.model, self.data, self.every, self.loss = model, data, every, loss
        self.trace_products, self.seed = trace_products, seed
        self.rows: list[dict[str, Any]] = []

    def record(self, step: int, *, loss: float | None = None, lr: float | None = None) -> dict[str, Any] | None:
        """At steps that are multiples of ``every``: compute, append and return the row; else None."""
        if step % self.every:
            return None
        gradients = [p.grad for p in self.model.parameters() if p.grad is not None]
        gnorm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in gradients)) if gradients else None
        op = hessian_of(self.model, self.data, loss=self.loss)
        ext = extremes_of(op, seed=self.seed)
        trace = hessian_trace_of(op, products=self.trace_products, seed=self.seed)
        row: dict[str, Any] = {"step": int(step), "lr": lr, "loss": loss, "gradient_norm": gnorm,
                               "lambda_max": ext.lambda_max, "lambda_min": ext.lambda_min,
                               "converged": ext.top.converged and ext.bottom.converged,
                               "trace": trace.value, "trace_standard_error": trace.standard_error,
                               "trace_method": trace.method}
        chain = chain_from_module(self.model)
        if chain is not None and len(chain.layers) > 1:
            sig = signatures(chain.weights, linear=chain.is_linear)
            row["imbalance"], row["coupling"] = sig.imbalance.tolist(), sig.coupling.tolist()
            if sig.path_gains is not None:
                row["path_gains"] = sig.path_gains.tolist()
        self.rows.append(row)
        return row

    def write(self, path: str | os.PathLike[str], *, status: str = "stopped", config: dict[str, Any] | None = None) -> None:
        """Save the rows as the trajectory JSON of ``wideminima train`` (atomically; .json or .csv)."""
        write_trajectory(os.fspath(path), dict(config or {}, every=self.every), status, self.rows)
