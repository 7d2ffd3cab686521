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
from typing import Any

import numpy as np

from wideminima.errors import InputError, NotAGlobalMinimumError
from wideminima.threads import thread_limit
from wideminima.types import Array

from ._backend import array_namespace, asarray_like, check_seed, to_numpy
from .flatness import flattest_bound, top_singular_pair
from .gram import GramFactors, gram_factors, product_flops
from .hessian import flatten, hessian_operator, parameter_count, resolve_network, unflatten
from .lanczos import top_eigenpairs
from .moments import Moments
from .network import check_weights, end_to_end, products_after, products_before
from .structure import certified_bilinear, shallow_top

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
    method : ``"dense-gram"``, ``"kronecker-reduction"`` (N <= 2; ``residual`` is then a rigorous upper
        bound, see :func:`~.structure.shallow_top`), ``"certified-bounds"`` (matching lower and upper
        bounds, :func:`~.structure.certified_bilinear`) or the eigensolver used on the gram
        (``"lanczos-gram"``, ``"arpack-gram"``).
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


def global_minimum_test(
    weights: Sequence[Array], moments: Moments | None = None, *, rtol: float | None = None
) -> MinimumTest:
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
    _check_rtol(rtol)
    weights, moments = resolve_network(weights, moments)
    xp = array_namespace(*weights)
    product = to_numpy(end_to_end(weights))
    error = product - moments.target
    # Sigma_x = I: no d_0^3 product with its square root
    residual = float(np.linalg.norm(error if moments.is_whitened else error @ moments.sigma_x_sqrt))
    lowest, highest = moments.sigma_x_extremes
    c = 4 * _EPS if rtol is None else float(rtol)
    chain = sum(
        int(w.shape[1]) * float(xp.linalg.vector_norm(a)) * float(xp.linalg.vector_norm(w)) * float(xp.linalg.vector_norm(b))
        for a, w, b in zip(products_after(weights), weights, products_before(weights))
    )
    target_error = int(product.shape[1]) * highest / lowest * float(np.linalg.norm(moments.target))
    return MinimumTest(residual, c * float(np.sqrt(highest)) * (chain + target_error))


def _check_rtol(rtol: float | None) -> None:
    if rtol is not None and not (np.isfinite(rtol) and rtol >= 0):
        raise InputError(f"rtol of the global-minimum test must be a finite number >= 0, got {rtol}")


def _require_minimum(weights: Sequence[Array], moments: Moments, rtol: float | None) -> None:
    test = global_minimum_test(weights, moments, rtol=rtol)
    if not test.is_minimum:
        raise NotAGlobalMinimumError(
            f"not a global minimum: ||(W_N...W_1 - T) Sigma_x^1/2||_F = {test.residual:.3g} "
            f"exceeds the rounding bound {test.bound:.3g}"
        )


def _bilinear_pair(factors: GramFactors, moments: Moments, rounds: int = 30) -> tuple[np.ndarray, np.ndarray] | None:
    """Unit (u, v) maximizing the bilinear lower bound sum_k (u^T L_k u)(v^T R_k v); None when T = 0.

    Alternating power steps from the top singular pair of T Sigma_x^{1/2} (an exact
    eigenvector of G at balanced minima, where the steps leave it in place); each round
    costs O(N (d_N^2 + d_0^2)), nothing next to one product with G.
    """
    left, right = to_numpy(factors.left), to_numpy(factors.right)
    scaled = moments.target if moments.is_whitened else moments.target @ moments.sigma_x_sqrt
    if not np.any(scaled):
        return None
    u, v = _top_singular_vectors(scaled)
    for _ in range(rounds):
        u = (right @ v @ v) @ (left @ u)  # sum_k (v^T R_k v) L_k u
        u /= np.linalg.norm(u)
        v = (left @ u @ u) @ (right @ v)
        v /= np.linalg.norm(v)
    return u, v


