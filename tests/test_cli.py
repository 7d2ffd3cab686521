"""The command line: help, version, usage errors as one line with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

from wideminima.cli import COMMANDS, build_parser, main


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_python_dash_m_and_version() -> None:
    out = subprocess.run([sys.executable, "-m", "wideminima", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("wideminima 0.")


def test_unknown_command_is_one_line_exit_2() -> None:
    out = subprocess.run([sys.executable, "-m", "wideminima", "frobnicate"], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


# What a run of the command line imported: project modules and the heavy libraries.
_PROBE = """
import json, sys
from wideminima.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("numpy", "sympy", "scipy", "matplotlib", "torch", "hypothesis", "mpmath")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("wideminima") or m.split(".")[0] in heavy)))
"""


def _imported(*argv: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_top_level_help_imports_no_engine_and_no_array_library() -> None:
    # The top-level parser is built from the COMMANDS table alone: --help costs the
    # interpreter, argparse and three small modules, less than importing NumPy.
    assert _imported("--help") == {"wideminima", "wideminima.cli", "wideminima.errors"}


def test_a_command_help_imports_that_command_only() -> None:
    # derive's own --help: its module, not SymPy (imported when a derivation runs) nor other commands.
    imported = _imported("derive", "--help")
    assert "wideminima.cli.derive" in imported
    assert not imported & {"sympy", "wideminima.symbolic", "wideminima.cli.verify", "wideminima.numeric"}
    assert "wideminima.cli.sharpness" in _imported("sharpness", "--help")


def test_every_command_in_the_table_configures_and_runs() -> None:
    for name in COMMANDS:
        parser = build_parser(name)
        args = parser.parse_args([name, *_MINIMAL_ARGS.get(name, [])])
        assert callable(args.run), name


_MINIMAL_ARGS = {"sharpness": ["w.npz"], "derive": ["scalar", "--depth", "1"], "train": ["--lr", "0.1", "--steps", "1"]}
