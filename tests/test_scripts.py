"""scripts/verify.sh and scripts/test.sh share one environment: alternating them installs nothing again."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_alternating_the_readme_commands_installs_once(tmp_path: Path) -> None:
    # A stand-in virtual environment whose python/wideminima only log their arguments: the scripts'
    # install logic runs for real, nothing is downloaded.
    venv, log = tmp_path / "venv", tmp_path / "calls.log"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "wideminima"):
        tool = venv / "bin" / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        tool.chmod(0o755)
    env = {**os.environ, "WIDEMINIMA_VENV": str(venv)}
    for script in ("verify.sh", "test.sh", "verify.sh", "test.sh"):
        done = subprocess.run(["bash", str(ROOT / "scripts" / script), "--version"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    installs = [c for c in calls if " -e " in c]
    assert len(installs) == 1, calls
    assert installs[0].endswith(f"{ROOT}[fast,report,backends,datasets,test]")
    # each script still ran its own command every time
    assert calls.count("wideminima verify --version") == 2
    assert calls.count("python -m pytest -q --version") == 2
