"""The wheel installs into a fresh virtual environment and exposes the design's layout."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.packaging, pytest.mark.slow]


def _wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("wideminima-*.whl")
    return wheel


def test_wheel_installs_and_imports_every_subpackage(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "dist")
    env_dir = tmp_path / "venv"
    # system_site_packages: the fresh environment reuses the already-installed
    # dependencies (no network), but not wideminima itself, which only the wheel provides.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    probe = (
        "import wideminima, wideminima.symbolic, wideminima.numeric, wideminima.property_tests, wideminima.report\n"
        "import pathlib, sys\n"
        "root = pathlib.Path(sys.argv[1])\n"
        "for mod in (wideminima, wideminima.symbolic, wideminima.numeric, wideminima.property_tests):\n"
        "    assert root not in pathlib.Path(mod.__file__).parents, mod.__file__\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('symbolic') is None and importlib.util.find_spec('numeric') is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([py, "-c", probe, str(ROOT)], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "ok"
    script = env_dir / "bin" / "wideminima"
    version = subprocess.run([script, "--version"], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert version.stdout.startswith("wideminima ")
    helptext = subprocess.run([py, "-m", "wideminima", "--help"], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert "verify" in helptext.stdout


DETERMINISM_CLAIMS = """
from hypothesis import strategies as st
from wideminima.property_tests import claim
from wideminima.property_tests.quantities import flattest_bound, sharpness
from wideminima.strategies import global_minima

@claim(id="below-one-point-five", statement="x^2 - 1.5 x >= -0.5 (false on (0.5, 1))", strategy=st.floats(-10, 10))
def below(x, ctx):
    a = ctx.scalar(x)
    return a * a - ctx.scalar(1.5) * a + ctx.scalar(0.5)

@claim(id="ratio-at-most-three", statement="lambda_max <= 3 N s^(2-2/N) (false, about 7% of draws)",
       strategy=global_minima(max_depth=3, max_width=2))
def ratio(m, ctx):
    return (3 - sharpness(m, ctx) / flattest_bound(m, ctx)) / 3
"""

IMPORT_EVERYTHING_FIRST = (
    "import sys, wideminima.report, wideminima.symbolic, wideminima.numeric, wideminima.property_tests.theorems\n"
    "from wideminima.cli import main\n"
    "sys.exit(main(['verify', *sys.argv[1:]]))\n"
)


def _verdicts(python: Path, args: list[str], cwd: Path, first: list[str] | None = None) -> list[tuple]:
    command = [str(python), *(first or ["-m", "wideminima", "verify"]), *args, "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return [(c["id"], c["status"], c["examples"], c["worst_margin"]) for c in json.loads(done.stdout)["claims"]]


def test_verify_is_deterministic_across_installs_and_import_order(tmp_path: Path) -> None:
    """Same claim file, profile and seed: same verdict, example count and worst margin from the editable
    install, from a wheel install, and after importing every other subcommand first (issue: Hypothesis
    draws literal constants of "local" modules, which differ between those three)."""
    claims = tmp_path / "claims.py"
    claims.write_text(DETERMINISM_CLAIMS)
    args = [str(claims), "--profile", "ci", "--seed", "0", "--out", str(tmp_path / "cx")]
    editable = _verdicts(Path(sys.executable), args, tmp_path)
    imported = _verdicts(Path(sys.executable), args, tmp_path, ["-c", IMPORT_EVERYTHING_FIRST])
    wheel = _wheel(tmp_path / "dist")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=True).create(env_dir)
    # the same dependency versions as this environment (a .pth line adds its site-packages after the
    # wheel's; .pth files inside it, such as the editable install's finder, are not processed)
    (purelib,) = (env_dir / "lib").glob("python*/site-packages")
    (purelib / "same_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    where = subprocess.run([py, "-c", "import wideminima; print(wideminima.__file__)"], capture_output=True, text=True,
                           check=True, cwd=tmp_path).stdout
    assert str(env_dir) in where  # the wheel, not the editable checkout
    installed = _verdicts(py, args, tmp_path)
    assert editable == imported == installed
    assert [v[1] for v in editable] == ["refuted", "refuted"]
