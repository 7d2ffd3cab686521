"""The ``wideminima`` command: one subcommand per job, each defined in its own module.

A subcommand module exposes ``configure(parser)``, which adds its arguments and
sets ``parser.set_defaults(run=...)``; ``run(args) -> int`` returns the exit
status. Command modules import heavy libraries (SymPy, SciPy, matplotlib) inside
``run`` only, so ``wideminima --help`` stays fast.

Exit status: 0 success, 1 a claim refuted (``verify``), 2 bad usage or input.
A user mistake (:class:`~wideminima.errors.InputError`) prints one line on
stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from wideminima import __version__
from wideminima.errors import InputError

# name -> (module defining configure(parser), one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "verify": ("wideminima.property_tests.cli", "check the theorem claims (or your own) over random instances"),
    "sharpness": ("wideminima.numeric.cli_sharpness", "Hessian spectrum, flatness, path gains of a weights file"),
    "derive": ("wideminima.symbolic.cli", "print a machine-checked derivation (scalar or matrix network)"),
    "train": ("wideminima.numeric.cli_train", "train a network and save its weights and trajectory"),
    "report": ("wideminima.report.cli", "run the experiments and write a report with figures"),
    "landscape": ("wideminima.cli.landscape", "draw the loss along the top Hessian eigenvectors and the spectral density"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, every available subcommand included."""
    parser = _Parser(prog="wideminima", description="Verify the theory of flat minima in deep linear networks.")
    parser.add_argument("--version", action="version", version=f"wideminima {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        module.configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args))
    except InputError as exc:
        print(f"wideminima {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"wideminima {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
