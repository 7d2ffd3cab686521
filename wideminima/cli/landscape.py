"""``wideminima landscape MODEL [--data DATA.npz] [--out DIR]``: pictures of the loss around a model.

Draws, as PNG and SVG into ``--out`` (``wideminima.report.landscape``): the loss along the top
Hessian eigenvector with the exact width at ``--delta`` and the quadratic approximation
beside it (``NAME-1d``), contours on the plane of the top two eigenvectors (``NAME-2d``) and
the spectral density (``NAME-density``). MODEL is read as by ``wideminima sharpness``
(``.npz``, ``.pt``/``.pth``, ``.safetensors``; ``--activation``, ``--residual``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from wideminima.atomic import check_output_path
from wideminima.errors import InputError
from wideminima.report.landscape import compute_landscape, draw_landscape
from wideminima.numeric._backend import check_seed, overflow_as_input_error
from wideminima.numeric.files import read_data_file
from wideminima.numeric.torch_models import load_model

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("model", metavar="MODEL", help="weights .npz (W1..WN), PyTorch state_dict (.pt/.pth) or .safetensors")
    parser.add_argument("--data", metavar="DATA.npz", help="data file (X and Y; a linear chain also takes Sigma_x with T)")
    parser.add_argument("--activation", choices=["relu", "leaky_relu", "tanh", "identity"], help="activation between the Linear layers")
    parser.add_argument("--residual", action="store_true", help="the layers are residual blocks R_k, W_k = I + R_k")
    parser.add_argument("--delta", type=float, default=0.01, help="loss tolerance of the widths (default 0.01)")
    parser.add_argument("--points", type=int, default=101, help="samples along the 1-D curve (default 101; the 2-D grid has half per side)")
    parser.add_argument("--out", default=".", help="folder for the figures (default: the current one)")
    parser.add_argument("--name", default="landscape", help="file name stem (default 'landscape')")
    parser.add_argument("--seed", type=int, default=0, help="seed of the eigensolver and SLQ probes (default 0)")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.set_defaults(run=run)


def _finite_or_none(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def run(args: argparse.Namespace) -> int:
    """Load, compute, draw, print the summary; exit status 0."""
    seed = check_seed(args.seed, "--seed")
    if "/" in args.name or args.name in ("", ".", ".."):
        raise InputError(f"--name must be a plain file name stem, got {args.name!r}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    for stem in ("1d", "2d", "density"):  # before computing: never a partial set of figures
        for fmt in ("png", "svg"):
            check_output_path(out / f"{args.name}-{stem}.{fmt}")
    with overflow_as_input_error(args.model if args.data is None else f"{args.model} with {args.data}"):
        chain = load_model(args.model, activation=args.activation, residual=args.residual)
        data: Any = None
        if args.data is not None:
            found = read_data_file(args.data)
            data = found.moments if chain.is_linear or found.samples is None else found.samples
        pictures = compute_landscape(chain, data, delta=args.delta, points=args.points, seed=seed)
    paths = draw_landscape(pictures, out, args.name)
    summary = {
        "lambda_1": pictures.lambda_1,
        "lambda_2": pictures.lambda_2,
        "slope": pictures.slope,
        "delta": pictures.delta,
        "exact_width": _finite_or_none(pictures.exact_width),
        "quadratic_width": _finite_or_none(pictures.quadratic_width),
        "density": pictures.density.method,
        "files": [str(p) for p in paths],
    }
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        width = max(len(k) for k in summary)
        for key, value in summary.items():
            shown = ", ".join(value) if isinstance(value, list) else ("-" if value is None else value)
            print(f"{key.ljust(width)}  {shown}")
    return 0
