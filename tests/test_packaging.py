"""The wheel installs into a fresh virtual environment and exposes the design's layout."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.packaging, pytest.mark.slow]


def test_wheel_installs_and_imports_every_subpackage(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("wideminima-*.whl")
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
