"""Beyond lambda_max: top-k and bottom-k eigenpairs, per-layer blocks, trace and density of any model's Hessian.

Every function takes a model and its data as :func:`~wideminima.numeric.parameter_hessian.hessian_of`
does (weights list, Chain, (MLP, params), or a ``torch.nn.Module``), or a ready
:class:`~wideminima.numeric.parameter_hessian.ParameterHessian`.

- :func:`extremes_of`: lambda_max and lambda_min with their eigenvectors and residuals.
- :func:`hessian_eigenpairs`: k extreme eigenpairs with explicit residuals (Lanczos, or
  ARPACK on NumPy operators, or dense for P <= 64).
- :func:`block_extremes`: lambda_max and lambda_min of each diagonal block H_kk (per layer).
- :func:`hessian_trace_of`: exact for deep linear networks (theory id output-gram-spectrum:
  tr H = sum_k ||A_k||_F^2 ||B_k Sigma_x^{1/2}||_F^2 at every point), Hutch++ otherwise.
- :func:`exact_spectrum`: at a global minimum of a linear chain, all P eigenvalues:
  those of the output gram G (eigh) and P - rank zeros (H = J^T J, theory id output-gram-spectrum).
- :func:`hessian_density`: the exact smoothed density from :func:`exact_spectrum` at a
  global minimum of a linear chain, SLQ otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.errors import InputError, NotAGlobalMinimumError

from .density import Density, exact_density, slq_density
from .lanczos import EigenResult, top_eigenpairs
from .parameter_hessian import ParameterHessian, hessian_of, moments_of
from .operator import MatvecOperator
from .spectra import Extremes, global_minimum_test, operator_extremes
from .trace import TraceEstimate, hutchpp_trace

__all__ = ["extremes_of", "hessian_eigenpairs", "block_extremes", "hessian_trace_of", "exact_spectrum", "hessian_density"]

# Output grams up to this size (d_N d_0) are diagonalized densely for the exact spectrum (eigh of 4096^2: seconds).
_EXACT_GRAM = 4096


def _operator(model: Any, data: Any) -> ParameterHessian:
    return model if isinstance(model, ParameterHessian) else hessian_of(model, data)


def _on_host(op: ParameterHessian) -> bool:
    """Whether the operator's vectors live in host memory as NumPy or CPU torch arrays (zero-copy NumPy views)."""
    if op.namespace is np:
        return True
    return hasattr(op.like, "device") and str(op.like.device) == "cpu" and hasattr(op.like, "numpy")


def hessian_eigenpairs(
    model: Any, data: Any = None, k: int = 1, *, which: str = "largest", tol: float = 1e-10, seed: int = 0,
    method: str = "auto",
) -> EigenResult:
    """The ``k`` largest (or smallest, signed) Hessian eigenpairs, residuals ||H v - lambda v|| explicit.

    ``method``: ``"dense"``, ``"lanczos"`` (this toolkit's, any namespace and device),
    ``"arpack"`` (SciPy's eigsh on host vectors: NumPy, or CPU torch tensors through
    zero-copy views), or ``"auto"``: dense for P <= 64, ARPACK for the largest end on the
    host when SciPy is installed, otherwise Lanczos. In ``benchmarks/bench_torch_spectra.py``
    the two are within the run-to-run noise of a loaded machine (P = 524,288 and 98,880; ARPACK
    4-7% more products), so the well-kept library is preferred where it runs. Vectors come
    back in the operator's namespace.
    """
    from ._backend import scipy_available

    op = _operator(model, data)
    if method == "auto":
        method = "dense" if op.dim <= 64 else "lanczos"
        if method == "lanczos" and which == "largest" and k < op.dim and _on_host(op) and scipy_available():
            method = "arpack"
    if method != "arpack" or op.namespace is np:
        return top_eigenpairs(op, k=k, which=which, tol=tol, seed=seed, like=op.like, method=method)
    if not _on_host(op):
        raise InputError("method='arpack' needs host (NumPy or CPU torch) vectors; use method='lanczos'")
    import torch

    def host(vector: np.ndarray) -> np.ndarray:
        return op.matvec(torch.from_numpy(vector)).numpy()

    found = top_eigenpairs(MatvecOperator(host, op.dim), k=k, which=which, tol=tol, seed=seed, method="arpack")
    return EigenResult(found.values, torch.from_numpy(np.ascontiguousarray(found.vectors)), found.residuals,
                       found.converged, found.products, found.method)


