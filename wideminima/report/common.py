"""Helpers shared by the experiments: targets, spreads, sharpness ratios of trained networks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from wideminima.numeric import sharpness

__all__ = ["resnet_target", "target_with_spectrum", "spread", "unit_vector", "log_slope", "linear_sharpness", "TRAINED_RTOL"]

# Relative residual ||W_{N:1} - T|| accepted as "at a global minimum" for trained weights:
# GD stops at relative gradient 1e-10, which leaves a relative residual of about
# 1e-10 times the conditioning of the Gauss-Newton map; 1e-7 allows a factor 1000.
TRAINED_RTOL = 1e-7


def resnet_target(rng: np.random.Generator, d: int, margin: float = 0.4) -> np.ndarray:
    """T = I + margin G / ||G||_F with G Gaussian: ||T - I||_F = margin < 1 - margin <= sigma_min(T) for margin < 1/2.

    That is the deficiency-margin condition of theory id resnet-zero-init-flattest,
    under which gradient flow from the zero-init ResNet converges; T is not
    symmetric (a symmetric T would keep all layers equal and the run trivially balanced).
    """
    g = rng.standard_normal((d, d))
    return np.eye(d) + margin * g / np.linalg.norm(g)


def target_with_spectrum(rng: np.random.Generator, singular_values: Sequence[float]) -> np.ndarray:
    """T = U diag(singular_values) V^T with U, V from the SVD of a Gaussian matrix (square, d = len(values))."""
    d = len(singular_values)
    u, _, vt = np.linalg.svd(rng.standard_normal((d, d)))
    return u @ np.diag(np.asarray(singular_values, dtype=np.float64)) @ vt


def unit_vector(rng: np.random.Generator, d: int) -> np.ndarray:
    """A uniformly random unit vector of R^d."""
    v = rng.standard_normal(d)
    return v / np.linalg.norm(v)


def spread(values: Sequence[float]) -> dict[str, Any]:
    """Median, quartiles, min, max and count of the finite ``values`` (None entries when there are none).

    >>> spread([1.0, 2.0, 3.0, float("nan")])["median"]
    2.0
    """
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    if arr.size == 0:
        return {"median": None, "q25": None, "q75": None, "min": None, "max": None, "count": 0}
    q25, median, q75 = np.quantile(arr, [0.25, 0.5, 0.75])
    return {"median": float(median), "q25": float(q25), "q75": float(q75), "min": float(arr.min()), "max": float(arr.max()), "count": int(arr.size)}


def log_slope(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope and intercept of log(y) against log(x).

    >>> slope, _ = log_slope([1.0, 2.0, 4.0], [3.0, 12.0, 48.0]); round(slope, 12)
    2.0
    """
    lx, ly = np.log(np.asarray(x, dtype=np.float64)), np.log(np.asarray(y, dtype=np.float64))
    slope, intercept = np.polyfit(lx, ly, 1)
    return float(slope), float(intercept)


def linear_sharpness(weights: list[np.ndarray], moments: Any) -> float:
    """lambda_max of the Hessian at the global minimum training reached (numeric.sharpness, output gram).

    Trained weights stop at a relative gradient norm of 1e-10 (numeric.train's default
    tolerance), not at rounding level, so the minimum test is relaxed to rtol = TRAINED_RTOL.
    """
    return float(sharpness(weights, moments, rtol=TRAINED_RTOL).lambda_max)
