"""``wideminima verify``: JSON contract, exit codes, user files, examples, replay, bad input."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from wideminima.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

TOY = '''
from hypothesis import strategies as st
from wideminima.property_tests import claim

@claim(id="square-above-x", statement="x^2 >= x", strategy=st.floats(-10, 10))
def margin(x, ctx):
    a = ctx.scalar(x)
    return a * a - a

@claim(id="square-nonnegative", kind="theorem", strategy=st.floats(-10, 10))
def square(x, ctx):
    return ctx.scalar(x) ** 2
'''


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wideminima", "verify", *args], capture_output=True, text=True, cwd=cwd)


def test_json_contract_and_exit_1_on_refutation(tmp_path, capsys) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    code = main(["verify", str(tmp_path / "toy.py"), "--profile", "ci", "--json", "--out", str(tmp_path / "cx")])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""  # --json: no progress, no table
    report = json.loads(out)
    assert set(report) == {"profile", "seed", "claims", "summary", "seconds"}
    assert report["profile"] == "ci" and report["seed"] == 0
    assert report["summary"] == {"verified": 1, "refuted": 1, "violated-float64": 0, "inconclusive": 0, "timeout": 0,
                                 "error": 0}
    refuted, verified = report["claims"]
    for row in report["claims"]:
        assert {"id", "kind", "status", "examples", "worst_margin", "counterexample", "reproduce"} <= set(row)
        assert isinstance(row["examples"], int) and isinstance(row["worst_margin"], float)
    assert refuted["kind"] == "conjecture" and verified["kind"] == "theorem" and verified["counterexample"] is None
    assert Path(refuted["counterexample"]["file"]).is_file()
    assert "--replay" in refuted["reproduce"]


def test_reproduce_command_reproduces(tmp_path) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    first = _cli(["toy.py", "--claim", "square-above-x", "--json"], tmp_path)
    row = json.loads(first.stdout)["claims"][0]
    again = _cli(shlex.split(row["reproduce"])[2:] + ["--json"], tmp_path)
    assert again.returncode == 1
    replayed = json.loads(again.stdout)["claims"][0]
    assert replayed["status"] == "refuted" and replayed["worst_margin"] == row["worst_margin"]
    assert (tmp_path / "counterexamples").is_dir()  # the default folder


def test_text_report_has_one_row_per_claim(tmp_path, capsys) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    main(["verify", str(tmp_path / "toy.py"), "--claim", "square-nonnegative", "--seed", "5", "--profile", "dev"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["claim", "kind"] and out[1].split()[0] == "square-nonnegative"
    assert out[1].split()[4] == "verified" and "profile dev, seed 5" in out[-1]


@pytest.mark.parametrize(
    "content, words",
    [
        ("raise RuntimeError('boom')", "failed to import: RuntimeError: boom"),
        ("def broken(:\n", "failed to import: SyntaxError"),
        ("x = 1\n", "defines no claim"),
    ],
)
def test_bad_claim_files_are_one_line_exit_2(tmp_path, content, words) -> None:
    (tmp_path / "bad.py").write_text(content)
    result = _cli(["bad.py"], tmp_path)
    assert result.returncode == 2 and words in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["missing.py"], "missing.py: no such claim file"),
        (["--claim", "no-such-claim"], "--claim no-such-claim: no such claim"),
        (["--replay", "missing.npz"], "--replay missing.npz: no such file"),
        (["--profile", "fast"], "invalid choice: 'fast'"),
        (["."], ".: is a folder"),
        (["--out", "toy.py"], "--out toy.py: exists and is not a folder"),
    ],
)
def test_bad_usage_is_one_line_exit_2(tmp_path, args, words) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    result = _cli(args, tmp_path)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_profile_from_the_environment_is_one_line_exit_2(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "wideminima", "verify"], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ, "WIDEMINIMA_PROFILE": "fast"})
    assert result.returncode == 2 and "profile='fast' (from WIDEMINIMA_PROFILE)" in result.stderr
    assert result.stderr.count("\n") == 1


def test_replay_of_a_file_that_is_not_a_counterexample(tmp_path) -> None:
    (tmp_path / "w.npz").write_bytes(b"not a zip")
    result = _cli(["--replay", "w.npz"], tmp_path)
    assert result.returncode == 2 and "--replay w.npz: not an .npz archive" in result.stderr
    assert result.stderr.count("\n") == 1 and not result.stdout


@pytest.mark.slow
def test_example_conjectures(tmp_path) -> None:
    true = _cli([str(EXAMPLES / "true_conjecture.py"), "--profile", "ci", "--json"], tmp_path)
    assert true.returncode == 0 and json.loads(true.stdout)["summary"]["verified"] == 1
    false = _cli([str(EXAMPLES / "false_conjecture.py"), "--profile", "ci", "--json"], tmp_path)
    assert false.returncode == 1
    row = json.loads(false.stdout)["claims"][0]
    assert row["status"] == "refuted" and row["counterexample"]["enclosure"][1] < 0
    again = _cli(shlex.split(row["reproduce"])[2:], tmp_path)
    assert again.returncode == 1 and "refuted" in again.stdout


@pytest.mark.slow
def test_both_sided_best_value_example(tmp_path) -> None:
    result = _cli([str(EXAMPLES / "flattest_value.py"), "--profile", "ci", "--json"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [c["status"] for c in json.loads(result.stdout)["claims"]] == ["verified", "verified"]


SLOW = '''
import time
from hypothesis import strategies as st
from wideminima.property_tests import claim

@claim(id="quick", kind="theorem", strategy=st.floats(0, 1))
def quick(x, ctx):
    return ctx.scalar(1.0)

@claim(id="slow", strategy=st.floats(0, 1))
def slow(x, ctx):
    open("slow-started", "w").close()  # tells the test that "quick" is decided
    time.sleep(0.2)
    return ctx.scalar(1.0)
'''


def test_timeout_is_a_status_with_partial_counts_and_exit_5(tmp_path) -> None:
    (tmp_path / "slow.py").write_text(SLOW)
    result = _cli(["slow.py", "--claim", "slow", "--profile", "ci", "--timeout", "1", "--json"], tmp_path)
    assert result.returncode == 5, result.stderr
    (slow,) = json.loads(result.stdout)["claims"]
    assert slow["status"] == "timeout" and 0 < slow["examples"] < 150 and "partial" in slow["message"]
    bad = _cli(["slow.py", "--timeout", "0"], tmp_path)
    assert bad.returncode == 2 and "--timeout 0: must be a number of seconds > 0" in bad.stderr


def test_sigterm_prints_the_claims_decided_so_far(tmp_path) -> None:
    import signal
    import time

    (tmp_path / "slow.py").write_text(SLOW)
    process = subprocess.Popen([sys.executable, "-m", "wideminima", "verify", "slow.py", "--profile", "ci", "--json"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = tmp_path / "slow-started"
    for _ in range(600):  # "slow" (30 s in all) has started, so "quick" is decided
        if started.exists():
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    report = json.loads(out)
    assert report["interrupted"] == "SIGTERM" and [c["id"] for c in report["claims"]] == ["quick"]


def test_coverage_table_and_json(tmp_path, capsys) -> None:
    code = main(["verify", "--claim", "sharpness-lower-bound", "--profile", "dev", "--seed", "1", "--coverage",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "stratum" in out and "N=1 d" in out
    main(["verify", "--claim", "sharpness-lower-bound", "--profile", "dev", "--seed", "1", "--json", "--out",
          str(tmp_path)])
    row = json.loads(capsys.readouterr().out)["claims"][0]
    assert {"stratum", "examples", "worst_margin"} == set(row["coverage"][0])
    assert sum(c["examples"] for c in row["coverage"]) == row["examples"]
    assert len({c["stratum"].split()[0] for c in row["coverage"]}) == 5  # every depth 1..5 reached


def test_progress_display_only_on_a_terminal() -> None:
    import io

    from wideminima.cli.verify import _claim_progress
    from wideminima.progress import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    class Square:
        id = "square-nonnegative"

    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        bar = ProgressBar(2, stream=stream)
        update = _claim_progress(bar, 2)(0, Square())
        if update is not None:
            update(25, 50)
        bar.clear()
    # claim 1 of 2 half done: a quarter of the bar
    assert "[1/2] square-nonnegative: 25/50 examples" in tty.getvalue() and pipe.getvalue() == ""
    assert "[" + "#" * 8 + "." * 22 + "]" in tty.getvalue() and tty.getvalue().endswith("\r\x1b[K")
