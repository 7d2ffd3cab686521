"""``wideminima train``: train a linear network, linear ResNet or MLP; save weights and trajectory.

Reproduces the training experiments of theorems.md, e.g. (resnet-zero-init-flattest,
gd-excess-sharpness)::

    wideminima train --model resnet --depth 3 --width 3 --target-seed 0 --init zero \\
        --lr 0.1 --steps 20000 --tol 1e-12 --out w.npz --trajectory traj.json

Data: ``--data FILE.npz`` (interfaces.md: X and Y, or Sigma_x with T or Sigma_yx),
or ``--target-seed S``: a synthetic target T drawn by :func:`synthetic_target`
(whitened population data y = T x, E[x x^T] = I; for an MLP or SGD, which need
samples, ``--samples n`` rows y = T x from ``numeric.sample_data`` with the generator
``default_rng([S, 1])``: exactly whitened, X^T X / n = I, when n >= d_0, else x ~ N(0, I)).

Outputs: ``--out`` weights (.npz, W1..WN), ``--biases-out`` an MLP's biases
(.npz, b1..bN: the weights format holds only layers), ``--trajectory`` (.json: an object
with the configuration, the status and the rows; .csv: one row per logged step),
both written atomically. The summary (``--json``: one JSON object on stdout) has
the status, steps, final loss, gradient norm, lambda_max and lambda_min of the
full Hessian, and for a linear model ``at_global_minimum`` with ``minimum_residual``
(see ``--minimum-rtol``) and, at a minimum, lambda_max from the output gram, the
flattest bound and the sharpness ratio; and the output paths. Exit status 0 whatever the training status (divergence is a
result, reported as ``"diverged"``); 2 for bad input.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from wideminima.atomic import atomic_open, check_output_path
from wideminima.errors import InputError
from wideminima.io import save_npz
from wideminima.numeric import (
    MLP,
    Moments,
    Schedule,
    flattest_bound,
    global_minimum_test,
    hessian_extremes,
    sample_data,
    sharpness,
    train,
)
from wideminima.numeric._backend import check_seed, overflow_as_input_error
from wideminima.numeric.files import load_weights, read_data_file, save_weights
from wideminima.numeric.training import DEFAULT_TOL, DIVERGENCE_FACTOR

__all__ = ["configure", "run", "synthetic_target", "TARGET_KINDS"]

TARGET_KINDS = ("margin", "gaussian", "spd")
# Default distance ||T - I||_F of the "margin" target: any r < 1/2 gives
# ||T - I||_F = r < 1 - r <= sigma_min(T), inside the deficiency margin under which
# GD from the zero-init ResNet provably converges.
DEFAULT_RADIUS = 0.4
# Trained weights sit O(tol) from the minimum, far above the rounding-level default of
# global_minimum_test. At a residual of 1e-9 relative, the output-gram sharpness differs
# from the Hessian's lambda_max by O(1e-9) relative, well below the excess sharpness
# (~1e-6 and up) that training experiments measure.
DEFAULT_MINIMUM_RTOL = 1e-9


def synthetic_target(kind: str, output_dim: int, input_dim: int, seed: int, *, radius: float = DEFAULT_RADIUS) -> np.ndarray:
    """A target T (output_dim, input_dim) drawn from ``numpy.random.default_rng(seed)``.

    - ``margin`` (square only): T = I + r G / ||G||_F, G with i.i.d. N(0, 1) entries and
      r = ``radius``; for r < 1/2, ||T - I||_F = r < sigma_min(T), the deficiency margin of
      resnet-zero-init-flattest (larger r: convergence is likely, not guaranteed).
    - ``gaussian``: i.i.d. N(0, 1 / input_dim) entries.
    - ``spd`` (square only): Q diag(s) Q^T, Q Haar-orthogonal (QR of a Gaussian, signs
      fixed), s uniform in [0.5, 2]: symmetric positive definite.

    >>> t = synthetic_target("margin", 3, 3, seed=0)
    >>> round(float(np.linalg.norm(t - np.eye(3))), 12)
    0.4
    """
    if kind not in TARGET_KINDS:
        raise InputError(f"unknown target kind {kind!r}; choose one of {', '.join(TARGET_KINDS)}")
    seed = check_seed(seed, "target seed")
    if not (np.isfinite(radius) and radius > 0):
        raise InputError(f"target radius must be a positive finite number, got {radius}")
    if min(output_dim, input_dim) < 1:
        raise InputError(f"target dimensions must be >= 1, got {output_dim} x {input_dim}")
    if kind != "gaussian" and output_dim != input_dim:
        raise InputError(f"target kind {kind!r} needs a square target, got {output_dim} x {input_dim}; use --target-kind gaussian")
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((output_dim, input_dim))
    if kind == "margin":
        return np.eye(input_dim) + radius * g / np.linalg.norm(g)
    if kind == "gaussian":
        return g / np.sqrt(input_dim)
    q, r = np.linalg.qr(g)
    q = q * np.sign(np.diag(r))
    return (q * rng.uniform(0.5, 2.0, size=input_dim)) @ q.T


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``train`` arguments to ``parser``."""
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=("linear", "resnet", "mlp"), default="linear", help="network type (default linear)")
    model.add_argument("--depth", type=int, help="number of layers N (with --width)")
    model.add_argument("--width", type=int, help="hidden width (default max(d_0, d_N)); a ResNet's width is d_0 = d_N")
    model.add_argument("--widths", help="all widths d_0,...,d_N, comma separated (instead of --depth/--width)")
    model.add_argument("--activation", choices=("relu", "leaky_relu", "tanh"), default="relu", help="MLP hidden activation")
    model.add_argument("--negative-slope", type=float, default=0.01, help="leaky ReLU slope below 0 (default 0.01)")
    model.add_argument("--bias", action="store_true", help="MLP layers with biases (initialised to 0)")
    data = parser.add_argument_group("data (one of --data, --target-seed)")
    data.add_argument("--data", help="data .npz: X and Y, or Sigma_x with T or Sigma_yx")
    data.add_argument("--target-seed", type=int, help="synthetic whitened target T drawn with this seed")
    data.add_argument("--target-kind", choices=TARGET_KINDS, help="margin (T = I + r G/||G||_F, default when square), gaussian (N(0, 1/d_0) entries, default otherwise), spd")
    data.add_argument("--target-radius", type=float, default=DEFAULT_RADIUS, help="margin target: ||T - I||_F (default 0.4; < 0.5 guarantees convergence from the zero init)")
    data.add_argument("--input-dim", type=int, help="d_0 of the synthetic target (default: --width, or the first of --widths)")
    data.add_argument("--output-dim", type=int, help="d_N of the synthetic target (default: d_0)")
    data.add_argument("--samples", type=int, default=256, help="samples drawn from the synthetic target for MLP/SGD, exactly whitened when >= d_0 (default 256)")
    opt = parser.add_argument_group("optimisation")
    opt.add_argument("--init", default=None, help="zero, gaussian, xavier, he, balanced, or a weights .npz (default: zero for resnet, else xavier)")
    opt.add_argument("--init-scale", type=float, default=1e-3, help="entry scale of gaussian/balanced inits (default 1e-3)")
    opt.add_argument("--optimizer", choices=("gd", "sgd"), default="gd", help="full-batch GD (exact population gradient) or minibatch SGD")
    opt.add_argument("--batch-size", type=int, help="SGD minibatch size")
    opt.add_argument("--lr", type=float, required=True, help="base step size eta")
    opt.add_argument("--schedule", choices=("constant", "step", "cosine"), default="constant", help="step-size schedule")
    opt.add_argument("--decay-gamma", type=float, default=0.1, help="step schedule: factor applied to eta every --decay-every steps (default 0.1)")
    opt.add_argument("--decay-every", type=int, default=1000, help="step schedule: period in steps (default 1000)")
    opt.add_argument("--final-lr", type=float, default=0.0, help="cosine schedule: step size at the last step (default 0)")
    opt.add_argument("--steps", type=int, required=True, help="maximum number of steps")
    opt.add_argument("--tol", type=float, default=None, help="converged when ||grad|| <= tol * (largest ||grad|| on the run) (default 1e-10)")
    opt.add_argument("--divergence-factor", type=float, default=None, help="diverged when the loss exceeds this times max(L(W_0), L(0)) (default 1e6)")
    opt.add_argument("--seed", type=int, default=0, help="seed of the init and the minibatch order (default 0)")
    out = parser.add_argument_group("output")
    out.add_argument("--log-every", type=int, default=0, help="log a trajectory row every k steps (default: first and last only)")
    out.add_argument("--sharpness-every", type=int, default=0, help="add lambda_max to the row every k steps (default never)")
    out.add_argument("--minimum-rtol", type=float, default=DEFAULT_MINIMUM_RTOL,
                     help="a linear model counts as at a global minimum when ||(W_N...W_1 - T) Sigma_x^1/2||_F <= rtol * scale "
                     "(numeric.global_minimum_test; default 1e-9)")
    out.add_argument("--out", help="write the final weights here (.npz, W1..WN)")
    out.add_argument("--biases-out", help="MLP with --bias: write the final biases here (.npz, b1..bN)")
    out.add_argument("--trajectory", help="write the trajectory here (.json or .csv)")
    out.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    out.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def _widths(args: argparse.Namespace, d_in: int | None, d_out: int | None) -> list[int]:
    if args.widths is not None:
        try:
            dims = [int(v) for v in args.widths.split(",")]
        except ValueError:
            raise InputError(f"--widths must be comma-separated integers, got {args.widths!r}") from None
        if args.depth is not None and args.depth != len(dims) - 1:
            raise InputError(f"--depth {args.depth} disagrees with --widths {args.widths} (depth {len(dims) - 1})")
        return dims
    if args.depth is None:
        raise InputError("give --depth N (and optionally --width) or --widths d_0,...,d_N")
    if args.depth < 1:
        raise InputError(f"--depth must be >= 1, got {args.depth}")
    if args.width is not None and args.width < 1:
        raise InputError(f"--width must be >= 1, got {args.width}")
    d_in = d_in if d_in is not None else args.width
    d_out = d_out if d_out is not None else d_in
    if d_in is None:
        raise InputError("give --width (or --input-dim) to size the network")
    width = args.width if args.width is not None else max(d_in, d_out)
    if args.model == "resnet" and width != d_in:
        raise InputError(f"a ResNet's width is the data dimension {d_in}, got --width {width}")
    return [d_in] + [width] * (args.depth - 1) + [d_out]


