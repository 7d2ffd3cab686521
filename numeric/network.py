"""Deep linear networks: validation, partial products, loss and exact gradient.

Conventions (theorems.md): f(x) = W_N ... W_1 x, W_1 applied first, W_k of shape
(d_k, d_{k-1}). W_{j:i} = W_j ... W_i. For layer k (1-based in the mathematics,
``k - 1`` in Python lists): A_k = W_{N:k+1} of shape (d_N, d_k) (the layers after
k, identity for k = N) and B_k = W_{k-1:1} of shape (d_{k-1}, d_0) (the layers
before k, identity for k = 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import array_namespace, as_float_array, asarray_like, eye_like
from .moments import Moments

__all__ = [
    "check_weights",
    "check_dimensions",
    "widths",
    "end_to_end",
    "products_before",
    "products_after",
    "excess_loss",
    "loss",
    "gradient",
    "excess_loss_and_gradient_unchecked",
]


def check_weights(weights: Sequence[Array]) -> list[Array]:
    """``weights`` as a list of finite float64 matrices whose shapes chain.

    Raises :class:`InputError` for an empty list, a non-matrix, NaN/inf or a
    shape mismatch, naming the layer (1-based, as W1..WN in files).
    """
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise InputError("a network needs at least one layer (depth N >= 1), got none")
    xp = array_namespace(*weights)
    checked = [as_float_array(w, f"W{k}", xp=xp, ndim=2) for k, w in enumerate(weights, start=1)]
    for k in range(1, len(checked)):
        prev, cur = checked[k - 1], checked[k]
        if int(cur.shape[1]) != int(prev.shape[0]):
            raise InputError(
                f"W{k + 1} has shape {tuple(cur.shape)} but W{k} has shape {tuple(prev.shape)}: "
                f"W{k + 1} needs {int(prev.shape[0])} columns"
            )
    return checked


def widths(weights: Sequence[Array]) -> list[int]:
    """[d_0, d_1, ..., d_N]."""
    return [int(weights[0].shape[1])] + [int(w.shape[0]) for w in weights]


def end_to_end(weights: Sequence[Array]) -> Array:
    """W_{N:1} = W_N ... W_1, shape (d_N, d_0)."""
    product = weights[0]
    for w in weights[1:]:
        product = w @ product
    return product


def products_before(weights: Sequence[Array]) -> list[Array]:
    """[B_1, ..., B_N] with B_k = W_{k-1:1} of shape (d_{k-1}, d_0); B_1 = I."""
    xp = array_namespace(*weights)
    before = [eye_like(xp, int(weights[0].shape[1]), weights[0])]
    for w in weights[:-1]:
        before.append(w @ before[-1])
    return before


def products_after(weights: Sequence[Array]) -> list[Array]:
    """[A_1, ..., A_N] with A_k = W_{N:k+1} of shape (d_N, d_k); A_N = I."""
    xp = array_namespace(*weights)
    after = [eye_like(xp, int(weights[-1].shape[0]), weights[-1])]
    for w in reversed(weights[1:]):
        after.append(after[-1] @ w)
    return after[::-1]


def check_dimensions(weights: Sequence[Array], moments: Moments) -> None:
    """Raise :class:`InputError` unless the network maps R^{d_0} -> R^{d_N} as the data does."""
    d0, dn = int(weights[0].shape[1]), int(weights[-1].shape[0])
    if (d0, dn) != (moments.input_dim, moments.output_dim):
        raise InputError(
            f"the network maps R^{d0} -> R^{dn} but the data has inputs of dimension "
            f"{moments.input_dim} and outputs of dimension {moments.output_dim}"
        )


def _inner(xp: Any, a: Array, b: Array) -> float:
    """<a, b> = sum_ij a_ij b_ij as a Python float (np.vdot is ~3x faster than a sum for small NumPy arrays)."""
    return float(np.vdot(a, b)) if xp is np else float(xp.sum(a * b))


def excess_loss_and_gradient_unchecked(weights: Sequence[Array], target: Array, sigma_x: Array) -> tuple[float, list[Array]]:
    """(L - L*, [dL/dW_k]) without validating anything: the kernel of :func:`excess_loss` and :func:`gradient`.

    For hot loops (training) whose inputs were validated once: ``weights`` passed
    :func:`check_weights`, ``target`` (d_N, d_0) and ``sigma_x`` (d_0, d_0) are arrays
    of the weights' namespace and device. With E = W_{N:1} - T,
    L - L* = 1/2 <E Sigma_x, E> and dL/dW_k = A_k^T E Sigma_x B_k^T.
    """
    xp = array_namespace(*weights)
    error = end_to_end(weights) - target
    residual = error @ sigma_x
    grads = [a.T @ residual @ b.T for a, b in zip(products_after(weights), products_before(weights))]
    return 0.5 * _inner(xp, residual, error), grads


def _validated(weights: Sequence[Array], moments: Moments) -> tuple[list[Array], Array, Array]:
    """Checked weights, and T and Sigma_x in their namespace and on their device."""
    weights = check_weights(weights)
    check_dimensions(weights, moments)
    xp = array_namespace(*weights)
    return weights, asarray_like(xp, moments.target, weights[0]), asarray_like(xp, moments.sigma_x, weights[0])


def excess_loss(weights: Sequence[Array], moments: Moments) -> float:
    """L(W) - L* = 1/2 tr((W_{N:1} - T) Sigma_x (W_{N:1} - T)^T) >= 0."""
    weights, target, sigma_x = _validated(weights, moments)
    error = end_to_end(weights) - target
    return 0.5 * _inner(array_namespace(*weights), error @ sigma_x, error)


def loss(weights: Sequence[Array], moments: Moments) -> float:
    """L(W) = 1/2 E||y - W_{N:1} x||^2 (theorems.md's one loss convention)."""
    return moments.minimum_loss + excess_loss(weights, moments)


def gradient(weights: Sequence[Array], moments: Moments) -> list[Array]:
    """[dL/dW_1, ..., dL/dW_N] with dL/dW_k = A_k^T (W_{N:1} - T) Sigma_x B_k^T."""
    return excess_loss_and_gradient_unchecked(*_validated(weights, moments))[1]
