"""Sharpness and extreme Hessian eigenvalues of deep linear networks.

- :func:`sharpness` at a global minimum, through the output gram (theory id
  output-gram-spectrum): dense and exact when d_N d_0 <= 400, else matrix-free
  Lanczos started from the u v^T that maximizes the bilinear lower bound (an exact
  eigenvector at balanced minima) plus a small seeded random part so that no
  eigendirection is missed. The eigenvector is mapped back to parameter space,
  v = J^T m / sqrt(lambda).
- :func:`hessian_extremes` anywhere: Lanczos on exact full-Hessian products for the
  largest and the smallest signed eigenvalue.
- :func:`global_minimum_test`: the documented relative test that decides whether
  a point is a global minimum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wideminima.errors import InputError, NotAGlobalMinimumError
from wideminima.types import Array

from ._backend import array_namespace, asarray_like, check_seed, to_numpy
from .flatness import flattest_bound, top_singular_pair
from .gram import gram_factors
from .hessian import flatten, hessian_operator, parameter_count, resolve_network, unflatten
from .lanczos import top_eigenpairs
from .moments import Moments
from .network import end_to_end, products_after, products_before

__all__ = ["sharpness_ratio", "Spectrum", "Eigenpair", "Extremes", "MinimumTest", "global_minimum_test", "sharpness", "hessian_extremes", "operator_extremes", "DENSE_EXTREMES"]

# Output grams up to this size are diagonalized densely (eigh of a 400 x 400 matrix is ~10 ms).
_DENSE_GRAM = 400
# Weight of the seeded random part of the Lanczos start vector (relative to u v^T).
_START_NOISE = 1e-2
_EPS = float(np.finfo(np.float64).eps)
# Hessians with at most this many parameters are diagonalized densely by :func:`operator_extremes`:
# P products plus an eigh of a P x P matrix cost less than the two Lanczos runs (~2 x 30 products) would.
DENSE_EXTREMES = 64


@dataclass(frozen=True)
class Spectrum:
    """The top of the Hessian spectrum at a global minimum.

    Attributes
    ----------
    lambda_max : largest eigenvalue of the Hessian.
    residual : ||G m - lambda_max m|| for the unit gram eigenvector m; it bounds
        ||H v - lambda_max v|| for v = J^T m / sqrt(lambda_max), since that equals
        ||J^T (G m - lambda_max m)|| / sqrt(lambda_max) and ||J^T|| = sqrt(lambda_max).
    converged : whether the eigensolver met its tolerance.
    products : products with the output gram G (0 when it is diagonalized densely).
    vector : unit top eigenvector in parameter space, a list of matrices shaped like the weights.
    trace : tr H = sum_k ||A_k||_F^2 ||B_k Sigma_x^{1/2}||_F^2 (exact at a minimum).
    method : ``"dense-gram"`` or the eigensolver used on the gram (``"lanczos-gram"``, ``"arpack-gram"``).
    """

    lambda_max: float
    residual: float
    converged: bool
    products: int
    vector: list[Array]
    trace: float
    method: str


@dataclass(frozen=True)
class Eigenpair:
    """One eigenpair of the full Hessian with its explicit residual ||H v - value v||."""

    value: float
    vector: list[Array]
    residual: float
    converged: bool
    products: int


@dataclass(frozen=True)
class Extremes:
    """Largest and smallest (signed) Hessian eigenvalues, anywhere in weight space."""

    top: Eigenpair
    bottom: Eigenpair

    @property
    def lambda_max(self) -> float:
        """The largest eigenvalue of the Hessian."""
        return self.top.value

    @property
    def lambda_min(self) -> float:
        """The smallest (signed) eigenvalue of the Hessian; < 0 at saddles."""
        return self.bottom.value

    @property
    def products(self) -> int:
        """Hessian-vector products used for both ends together."""
        return self.top.products + self.bottom.products


@dataclass(frozen=True)
class MinimumTest:
    """Outcome of :func:`global_minimum_test`: residual ||(W_{N:1} - T) Sigma_x^{1/2}||_F against its bound."""

    residual: float
    bound: float

    @property
    def is_minimum(self) -> bool:
        """Whether the residual is within the bound (the point counts as a global minimum)."""
        return bool(self.residual <= self.bound)


def global_minimum_test(weights: Sequence[Array], moments: Moments | None = None, *, rtol: float | None = None) -> MinimumTest:
    """Decide whether ``weights`` is a global minimum: a relative test tied to rounding.

    The minima are exactly the points with W_{N:1} = T (theorems.md, min width >= rank T).
    The test is ||(W_{N:1} - T) Sigma_x^{1/2}||_F <= bound with

        bound = c ||Sigma_x^{1/2}||_2 (sum_k d_{k-1} ||A_k||_F ||W_k||_F ||B_k||_F + d_0 cond(Sigma_x) ||T||_F),

    c = 4 eps. The sum bounds, to first order in eps, both the rounding error of the
    computed product (step k adds at most d_{k-1} eps |W_k| |B_k|, Higham, which the
    later layers multiply by A_k) and the effect of relative rounding errors of size
    eps in each stored layer, i.e. what any float64 construction of an exact minimum
    leaves; it scales with the partial products, so a gauge-transformed minimum with
    large layers is judged relative to them. The second term is the error of
    T = Sigma_yx Sigma_x^{-1}. The factor 4 covers the subtraction and second-order
    terms. ``rtol`` replaces c for a looser, user-chosen test (e.g. trained weights);
    it must be finite and >= 0.
    """
    if rtol is not None and not (np.isfinite(rtol) and rtol >= 0):
        raise InputError(f"rtol of the global-minimum test must be a finite number >= 0, got {rtol}")
    weights, moments = resolve_network(weights, moments)
    xp = array_namespace(*weights)
    product = to_numpy(end_to_end(weights))
    root = moments.sigma_x_sqrt
    residual = float(np.linalg.norm((product - moments.target) @ root))
    eig = np.linalg.eigvalsh(moments.sigma_x)
    c = 4 * _EPS if rtol is None else float(rtol)
    chain = sum(
        int(w.shape[1]) * float(xp.linalg.vector_norm(a)) * float(xp.linalg.vector_norm(w)) * float(xp.linalg.vector_norm(b))
        for a, w, b in zip(products_after(weights), weights, products_before(weights))
    )
    target_error = int(product.shape[1]) * eig[-1] / eig[0] * float(np.linalg.norm(moments.target))
    return MinimumTest(residual, c * float(np.sqrt(eig[-1])) * (chain + target_error))


def _require_minimum(weights: Sequence[Array], moments: Moments, rtol: float | None) -> None:
    test = global_minimum_test(weights, moments, rtol=rtol)
    if not test.is_minimum:
        raise NotAGlobalMinimumError(
            f"not a global minimum: ||(W_N...W_1 - T) Sigma_x^1/2||_F = {test.residual:.3g} "
            f"exceeds the rounding bound {test.bound:.3g}"
        )


def _gram_start(factors: GramFactors, moments: Moments, seed: int, rounds: int = 30) -> np.ndarray:
    """Start vector: u v^T maximizing the bilinear lower bound sum_k (u^T L_k u)(v^T R_k v), plus seeded noise.

    Alternating power steps from the top singular pair of T Sigma_x^{1/2} (an exact
    eigenvector of G at balanced minima, where the steps leave it in place); each round
    costs O(N (d_N^2 + d_0^2)), nothing next to one product with G. The seeded random
    part (relative weight 1e-2) makes every eigendirection reachable.
    """
    left, right = to_numpy(factors.left), to_numpy(factors.right)
    shape = (left.shape[1], right.shape[1])
    noise = np.random.default_rng(seed).standard_normal(shape)
    noise /= np.linalg.norm(noise)
    scaled = moments.target @ moments.sigma_x_sqrt
    if not np.any(scaled):
        return noise
    _, u, v = top_singular_pair(scaled)
    for _ in range(rounds):
        u = (right @ v @ v) @ (left @ u)  # sum_k (v^T R_k v) L_k u
        u /= np.linalg.norm(u)
        v = (left @ u @ u) @ (right @ v)
        v /= np.linalg.norm(v)
    return np.outer(u, v) + _START_NOISE * noise


def sharpness(
    weights: Sequence[Array],
    moments: Moments | None = None,
    *,
    seed: int = 0,
    tol: float = 1e-10,
    rtol: float | None = None,
    method: str = "lanczos",
) -> Spectrum:
    """lambda_max of the Hessian at a global minimum, from the output gram (theory id output-gram-spectrum).

    ``moments`` None: whitened data, T = the product of the weights. Raises
    :class:`NotAGlobalMinimumError` when :func:`global_minimum_test` (``rtol``) fails.
    ``method`` is passed to :func:`top_eigenpairs` for the matrix-free case; the
    default is this toolkit's Lanczos, which needed fewer products than ARPACK
    (``"arpack"``) on the gram in ``benchmarks/bench_sharpness.py`` (62 vs 72 at
    (N, d) = (8, 256), 43 vs 52 at (50, 64)) in similar or less time.
    Same seed, same result.

    >>> import numpy as np
    >>> w = [np.array([[2.0]]), np.array([[3.0]])]   # scalar net: lambda_max = w1^2 + w2^2
    >>> sharpness(w).lambda_max
    13.0
    """
    seed = check_seed(seed)
    weights, moments = resolve_network(weights, moments)
    _require_minimum(weights, moments, rtol)
    xp = array_namespace(*weights)
    dn, d0 = int(weights[-1].shape[0]), int(weights[0].shape[1])
    factors = gram_factors(weights, None if moments.is_whitened else moments.sigma_x)
    trace = factors.trace()
    if dn * d0 <= _DENSE_GRAM:
        gram = factors.dense()
        values, vectors = xp.linalg.eigh((gram + gram.T) / 2)
        top = float(to_numpy(values)[-1])
        matrix = xp.reshape(vectors[:, -1], (dn, d0))
        residual = float(xp.linalg.vector_norm(gram @ vectors[:, -1] - top * vectors[:, -1]))
        products, converged, used = 0, True, "dense-gram"
    else:
        start = asarray_like(xp, _gram_start(factors, moments, seed).reshape(-1), weights[0])

        def gram_product(vector: Array) -> Array:
            return xp.reshape(factors.apply(xp.reshape(vector, (1, dn, d0))), (-1,))

        result = top_eigenpairs(gram_product, dn * d0, 1, start=start, tol=tol, method=method)
        top, products, converged = float(result.values[0]), result.products, result.converged
        residual = float(result.residuals[0])
        matrix = xp.reshape(result.vectors[:, 0], (dn, d0))
        used = result.method + "-gram"
    vector = factors.to_parameters(matrix)
    norm = float(xp.linalg.vector_norm(flatten(vector)))
    if norm > 0:
        vector = [d / norm for d in vector]
    else:  # H = 0 (e.g. W = 0 with N >= 3): every vector is an eigenvector
        flat = xp.zeros_like(flatten(weights))
        flat[0] = 1.0
        vector = unflatten(flat, weights)
    return Spectrum(top, residual, converged, products, vector, trace, used)


def hessian_extremes(
    weights: Sequence[Array],
    moments: Moments | None = None,
    *,
    seed: int = 0,
    tol: float = 1e-10,
    max_products: int | None = None,
) -> Extremes:
    """Largest and smallest signed eigenvalues of the full Hessian, anywhere (Lanczos on exact products).

    Both ends use this module's Lanczos (tolerance relative to ||H||, so a
    smallest eigenvalue near zero converges too), from seeded start vectors
    (``seed`` for the top, ``seed + 1`` for the bottom). Parameter counts up to
    :data:`DENSE_EXTREMES` are diagonalized densely (:func:`operator_extremes`).

    >>> import numpy as np
    >>> w = [np.array([[1.0]]), np.array([[1.0]])]   # T = 1: H = [[1, 1], [1, 1]]
    >>> e = hessian_extremes(w)
    >>> round(e.lambda_max, 12), round(e.lambda_min, 12)
    (2.0, 0.0)
    """
    weights, moments = resolve_network(weights, moments)
    dim = parameter_count(weights)
    operator = hessian_operator(weights, moments)

    def product(vector: Array) -> Array:
        return flatten(operator(unflatten(vector, weights)))

    return operator_extremes(
        product, dim, lambda vector: unflatten(vector, weights), like=weights[0], seed=seed, tol=tol, max_products=max_products
    )


def operator_extremes(
    product: Callable[[Array], Array],
    dim: int,
    unflatten_vector: Callable[[Array], list[Array]],
    *,
    like: Array,
    seed: int = 0,
    tol: float = 1e-10,
    max_products: int | None = None,
    dense_dimension: int = DENSE_EXTREMES,
) -> Extremes:
    """Largest and smallest signed eigenvalues of a symmetric operator on R^dim: the one extremes routine.

    ``product`` maps a flat vector (dim,) of ``like``'s namespace to the operator applied to
    it (a Hessian-vector product); ``unflatten_vector`` turns a flat eigenvector into the
    parameter list stored in :class:`Eigenpair`. Both ends come from :func:`top_eigenpairs`:
    dense (dim products and one eigh) when dim <= ``dense_dimension``, else this toolkit's
    Lanczos with ``tol`` relative to ||H|| and at most ``max_products`` products; start
    vectors from ``seed`` (largest) and ``seed + 1`` (smallest). Used by
    :func:`hessian_extremes` (deep linear networks) and ``MLP.hessian_extremes``.
    """
    ends = []
    for offset, which in enumerate(("largest", "smallest")):
        result = top_eigenpairs(
            product, dim, 1, seed=seed + offset, which=which, tol=tol, like=like,
            max_products=max_products, method="dense" if dim <= dense_dimension else "lanczos",
        )
        ends.append(
            Eigenpair(float(result.values[0]), unflatten_vector(result.vectors[:, 0]), float(result.residuals[0]),
                      result.converged, result.products)
        )
    return Extremes(ends[0], ends[1])


def sharpness_ratio(weights: Sequence[Array], moments: Moments | None = None, *, seed: int = 0) -> float:
    """lambda_max / flattest_bound at a global minimum (1 exactly at the flattest minima, whitened).

    Theory ids sharpness-lower-bound and balanced-attains-bound: >= 1 at every global
    minimum, = 1 at the balanced ones (whitened). Raises :class:`NotAGlobalMinimumError`
    off the minima and when the bound is 0 (T = 0).

    >>> import numpy as np
    >>> sharpness_ratio([np.diag([2.0, 1.0]), np.diag([2.0, 1.0])])   # balanced
    1.0
    """
    bound = flattest_bound(weights, moments)
    if bound == 0:
        raise NotAGlobalMinimumError("the flattest bound is 0 (T = 0): the sharpness ratio is undefined")
    return sharpness(weights, moments, seed=seed).lambda_max / bound
