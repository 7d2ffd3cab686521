"""Extreme eigenpairs and traces of symmetric operators given only by a matrix-vector product.

These functions know nothing about networks: they take a
:class:`~wideminima.numeric.operator.SymmetricOperator` (``matvec``, ``dim``,
``namespace``, ``dense``), or a plain product function with its ``dim`` (wrapped in
a :class:`~wideminima.numeric.operator.MatvecOperator`), so that any Hessian (linear
network, output gram, MLP) can use them.

- :func:`top_eigenpairs`: thick-restart Lanczos with full reorthogonalization,
  written against the array API (runs on NumPy, PyTorch, CuPy, array-api-strict;
  the small projected eigenproblem is solved on the host). For NumPy with SciPy
  installed, ``method="arpack"`` (the ``"auto"`` choice for the largest end)
  uses ARPACK (:mod:`wideminima.numeric.arpack`).
- :func:`hutchinson_trace`: Hutchinson's estimator with Rademacher probes and its
  standard error.

Convergence: a Ritz pair (theta, y) is accepted when ||A y - theta y|| <= tol * scale,
scale = the largest |Ritz value| seen (an estimate of ||A||_2). By the Weyl/Kahan
bound some eigenvalue lies within the residual of theta, and the Rayleigh quotient
error is at most residual^2 / gap; the default tol = 1e-10 therefore gives
eigenvalues to ~1e-10 relative to ||A|| or better. The residuals returned are computed
explicitly, not estimated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import array_namespace, asarray_like, check_seed, index_array, scipy_available, to_numpy, zeros_like_device
from .arpack import arpack_eigenpairs
from .operator import EigenResult, MatvecOperator, SymmetricOperator

__all__ = ["EigenResult", "top_eigenpairs", "hutchinson_trace", "orthogonalize"]

# Operators this small are assembled (dense()) and diagonalized densely: exact,
# and cheaper than iterating.
_DENSE_DIM = 64


def _as_operator(operator: SymmetricOperator | Callable[[Array], Array], dim: int | None, like: Array) -> SymmetricOperator:
    """``operator`` itself, or a plain product function with its ``dim`` as a :class:`MatvecOperator`."""
    if isinstance(operator, SymmetricOperator):
        if dim is not None and dim != operator.dim:
            raise InputError(f"dim={dim} disagrees with the operator's dim={operator.dim}")
        return operator
    if dim is None:
        raise InputError("a plain product function needs its dim (or pass a SymmetricOperator)")
    return MatvecOperator(operator, dim, like)


def _vector_like(xp: Any, vector: np.ndarray, like: Array) -> Array:
    """The NumPy ``vector`` in namespace ``xp``, on ``like``'s device (the default device if None)."""
    if xp is np:
        return vector
    if like is None:
        return xp.asarray(vector, dtype=xp.float64)
    return asarray_like(xp, vector, like)


def _start_vector(operator: SymmetricOperator, seed: int, start: Array, like: Array) -> tuple[Any, Array]:
    dim = operator.dim
    if start is not None:
        xp = array_namespace(start)
        start = xp.reshape(start, (-1,))
        if int(start.shape[0]) != dim:
            raise InputError(f"start vector has {int(start.shape[0])} entries but dim={dim}")
        return xp, xp.astype(start, xp.float64) if start.dtype != xp.float64 else start
    xp = operator.namespace
    return xp, _vector_like(xp, np.random.default_rng(seed).standard_normal(dim), like)


