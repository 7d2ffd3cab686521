"""Error budgets shared by the built-in claims (each claim's module names the one it uses).

- Budgets (float64 error of a margin) follow from backward error analysis:
  forming the output gram from N products of d x d matrices and taking its top
  eigenvalue (LAPACK, backward stable) errs by at most c (n + N d) eps S in
  absolute terms, with n = d_N d_0 and S = sum_k ||A_k||^2 ||B_k F||^2 the scale
  of the gram's terms (S = lambda_max at balanced minima, larger when layers are
  ill-conditioned). :func:`gram_budget` is 64 (n + N d_max) eps S / lambda_max:
  a few 1e-13 at the ci sizes, seven orders below the 1e-6 relative violations
  that must never slip through.
- Theorems whose instances meet their hypothesis only up to float64 rounding
  (balanced, flattest) state a representation tolerance inside the margin
  (:func:`representation_tolerance`), derived the same way and named in the statement.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric.network import products_after, products_before

from ..arithmetic import FLOAT64
from ..instances import Minimum
from ..quantities import sharpness

__all__ = ["EPS", "INTERVAL_CERTIFICATE", "gram_budget", "gram_scale", "instance_gram_budget", "representation_tolerance"]

EPS = float(np.finfo(np.float64).eps)
INTERVAL_CERTIFICATE = ("interval evaluation of the margin at the saved instance: lambda_max enclosed by an interval "
                        "Rayleigh quotient (below) and interval Cholesky (above), s by the same on T^T T")


def gram_scale(m: Minimum) -> float:
    """S = sum_k ||A_k||_2^2 ||B_k F||_2^2 (float64), the size of the gram's terms."""
    f = np.eye(m.widths[0]) if m.sigma_x_factor is None else m.sigma_x_factor
    return float(sum(np.linalg.norm(a, 2) ** 2 * np.linalg.norm(b @ f, 2) ** 2
                     for a, b in zip(products_after(m.weights), products_before(m.weights))))


def gram_budget(m: Minimum) -> float:
    """64 (n + N d_max) eps S / lambda_max: float64 error bound of a lambda_max-relative margin."""
    lam = float(sharpness(m, FLOAT64))
    size = m.widths[0] * m.widths[-1] + m.depth * max(m.widths)
    return 64 * size * EPS * gram_scale(m) / max(lam, np.finfo(np.float64).tiny)


def instance_gram_budget(instance: Any) -> float:
    """:func:`gram_budget` of an instance that is a Minimum or a dict holding one under "minimum"."""
    return gram_budget(instance["minimum"] if isinstance(instance, dict) else instance)


def representation_tolerance(m: Minimum) -> float:
    """64 N^2 d_max eps: how far rounding the layers of a balanced/flattest minimum moves lambda_max / bound.

    Each layer is off by ~d eps relative; lambda_max sums N terms of N layers each
    and N s^(2-2/N) involves N layers, so the ratio moves by ~2 N^2 d eps at most.
    """
    return 64 * m.depth**2 * max(m.widths) * EPS