def extremes_of(model: Any, data: Any = None, *, tol: float = 1e-10, seed: int = 0) -> Extremes:
    """lambda_max and lambda_min (signed) of the Hessian of any model, as the toolkit's ``Extremes``.

    The numeric engine's one extremes routine (:func:`~wideminima.numeric.spectra.operator_extremes`):
    start vectors from ``seed`` (top) and ``seed + 1`` (bottom); dense for P <= 64.
    """
    op = _operator(model, data)
    return operator_extremes(op.matvec, op.dim, op.unflatten, like=op.like, seed=seed, tol=tol)


def block_extremes(model: Any, data: Any = None, *, tol: float = 1e-10, seed: int = 0) -> dict[str, Extremes]:
    """{block label: extremes of H restricted to that parameter tensor} (W1.., b1.. for chains).

    The diagonal block H_kk is the Hessian of L in W_k alone with the others fixed.
    For a deep linear network H_kk = (A_k^T A_k) (kron) (B_k Sigma_x B_k^T) exactly (L is
    quadratic in each single layer), so its extremes are products of extreme eigenvalues.
    """
    op = _operator(model, data)
    return {label: extremes_of(op.block(label), tol=tol, seed=seed) for label, _, _ in op.blocks}


def hessian_trace_of(model: Any, data: Any = None, *, products: int = 99, seed: int = 0) -> TraceEstimate:
    """tr H: exact (closed form) for deep linear networks, Hutch++ with ``products`` products otherwise."""
    op = _operator(model, data)
    if op.kind == "linear":
        from .gram import hessian_trace

        moments = op.extra["moments"]
        return TraceEstimate(hessian_trace(op.weights, None if moments.is_whitened else moments.sigma_x), 0.0, 0, "exact")
    return hutchpp_trace(op.matvec, op.dim, products, seed=seed, like=op.like)


def exact_spectrum(weights: Any, data: Any = None) -> np.ndarray:
    """All P Hessian eigenvalues at a global minimum of a deep linear network, descending.

    H = J^T J there, so its nonzero eigenvalues are those of G = J J^T (d_N d_0 square);
    the rest are zeros. ``data``: Moments, (X, Y), a DataLoader, or None (whitened,
    T = the product). Returns eigh(G) (clipped at 0: G is PSD, negative values are
    rounding) truncated or padded with zeros to P entries. Raises
    :class:`NotAGlobalMinimumError` off the minima; refuses d_N d_0 > 4096.
    """
    from .gram import gram_factors
    from .hessian import parameter_count, resolve_network

    weights, moments = resolve_network(weights, moments_of(data))
    test = global_minimum_test(weights, moments)
    if not test.is_minimum:
        raise NotAGlobalMinimumError(
            f"the exact spectrum needs a global minimum; ||(W_N...W_1 - T) Sigma_x^1/2||_F = {test.residual:.3g} "
            f"exceeds the rounding bound {test.bound:.3g}"
        )
    dn, d0 = int(weights[-1].shape[0]), int(weights[0].shape[1])
    if dn * d0 > _EXACT_GRAM:
        raise InputError(f"the exact spectrum diagonalizes the {dn * d0} x {dn * d0} output gram; the limit is {_EXACT_GRAM}")
    from ._backend import to_numpy

    gram = to_numpy(gram_factors(weights, None if moments.is_whitened else moments.sigma_x).dense())
    values = np.clip(np.linalg.eigvalsh((gram + gram.T) / 2)[::-1], 0.0, None)
    p = parameter_count(weights)
    return np.concatenate([values[:p], np.zeros(max(p - values.size, 0))])


def hessian_density(
    model: Any, data: Any = None, *, sigma: float | None = None, probes: int = 10, steps: int = 80, points: int = 512,
    seed: int = 0,
) -> Density:
    """The smoothed spectral density: exact at a global minimum of a linear chain, SLQ otherwise."""
    op = _operator(model, data)
    if op.kind == "linear":
        moments = op.extra["moments"]
        dn, d0 = int(op.weights[-1].shape[0]), int(op.weights[0].shape[1])
        if dn * d0 <= _EXACT_GRAM and global_minimum_test(op.weights, moments).is_minimum:
            return exact_density(exact_spectrum(op.weights, moments), sigma=sigma, points=points)
    return slq_density(op.matvec, op.dim, probes=probes, steps=steps, sigma=sigma, points=points, seed=seed, like=op.like)