def _top_singular_vectors(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit (u, v) with matrix v = s u for the largest singular value s.

    Dense SVD (:func:`top_singular_pair`) when min(shape) <= :data:`_DENSE_GRAM`; above, Lanczos
    on v -> M^T (M v) to residual 1e-10 ||M||^2 (O(d^2) per product instead of the SVD's
    O(d^3); measured 7.7 s for the SVD at d = 2048, issue 12).
    """
    if min(matrix.shape) <= _DENSE_GRAM:
        _, u, v = top_singular_pair(matrix)
        return u, v
    result = top_eigenpairs(lambda x: matrix.T @ (matrix @ x), int(matrix.shape[1]), 1, method="lanczos")
    v = result.vectors[:, 0]
    u = matrix @ v
    return u / np.linalg.norm(u), v


def _gram_start(pair: tuple[np.ndarray, np.ndarray] | None, shape: tuple[int, int], seed: int) -> np.ndarray:
    """Lanczos start vector: u v^T of :func:`_bilinear_pair` plus seeded noise of relative weight 1e-2,
    which makes every eigendirection reachable (pure noise when T = 0)."""
    noise = np.random.default_rng(seed).standard_normal(shape)
    noise /= np.linalg.norm(noise)
    return noise if pair is None else np.outer(*pair) + _START_NOISE * noise


def _shallow_spectrum(weights: list[Array], sigma_x_sqrt: np.ndarray | None, tol: float, seed: int) -> Spectrum:
    """N <= 2 by :func:`~.structure.shallow_top`; trace and J^T M in O(d^2) for the rank-one M = u z^T.

    tr H = sum_k ||A_k||_F^2 ||C_k||_F^2 with A_N = I, C_1 = Sigma_x^{1/2}, C_2 = W_1 Sigma_x^{1/2};
    J^T M = [A_k^T u (C_k z)^T]_k (:meth:`GramFactors.to_parameters` for a rank-one M).
    ``sigma_x_sqrt`` None: whitened data. Needs neither T nor W_{N:1}.
    """
    xp = array_namespace(*weights)
    root = None if sigma_x_sqrt is None else asarray_like(xp, sigma_x_sqrt, weights[0])
    shortcut = shallow_top(weights, root, tol=tol, seed=seed)
    u, z = shortcut.rank_one
    rz = z if root is None else root @ z
    if len(weights) == 1:
        trace = int(weights[0].shape[0]) * _squared_norm(xp, root, int(weights[0].shape[1]))
        pieces = [(u, rz)]
    else:
        w1, w2 = weights
        c = w1 if root is None else w1 @ root
        trace = _squared_norm(xp, w2) * _squared_norm(xp, root, int(w1.shape[1])) + int(w2.shape[0]) * _squared_norm(xp, c)
        pieces = [(w2.T @ u, rz), (u, c @ z)]
    # J^T M = [a_k b_k^T]_k: its norm from the factors, ||a b^T||_F = ||a|| ||b||, and one pass to form it.
    norm = float(np.sqrt(sum(_squared_norm(xp, a) * _squared_norm(xp, b) for a, b in pieces)))
    vector = [(a / norm)[:, None] * b[None, :] for a, b in pieces]
    converged = shortcut.residual <= tol * max(shortcut.value, 1e-300)
    return Spectrum(shortcut.value, shortcut.residual, converged, 0, vector, trace, shortcut.method)


def _norm(matrices: list[Array]) -> float:
    """The 2-norm of the flattened list of matrices (without concatenating them)."""
    xp = array_namespace(*matrices)
    return float(np.sqrt(sum(_squared_norm(xp, m) for m in matrices)))


def _squared_norm(xp: Any, array: Array | None, identity_size: int = 0) -> float:
    """||array||_F^2; for ``array`` None, that of the identity of size ``identity_size``."""
    return float(identity_size) if array is None else float(xp.linalg.vector_norm(array)) ** 2


def sharpness(
    weights: Sequence[Array],
    moments: Moments | None = None,
    *,
    seed: int = 0,
    tol: float = 1e-10,
    rtol: float | None = None,
    method: str = "lanczos",
    structure: bool = True,
) -> Spectrum:
    """lambda_max of the Hessian at a global minimum, from the output gram (theory id output-gram-spectrum).

    ``moments`` None: whitened data, T = the product of the weights (a global minimum by
    definition, so no test is made). Otherwise raises :class:`NotAGlobalMinimumError` when
    :func:`global_minimum_test` (``rtol``) fails.
    ``method`` is passed to :func:`top_eigenpairs` for the matrix-free case; the
    default is this toolkit's Lanczos, which needed fewer products than ARPACK
    (``"arpack"``) on the gram in ``benchmarks/bench_sharpness.py`` (63 vs 72 at
    (N, d) = (8, 256), the explicit residual check included) in less time.
    Same seed, same result.

    When G is too large to form (d_N d_0 > 400) and ``structure`` is true, the structure
    of G is used first (:mod:`.structure`): for N <= 2 the Kronecker reduction
    (``method`` of the result ``"kronecker-reduction"``, no product with G), for N >= 3
    the matching bilinear bounds (``"certified-bounds"``, one product; they match at
    balanced minima), else Lanczos on G. ``structure=False`` always runs the eigensolver
    (used by the benchmark as the reference path). BLAS threads: :func:`wideminima.threads.thread_limit`
    with the size of one product (an explicit ``--threads`` wins).

    >>> import numpy as np
    >>> w = [np.array([[2.0]]), np.array([[3.0]])]   # scalar net: lambda_max = w1^2 + w2^2
    >>> sharpness(w).lambda_max
    13.0
    """
    seed = check_seed(seed)
    _check_rtol(rtol)
    if moments is None:  # whitened, T = W_{N:1}: a global minimum by definition, no test
        weights = check_weights(weights)
    else:
        weights, moments = resolve_network(weights, moments)
        _require_minimum(weights, moments, rtol)
    dn, d0 = int(weights[-1].shape[0]), int(weights[0].shape[1])
    whitened = moments is None or moments.is_whitened
    shallow = structure and len(weights) <= 2 and dn * d0 > _DENSE_GRAM  # the reduction needs neither T nor a test
    if moments is None and not shallow:
        moments = Moments.whitened(to_numpy(end_to_end(weights)))  # T, for the Lanczos start
    if dn * d0 <= _DENSE_GRAM:
        return _spectrum(weights, moments, seed, tol, method, structure)
    with thread_limit(work=product_flops(len(weights), dn, d0, whitened=whitened)):
        if shallow:
            return _shallow_spectrum(weights, None if whitened else moments.sigma_x_sqrt, tol, seed)
        return _spectrum(weights, moments, seed, tol, method, structure)


def _spectrum(weights: list[Array], moments: Moments, seed: int, tol: float, method: str, structure: bool) -> Spectrum:
    """:func:`sharpness` after the checks: dense G, the certified bounds, or Lanczos on G."""
    xp = array_namespace(*weights)
    dn, d0 = int(weights[-1].shape[0]), int(weights[0].shape[1])
    factors = gram_factors(weights, None if moments.is_whitened else moments.sigma_x)
    trace = factors.trace()
    shortcut = None
    if dn * d0 <= _DENSE_GRAM:
        gram = factors.dense()
        values, vectors = xp.linalg.eigh((gram + gram.T) / 2)
        top = float(to_numpy(values)[-1])
        matrix = xp.reshape(vectors[:, -1], (dn, d0))
        residual = float(xp.linalg.vector_norm(gram @ vectors[:, -1] - top * vectors[:, -1]))
        products, converged, used = 0, True, "dense-gram"
    else:
        pair = _bilinear_pair(factors, moments)
        if structure and pair is not None:
            shortcut = certified_bilinear(factors, *pair, tol=tol)
        if shortcut is not None:
            top, matrix, residual, products = shortcut.value, shortcut.matrix, shortcut.residual, shortcut.products
            converged, used = True, shortcut.method
        else:
            start = asarray_like(xp, _gram_start(pair, (dn, d0), seed).reshape(-1), weights[0])

            def gram_product(vector: Array) -> Array:
                return xp.reshape(factors.apply(xp.reshape(vector, (1, dn, d0))), (-1,))

            result = top_eigenpairs(gram_product, dn * d0, 1, start=start, tol=tol, method=method)
            top, products, converged = float(result.values[0]), result.products, result.converged
            residual = float(result.residuals[0])
            matrix = xp.reshape(result.vectors[:, 0], (dn, d0))
            used = result.method + "-gram"
    vector = factors.to_parameters(matrix)
    norm = _norm(vector)
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
    """lambda_max / flattest_bound at a global minimum (1 exactly at the flattest minima, any Sigma_x).

    Theory ids sharpness-lower-bound and balanced-attains-bound (whitened: >= 1 at every
    global minimum, = 1 at the balanced ones) and flattest-value-general (any Sigma_x:
    >= 1, = 1 at the carrier minima; balanced ones sit at B / F >= 1,
    balanced-sharpness-general). Raises :class:`NotAGlobalMinimumError`
    off the minima and when the bound is 0 (T = 0).

    >>> import numpy as np
    >>> sharpness_ratio([np.diag([2.0, 1.0]), np.diag([2.0, 1.0])])   # balanced
    1.0
    """
    bound = flattest_bound(weights, moments)
    if bound == 0:
        raise NotAGlobalMinimumError("the flattest bound is 0 (T = 0): the sharpness ratio is undefined")
    return sharpness(weights, moments, seed=seed).lambda_max / bound
