"""``wideminima derive``: print a machine-checked derivation.

    wideminima derive scalar --depth N [--format text|latex|json]
    wideminima derive matrix --depth N --width d [--format text|latex|json]

``--json`` is a synonym of ``--format json`` (stdout is then one JSON object with
``"checked": true|false`` per step). Exit status: 0 when every step was
machine-checked, 1 when some step was not, 2 on bad input. SymPy is imported
inside :func:`run` only.

Run time (every check is run): scalar depth 5 about 0.4 s, depth 12 about 3 s; matrix
N = 3, d = 2 about 5 s, N = 2, d = 3 about 11 s, N = 3, d = 3 about 100 s (one core,
benchmarks/bench_symbolic.py).
"""

from __future__ import annotations

import argparse
import sys

from wideminima.errors import InputError

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``derive`` arguments to ``parser``."""
    parser.add_argument("network", choices=("scalar", "matrix"), help="scalar (every width 1) or matrix network")
    parser.add_argument("--depth", type=int, required=True, metavar="N", help="number of layers N >= 1 (scalar: N <= 16, matrix: N <= 3)")
    parser.add_argument("--width", type=int, metavar="d", help="width d of every layer (matrix networks, 1 <= d <= 3)")
    parser.add_argument("--format", choices=("text", "latex", "json"), default=None, help="output format (default text)")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the derivation (running every check) and print it; 0 if all steps are checked."""
    if args.json and args.format not in (None, "json"):
        raise InputError(f"--json conflicts with --format {args.format}")
    # SymPy (about 0.5 s to import) only when a derivation is asked for, not for --help.
    from wideminima.symbolic import derivations

    fmt = "json" if args.json else (args.format or "text")
    if args.network == "scalar":
        if args.width is not None:
            raise InputError(f"--width applies to matrix networks only, got --width {args.width} with scalar")
        derivation = derivations.scalar_derivation(args.depth)
    else:
        if args.width is None:
            raise InputError("--width is required for matrix networks")
        derivation = derivations.matrix_derivation(args.depth, args.width)
    text = {"text": derivation.to_text, "latex": derivation.to_latex, "json": derivation.to_json}[fmt]()
    sys.stdout.write(text + "\n")
    return 0 if derivation.all_checked else 1
