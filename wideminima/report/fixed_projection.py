"""Marion & Chizat's setting: a scalar output read through a fixed, untrained unit projection.

Model (whitened data, y = t^T x with t in R^d): f(x) = p^T W_N ... W_1 x, where
p is a fixed unit vector (||p|| = 1, not trained) and W_1..W_N are d x d trainable
layers, identity-initialised (residual layers W_k = I + R_k, R_k(0) = 0). The loss
is L = 1/2 E (y - f(x))^2. This is the setting of Marion & Chizat, "Deep linear
networks for regression are implicitly regularized towards flat minima"
(NeurIPS 2024), with our loss convention.

Minima and their Hessian. The global minima are the W with p^T W_{N:1} = t^T. At
one, the Hessian with respect to the trainable layers is
H[D, D] = || p^T (sum_k A_k D_k B_k) ||^2 (A_k = W_{N:k+1}, B_k = W_{k-1:1}),
i.e. the Gauss-Newton form of the depth-(N+1) network [W_1..W_N, p^T] with the
last layer's block left out. Its nonzero eigenvalues are those of the d x d matrix

    G = sum_{k=1}^N ||A_k^T p||^2 B_k^T B_k .

Fixed-projection bound (derived for this report). Every global minimum has
lambda_max >= N s^(2-2/N) with s = ||t||, and the bound is attained: it is the
same value as for a fully trainable depth-N network with scalar output, not the
depth-(N+1) value (N+1) s^(2-2/(N+1)) of the network whose last layer p^T is trained.

Proof. Let v = t/s, c_k = ||A_k^T p|| (so c_N = ||p|| = 1) and
g_k = ||W_{k:1} v|| (g_0 = 1). Then lambda_max >= v^T G v = sum_k c_k^2 g_{k-1}^2.
By Cauchy-Schwarz c_k g_k >= |p^T W_{N:1} v| = s, so the term k < N is at least
s^2 (g_{k-1}/g_k)^2, while the term k = N is exactly g_{N-1}^2. The N-1 ratios
g_{k-1}/g_k multiply to 1/g_{N-1}; by AM-GM their squares sum to at least
(N-1) g_{N-1}^(-2/(N-1)). With x = g_{N-1} > 0,
lambda_max >= (N-1) s^2 x^(-2/(N-1)) + x^2, whose minimum over x is at
x = s^((N-1)/N) and equals N s^(2-2/N). It is attained by
W_1 = s^(1/N) R, W_k = s^(1/N) I (k > 1) with R orthogonal and R v = p: then
p^T W_{N:1} = s (R^T p)^T = t^T and G = N s^(2-2/N) I. (N = 1: G = I, lambda = 1.)

Non-whitened inputs (E[x x^T] = Sigma_x, report E7): the gram becomes
sum_k ||A_k^T p||^2 Sigma_x^{1/2} B_k^T B_k Sigma_x^{1/2} and the same chain with v -> Sigma_x^{1/2} v
gives lambda_max >= F(t^T, Sigma_x, N) of theorems.md flattest-value-general, attained by
W_1 = x^(-1/2) p t^T, W_k = x^(1/(2N-2)) I at F's carrier scale x (tests/report/test_fixed_projection.py).
The gram, sharpness, excess loss and GD loop take ``sigma_x`` (None: whitened).

>>> import numpy as np
>>> t, p = np.array([3.0, 4.0]), np.array([0.0, 1.0])
>>> fixed_projection_bound(t, 2)  # 2 * 5^(2 - 2/2)
10.0
>>> w = fixed_projection_flattest_minimum(t, p, 2)
>>> np.allclose(p @ w[1] @ w[0], t), round(fixed_projection_sharpness(w, p), 12)
(True, 10.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wideminima.errors import InputError
from wideminima.numeric import Moments, gradient, products_after, products_before

__all__ = [
    "fixed_projection_bound",
    "fixed_projection_gram",
    "fixed_projection_sharpness",
    "fixed_projection_flattest_minimum",
    "fixed_projection_gradient",
    "fixed_projection_excess_loss",
    "train_fixed_projection",
]


def _vector(value: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be a finite nonzero-length vector, got shape {arr.shape}")
    return arr


def _unit_projection(projection: Sequence[float] | np.ndarray) -> np.ndarray:
    p = _vector(projection, "projection")
    # A unit vector up to rounding of its normalisation (a few ulps).
    if abs(float(np.linalg.norm(p)) - 1.0) > 64 * np.finfo(np.float64).eps:
        raise InputError(f"projection must be a unit vector, got norm {np.linalg.norm(p):.17g}")
    return p


def fixed_projection_bound(target: Sequence[float] | np.ndarray, depth: int) -> float:
    """N s^(2-2/N) with s = ||t||: the smallest sharpness of any minimum of the fixed-projection model."""
    t = _vector(target, "target")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise InputError(f"depth must be an integer >= 1, got {depth!r}")
    s = float(np.linalg.norm(t))
    return depth * s ** (2.0 - 2.0 / depth)


def _covariance(sigma_x: np.ndarray | None, d: int) -> tuple[np.ndarray, np.ndarray]:
    """(Sigma_x, Sigma_x^{1/2}); identity when None."""
    if sigma_x is None:
        return np.eye(d), np.eye(d)
    moments = Moments.from_target(np.zeros((1, d)), sigma_x)  # validates: symmetric positive definite, d x d
    return moments.sigma_x, moments.sigma_x_sqrt


def fixed_projection_gram(weights: Sequence[np.ndarray], projection: Sequence[float] | np.ndarray,
                          sigma_x: np.ndarray | None = None) -> np.ndarray:
    """G = sum_k ||A_k^T p||^2 Sigma_x^{1/2} B_k^T B_k Sigma_x^{1/2}, shape (d_0, d_0); at a minimum its
    eigenvalues are H's nonzero ones (Sigma_x None: whitened)."""
    p = _unit_projection(projection)
    after, before = products_after(weights), products_before(weights)
    _, root = _covariance(sigma_x, before[0].shape[1])
    return sum(float(np.sum((a.T @ p) ** 2)) * (root @ b.T @ b @ root) for a, b in zip(after, before))