def top_eigenpairs(
    operator: SymmetricOperator | Callable[[Array], Array],
    dim: int | None = None,
    k: int = 1,
    *,
    seed: int = 0,
    which: str = "largest",
    tol: float = 1e-10,
    start: Array = None,
    like: Array = None,
    max_products: int | None = None,
    basis_size: int | None = None,
    method: str = "auto",
) -> EigenResult:
    """The ``k`` largest (or smallest, signed) eigenpairs of the symmetric ``operator``.

    ``operator``: a :class:`SymmetricOperator`, or a product function (vector (dim,)
    -> (dim,)) with its ``dim``. ``start`` is the first Krylov vector (default: a
    standard normal vector from ``seed``, in the operator's namespace on ``like``'s
    device; for a product function ``like`` (else ``start``) also gives the namespace,
    NumPy if both are None). Same seed, same result. ``method``: ``"lanczos"`` (this module), ``"arpack"``
    (SciPy, NumPy only), ``"dense"``, or ``"auto"`` (dense for dim <= 64, ARPACK for
    the largest end of a NumPy operator when SciPy is installed, else Lanczos).

    >>> import numpy as np
    >>> a = np.diag(np.arange(100.0))
    >>> r = top_eigenpairs(lambda x: a @ x, 100, k=2, method="lanczos")
    >>> [round(float(v), 12) for v in r.values], r.converged
    ([99.0, 98.0], True)
    >>> round(float(top_eigenpairs(MatvecOperator(lambda x: a @ x, 100)).values[0]), 12)
    99.0
    """
    operator = _as_operator(operator, dim, like if like is not None else start)
    dim = operator.dim
    if which not in ("largest", "smallest"):
        raise InputError(f"which must be 'largest' or 'smallest', got {which!r}")
    if not 1 <= k <= dim:
        raise InputError(f"k must be between 1 and dim={dim}, got {k}")
    if not tol > 0:
        raise InputError(f"tol must be positive, got {tol}")
    seed = check_seed(seed)
    xp, v0 = _start_vector(operator, seed, start, like)
    chosen = method == "auto"
    if method == "auto":
        method = "dense" if dim <= _DENSE_DIM else "lanczos"
        if method == "lanczos" and xp is np and which == "largest":
            method = "arpack" if scipy_available() else "lanczos"
    max_products = max_products if max_products is not None else max(100 * k, 20 * min(dim, 500))
    if method == "dense":
        return _dense(operator, k, which, tol, xp, v0)
    if method == "arpack":
        if xp is not np:
            raise InputError("method='arpack' needs NumPy arrays")
        if k >= dim:
            raise InputError(f"method='arpack' needs k < dim, got k={k}, dim={dim}; use method='dense'")
        result = arpack_eigenpairs(operator, k, which, tol, v0, max_products)
        if len(result.values) == k or not chosen:
            return result
        # ARPACK stopped with fewer than k Ritz pairs: "auto" falls back to this module's Lanczos.
    elif method != "lanczos":
        raise InputError(f"method must be 'auto', 'lanczos', 'arpack' or 'dense', got {method!r}")
    basis = min(dim, basis_size if basis_size is not None else max(2 * k + 20, 40))
    if basis <= k:
        raise InputError(f"basis_size must exceed k={k}, got {basis}")
    return _lanczos(operator.matvec, v0, k, which == "largest", tol, max_products, basis, seed, xp)


def _pick(theta: np.ndarray, count: int, largest: bool) -> np.ndarray:
    order = np.argsort(-theta if largest else theta, kind="stable")
    return order[:count]


def _dense(operator: SymmetricOperator, k: int, which: str, tol: float, xp: Any, v0: Array) -> EigenResult:
    dim = operator.dim
    a = operator.dense()
    values, vectors = xp.linalg.eigh(a)
    values_np = to_numpy(values)
    idx = _pick(values_np, k, which == "largest")
    vec = xp.take(vectors, index_array(xp, idx, v0), axis=1)
    residuals = to_numpy(xp.linalg.vector_norm(a @ vec - vec * asarray_like(xp, values_np[idx], v0), axis=0))
    scale = float(np.max(np.abs(values_np))) if dim else 0.0
    return EigenResult(values_np[idx], vec, residuals, bool(np.all(residuals <= tol * max(scale, 1e-300))), dim, "dense")


def orthogonalize(xp: Any, basis: Array, vector: Array, passes: int) -> tuple[np.ndarray, Array]:
    """``vector`` (dim,) less its projection on the orthonormal rows of ``basis`` (j, dim): classical Gram-Schmidt, ``passes`` times.

    Returns (the coefficients removed, summed over the passes, as NumPy (j,); the remainder).
    Each pass reads the basis twice (coefficients, update).
    """
    total = np.zeros(int(basis.shape[0]))
    for _ in range(passes):
        coefficients = basis @ vector
        vector = vector - coefficients @ basis
        total += to_numpy(coefficients)
    return total, vector