def _load(args: argparse.Namespace) -> tuple[Any, list[int]]:
    """(data for :func:`train`, widths)."""
    if (args.data is None) == (args.target_seed is None):
        raise InputError("give exactly one of --data FILE.npz and --target-seed S")
    if args.data is not None:
        data_file = read_data_file(args.data)
        moments = data_file.moments
        data = data_file.samples if data_file.samples is not None else moments
        return data, _widths(args, moments.input_dim, moments.output_dim)
    d_in = args.input_dim
    if d_in is None and args.widths is not None:
        d_in = _widths(args, None, None)[0]
    dims = _widths(args, d_in, args.output_dim if args.output_dim is not None else None)
    kind = args.target_kind or ("margin" if dims[0] == dims[-1] else "gaussian")
    target = synthetic_target(kind, dims[-1], dims[0], args.target_seed, radius=args.target_radius)
    if args.model == "mlp" or args.optimizer == "sgd":
        if args.samples < 1:
            raise InputError(f"--samples must be >= 1, got {args.samples}")
        rng = np.random.default_rng([args.target_seed, 1])
        return sample_data(target, None, args.samples, rng, exact=args.samples >= dims[0]), dims
    return Moments.whitened(target), dims


def _finite(value: Any) -> Any:
    """A JSON-ready value: NumPy scalars as Python ones, non-finite floats as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _write_trajectory(path: str, config: dict[str, Any], status: str, rows: list[dict[str, Any]]) -> None:
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        text = json.dumps({"config": config, "status": status, "rows": [{k: _finite(v) for k, v in r.items()} for r in rows]}, indent=1)
    elif suffix == ".csv":
        flat = []
        for row in rows:
            cells: dict[str, Any] = {}
            for key, value in row.items():
                if isinstance(value, (list, tuple)):
                    cells.update({f"{key}_{i}": v for i, v in enumerate(value)})
                else:
                    cells[key] = value
            flat.append(cells)
        columns = list(dict.fromkeys(k for cells in flat for k in cells))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        text = buffer.getvalue()
    else:
        raise InputError(f"--trajectory {path}: the extension must be .json or .csv")
    with atomic_open(path, "w") as handle:
        handle.write(text)


def run(args: argparse.Namespace) -> int:
    """Train, save, print the summary; 0 on any training status."""
    if args.trajectory is not None and Path(args.trajectory).suffix.lower() not in (".json", ".csv"):
        raise InputError(f"--trajectory {args.trajectory}: the extension must be .json or .csv")
    if args.biases_out is not None and not (args.model == "mlp" and args.bias):
        raise InputError("--biases-out needs --model mlp with --bias")
    if not (math.isfinite(args.minimum_rtol) and args.minimum_rtol >= 0):  # checked before training, not after
        raise InputError(f"--minimum-rtol must be a finite number >= 0, got {args.minimum_rtol}")
    for path in (args.out, args.biases_out, args.trajectory):  # before training: never a partial set of outputs
        if path is not None:
            check_output_path(path)
    with overflow_as_input_error(args.data or "the synthetic target"):
        data, dims = _load(args)
    model: Any = args.model
    if model == "mlp":
        model = MLP(tuple(dims), activation=args.activation, bias=args.bias, negative_slope=args.negative_slope)
    init: Any = args.init
    if init is not None and init.endswith(".npz"):
        init = load_weights(init)
    schedule = Schedule(args.schedule, gamma=args.decay_gamma, every=args.decay_every, final=args.final_lr)
    result = train(
        model,
        data,
        widths=None if args.model == "mlp" else dims,
        optimizer=args.optimizer,
        lr=args.lr,
        steps=args.steps,
        batch_size=args.batch_size,
        schedule=schedule,
        init=init,
        init_scale=args.init_scale,
        seed=args.seed,
        tol=args.tol if args.tol is not None else DEFAULT_TOL,
        divergence_factor=args.divergence_factor if args.divergence_factor is not None else DIVERGENCE_FACTOR,
        log_every=args.log_every,
        sharpness_every=args.sharpness_every,
        progress=not args.quiet,
    )
    summary: dict[str, Any] = {
        "model": args.model,
        "widths": dims,
        "status": result.status,
        "steps": result.steps,
        "diverged_at": result.diverged_at,
        "loss": result.loss,
        "gradient_norm": result.gradient_norm,
    }
    with overflow_as_input_error("the Hessian at the trained weights"):
        summary.update(_final_sharpness(model, data, result, args.minimum_rtol))
    summary["seconds"] = result.seconds
    summary["steps_per_second"] = result.steps_per_second
    if args.out is not None:
        save_weights(args.out, result.weights)
    if args.biases_out is not None:
        save_npz(args.biases_out, {f"b{k}": b for k, b in enumerate(result.biases, start=1)})
    if args.trajectory is not None:
        config = {k: v for k, v in vars(args).items() if k != "run"}
        _write_trajectory(args.trajectory, config, result.status, result.trajectory)
    summary["weights"] = args.out
    if result.biases is not None:
        summary["biases"] = args.biases_out
    summary["trajectory"] = args.trajectory
    summary = {k: _finite(v) for k, v in summary.items()}
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            if value is not None:
                print(f"{key}: {value}")
    return 0


def _final_sharpness(model: Any, data: Any, result: Any, minimum_rtol: float) -> dict[str, Any]:
    """Full-Hessian extremes at the returned weights; for a linear model at a global minimum
    (``global_minimum_test`` with ``rtol = minimum_rtol``) also the output-gram sharpness,
    the flattest bound and their ratio."""
    if result.status == "diverged":
        return {"at_global_minimum": False, "lambda_max": None, "lambda_min": None}
    if not isinstance(model, str):
        found = model.hessian_extremes(result.weights + (result.biases or []), *data)
        return {"lambda_max": found.lambda_max, "lambda_min": found.lambda_min}
    moments = data if isinstance(data, Moments) else Moments.from_samples(*data)
    found = hessian_extremes(result.weights, moments)
    test = global_minimum_test(result.weights, moments, rtol=minimum_rtol)
    out: dict[str, Any] = {
        "lambda_max": found.lambda_max,
        "lambda_min": found.lambda_min,
        "at_global_minimum": bool(test.is_minimum),
        "minimum_residual": test.residual,
    }
    if test.is_minimum:
        exact = sharpness(result.weights, moments, rtol=minimum_rtol).lambda_max
        bound = flattest_bound(result.weights, moments)
        out.update(lambda_max=exact, flattest_bound=bound, sharpness_ratio=exact / bound)
    return out
