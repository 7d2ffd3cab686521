"""lambda_max at a global minimum without a Lanczos run on the output gram, where its structure gives it.

Theory id output-gram-spectrum: G = sum_k L_k (kron) R_k, L_k = A_k A_k^T, R_k = C_k^T C_k,
C_k = B_k Sigma_x^{1/2} (row-major vec, see :mod:`.gram`).

- :func:`shallow_top`, N <= 2. A_N = I and B_1 = I by definition, so
  N = 1: G = I (kron) Sigma_x, and N = 2: G = (W_2 W_2^T) (kron) Sigma_x + I (kron) R_2,
  R_2 = Sigma_x^{1/2} W_1^T W_1 Sigma_x^{1/2}. With W_2 W_2^T = U diag(mu_i) U^T, G is
  orthogonally similar to the block diagonal of mu_i Sigma_x + R_2, and lambda_max of
  mu Sigma_x + R_2 does not decrease with mu (Sigma_x is PSD), so

      lambda_max(G) = lambda_max(mu_max Sigma_x + R_2),   mu_max = ||W_2||_2^2,

  with eigenvector u (kron) z (u the top eigenvector of W_2 W_2^T, z that of S = mu_max
  Sigma_x + R_2); whitened, lambda_max = ||W_2||_2^2 + ||W_1||_2^2. Two eigenproblems of
  size d_2 and d_0 whose products cost O(d^2), instead of products with G (O(d^3)).
- :func:`certified_bilinear`, any N: for unit u, v the Rayleigh quotient of m = vec(u v^T),
  rho = sum_k (u^T L_k u)(v^T R_k v), is a lower bound and sum_k ||L_k||_2 ||R_k||_2 an upper
  bound on lambda_max (||sum_k L_k kron R_k|| <= sum_k ||L_k|| ||R_k||). At balanced minima
  (whitened) both equal N s^(2-2/N) (theory ids balanced-attains-bound,
  sharpness-lower-bound): ||A_k||_2^2 ||B_k||_2^2 = s^(2-2/N) for every k. When the two
  bounds agree to ``tol`` the value is certified without a Lanczos run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wideminima.types import Array

from ._backend import array_namespace, asarray_like, to_numpy
from .gram import GramFactors
from .lanczos import top_eigenpairs

__all__ = ["Shortcut", "shallow_top", "certified_bilinear", "DENSE_SMALL"]

# Small symmetric matrices up to this size are diagonalized densely (eigh): exact top, ~10 ms at 400.
DENSE_SMALL = 400
# Power steps per factor for the cheap necessary test of certified_bilinear (lower estimates of ||L_k||, ||R_k||).
_PROBE_STEPS = 4
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Shortcut:
    """lambda_max of G from its structure.

    Attributes
    ----------
    value : lambda_max (see ``method`` for how it is known).
    matrix : (d_N, d_0) unit output matrix M, the eigenvector vec(M) of G.
    residual : ||G vec(M) - value vec(M)||: computed with one product (``certified-bounds``) or
        a rigorous upper bound from the two small eigenproblems (``kronecker-reduction``).
    products : products with G (0 or 1).
    small_products : products with the small (d_N or d_0 square) matrices.
    method : ``"kronecker-reduction"`` (N <= 2) or ``"certified-bounds"``.
    gap : for ``certified-bounds``, the certified upper bound minus ``value`` (0 for the reduction).
    rank_one : unit (u, z) with M = u z^T.
    """

    value: float
    matrix: Array
    residual: float
    products: int
    small_products: int
    method: str
    gap: float
    rank_one: tuple[Array, Array]


def _top_pair(xp: Any, product: Any, dense: Any, dim: int, tol: float, seed: int, like: Array) -> tuple[float, Array, float, int]:
    """(value, unit vector, residual, products) of the top eigenpair of a small symmetric PSD matrix.

    ``dense()`` forms it (used up to :data:`DENSE_SMALL`, exact top), else Lanczos on ``product``.
    """
    if dim <= DENSE_SMALL:
        matrix = dense()
        values, vectors = xp.linalg.eigh((matrix + matrix.T) / 2)
        vector = vectors[:, -1]
        value = float(to_numpy(values)[-1])
        return value, vector, float(xp.linalg.vector_norm(matrix @ vector - value * vector)), 0
    result = top_eigenpairs(product, dim, 1, seed=seed, tol=tol, like=like, method="lanczos")
    return float(result.values[0]), result.vectors[:, 0], float(result.residuals[0]), result.products


def shallow_top(weights: Sequence[Array], root: Array | None, *, tol: float = 1e-10, seed: int = 0) -> Shortcut:
    """lambda_max of G for N = 1 or 2 by the Kronecker reduction (module docstring).

    ``root``: Sigma_x^{1/2} in the weights' namespace, None for Sigma_x = I. Each small
    eigenproblem is solved to ``tol / 2`` relative, so the bound on ||G m - lambda m||,
    ||f|| + ||e|| ||Sigma_x z|| (f, e the residuals of z and u), is at most ``tol`` lambda.
    """
    xp = array_namespace(*weights)
    like = weights[0]
    d0, dn = int(weights[0].shape[1]), int(weights[-1].shape[0])
    sigma = None if root is None else root @ root

    def apply_sigma(x: Array) -> Array:
        return x if sigma is None else sigma @ x

    if len(weights) == 1:  # G = I kron Sigma_x
        mu, u, e, used = 1.0, xp.zeros_like(weights[0][:, 0]), 0.0, 0
        u[0] = 1.0

        def s_product(x: Array) -> Array:
            return apply_sigma(x)
    else:
        w1, w2 = weights
        mu, u, e, used = _top_pair(xp, lambda x: w2 @ (w2.T @ x), lambda: w2 @ w2.T, dn, tol / 2, seed, like)
        c = w1 if root is None else w1 @ root  # C_2 = W_1 Sigma_x^{1/2}

        def s_product(x: Array) -> Array:
            return mu * apply_sigma(x) + c.T @ (c @ x)

    def s_dense() -> Array:
        eye = xp.eye(d0, dtype=like.dtype, device=getattr(like, "device", None)) if xp is not np else np.eye(d0)
        base = mu * (eye if sigma is None else sigma)
        return base if len(weights) == 1 else base + c.T @ c

    value, z, f, more = _top_pair(xp, s_product, s_dense, d0, tol / 2, seed + 1, like)
    residual = f + e * float(xp.linalg.vector_norm(apply_sigma(z)))
    matrix = u[:, None] * z[None, :]
    return Shortcut(value, matrix, residual, 0, used + more, "kronecker-reduction", 0.0, (u, z))


def _power_norm(xp: Any, matrix: Array, steps: int, like: Array) -> float:
    """A lower estimate of ||matrix||_2 for a PSD matrix: Rayleigh quotient after a few power steps."""
    x = asarray_like(xp, np.ones(int(matrix.shape[0])), like)
    for _ in range(steps):
        x = matrix @ x
        x = x / float(xp.linalg.vector_norm(x))
    return float(xp.sum(x * (matrix @ x)))


def certified_bilinear(factors: GramFactors, u: np.ndarray, v: np.ndarray, *, tol: float = 1e-10) -> Shortcut | None:
    """lambda_max certified by matching bounds at m = vec(u v^T), or None when they do not match to ``tol``.

    rho = sum_k (u^T L_k u)(v^T R_k v) <= lambda_max <= U = sum_k ||L_k||_2 ||R_k||_2 (module
    docstring). First a necessary test with lower estimates of the norms (a few power steps,
    O(N d^2)); only if it passes are the norms computed by dense eigvalsh (their rounding,
    at most ~d eps ||.|| each, is added to U as 8 (d_N + d_0) eps U). Certified when
    U - rho <= tol rho and the residual ||G m - rho m||, computed with one product, is
    <= tol rho (the same stopping rule as the Lanczos run). Returns value rho, ``gap`` U - rho.
    """
    xp = array_namespace(factors.left)
    like = factors.left
    left, right = factors.left, factors.right
    n, dn, d0 = factors.depth, int(left.shape[1]), int(right.shape[1])
    uu, vv = asarray_like(xp, u, like), asarray_like(xp, v, like)
    rho = sum(float(uu @ (left[k] @ uu)) * float(vv @ (right[k] @ vv)) for k in range(n))
    if not rho > 0:
        return None
    estimate = sum(_power_norm(xp, left[k], _PROBE_STEPS, like) * _power_norm(xp, right[k], _PROBE_STEPS, like) for k in range(n))
    if estimate - rho > tol * rho:  # the upper bound is at least this: cannot certify
        return None
    upper = sum(
        float(to_numpy(xp.linalg.eigvalsh(left[k]))[-1]) * float(to_numpy(xp.linalg.eigvalsh(right[k]))[-1]) for k in range(n)
    )
    upper *= 1 + 8 * (dn + d0) * _EPS
    if upper - rho > tol * rho:
        return None
    matrix = uu[:, None] * vv[None, :]
    image = factors.apply(xp.reshape(matrix, (1, dn, d0)))[0]
    residual = float(xp.linalg.vector_norm(image - rho * matrix))
    if residual > tol * rho:
        return None
    return Shortcut(rho, matrix, residual, 1, 0, "certified-bounds", max(upper - rho, 0.0), (uu, vv))
