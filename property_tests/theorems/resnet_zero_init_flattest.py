"""Theory id resnet-zero-init-flattest: GD from the zero-init linear ResNet reaches T, at the flattest minimum for SPD T."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..strategies import trained_resnets
from .budgets import INTERVAL_CERTIFICATE
from .sharpness_lower_bound import sharpness_ratio

__all__ = ["resnet_zero_init_flattest"]


@claim(
    id="resnet-zero-init-flattest",
    kind="theorem",
    statement="GD from the zero-init linear ResNet on whitened y = T x with T SPD or ||T - I||_F < sigma_min(T) "
              "converges to W_{N:1} = T (relative residual <= 1e-7); for SPD T the layers stay equal and end at the "
              "principal root T^(1/N) (equal, symmetric, positive definite, to 1e-9), a flattest minimum "
              "(|lambda_max / (N s^(2-2/N)) - 1| <= 1e-9). Gradient flow is the theorem; GD with the steps used "
              "here keeps these exactly for SPD T, and the O(eta^2) effect for other T is gd-excess-sharpness",
    strategy=lambda: trained_resnets(min_depth=2, max_depth=3, max_width=3),
    budget=lambda x: 1e-12,
    examples_scale=0.2,
    certified_by=INTERVAL_CERTIFICATE + "; the claim is about the saved trained weights",
)
def resnet_zero_init_flattest(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """Converged to W_{N:1} = T; for SPD T also: equal, symmetric, positive definite layers (= T^(1/N)) and
    lambda_max = N s^(2-2/N)."""
    ws = ctx.matrices(x["weights"])
    t = ctx.array(x["target"])
    product = ws[0]
    for w in ws[1:]:
        product = w @ product
    # GD stops at a relative gradient 1e-10 (numeric.training.DEFAULT_TOL); with singular values of T in
    # [0.5, 2] the distance to the minimum is then below ~1e-9 relative: 1e-7 leaves a factor 100.
    terms = [ctx.scalar(1e-7) - ctx.norm(product - t) / ctx.norm(t)]
    if np.allclose(x["target"], x["target"].T, rtol=0, atol=0):
        first = ws[0]
        scale = ctx.norm(first)
        # layers stay equal, symmetric, and commuting with T along GD in exact arithmetic; float64 rounding
        # random-walks them apart by ~sqrt(steps) eps ~ 1e-14 along flat directions: 1e-9 is generous.
        terms += [ctx.scalar(1e-9) - ctx.norm(w - first) / scale for w in ws[1:]]
        terms.append(ctx.scalar(1e-9) - ctx.norm(first - first.T) / scale)
        terms.append(-ctx.lambda_max(-(first + first.T) / 2) / scale)  # lambda_min(W) > 0: the principal root
        m = Minimum(list(x["weights"]))
        terms.append(ctx.scalar(1e-9) - ctx.absolute(sharpness_ratio(m, ctx) - 1))
    return ctx.minimum(terms)
