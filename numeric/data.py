"""Data sets with a prescribed input covariance and target, and teacher-student data.

Population data are :class:`Moments`; sample data are ``(X, Y)`` with samples as
rows, X (n, d_0), Y (n, d_N), NumPy float64. With ``exact=True`` the empirical
moments are exactly the requested ones (up to rounding): X = sqrt(n) Q Sigma_x^{1/2}
with Q (n, d_0) orthonormal, so X^T X / n = Sigma_x, and the noise is projected off
the column space of X, so the least-squares target of (X, Y) is exactly T.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wideminima.errors import InputError
from wideminima.random import haar_orthogonal
from wideminima.types import Array

from ._backend import as_float_array
from .mlp import MLP
from .moments import Moments
from .network import check_weights, end_to_end, widths

__all__ = [
    "whitened_data",
    "population_data",
    "random_covariance",
    "sample_data",
    "linear_teacher_data",
    "mlp_teacher_data",
]


def whitened_data(target: Array) -> Moments:
    """Population moments with Sigma_x = I and y = T x."""
    return Moments.whitened(target)


def population_data(target: Array, sigma_x: Array) -> Moments:
    """Population moments of y = T x with E[x x^T] = Sigma_x (validated: symmetric positive definite)."""
    return Moments.from_target(target, sigma_x)


def random_covariance(dim: int, rng: np.random.Generator, *, condition: float = 10.0) -> np.ndarray:
    """A random SPD (dim, dim) matrix with eigenvalues log-uniform in [1/sqrt(condition), sqrt(condition)]."""
    if int(dim) != dim or dim < 1:
        raise InputError(f"dim must be a positive integer, got {dim}")
    if not (np.isfinite(condition) and condition >= 1):
        raise InputError(f"condition must be a finite number >= 1, got {condition}")
    q = haar_orthogonal(rng, dim)  # Q diag(eig) Q^T does not depend on the signs of Q's columns
    eig = np.exp(rng.uniform(-0.5, 0.5, size=dim) * np.log(condition))
    return (q * eig) @ q.T


def _inputs(sigma_x: np.ndarray, n: int, rng: np.random.Generator, exact: bool) -> np.ndarray:
    d0 = sigma_x.shape[0]
    if int(n) != n or n < 1:
        raise InputError(f"the number of samples n must be a positive integer, got {n}")
    if exact and n < d0:
        raise InputError(f"exact moments need n >= d_0 = {d0} samples, got n = {n}")
    root = Moments(sigma_x, np.zeros((1, d0))).sigma_x_sqrt  # validates Sigma_x
    if exact:
        q, _ = np.linalg.qr(rng.standard_normal((n, d0)))
        return np.sqrt(n) * q @ root
    return rng.standard_normal((n, d0)) @ root


def _noise(x: np.ndarray, dn: int, noise: float, rng: np.random.Generator, exact: bool) -> np.ndarray:
    if not (np.isfinite(noise) and noise >= 0):
        raise InputError(f"noise must be a finite number >= 0, got {noise}")
    e = noise * rng.standard_normal((x.shape[0], dn))
    if exact and noise > 0:
        q, _ = np.linalg.qr(x)
        e -= q @ (q.T @ e)
    return e


def sample_data(
    target: Array, sigma_x: Array, n: int, rng: np.random.Generator, *, noise: float = 0.0, exact: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Samples (X, Y) of y = T x + noise with input covariance Sigma_x (None: identity).

    ``exact``: empirical Sigma_x and T equal the requested ones (module docstring);
    otherwise x ~ N(0, Sigma_x) and noise ~ N(0, noise^2 I) independently.
    """
    t = as_float_array(target, "T", ndim=2)
    sx = np.eye(t.shape[1]) if sigma_x is None else as_float_array(sigma_x, "Sigma_x", ndim=2)
    if sx.shape[0] != t.shape[1]:
        raise InputError(f"T has shape {t.shape}; its columns must match Sigma_x's size {sx.shape[0]}")
    x = _inputs(sx, n, rng, exact)
    return x, x @ t.T + _noise(x, t.shape[0], noise, rng, exact)


def linear_teacher_data(
    teacher: Sequence[Array], n: int, rng: np.random.Generator, *, sigma_x: Array = None, noise: float = 0.0,
    exact: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples labelled by a linear teacher network: y = W_N ... W_1 x (+ noise), see :func:`sample_data`."""
    return sample_data(end_to_end(check_weights(teacher)), sigma_x, n, rng, noise=noise, exact=exact)


def mlp_teacher_data(
    teacher: Sequence[Array], n: int, rng: np.random.Generator, *, activation: str = "relu",
    biases: Sequence[Array] | None = None, sigma_x: Array = None, noise: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples labelled by an MLP teacher y = W_N phi(... phi(W_1 x + b_1) ...) + b_N (+ noise).

    The forward pass is :meth:`wideminima.numeric.MLP.forward` (``activation`` one of
    its ACTIVATIONS). x ~ N(0, Sigma_x) (Sigma_x None: identity), noise ~ N(0, noise^2 I).
    """
    weights = [np.asarray(w) for w in check_weights(teacher)]
    dims = widths(weights)
    net = MLP(tuple(dims), activation=activation, bias=biases is not None)
    params = net.check_parameters(weights + ([] if biases is None else list(biases)), name="teacher")
    sx = np.eye(dims[0]) if sigma_x is None else as_float_array(sigma_x, "Sigma_x", ndim=2)
    x = _inputs(sx, n, rng, exact=False)
    return x, np.asarray(net.forward(params, x)) + _noise(x, dims[-1], noise, rng, exact=False)
