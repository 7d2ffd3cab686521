"""``wideminima sharpness WEIGHTS.npz [--data DATA.npz] [--json]``: spectrum, flatness and path metrics.

At a global minimum (decided by :func:`~wideminima.numeric.global_minimum_test`)
lambda_max comes from the output gram; elsewhere lambda_max and lambda_min come from
Lanczos on the full Hessian. Without ``--data``: whitened inputs and T = the product
of the weights (always a global minimum). The trace formula is exact everywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np

from wideminima.errors import InputError, NoExactFactorizationError
from wideminima.numeric import (
    Moments,
    coupling,
    flatten,
    flattest_bound,
    global_minimum_test,
    gradient,
    hessian_extremes,
    hessian_trace,
    imbalance,
    layer_gains,
    near_balance,
    numerical_rank,
    path_gains,
    path_residuals,
    sharpness,
    widths,
)
from wideminima.numeric._backend import overflow_as_input_error
from wideminima.numeric.files import load_data, load_weights
from wideminima.numeric.hessian import resolve_network
from wideminima.types import Array

__all__ = ["configure", "run", "summarize"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("weights", metavar="WEIGHTS.npz", help="weights file with arrays W1..WN")
    parser.add_argument("--data", metavar="DATA.npz", help="data file: X and Y, or Sigma_x with T or Sigma_yx")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Lanczos start vectors (default 0)")
    parser.set_defaults(run=run)


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def summarize(weights: list[Array], moments: Moments | None = None, *, seed: int = 0) -> dict[str, Any]:
    """Every number the command prints, as a JSON-ready dict (``moments`` None: whitened, T = product)."""
    weights, moments = resolve_network(weights, moments)
    depth, dims = len(weights), widths(weights)
    rank = numerical_rank(moments.target)
    if min(dims) < rank:
        raise NoExactFactorizationError(
            f"widths {dims} have a width {min(dims)} below rank(T) = {rank}: no global minimum exists for this data"
        )
    test = global_minimum_test(weights, moments)
    out: dict[str, Any] = {"depth": depth, "widths": dims, "whitened": moments.is_whitened}
    if test.is_minimum:
        spectrum = sharpness(weights, moments, seed=seed)
        out.update(lambda_max=spectrum.lambda_max, lambda_min=None, residual_max=spectrum.residual,
                   residual_min=None, converged=spectrum.converged, products=spectrum.products,
                   method=spectrum.method, trace=spectrum.trace)
    else:
        ext = hessian_extremes(weights, moments, seed=seed)
        out.update(lambda_max=ext.lambda_max, lambda_min=ext.lambda_min, residual_max=ext.top.residual,
                   residual_min=ext.bottom.residual, converged=ext.top.converged and ext.bottom.converged,
                   products=ext.products, method="lanczos-hessian",
                   trace=hessian_trace(weights, None if moments.is_whitened else moments.sigma_x))
    out["at_global_minimum"] = test.is_minimum
    out["minimum_residual"], out["minimum_bound"] = test.residual, test.bound
    out["gradient_norm"] = float(np.linalg.norm(np.asarray(flatten(gradient(weights, moments)))))
    bound = flattest_bound(weights, moments)
    out["flattest_bound"] = bound
    ratio = out["lambda_max"] / bound if test.is_minimum and bound > 0 else float("nan")
    out["sharpness_ratio"] = _finite_or_none(ratio)
    out["path_gains"] = path_gains(weights).tolist()
    out["coupling"] = coupling(weights).tolist()
    out["imbalance"] = imbalance(weights).tolist()
    try:
        out["layer_gains"] = layer_gains(weights).tolist()
        out["path_residuals"] = path_residuals(weights).tolist()
    except InputError:  # the top path is annihilated (T = 0): gains and relations are undefined
        out["layer_gains"], out["path_residuals"] = None, None
    out["near_balance"] = None
    if moments.is_whitened and out["layer_gains"] is not None and math.isfinite(ratio):
        band = near_balance(weights, out["lambda_max"])
        out["near_balance"] = {"rho": band.rho.tolist(), "interval": list(band.interval), "in_band": band.in_band}
    return out


def _format(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_format(v)}" for k, v in value.items())
    return str(value)


def _table(summary: dict[str, Any]) -> str:
    width = max(len(k) for k in summary)
    return "\n".join(f"{key.ljust(width)}  {_format(value)}" for key, value in summary.items())


def run(args: argparse.Namespace) -> int:
    """Load the files, compute, print (table or one JSON object); exit status 0."""
    with overflow_as_input_error(args.weights if args.data is None else f"{args.weights} with {args.data}"):
        weights = load_weights(args.weights)
        moments = load_data(args.data) if args.data else None
        summary = summarize(weights, moments, seed=args.seed)
    if args.json:
        sys.stdout.write(json.dumps(summary, allow_nan=False) + "\n")
    else:
        print(_table(summary))
    return 0
