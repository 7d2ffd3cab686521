"""The report framework: seeds, output folder rules, atomic results, Markdown, progress."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from wideminima.errors import InputError
from wideminima.report.markdown import format_value, markdown_table
from wideminima.report.output import GENERATOR, MANIFEST, check_output_dir, staged_output, write_csv, write_json
from wideminima.report.registry import experiments, task_seed


def test_task_seed_depends_on_seed_experiment_and_key_only() -> None:
    # the same in a fresh process with another string-hash seed (workers and reruns must agree)
    code = "from wideminima.report.registry import task_seed; print(task_seed(3, 'E1', 'N=2'))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert int(other.stdout) == task_seed(3, "E1", "N=2")
    seeds = {task_seed(s, e, k) for s in (0, 1) for e in ("E1", "E2") for k in ("a", "b")}
    assert len(seeds) == 8
    assert all(0 <= s < 2**63 for s in seeds)


def test_unknown_experiment_is_one_line_error() -> None:
    with pytest.raises(InputError, match="--only E9"):
        experiments(["E9"])


def test_output_dir_rules(tmp_path: Path) -> None:
    check_output_dir(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a previous report"):
        check_output_dir(stranger)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        check_output_dir(tmp_path / "file")
    previous = tmp_path / "previous"
    write_json(previous / MANIFEST, {"generator": GENERATOR})
    check_output_dir(previous)


def test_staged_output_replaces_previous_report_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_output(out) as stage:
        write_json(stage / MANIFEST, {"generator": GENERATOR, "n": 1})
    assert json.loads((out / MANIFEST).read_text())["n"] == 1
    with pytest.raises(RuntimeError):
        with staged_output(out) as stage:
            write_json(stage / MANIFEST, {"generator": GENERATOR, "n": 2})
            raise RuntimeError("experiment failed")
    assert json.loads((out / MANIFEST).read_text())["n"] == 1  # the previous report is untouched
    with staged_output(out) as stage:
        write_json(stage / MANIFEST, {"generator": GENERATOR, "n": 3})
    assert json.loads((out / MANIFEST).read_text())["n"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folders left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask  # not the private mode of a temporary folder
    assert stat.S_IMODE((out / MANIFEST).stat().st_mode) == 0o666 & ~umask


def test_json_is_strict_and_csv_keeps_full_precision(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", {"x": float("nan"), "y": 0.1 + 0.2})
    data = json.loads((tmp_path / "a.json").read_text())
    assert data == {"x": None, "y": 0.30000000000000004}
    write_csv(tmp_path / "t.csv", ["a", "b"], [[1, 1 / 3], [2, None]])
    assert (tmp_path / "t.csv").read_text() == "a,b\n1,0.3333333333333333\n2,\n"


def test_markdown_formatting() -> None:
    assert format_value(1.23456789) == "1.23457"
    assert format_value(1.2e-7) == "1.200e-07"
    assert format_value("a|b") == "a\\|b"
    assert markdown_table(["x"], [[True]]).splitlines()[-1] == "| yes |"
