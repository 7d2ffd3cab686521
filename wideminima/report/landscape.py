"""Pictures of the loss around a model: along the top eigenvector, on the plane of the top two, and the spectral density.

For a chain (linear, MLP, ResNet; :class:`wideminima.numeric.torch_models.Chain`) on its data:

- 1-D: L(w + t v_1) - L(w) for the unit top eigenvector v_1, beside its quadratic
  approximation lambda_1 t^2 / 2 (plus the gradient term g^T v_1 t off a critical point),
  with the width at loss tolerance delta marked twice: the *exact* width, the smallest
  t > 0 where the loss itself rises by delta (bisection on the float64 loss to 1e-12
  relative in t; its only error is the loss's rounding), and the quadratic one,
  sqrt(2 delta / lambda_1).
- 2-D: contours of L(w + a v_1 + b v_2) - L(w).
- the spectral density (exact at a global minimum of a linear chain, else SLQ with its
  standard error band; :func:`wideminima.numeric.hessian_density`).

Figures are written as PNG and SVG, atomically, with matplotlib (the ``report`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wideminima.errors import InputError

__all__ = ["Landscape", "compute_landscape", "draw_landscape"]


@dataclass(frozen=True)
class Landscape:
    """The sampled pictures. Lengths are in parameter units, losses relative to L(w) (``base_loss``).

    ``v1``, ``v2``: the unit top eigenvectors (flat, the chain's parameter order) the pictures follow.
    """

    t: np.ndarray
    loss_1d: np.ndarray
    quadratic_1d: np.ndarray
    lambda_1: float
    lambda_2: float
    slope: float
    delta: float
    exact_width: float | None
    quadratic_width: float | None
    a: np.ndarray
    b: np.ndarray
    loss_2d: np.ndarray
    density: Any
    base_loss: float
    v1: np.ndarray
    v2: np.ndarray


def _loss_function(op: Any) -> Callable[[np.ndarray], float]:
    """Flat parameter vector -> L (float64), for the chain operators of ``hessian_of``."""
    from wideminima.numeric import loss
    from wideminima.numeric._backend import to_numpy

    if op.kind == "linear":
        moments = op.extra["moments"]
        return lambda flat: loss([to_numpy(w) for w in op.unflatten(flat)], moments)
    if op.kind == "mlp":
        net, x, y = op.extra["mlp"], to_numpy(op.extra["x"]), to_numpy(op.extra["y"])
        return lambda flat: net.loss(net.unflatten(flat), x, y)
    raise InputError("landscape pictures are drawn for chains of Linear layers (files, or exact nn.Sequential chains)")


def _exact_width(excess: Callable[[float], float], delta: float, guess: float) -> float | None:
    """Smallest t > 0 with excess(t) >= delta: scan outwards from the first grid crossing, then bisect."""
    step = guess / 16
    lo, t = 0.0, step
    for _ in range(4096):
        if excess(t) >= delta:
            break
        lo, t = t, t + step
        if t > 64 * guess:
            return None
    else:  # pragma: no cover - the loop is bounded by the 64 * guess test
        return None
    hi = t
    while hi - lo > 1e-12 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) < delta else (lo, mid)
    return hi


def compute_landscape(chain: Any, data: Any = None, *, delta: float = 0.01, points: int = 101, seed: int = 0) -> Landscape:
    """Sample the 1-D and 2-D pictures and the density for ``chain`` on ``data`` (see the module docstring)."""
    from wideminima.numeric import hessian_density, hessian_eigenpairs, hessian_of
    from wideminima.numeric._backend import to_numpy

    if not (math.isfinite(delta) and delta > 0):
        raise InputError(f"delta must be a positive loss tolerance, got {delta}")
    if points < 5:
        raise InputError(f"points must be at least 5, got {points}")
    op = hessian_of(chain, data)
    if op.dim < 2:
        raise InputError("the plane of the top two eigenvectors needs at least 2 parameters")
    found = hessian_eigenpairs(op, k=2, seed=seed)
    v1, v2 = (to_numpy(found.vectors[:, i]) for i in range(2))
    lam1, lam2 = (float(v) for v in found.values)
    f = _loss_function(op)
    w = np.concatenate([to_numpy(p).reshape(-1) for p in (op.extra["params"] if op.kind == "mlp" else op.weights)])
    base = f(w)
    step = 1e-6 * max(1.0, float(np.linalg.norm(w)))
    slope = (f(w + step * v1) - f(w - step * v1)) / (2 * step)  # g^T v_1, central difference
    quadratic_width = math.sqrt(2 * delta / lam1) if lam1 > 0 else None
    scale = quadratic_width if quadratic_width is not None else 1.0
    exact = _exact_width(lambda t: f(w + t * v1) - base, delta, scale)
    reach = 2.0 * max(scale, exact or 0.0)
    t = np.linspace(-reach, reach, points)
    loss_1d = np.array([f(w + s * v1) - base for s in t])
    quadratic = slope * t + 0.5 * lam1 * t * t
    grid = np.linspace(-reach, reach, max(points // 2, 5))
    loss_2d = np.array([[f(w + a * v1 + b * v2) - base for a in grid] for b in grid])
    return Landscape(t, loss_1d, quadratic, lam1, lam2, float(slope), float(delta), exact, quadratic_width,
                     grid, grid, loss_2d, hessian_density(op, seed=seed), float(base), v1, v2)


def draw_landscape(landscape: Landscape, directory: str | Path, name: str = "landscape") -> list[Path]:
    """Write ``name-1d``, ``name-2d`` and ``name-density`` as PNG and SVG into ``directory``; return the paths."""
    from wideminima.report.figures import label_axes, new_figure, save_figure

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    fig, (ax,) = new_figure()
    ax.plot(landscape.t, landscape.loss_1d, label="loss L(w + t v1) - L(w)")
    ax.plot(landscape.t, landscape.quadratic_1d, "--", label=f"quadratic (lambda1 = {landscape.lambda_1:.4g})")
    ax.axhline(landscape.delta, color="0.6", lw=0.8, label=f"tolerance delta = {landscape.delta:g}")
    if landscape.exact_width is not None:
        ax.axvline(landscape.exact_width, color="C2", lw=1.2, label=f"exact width {landscape.exact_width:.4g}")
    if landscape.quadratic_width is not None:
        ax.axvline(landscape.quadratic_width, color="C1", lw=1.0, ls=":", label=f"quadratic width {landscape.quadratic_width:.4g}")
    label_axes(ax, "t along the top eigenvector v1  [parameter units]", "L - L(w)  [loss units]", "Loss along the sharpest direction")
    out += save_figure(fig, directory, f"{name}-1d")
    fig, (ax,) = new_figure()
    contours = ax.contour(landscape.a, landscape.b, landscape.loss_2d, levels=15)
    ax.clabel(contours, fontsize=6)
    ax.plot([0], [0], "k+")
    label_axes(ax, f"a along v1 (lambda1 = {landscape.lambda_1:.4g})  [parameter units]",
               f"b along v2 (lambda2 = {landscape.lambda_2:.4g})  [parameter units]",
               "L(w + a v1 + b v2) - L(w)  [loss units]", legend=False)
    out += save_figure(fig, directory, f"{name}-2d")
    fig, (ax,) = new_figure()
    d = landscape.density
    ax.plot(d.grid, d.density, label=f"{'exact' if d.method == 'exact' else 'SLQ estimate'} (sigma = {d.sigma:.3g})")
    if d.method != "exact":
        ax.fill_between(d.grid, np.clip(d.density - 2 * d.standard_error, 0.0, None), d.density + 2 * d.standard_error,
                        alpha=0.3, label="+- 2 standard errors (clipped at 0)")
    label_axes(ax, "eigenvalue  [loss / parameter^2]", "density (integrates to 1)", "Hessian spectral density")
    out += save_figure(fig, directory, f"{name}-density")
    return out