def _lanczos(
    matvec: Callable[[Array], Array],
    v0: Array,
    k: int,
    largest: bool,
    tol: float,
    max_products: int,
    m: int,
    seed: int,
    xp: Any,
) -> EigenResult:
    """Thick-restart Lanczos (Wu & Simon) with full reorthogonalization.

    Keeps the Krylov decomposition A V_j = V_j H_j + f e_j^T with H_j = V_j^T A V_j
    (tridiagonal, arrowhead after a restart), so a Ritz pair (theta, V s) has residual
    ||f|| |s_j|; when that estimate meets the tolerance, the residuals are computed
    explicitly with k more products (counted in ``products``) and decide convergence.
    The basis is stored as rows (m, dim), every slice contiguous; the images A V are
    not stored.

    Reorthogonalization, one pass over the whole basis per step: the three-term
    recurrence is removed locally (alpha q_j and beta q_{j-1}), then one classical
    Gram-Schmidt pass against the basis removes what rounding left (its coefficients
    are added to H's column, so H stays the projection). A second pass follows when
    the first removed more than half of the vector (cancellation; the criterion of
    Daniel, Gragg, Kaufman and Stewart), and the first step after a (re)start, whose
    couplings reach every kept Ritz vector, makes two full passes. Each pass reads
    the basis twice; the previous version made two passes every step and also wrote
    and rotated the images (issue 12: 21-28% of a run was reorthogonalization).
    """
    dim = int(v0.shape[0])
    basis = zeros_like_device(xp, (m, dim), v0)
    projected = np.zeros((m, m))
    rng = np.random.default_rng(seed + 1)
    j, products, scale, beta = 0, 0, 0.0, 0.0
    recurrence = False  # whether q came from the three-term recurrence (not at the start, after a restart or a fresh direction)
    start_norm = float(xp.linalg.vector_norm(v0))
    if not (start_norm > 0 and np.isfinite(start_norm)):
        raise InputError(f"the start vector must be finite and nonzero, got norm {start_norm}")
    q = v0 / start_norm
    while True:
        basis[j, :] = q
        image = matvec(q)
        products += 1
        if recurrence:
            alpha = float(q @ image)
            local = image - alpha * q - beta * basis[j - 1, :]
            column, f = orthogonalize(xp, basis[: j + 1, :], local, 1)
            if float(xp.linalg.vector_norm(f)) < 0.5 * float(xp.linalg.vector_norm(local)):
                more, f = orthogonalize(xp, basis[: j + 1, :], f, 1)
                column += more
            column[j] += alpha
            column[j - 1] += beta
        else:
            column, f = orthogonalize(xp, basis[: j + 1, :], image, 2)
        projected[: j + 1, j] = column
        projected[j, : j + 1] = column
        j += 1
        beta = float(xp.linalg.vector_norm(f))
        recurrence = True
        theta, s = np.linalg.eigh(projected[:j, :j])
        scale = max(scale, float(np.max(np.abs(theta))))
        limit = tol * max(scale, 1e-300)
        if j >= k:
            idx = _pick(theta, k, largest)
            estimate = beta * np.abs(s[j - 1, idx])
            if np.all(estimate <= limit) or products >= max_products or j == dim:
                vectors = asarray_like(xp, s[:, idx].T, v0) @ basis[:j, :]  # (k, j) @ (j, dim)
                values = theta[idx]
                norms = np.array([
                    float(xp.linalg.vector_norm(matvec(vectors[i, :]) - float(values[i]) * vectors[i, :])) for i in range(k)
                ])
                products += k
                converged = bool(np.all(norms <= limit))
                if converged or products >= max_products or j == dim:
                    return EigenResult(values, vectors.T, norms, converged, products, "lanczos")
        if j == m:  # thick restart: keep the best half of the Ritz vectors; f continues the Krylov space
            keep = max(k, m // 2)
            idx = _pick(theta, keep, largest)
            basis[:keep, :] = asarray_like(xp, s[:, idx].T, v0) @ basis
            projected[:] = 0.0
            projected[:keep, :keep] = np.diag(theta[idx])
            j, recurrence = keep, False
        while beta <= 1e-13 * max(scale, 1e-300):
            # Invariant subspace reached: continue with a fresh random direction.
            _, f = orthogonalize(xp, basis[:j, :], asarray_like(xp, rng.standard_normal(dim), v0), 2)
            beta, recurrence = float(xp.linalg.vector_norm(f)), False
        q = f / beta


def hutchinson_trace(
    operator: SymmetricOperator | Callable[[Array], Array],
    dim: int | None,
    samples: int,
    rng: np.random.Generator,
    *,
    like: Array = None,
) -> tuple[float, float]:
    """Hutchinson's estimate of tr A with Rademacher probes z: mean of z^T A z, and its standard error.

    ``operator`` and ``dim`` as for :func:`top_eigenpairs` (``dim`` None for a
    :class:`SymmetricOperator`). The standard error is the sample standard deviation of
    z^T A z over sqrt(samples) (needs samples >= 2). Probes are drawn from ``rng`` and
    passed to the operator in its namespace, on ``like``'s device.

    >>> import numpy as np
    >>> est, se = hutchinson_trace(lambda x: 3.0 * x, 10, 4, np.random.default_rng(0))
    >>> est, se   # z^T (3 I) z = 30 for every Rademacher z: exact, zero spread
    (30.0, 0.0)
    """
    if samples < 2:
        raise InputError(f"samples must be at least 2 to estimate a standard error, got {samples}")
    operator = _as_operator(operator, dim, like)
    xp = operator.namespace
    values = np.empty(samples)
    for i in range(samples):
        z = _vector_like(xp, rng.choice(np.array([-1.0, 1.0]), size=operator.dim), like)
        values[i] = float(xp.sum(z * operator.matvec(z)))
    return float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(samples))
