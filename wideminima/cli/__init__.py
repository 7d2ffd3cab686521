"""The ``wideminima`` command: one subcommand per job, each defined in its own module here.

The application layer: these modules may import every engine
(:mod:`wideminima.numeric`, :mod:`wideminima.symbolic`,
:mod:`wideminima.property_tests`) and :mod:`wideminima.report`; nothing below
imports them (docs/architecture.md).

A command module exposes ``configure(parser)``, which adds its arguments and sets
``parser.set_defaults(run=...)``, and ``run(args) -> int``, which returns the exit
status. The top-level parser is built from :data:`COMMANDS` alone; a command's
module is imported only when that command is named on the command line (to run it
or to print its own ``--help``), so ``wideminima --help`` imports no engine.

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

__all__ = ["COMMANDS", "build_parser", "main"]

# name -> (module defining configure(parser) and run(args), one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "verify": ("wideminima.cli.verify", "check the theorem claims (or your own) over random instances"),
    "sharpness": ("wideminima.cli.sharpness", "Hessian spectrum, flatness, path gains of a weights file"),
    "derive": ("wideminima.cli.derive", "print a machine-checked derivation (scalar or matrix network)"),
    "train": ("wideminima.cli.train", "train a network and save its weights and trajectory"),
    "report": ("wideminima.cli.report", "run the experiments and write a report with figures"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported and its arguments added.

    Every command in :data:`COMMANDS` is listed (with its one-line help) whatever
    ``command`` is; the others accept no arguments of their own until named.
    """
    parser = _Parser(prog="wideminima", description="Verify the theory of flat minima in deep linear networks.")
    parser.add_argument("--version", action="version", version=f"wideminima {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            importlib.import_module(module_name).configure(command_parser)
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The command in ``argv``: its first word that is not an option (the top level takes only flags)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_named(argv))
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
