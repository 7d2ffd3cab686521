"""``wideminima derive``: print a machine-checked derivation.

    wideminima derive scalar --depth N [--format text|latex|json]     (N <= 64)
    wideminima derive scalar --general [--format ...]                  (symbolic N)
    wideminima derive matrix --general [--format ...]                  (every depth and every width)
    wideminima derive matrix --depth N [--format ...]                  (every width, N <= 8)
    wideminima derive matrix --depth N --width d [--format ...]        (entry-wise cross-check, N, d <= 3)

``--json`` is a synonym of ``--format json`` (stdout is then one JSON object with
``"checked": true|false`` per step). Exit status: 0 when every step was
machine-checked, 1 when some step was not, 2 on bad input. SymPy is imported
only when a derivation is built.

Run time (every check is run): scalar depth 64 under 5 s as a whole process; dimension-free
matrix N = 8 about 1 s; entry-wise matrix N = 3, d = 2 about 5 s, N = 2, d = 3 about 11 s,
N = 3, d = 3 about 100 s (one core, benchmarks/bench_symbolic.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wideminima.errors import InputError

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``derive`` arguments to ``parser``."""
    parser.add_argument("network", choices=("scalar", "matrix"), help="scalar (every width 1) or matrix network")
    parser.add_argument("--depth", type=int, metavar="N", help="number of layers N >= 1 (scalar: N <= 64; matrix: N <= 8, with --width N <= 3)")
    parser.add_argument("--width", type=int, metavar="d", help="entry-wise matrix derivation at width d (1 <= d <= 3); without it, every width")
    parser.add_argument("--general", action="store_true", help="the derivation for every depth N (no --depth; matrix: every width too)")
    parser.add_argument("--format", choices=("text", "latex", "json"), default=None, help="output format (default text)")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the derivation (running every check) and print it; 0 if all steps are checked."""
    if args.json and args.format not in (None, "json"):
        raise InputError(f"--json conflicts with --format {args.format}")
    fmt = "json" if args.json else (args.format or "text")
    derivation = _derivation(args)
    text = {"text": derivation.to_text, "latex": derivation.to_latex, "json": derivation.to_json}[fmt]()
    sys.stdout.write(text + "\n")
    return 0 if derivation.all_checked else 1


# --- which derivation (issue 13: --general, dimension-free matrix derivations) ---
def _derivation(args: argparse.Namespace) -> Any:
    """The Derivation the arguments ask for (InputError on a bad combination).

    SymPy (about 0.5 s to import) is imported here, when a derivation is asked for, not for --help.
    """
    from wideminima.symbolic import derivations, matrix_free, scalar_general

    if args.general and (args.depth is not None or args.width is not None):
        raise InputError("--general is the derivation for every depth: give it without --depth or --width")
    if args.general:
        return scalar_general.general_scalar_derivation() if args.network == "scalar" else matrix_free.general_matrix_derivation()
    if args.depth is None:
        raise InputError("--depth is required (or --general)")
    if args.network == "scalar":
        if args.width is not None:
            raise InputError(f"--width applies to matrix networks only, got --width {args.width} with scalar")
        return derivations.scalar_derivation(args.depth)
    if args.width is None:
        return matrix_free.dimension_free_matrix_derivation(args.depth)
    return derivations.matrix_derivation(args.depth, args.width)
