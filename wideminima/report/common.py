"""Helpers shared by the experiments: targets, spreads, sharpness ratios of trained networks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["resnet_target", "spread", "unit_vector", "log_slope", "linear_sharpness"]


def resnet_target(rng: np.random.Generator, d: int, margin: float = 0.4) -> np.ndarray:
    """T = I + margin G / ||G||_F with G Gaussian: ||T - I||_F = margin < 1 - margin <= sigma_min(T) for margin < 1/2.

    That is the deficiency-margin condition of theory id resnet-zero-init-flattest,
    under which gradient flow from the zero-init ResNet converges; T is not
    symmetric (a symmetric T would keep all layers equal and the run trivially balanced).
    """
    g = rng.standard_normal((d, d))
    return np.eye(d) + margin * g / np.linalg.norm(g)


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
    """lambda_max of the Hessian at a global minimum of a linear network (theory id output-gram-spectrum)."""
    try:
        from wideminima.numeric import sharpness
    except ImportError:  # TEMPORARY until numeric.sharpness lands
        from wideminima.numeric.gram import output_gram

        return float(np.linalg.eigvalsh(output_gram(weights, moments.sigma_x))[-1])
    return float(sharpness(weights, moments).lambda_max)
