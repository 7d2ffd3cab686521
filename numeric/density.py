"""Spectral density of a symmetric operator: stochastic Lanczos quadrature (SLQ), and the exact one.

The (normalized) spectral density is phi(t) = (1/P) sum_i delta(t - lambda_i); what can
be estimated and plotted is its Gaussian smoothing

    phi_sigma(t) = (1/P) sum_i g_sigma(t - lambda_i),      g_sigma the N(0, sigma^2) density,

which integrates to 1. For a unit probe v, v^T g_sigma(t - A) v is approximated by the
m-node Gauss quadrature of m Lanczos steps from v (nodes: the Ritz values theta_j,
weights: the squared first components tau_j^2 of the Ritz vectors), exact for
polynomials of degree < 2m; averaging over ``probes`` random unit vectors v
(normalized Rademacher, E[v v^T] = I / P) gives an unbiased estimate of the
quadrature value (Lin, Saad & Yang 2016; Ghorbani, Krishnan & Xiao 2019).

Stated accuracy: ``standard_error`` per grid point is the sample standard deviation
over probes divided by sqrt(probes), the stochastic error. The quadrature error of
m steps is a separate, deterministic part; it is zero once m reaches the number of
distinct eigenvalues the probe sees and is checked against the exact density in
the tests. :func:`exact_density` smooths a known spectrum with the same kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from wideminima.errors import InputError

from ._backend import array_namespace, asarray_like, check_seed, to_numpy, zeros_like_device
from .lanczos import orthogonalize

__all__ = ["Density", "slq_density", "exact_density", "lanczos_quadrature"]


@dataclass(frozen=True)
class Density:
    """A smoothed spectral density on a grid.

    Attributes
    ----------
    grid : (g,) points t.
    density : (g,) phi_sigma(t), integrating to 1 over the real line.
    standard_error : (g,) stochastic standard error per point (zeros when exact).
    sigma : the Gaussian kernel's standard deviation.
    nodes, weights : (probes, m) quadrature nodes and weights (the exact eigenvalues
        with weights 1/P, shape (1, P), for an exact density).
    products : operator products used (0 for an exact density).
    method : ``"slq"`` or ``"exact"``.
    """

    grid: np.ndarray
    density: np.ndarray
    standard_error: np.ndarray
    sigma: float
    nodes: np.ndarray
    weights: np.ndarray
    products: int
    method: str


def lanczos_quadrature(matvec: Callable[[Any], Any], start: Any, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss quadrature nodes and weights of ``steps`` Lanczos steps from ``start`` (normalized inside).

    Full reorthogonalization against every previous Lanczos vector (two passes), so
    the nodes do not repeat through loss of orthogonality. Stops early at an
    invariant subspace (the quadrature is then exact for this probe).
    """
    xp = array_namespace(start)
    dim = int(start.shape[0])
    steps = min(steps, dim)
    basis = zeros_like_device(xp, (steps, dim), start)
    alpha, beta = [], []
    q = start / xp.linalg.vector_norm(start)
    scale = 0.0
    for j in range(steps):
        basis[j, :] = q
        w = matvec(q)
        alpha.append(float(xp.sum(q * w)))
        _, w = orthogonalize(xp, basis[: j + 1, :], w, 2)
        b = float(xp.linalg.vector_norm(w))
        scale = max(scale, abs(alpha[-1]), b)
        if j == steps - 1 or b <= 1e-13 * max(scale, 1e-300):
            break
        beta.append(b)
        q = w / b
    tri = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    nodes, vectors = np.linalg.eigh(tri)
    return nodes, vectors[0, :] ** 2


def _smooth(grid: np.ndarray, nodes: np.ndarray, weights: np.ndarray, sigma: float) -> np.ndarray:
    """sum_j weights_j g_sigma(grid - nodes_j) for each row of (nodes, weights): shape (rows, g)."""
    z = (grid[None, None, :] - nodes[:, :, None]) / sigma
    return np.sum(weights[:, :, None] * np.exp(-0.5 * z * z), axis=1) / (sigma * np.sqrt(2 * np.pi))


def _grid(nodes: np.ndarray, sigma: float | None, points: int) -> tuple[np.ndarray, float]:
    lo, hi = float(np.min(nodes)), float(np.max(nodes))
    width = max(hi - lo, abs(hi), 1e-300)
    sigma = float(sigma) if sigma is not None else 0.01 * width
    if not (np.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma must be a positive number, got {sigma}")
    return np.linspace(lo - 5 * sigma, hi + 5 * sigma, points), sigma


def slq_density(
    matvec: Callable[[Any], Any],
    dim: int,
    *,
    probes: int = 10,
    steps: int = 80,
    sigma: float | None = None,
    points: int = 512,
    seed: int = 0,
    like: Any = None,
) -> Density:
    """SLQ estimate of the smoothed spectral density of ``matvec`` (module docstring).

    ``sigma`` None: 1% of the spectral range the Ritz values span. ``probes`` >= 2
    (for a standard error); each costs up to ``steps`` products.
    """
    if probes < 2:
        raise InputError(f"probes must be at least 2 to estimate a standard error, got {probes}")
    if steps < 1:
        raise InputError(f"steps must be >= 1, got {steps}")
    rng = np.random.default_rng(check_seed(seed))
    xp = np if like is None else array_namespace(like)
    runs, products = [], 0
    for _ in range(probes):
        v = rng.choice(np.array([-1.0, 1.0]), size=dim)
        nodes, weights = lanczos_quadrature(matvec, v if xp is np else asarray_like(xp, v, like), steps)
        products += len(nodes)
        runs.append((nodes, weights))
    m = max(len(n) for n, _ in runs)
    # Probes that stopped early (invariant subspace) are padded with zero-weight nodes.
    nodes = np.array([np.pad(n, (0, m - len(n)), constant_values=n[-1]) for n, _ in runs])
    weights = np.array([np.pad(w, (0, m - len(w))) for _, w in runs])
    grid, sigma = _grid(nodes, sigma, points)
    per_probe = _smooth(grid, nodes, weights, sigma)
    return Density(grid, per_probe.mean(axis=0), per_probe.std(axis=0, ddof=1) / np.sqrt(probes), sigma,
                   nodes, weights, products, "slq")


def exact_density(eigenvalues: Any, *, sigma: float | None = None, grid: np.ndarray | None = None, points: int = 512) -> Density:
    """The smoothed density (1/P) sum_i g_sigma(t - lambda_i) of a known spectrum (P eigenvalues)."""
    values = np.asarray(to_numpy(eigenvalues), dtype=np.float64).reshape(1, -1)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise InputError("eigenvalues must be a nonempty finite array")
    if grid is None:
        grid, sigma = _grid(values, sigma, points)
    elif sigma is None or not sigma > 0:
        raise InputError("with a grid given, sigma must be given and positive")
    weights = np.full_like(values, 1.0 / values.size)
    density = _smooth(np.asarray(grid, dtype=np.float64), values, weights, float(sigma))[0]
    return Density(np.asarray(grid, dtype=np.float64), density, np.zeros_like(density), float(sigma), values, weights, 0, "exact")
