"""Exact second derivatives of the loss of a deep linear network (theory id hessian-gauss-newton).

The loss L(W) = 1/2 tr(P Sigma_x P^T) - tr(Sigma_yx P^T) + const with P = W_{N:1} has
gradient dL/dW_k = A_k^T R B_k^T, R = P Sigma_x - Sigma_yx (``network.gradient``).
Differentiating once more along D = (D_1, ..., D_N):

    H[D]_k = A_k^T dR B_k^T  +  dA_k^T R B_k^T + A_k^T R dB_k^T,      dR = dP Sigma_x,

with dP = sum_j A_j D_j B_j. The first term is the Gauss-Newton part (the whole
Hessian at a global minimum, where R = 0); the other two are the residual
(second-order product) term. dA_k and dB_k follow from the recursions
B_{k+1} = W_k B_k, A_{k-1} = A_k W_k, so one product costs O(N) matrix products.

Parameter vectors ("flat" form) list the layers in order, each ``W_k.reshape(-1)``
(row-major), as in :func:`dense_hessian`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import array_namespace, as_float_array, asarray_like, eye_like, to_numpy
from .moments import Moments
from .network import check_dimensions, check_weights, end_to_end, products_after, products_before

__all__ = [
    "resolve_network",
    "hessian_vector_product",
    "hessian_operator",
    "gauss_newton_vector_product",
    "dense_hessian",
    "flatten",
    "unflatten",
    "parameter_count",
]


def parameter_count(weights: Sequence[Array]) -> int:
    """P = sum_k d_k d_{k-1}, the number of entries of all layers."""
    return sum(int(w.shape[0]) * int(w.shape[1]) for w in weights)


def flatten(matrices: Sequence[Array]) -> Array:
    """The parameter vector of ``matrices`` (layers in order, each row-major), shape (P,)."""
    xp = array_namespace(*matrices)
    return xp.concat([xp.reshape(m, (-1,)) for m in matrices])


def unflatten(vector: Array, like: Sequence[Array]) -> list[Array]:
    """Inverse of :func:`flatten`: split ``vector`` (P,) into matrices shaped as ``like``."""
    xp = array_namespace(vector)
    out, start = [], 0
    for w in like:
        rows, cols = int(w.shape[0]), int(w.shape[1])
        out.append(xp.reshape(vector[start : start + rows * cols], (rows, cols)))
        start += rows * cols
    return out


def resolve_network(weights: Sequence[Array], moments: Moments | None) -> tuple[list[Array], Moments]:
    """Checked weights and the moments (``None``: whitened, T = the product of the weights); shapes must agree.

    The shared entry check of the Hessian and spectrum functions (and the sharpness command).
    """
    weights = check_weights(weights)
    if moments is None:
        moments = Moments.whitened(to_numpy(end_to_end(weights)))
    check_dimensions(weights, moments)
    return weights, moments


def _check_direction(weights: Sequence[Array], direction: Sequence[Array]) -> list[Array]:
    xp = array_namespace(*weights)
    if len(direction) != len(weights):
        raise InputError(f"direction has {len(direction)} layers but the network has {len(weights)}")
    out = []
    for k, (w, d) in enumerate(zip(weights, direction), start=1):
        d = d if hasattr(d, "shape") and array_namespace(d) is xp else asarray_like(xp, d, w)
        if tuple(d.shape) != tuple(w.shape):
            raise InputError(f"direction D{k} has shape {tuple(d.shape)} but W{k} has shape {tuple(w.shape)}")
        out.append(d)
    return out


def _before_tangents(weights: Sequence[Array], direction: Sequence[Array], before: list[Array]) -> list[Array]:
    """[dB_1..dB_N] for the perturbation W + t D (first order in t); dB_1 = 0."""
    xp = array_namespace(*weights)
    d_before = [xp.zeros_like(before[0])]
    for k in range(len(weights) - 1):  # B_{k+2} = W_{k+1} B_{k+1}
        d_before.append(direction[k] @ before[k] + weights[k] @ d_before[k])
    return d_before


def _tangents(
    weights: Sequence[Array], direction: Sequence[Array], after: list[Array], before: list[Array]
) -> tuple[list[Array], list[Array], Array]:
    """[dA_1..dA_N], [dB_1..dB_N] and dP for the perturbation W + t D (first order in t)."""
    xp = array_namespace(*weights)
    d_before = _before_tangents(weights, direction, before)
    d_after = [xp.zeros_like(after[-1])]
    for k in range(len(weights) - 1, 0, -1):  # A_k = A_{k+1} W_{k+1} (0-based: after[k-1] = after[k] @ W[k])
        d_after.append(d_after[-1] @ weights[k] + after[k] @ direction[k])
    d_after = d_after[::-1]
    d_product = direction[-1] @ before[-1] + weights[-1] @ d_before[-1]
    return d_after, d_before, d_product


def _data_terms(weights: Sequence[Array], moments: Moments) -> tuple[Array, Array]:
    xp = array_namespace(*weights)
    sx = asarray_like(xp, moments.sigma_x, weights[0])
    syx = asarray_like(xp, moments.sigma_yx, weights[0])
    return sx, syx


def _finite_direction(direction: Sequence[Array]) -> list[Array]:
    """``direction`` checked finite, for the one-shot products (the Lanczos hot path skips this check)."""
    if isinstance(direction, (str, bytes)) or not isinstance(direction, Sequence):
        raise InputError(f"direction must be a list of matrices shaped like the weights, got {type(direction).__name__}")
    xp = array_namespace(*direction)
    return [as_float_array(d, f"D{k}", xp=xp, ndim=2) for k, d in enumerate(direction, start=1)]


def gauss_newton_vector_product(
    weights: Sequence[Array], moments: Moments | None, direction: Sequence[Array]
) -> list[Array]:
    """The Gauss-Newton part of the Hessian applied to ``direction``: [A_k^T dP Sigma_x B_k^T]_k.

    Equal to the full Hessian product at a global minimum (theory id hessian-gauss-newton).
    ``moments`` None means whitened data with T = the product of the weights.
    """
    return hessian_operator(weights, moments, gauss_newton=True)(_finite_direction(direction))


def hessian_operator(
    weights: Sequence[Array], moments: Moments | None = None, *, gauss_newton: bool = False
) -> Callable[[Sequence[Array]], list[Array]]:
    """D -> H D (or the Gauss-Newton part), with the partial products and the residual computed once.

    For repeated products (Lanczos): each call then costs the tangent recursions and
    the N output terms only. Directions are checked on every call.
    """
    weights, moments = resolve_network(weights, moments)
    sx, syx = _data_terms(weights, moments)
    whitened = moments.is_whitened
    after, before = products_after(weights), products_before(weights)
    if gauss_newton:
        residual_before = None
    else:
        residual = end_to_end(weights) @ sx - syx if not whitened else end_to_end(weights) - syx
        residual_before = [residual @ b.T for b in before]  # R B_k^T, fixed across products

    def apply(direction: Sequence[Array]) -> list[Array]:
        direction = _check_direction(weights, direction)
        if residual_before is None:
            d_product = direction[-1] @ before[-1] + (weights[-1] @ _before_tangents(weights, direction, before)[-1])
            d_residual = d_product if whitened else d_product @ sx
            return [a.T @ (d_residual @ b.T) for a, b in zip(after, before)]
        d_after, d_before, d_product = _tangents(weights, direction, after, before)
        d_residual = d_product if whitened else d_product @ sx
        # A_k^T (dR B_k^T + R dB_k^T) + dA_k^T (R B_k^T): four products per layer.
        return [
            a.T @ (d_residual @ b.T + residual @ db.T) + da.T @ rb
            for a, b, da, db, rb in zip(after, before, d_after, d_before, residual_before)
        ]

    return apply


def hessian_vector_product(weights: Sequence[Array], moments: Moments | None, direction: Sequence[Array]) -> list[Array]:
    """The full Hessian of L applied to ``direction`` (list of matrices shaped like ``weights``; theory id hessian-gauss-newton).

    Gauss-Newton term plus the residual term dA_k^T R B_k^T + A_k^T R dB_k^T, with
    R = W_{N:1} Sigma_x - Sigma_yx. Returns a list in the weights' namespace.

    >>> import numpy as np
    >>> w = [np.array([[2.0]]), np.array([[3.0]])]   # L = (w1 w2 - 1)^2 / 2: H e1 = (w2^2, 2 w1 w2 - 1)
    >>> m = Moments.whitened(np.array([[1.0]]))
    >>> [float(h[0, 0]) for h in hessian_vector_product(w, m, [np.array([[1.0]]), np.array([[0.0]])])]
    [9.0, 11.0]
    """
    return hessian_operator(weights, moments)(_finite_direction(direction))


def dense_hessian(weights: Sequence[Array], moments: Moments | None = None, *, max_parameters: int = 4096) -> Array:
    """The full (P, P) Hessian, P = total parameter count, in :func:`flatten` order (theory id hessian-gauss-newton).

    Built column by column from exact Hessian-vector products (P products) and
    symmetrized (the columns agree with the rows up to rounding). Refuses more than
    ``max_parameters`` parameters, where a dense matrix is the wrong tool.
    """
    weights, moments = resolve_network(weights, moments)
    xp = array_namespace(*weights)
    p = parameter_count(weights)
    if p > max_parameters:
        raise InputError(f"dense_hessian: {p} parameters exceed max_parameters={max_parameters}")
    identity = eye_like(xp, p, weights[0])
    operator = hessian_operator(weights, moments)
    columns = [flatten(operator(unflatten(identity[:, i], weights))) for i in range(p)]
    h = xp.stack(columns, axis=1)
    return (h + h.T) / 2
