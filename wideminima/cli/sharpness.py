"""``wideminima sharpness MODEL [--data DATA.npz] [--activation A] [--residual] [--json]``: spectrum, flatness, path metrics.

MODEL is a weights ``.npz`` (W1..WN), a PyTorch state_dict (``.pt``/``.pth``) or a
safetensors file of a chain of Linear layers (``numeric.torch_models``). A nonlinear
chain (activation or biases) needs samples X, Y in ``--data`` and is reported by
``numeric.chain_summary``.

At a global minimum (decided by :func:`~wideminima.numeric.global_minimum_test`)
lambda_max comes from the output gram; elsewhere lambda_max and lambda_min come from
Lanczos on the full Hessian. Without ``--data``: whitened inputs and T = the product
of the weights (always a global minimum). The trace formula is exact everywhere.
``flattest_bound`` is the flattest sharpness over all minima of the data: N s^(2-2/N)
whitened, the exact F(T, Sigma_x, N) otherwise (flattest-value-general); path gains,
path residuals and the near-balance band follow the path that carries the signal at a
flattest minimum (from Sigma_x^{1/2} v* for non-whitened data, near-balance-general).
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
    Chain,
    coupling,
    end_to_end,
    flatten,
    flattest_bound,
    flattest_path,
    gauge_invariant_flatness,
    global_minimum_test,
    gradient,
    hessian_extremes,
    hessian_trace,
    imbalance,
    layer_gains,
    load_model,
    near_balance,
    numerical_rank,
    path_gains,
    path_residuals,
    sharpness,
    widths,
)
from wideminima.numeric._backend import overflow_as_input_error
from wideminima.numeric.chain_summary import summarize_chain
from wideminima.numeric.files import load_data, read_data_file
from wideminima.numeric.hessian import resolve_network
from wideminima.types import Array

__all__ = ["WITHOUT_DATA", "configure", "run", "summarize"]

WITHOUT_DATA = (
    "Without --data the target is taken to be the product of the weights, T = W_N...W_1, with whitened inputs: "
    "any weights are then a global minimum of their own target (at_global_minimum is always yes, even for random "
    "weights). Give --data to measure the weights against your data; the output's 'target' field says which was used."
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("weights", metavar="MODEL",
                        help="weights .npz (W1..WN), PyTorch state_dict (.pt/.pth) or .safetensors of Linear layers")
    parser.add_argument("--activation", choices=["relu", "leaky_relu", "tanh", "identity"],
                        help="activation between the Linear layers (needed when modules sit between them)")
    parser.add_argument("--residual", action="store_true", help="the layers are residual blocks R_k of a linear ResNet, W_k = I + R_k")
    parser.add_argument("--data", metavar="DATA.npz", help="data file: X and Y, or Sigma_x with T or Sigma_yx "
                        "(without it: whitened inputs and the target T = W_N...W_1, see below)")
    parser.epilog = WITHOUT_DATA
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Lanczos start vectors (default 0)")
    parser.set_defaults(run=run)


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def summarize(weights: list[Array], moments: Moments | None = None, *, seed: int = 0) -> dict[str, Any]:
    """Every number the command prints, as a JSON-ready dict (``moments`` None: whitened, T = product).

    ``target`` is ``"product of the weights"`` when ``moments`` is None (the weights are then a global
    minimum by construction), else ``"data"``.
    """
    target = "product of the weights" if moments is None else "data"
    weights, moments = resolve_network(weights, moments)
    depth, dims = len(weights), widths(weights)
    rank = numerical_rank(moments.target)
    if min(dims) < rank:
        raise NoExactFactorizationError(
            f"widths {dims} have a width {min(dims)} below rank(T) = {rank}: no global minimum exists for this data"
        )
    test = global_minimum_test(weights, moments)
    out: dict[str, Any] = {"depth": depth, "widths": dims, "target": target, "whitened": moments.is_whitened}
    if test.is_minimum:
        spectrum = sharpness(weights, moments, seed=seed)
        out.update(lambda_max=spectrum.lambda_max, lambda_min=None, residual_max=spectrum.residual,
                   residual_min=None, converged=spectrum.converged, products=spectrum.products,
                   method=spectrum.method, trace=spectrum.trace,
                   # N <= 2 (kronecker-reduction): no Ritz vector of G is formed, so residual_max is a rigorous
                   # upper bound on ||G m - lambda m||, not the residual itself; said here, not only in the method
                   residual_max_is_bound=spectrum.method == "kronecker-reduction")
    else:
        ext = hessian_extremes(weights, moments, seed=seed)
        out.update(lambda_max=ext.lambda_max, lambda_min=ext.lambda_min, residual_max=ext.top.residual,
                   residual_min=ext.bottom.residual, converged=ext.top.converged and ext.bottom.converged,
                   products=ext.products, method="lanczos-hessian",
                   trace=hessian_trace(weights, None if moments.is_whitened else moments.sigma_x))
    out["at_global_minimum"] = test.is_minimum
    out["minimum_residual"], out["minimum_bound"] = test.residual, test.bound
    out["gradient_norm"] = float(np.linalg.norm(np.asarray(flatten(gradient(weights, moments)))))
    sigma_x = None if moments.is_whitened else moments.sigma_x
    bound = flattest_bound(weights, moments)  # exact F(T, Sigma_x, N) for any Sigma_x (flattest-value-general)
    out["flattest_bound"] = bound
    ratio = out["lambda_max"] / bound if test.is_minimum and bound > 0 else float("nan")
    out["sharpness_ratio"] = _finite_or_none(ratio)
    # lambda_max over the flattest value of the chain's own end-to-end map: defined off the minima too.
    out["gauge_invariant_flatness"] = (
        gauge_invariant_flatness(weights, out["lambda_max"], sigma_x)
        if np.any(end_to_end(weights)) else None
    )
    start = flattest_path(weights, sigma_x)[0]  # whitened: top right singular vector; else Sigma_x^{1/2} v*
    out["path_gains"] = path_gains(weights, start).tolist()
    out["coupling"] = coupling(weights).tolist()
    out["imbalance"] = imbalance(weights).tolist()
    try:
        out["layer_gains"] = layer_gains(weights, start).tolist()
        out["path_residuals"] = path_residuals(weights, sigma_x).tolist()
    except InputError:  # the top path is annihilated (T = 0): gains and relations are undefined
        out["layer_gains"], out["path_residuals"] = None, None
    out["near_balance"] = None
    if out["layer_gains"] is not None and math.isfinite(ratio):
        band = near_balance(weights, out["lambda_max"], sigma_x)
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


def _summarize_nonlinear(chain: Chain, args: argparse.Namespace) -> dict[str, Any]:
    what = f"{chain.activation} activation" + (" with biases" if chain.biases is not None else "")
    if args.data is None:
        raise InputError(f"{args.weights}: a chain with {what} needs --data with samples X and Y")
    samples = read_data_file(args.data).samples
    if samples is None:
        raise InputError(f"{args.data}: a chain with {what} needs samples X and Y, not population moments")
    return summarize_chain(chain, *samples, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    """Load the files, compute, print (table or one JSON object); exit status 0."""
    with overflow_as_input_error(args.weights if args.data is None else f"{args.weights} with {args.data}"):
        chain = load_model(args.weights, activation=args.activation, residual=args.residual)
        if chain.is_linear:
            summary = summarize(chain.weights, load_data(args.data) if args.data else None, seed=args.seed)
        else:
            summary = _summarize_nonlinear(chain, args)
    if args.json:
        sys.stdout.write(json.dumps(summary, allow_nan=False) + "\n")
    else:
        print(_table(summary))
    return 0
