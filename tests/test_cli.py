"""The command line: help, version, usage errors as one line with exit status 2."""

from __future__ import annotations

import subprocess
import sys

from wideminima.cli import main


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


def test_import_is_light() -> None:
    code = "import sys, wideminima.cli; wideminima.cli.build_parser(); print(','.join(m for m in ('sympy', 'scipy', 'matplotlib', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
