"""Hutch++: a trace estimate of a symmetric operator from products, with its standard error.

Meyer, Musco, Musco & Woodruff (2021): with ``products`` = 3 s products,

    S (P, s) Rademacher, Q = orth(A S),
    tr A ~= tr(Q^T A Q) + (1/s) sum_i g_i^T (I - Q Q^T) A (I - Q Q^T) g_i,   g_i Rademacher.

The first term is exact on the range of A S (it captures the large eigenvalues);
Hutchinson's estimator only sees the deflated remainder, whose variance is
2 ||(I - QQ^T) A (I - QQ^T)||_F^2 / s at most. The standard error returned is the
sample standard deviation of the s deflated terms over sqrt(s): an estimate of the
estimator's spread, not a bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from wideminima.errors import InputError

from ._backend import array_namespace, asarray_like, check_seed, to_numpy

__all__ = ["TraceEstimate", "hutchpp_trace"]


@dataclass(frozen=True)
class TraceEstimate:
    """tr A: ``value`` with ``standard_error`` (0 and ``exact`` True when computed in closed form).

    ``products`` is the number of operator products used; ``method`` ``"hutch++"`` or ``"exact"``.
    """

    value: float
    standard_error: float
    products: int
    method: str

    @property
    def exact(self) -> bool:
        """Whether the value is exact up to rounding (a closed form), not an estimate."""
        return self.method == "exact"


def hutchpp_trace(
    matvec: Callable[[Any], Any], dim: int, products: int = 99, *, seed: int = 0, like: Any = None
) -> TraceEstimate:
    """Hutch++ estimate of tr A from ``products`` (a multiple of 3, >= 6) products with ``matvec``.

    Vectors are passed in ``like``'s namespace and device (NumPy if None). When
    s = products / 3 >= dim the sketch spans the whole space and the value is
    tr(Q^T A Q) = tr A exactly (up to rounding); its standard error is then 0.

    >>> import numpy as np
    >>> a = np.diag(np.arange(1.0, 11.0))
    >>> est = hutchpp_trace(lambda v: a @ v, 10, 30)   # s = 10 = dim: exact
    >>> round(est.value, 10), est.standard_error
    (55.0, 0.0)
    """
    if products < 6 or products % 3:
        raise InputError(f"Hutch++ needs a number of products that is a multiple of 3 and >= 6, got {products}")
    rng = np.random.default_rng(check_seed(seed))
    xp = np if like is None else array_namespace(like)
    s = products // 3
    width = min(s, dim)

    def apply_columns(block: np.ndarray) -> np.ndarray:
        return np.stack([to_numpy(matvec(block[:, i] if xp is np else asarray_like(xp, block[:, i], like)))
                         for i in range(block.shape[1])], axis=1)

    sketch = rng.choice(np.array([-1.0, 1.0]), size=(dim, width))
    basis, _ = np.linalg.qr(apply_columns(sketch))
    head = float(np.trace(basis.T @ apply_columns(basis)))
    used = 2 * width
    if width == dim:
        return TraceEstimate(head, 0.0, used, "hutch++")
    probes = rng.choice(np.array([-1.0, 1.0]), size=(dim, s))
    deflated = probes - basis @ (basis.T @ probes)
    images = apply_columns(deflated)
    images -= basis @ (basis.T @ images)
    terms = np.sum(deflated * images, axis=0)
    used += s
    return TraceEstimate(head + float(np.mean(terms)), float(np.std(terms, ddof=1) / np.sqrt(s)), used, "hutch++")