def fixed_projection_sharpness(weights: Sequence[np.ndarray], projection: Sequence[float] | np.ndarray,
                               sigma_x: np.ndarray | None = None) -> float:
    """lambda_max of the trainable layers' Hessian at a global minimum (largest eigenvalue of G)."""
    g = fixed_projection_gram(weights, projection, sigma_x)
    return float(np.linalg.eigvalsh((g + g.T) / 2)[-1])


def _full_network(weights: Sequence[np.ndarray], projection: np.ndarray) -> list[np.ndarray]:
    return list(weights) + [projection[None, :]]


def fixed_projection_gradient(
    weights: Sequence[np.ndarray], projection: Sequence[float] | np.ndarray, target: Sequence[float] | np.ndarray
) -> list[np.ndarray]:
    """dL/dW_1..dL/dW_N on whitened data y = t^T x (the projection's own gradient is not needed)."""
    p, t = _unit_projection(projection), _vector(target, "target")
    return gradient(_full_network(weights, p), Moments.whitened(t[None, :]))[:-1]


def train_fixed_projection(
    projection: Sequence[float] | np.ndarray,
    target: Sequence[float] | np.ndarray,
    depth: int,
    *,
    lr: float,
    steps: int,
    tol: float = 1e-10,
    sigma_x: np.ndarray | None = None,
) -> tuple[list[np.ndarray], str, int]:
    """GD on W_1..W_N from the identity (R_k = 0) with p fixed: (weights, status, steps taken).

    ``numeric.train`` trains every layer; this model keeps the last one (p^T)
    frozen, so it needs its own loop. Status as in ``numeric.train``:
    ``"converged"`` when ||grad|| <= tol * (largest ||grad|| seen), ``"diverged"``
    when the loss grows past 1e6 times its initial value, else ``"max_steps"``.
    Data: y = t^T x with E[x x^T] = Sigma_x (None: whitened).
    """
    p, t = _unit_projection(projection), _vector(target, "target")
    moments = Moments.whitened(t[None, :]) if sigma_x is None else Moments.from_target(t[None, :], sigma_x)
    weights = [np.eye(t.size) for _ in range(depth)]
    frozen = p[None, :]
    start = fixed_projection_excess_loss(weights, p, t, sigma_x)
    largest = 0.0
    for step in range(steps + 1):
        grads = gradient(weights + [frozen], moments)[:-1]
        norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        largest = max(largest, norm)
        if norm <= tol * largest:
            return weights, "converged", step
        if not np.isfinite(norm) or fixed_projection_excess_loss(weights, p, t, sigma_x) > 1e6 * max(start, 1.0):
            return weights, "diverged", step
        if step < steps:
            weights = [w - lr * g for w, g in zip(weights, grads)]
    return weights, "max_steps", steps


def fixed_projection_excess_loss(
    weights: Sequence[np.ndarray], projection: Sequence[float] | np.ndarray, target: Sequence[float] | np.ndarray,
    sigma_x: np.ndarray | None = None,
) -> float:
    """L - L* = 1/2 (p^T W_{N:1} - t^T) Sigma_x (p^T W_{N:1} - t^T)^T (Sigma_x None: whitened)."""
    p, t = _unit_projection(projection), _vector(target, "target")
    row = p
    for w in reversed(list(weights)):
        row = row @ w
    sigma, _ = _covariance(sigma_x, t.size)
    return 0.5 * float((row - t) @ sigma @ (row - t))


def fixed_projection_flattest_minimum(
    target: Sequence[float] | np.ndarray, projection: Sequence[float] | np.ndarray, depth: int
) -> list[np.ndarray]:
    """A minimum with lambda_max = N s^(2-2/N): W_1 = s^(1/N) R (R orthogonal, R v = p), W_k = s^(1/N) I."""
    t, p = _vector(target, "target"), _unit_projection(projection)
    if t.shape != p.shape:
        raise InputError(f"target has shape {t.shape} but projection has shape {p.shape}")
    fixed_projection_bound(t, depth)  # validates depth
    s = float(np.linalg.norm(t))
    if s == 0.0:
        raise InputError("target must be nonzero: t = 0 has no top direction v = t / ||t|| to map onto p")
    v = t / s
    w = v - p
    # Householder reflection I - 2 w w^T / ||w||^2 maps v to p (identity when v = p).
    norm2 = float(w @ w)
    reflection = np.eye(t.size) if norm2 == 0.0 else np.eye(t.size) - 2.0 * np.outer(w, w) / norm2
    scale = s ** (1.0 / depth)
    return [scale * reflection] + [scale * np.eye(t.size) for _ in range(depth - 1)]
