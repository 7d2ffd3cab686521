"""Hostile files, faults and outputs (issue 14): one test per defect, every file made here.

Each bad input must end in one line on stderr naming the problem, exit status 2, no
traceback, and no output the user had lost or changed. Numbered comments refer to
the items of issue 14.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from wideminima.atomic import atomic_open, check_output_path, check_outputs, write_together
from wideminima.cli import main
from wideminima.errors import InputError
from wideminima.io import read_npy, read_npz
from wideminima.limits import check_network, network_bytes
from wideminima.numeric import Moments
from wideminima.report.figures import pyplot
from wideminima.report.output import GENERATOR, MANIFEST, check_output_dir, staged_output, write_json

TOY = '''
from hypothesis import strategies as st
from wideminima.property_tests import claim

@claim(id="square-above-x", statement="x^2 >= x", strategy=st.floats(-10, 10))
def margin(x, ctx):
    a = ctx.scalar(x)
    return a * a - a
'''
TRAIN = ["train", "--target-seed", "0", "--depth", "2", "--width", "2", "--lr", "0.1", "--steps", "5", "--quiet"]


def _fails_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> str:
    """Run the command in this process: exit 2, one line on stderr containing ``words``, nothing on stdout."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert words in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert out == ""
    return err


def _run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wideminima", *args], capture_output=True, text=True, cwd=cwd,
                          **kwargs)


def _weights(path: Path, **arrays) -> Path:
    np.savez(path, **(arrays or {"W1": np.eye(2), "W2": np.eye(2)}))
    return path


def _counterexample(path: Path, meta: object, layout: object = None) -> Path:
    meta_text = meta if isinstance(meta, str) else json.dumps(meta)
    layout_text = layout if isinstance(layout, str) else json.dumps(layout or {"type": "float", "value": "0.5"})
    np.savez(path, __meta__=np.array(meta_text), __layout__=np.array(layout_text))
    return path


# 1. replay never imports the source a counterexample names --------------------------------------------

EVIL = '''
from pathlib import Path
Path(__file__).with_name("ran").write_text("code named by a data file ran")
''' + TOY


@pytest.mark.parametrize("source", ["FILE", "module:evil_claims"])
def test_replay_never_imports_the_recorded_source(tmp_path, capsys, monkeypatch, source) -> None:
    (tmp_path / "evil_claims.py").write_text(EVIL)
    monkeypatch.syspath_prepend(str(tmp_path))
    recorded = str(tmp_path / "evil_claims.py") if source == "FILE" else source
    cex = _counterexample(tmp_path / "c.npz", {"claim": "square-above-x", "source": recorded, "seed": 0})
    err = _fails_with_one_line(capsys, ["verify", "--replay", str(cex)], "give its claim file first")
    assert "run as Python" in err
    assert not (tmp_path / "ran").exists()


def test_replay_with_the_claim_file_given_re_decides(tmp_path, capsys) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    cex = _counterexample(tmp_path / "c.npz", {"claim": "square-above-x", "source": "elsewhere.py", "seed": 0})
    assert main(["verify", str(tmp_path / "toy.py"), "--replay", str(cex), "--json"]) == 1  # 0.25 < 0.5: refuted
    assert json.loads(capsys.readouterr().out)["claims"][0]["status"] == "refuted"


# 2. the report swap never loses the old report, nor the user's files ------------------------------------

def _previous_report(out: Path, n: int, extra: dict[str, str] | None = None) -> None:
    write_json(out / MANIFEST, {"generator": GENERATOR, "n": n, "files": ["report.md"]})
    (out / "report.md").write_text(f"report {n}")
    for name, text in (extra or {}).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)


def _swap_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before_final_rename) -> Path:
    """Report 1 at R; build report 2 with ``before_final_rename(R)`` called just before the staging
    folder is renamed to R (the moment the old report is aside); return R."""
    out = tmp_path / "R"
    _previous_report(out, 1)
    real_rename = os.rename

    def rename(src, dst):
        if ".building-" in str(src):
            before_final_rename(Path(dst))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with staged_output(out) as stage:
        write_json(stage / MANIFEST, {"generator": GENERATOR, "n": 2})
    return out


def test_failed_swap_rolls_back_to_the_old_report(tmp_path, monkeypatch) -> None:
    def disk_full(out: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="--out .*R: cannot write"):
        _swap_with(tmp_path, monkeypatch, disk_full)
    assert (tmp_path / "R" / "report.md").read_text() == "report 1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R"]  # nothing left aside or half built


def test_a_concurrent_report_wins_the_swap_in_one_line(tmp_path, monkeypatch) -> None:
    def other_run(out: Path) -> None:  # another run puts its complete report at R first
        _previous_report(out, 3)

    with pytest.raises(InputError, match="another run wrote a report there"):
        _swap_with(tmp_path, monkeypatch, other_run)
    assert (tmp_path / "R" / "report.md").read_text() == "report 3"


def test_report_in_a_read_only_folder_is_refused_before_work(tmp_path, monkeypatch, capsys) -> None:
    # the suite may run as root, for whom every folder is writable: the check's answer is simulated
    pyplot()  # loaded first: matplotlib asks os.access about its own folders when it loads
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    _fails_with_one_line(capsys, ["report", "--quiet", "--out", str(tmp_path / "R")], "permission denied or read-only")
    assert list(tmp_path.iterdir()) == []


def test_report_under_a_file_size_limit_is_one_line_and_leaves_nothing(tmp_path) -> None:
    def limit() -> None:  # the figures do not fit
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))

    result = _run(["report", "--quick", "--only", "E2", "--quiet", "--workers", "1", "--out", "R"], tmp_path,
                  preexec_fn=limit)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"{tmp_path / 'R'}/figures/" in result.stderr and "cannot write (File too large)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_killed_inside_the_swap_is_restored_by_the_next_run(tmp_path) -> None:
    aside = tmp_path / ".R.old-deadbeef"  # what a SIGKILL between the two renames leaves
    _previous_report(aside, 1)
    with staged_output(tmp_path / "R") as stage:
        assert (tmp_path / "R" / "report.md").read_text() == "report 1"  # restored before building
        write_json(stage / MANIFEST, {"generator": GENERATOR, "n": 2, "files": []})
    assert json.loads((tmp_path / "R" / MANIFEST).read_text())["n"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R"]


def test_rebuilding_a_report_keeps_the_users_own_files(tmp_path) -> None:
    out = tmp_path / "R"
    _previous_report(out, 1, {"notes.txt": "mine", "results/extra.csv": "a,b\n", "report.md.bak": "x"})
    (out / "data").symlink_to(tmp_path)
    with staged_output(out) as stage:
        write_json(stage / MANIFEST, {"generator": GENERATOR, "n": 2, "files": []})
        (stage / "notes.txt").parent.mkdir(exist_ok=True)
        (stage / "notes.txt").write_text("the report's own notes.txt")
    assert not (out / "report.md").exists()  # written by the old report: not carried over
    assert (out / "results" / "extra.csv").read_text() == "a,b\n"
    assert (out / "notes.txt.previous").read_text() == "mine"  # a name clash keeps both
    assert (out / "report.md.bak").read_text() == "x"
    assert (out / "data").is_symlink() and os.readlink(out / "data") == str(tmp_path)


def test_a_fifo_or_junk_as_manifest_is_no_previous_report(tmp_path) -> None:
    (tmp_path / "R" / "results").mkdir(parents=True)
    os.mkfifo(tmp_path / "R" / MANIFEST)  # opening it to read would block forever
    with pytest.raises(InputError, match="not a previous report"):
        check_output_dir(tmp_path / "R")
    os.unlink(tmp_path / "R" / MANIFEST)
    (tmp_path / "R" / MANIFEST).write_text("[" * 100000)
    with pytest.raises(InputError, match="not a previous report"):
        check_output_dir(tmp_path / "R")


def test_report_refuses_the_current_folder_and_its_parents(tmp_path, monkeypatch) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    _previous_report(inner, 1)  # even a previous report: replacing the working directory is never right
    monkeypatch.chdir(inner)
    for out in (".", "..", str(tmp_path)):
        with pytest.raises(InputError, match="current folder"):
            check_output_dir(Path(out))


def test_report_out_under_a_file_or_a_link_is_one_line(tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    _fails_with_one_line(capsys, ["report", "--quiet", "--out", str(tmp_path / "file" / "R")], "is a file, not a folder")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    _fails_with_one_line(capsys, ["report", "--quiet", "--out", str(tmp_path / "link")], "is a symbolic link")


# 3. train: every output checked first, written as one unit, never two at one path -----------------------

def test_train_refuses_two_outputs_at_one_path(tmp_path, capsys) -> None:
    same = str(tmp_path / "same.json")
    _fails_with_one_line(capsys, [*TRAIN, "--out", same, "--trajectory", same], "is the same file as --out")
    assert not Path(same).exists()


def test_train_checks_the_trajectory_before_training(tmp_path, capsys) -> None:
    weights = _weights(tmp_path / "w.npz")
    before = weights.read_bytes()
    (tmp_path / "file").write_text("x")
    _fails_with_one_line(capsys, [*TRAIN, "--out", str(weights), "--trajectory", str(tmp_path / "file" / "t.json")],
                         "--trajectory")
    assert weights.read_bytes() == before


def test_train_outputs_are_one_unit_under_a_file_size_limit(tmp_path) -> None:
    weights = _weights(tmp_path / "w.npz")
    before = weights.read_bytes()

    def limit() -> None:  # the weights (~600 bytes) fit; the 50-row trajectory does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))

    result = _run([*TRAIN[:-2], "50", "--quiet", "--log-every", "1", "--out", "w.npz", "--trajectory", "t.json"],
                  tmp_path, preexec_fn=limit)
    assert result.returncode == 2 and "t.json: cannot write (File too large)" in result.stderr
    assert result.stderr.count("\n") == 1
    assert weights.read_bytes() == before and not (tmp_path / "t.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]  # no temporary left


def test_write_together_rolls_back_when_a_rename_fails(tmp_path, monkeypatch) -> None:
    (tmp_path / "a").write_text("old a")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(InputError, match="cannot write"):
        write_together([(tmp_path / "a", "w", lambda h: h.write("new a")), (tmp_path / "b", "w", lambda h: h.write("b"))])
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "a").read_text() == "old a" and not (tmp_path / "b").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


# 4. special files and links are refused as outputs ------------------------------------------------------

def test_special_files_and_links_are_never_replaced(tmp_path, capsys) -> None:
    os.mkfifo(tmp_path / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        for name, words in (("fifo", "is a FIFO"), ("sock", "is a socket")):
            with pytest.raises(InputError, match=words):
                check_output_path(tmp_path / name)
    with pytest.raises(InputError, match="/dev/null: is a device"):
        check_output_path("/dev/null")
    target = _weights(tmp_path / "w.npz")
    (tmp_path / "link.npz").symlink_to(target)
    _fails_with_one_line(capsys, [*TRAIN, "--out", str(tmp_path / "link.npz")], "is a symbolic link")
    assert (tmp_path / "link.npz").is_symlink()
    _fails_with_one_line(capsys, [*TRAIN, "--out", "/dev/null"], "is a device")


def test_two_names_of_one_file_are_one_output(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError, match="same file"):
        check_outputs([("--out", tmp_path / "x.npz"), ("--trajectory", tmp_path / "sub" / ".." / "x.npz")])


# 5. what a SIGKILL leaves is cleaned; a live writer's files are not; workers die with the report ---------

def test_sigkill_keeps_the_old_file_and_the_next_write_sweeps_the_temporary(tmp_path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")
    code = ("import sys, time\nfrom wideminima.atomic import atomic_open\n"
            "with atomic_open(sys.argv[1]) as h:\n    h.write('half'); h.flush(); print('ready', flush=True); time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "ready\n"
    (left,) = tmp_path.glob(".out.txt.*.tmp")
    with atomic_open(out) as handle:  # the writer is alive and holds its lock: its file stays
        handle.write("second")
    assert left.exists()
    child.kill()
    child.wait()
    child.stdout.close()
    assert out.read_text() == "second" and left.exists()
    os.utime(left, (time.time() - 60, time.time() - 60))  # the sweep skips files younger than 10 s
    with atomic_open(out) as handle:
        handle.write("third")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"] and out.read_text() == "third"


def test_stale_staging_folders_are_swept_but_not_a_live_one(tmp_path) -> None:
    import fcntl

    stale, live = tmp_path / ".R.building-stale", tmp_path / ".R.building-live"
    for folder in (stale, live):
        (folder / "figures").mkdir(parents=True)
        os.utime(folder, (time.time() - 60, time.time() - 60))
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another run, still building
    try:
        with staged_output(tmp_path / "R") as stage:
            write_json(stage / MANIFEST, {"generator": GENERATOR, "files": []})
        assert not stale.exists() and live.exists()
    finally:
        os.close(fd)


def test_report_workers_exit_when_the_main_process_is_killed(tmp_path) -> None:
    code = ("import multiprocessing as mp, os, sys, time\n"
            "from wideminima.execution import watch_parent\n"
            "def work(parent):\n    watch_parent(parent, 0.1); time.sleep(60)\n"
            "if __name__ == '__main__':\n"
            "    p = mp.get_context('spawn').Process(target=work, args=(os.getpid(),)); p.start()\n"
            "    print(p.pid, flush=True); time.sleep(60)\n")
    (tmp_path / "main.py").write_text(code)
    parent = subprocess.Popen([sys.executable, "main.py"], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    worker = int(parent.stdout.readline())
    time.sleep(0.5)  # the worker has started its watch
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 20  # 0.1 s polls; generous for a loaded 2-core machine
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{worker}/stat") as stat:  # a zombie (exited, not yet reaped by init) counts as gone
            if stat.read().split(") ")[1].startswith("Z"):
                return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the worker outlived its killed parent")


# 6. data files: one form per file; only real numbers --------------------------------------------------

@pytest.mark.parametrize("arrays, words", [
    ({"X": np.eye(3), "Y": np.eye(3), "Sigma_x": np.eye(3), "T": 2 * np.eye(3)}, "keep one form per file"),
    ({"Sigma_x": np.eye(2), "T": np.eye(2), "Sigma_yx": 2 * np.eye(2)}, "both T and Sigma_yx"),
])
def test_data_with_two_forms_is_refused(tmp_path, capsys, arrays, words) -> None:
    np.savez(tmp_path / "d.npz", **arrays)
    w = _weights(tmp_path / "w.npz") if "X" not in arrays else _weights(tmp_path / "w.npz", W1=np.eye(3))
    _fails_with_one_line(capsys, ["sharpness", str(w), "--data", str(tmp_path / "d.npz")], words)


@pytest.mark.parametrize("values, words", [
    (np.array([[1, 2]], dtype="datetime64[s]"), "datetime64"),
    (np.array([[1, 2]], dtype="timedelta64[s]"), "timedelta64"),
    (np.array([["1.5", "2"]]), "text"),
    (np.array([[b"1", b"2"]]), "bytes"),
    (np.ones((2, 2), dtype=complex), "complex"),
    (np.zeros((2, 2), dtype=[("a", "<f8")]), "structured"),
])
def test_weights_must_be_real_numbers(tmp_path, capsys, values, words) -> None:
    _weights(tmp_path / "w.npz", W1=values)
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "w.npz")], words)


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickles_are_never_loaded(tmp_path, capsys) -> None:
    marker = tmp_path / "pwned"
    np.savez(tmp_path / "p.npz", W1=np.array([_Payload(marker)], dtype=object))
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "p.npz")], "Python object")
    with pytest.raises(InputError, match="Python object"):
        read_npz(tmp_path / "p.npz")
    assert not marker.exists()


# 7. tracebacks: .npy under an .npz name, damaged counterexamples, storage faults ---------------------------

def test_plain_npy_under_an_npz_name_is_named_everywhere(tmp_path, capsys) -> None:
    with open(tmp_path / "a.npz", "wb") as handle:
        np.save(handle, np.eye(2))
    w = _weights(tmp_path / "w.npz")
    (tmp_path / "toy.py").write_text(TOY)
    for argv in (["sharpness", "a.npz"], ["sharpness", str(w), "--data", "a.npz"], [*TRAIN, "--init", "a.npz"],
                 ["verify", str(tmp_path / "toy.py"), "--replay", "a.npz"]):
        argv = [str(tmp_path / a) if a == "a.npz" else a for a in argv]
        err = _fails_with_one_line(capsys, argv, "is a .npy file (one array), not an .npz archive")
        assert "pickle" not in err
    assert read_npy(tmp_path / "a.npz").tolist() == np.eye(2).tolist()  # the safe .npy reader reads it


@pytest.mark.parametrize("meta, layout, words", [
    ("not json", None, "metadata (not JSON)"),
    ("[1, 2]", None, "metadata (no claim id)"),
    ("[" * 100000, None, "metadata (not JSON)"),
    ({"claim": "square-above-x", "seed": "x"}, None, "seed 'x'"),
    ({"claim": "square-above-x"}, "[" * 100000, "cannot be rebuilt"),
    ({"claim": "square-above-x"}, {"type": "Minimum"}, "layout is damaged"),
    ({"claim": "square-above-x"}, {"type": "list", "items": 5}, "layout is damaged"),
    ({"claim": "square-above-x"}, {"type": "dict", "items": [1]}, "cannot be rebuilt"),
    ({"claim": "square-above-x"}, {"type": "value", "value": "abc"}, "cannot re-decide claim square-above-x"),
])
def test_damaged_counterexamples_are_one_line_on_stderr(tmp_path, capsys, meta, layout, words) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    cex = _counterexample(tmp_path / "c.npz", meta, layout)
    _fails_with_one_line(capsys, ["verify", str(tmp_path / "toy.py"), "--replay", str(cex)], words)


def test_counterexample_metadata_must_be_text(tmp_path, capsys) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    np.savez(tmp_path / "c.npz", __meta__=np.ones(2), __layout__=np.array("{}"))
    _fails_with_one_line(capsys, ["verify", str(tmp_path / "toy.py"), "--replay", str(tmp_path / "c.npz")],
                         "must be text")


def test_stdout_on_a_full_device_is_one_line(tmp_path) -> None:
    _weights(tmp_path / "w.npz")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "wideminima", "sharpness", "w.npz"], stdout=full,
                                stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == (
        "wideminima sharpness: error: standard output: cannot write (No space left on device)\n")


def test_a_full_disk_while_writing_is_one_line_and_leaves_nothing(tmp_path) -> None:
    (tmp_path / "out.txt").write_text("old")

    with pytest.raises(InputError, match=r"out.txt: cannot write \(No space left on device\)"):
        with atomic_open(tmp_path / "out.txt") as handle:
            handle.write("new")
            raise OSError(28, "No space left on device")  # what write(2) says on a full disk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"] and (tmp_path / "out.txt").read_text() == "old"


# 8. size limits, checked before allocating --------------------------------------------------------------

def test_a_forged_header_is_refused_before_allocating(tmp_path, capsys) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)})
    with zipfile.ZipFile(tmp_path / "w.npz", "w") as archive:
        archive.writestr("W1.npy", header.getvalue() + bytes(16))
    assert (tmp_path / "w.npz").stat().st_size < 300  # the 254-byte file of the issue
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "w.npz")], "declares shape (100000, 100000) (74.5 GiB)")


def test_a_zip_bomb_and_too_many_arrays_are_refused(tmp_path, capsys, monkeypatch) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (2_500_000,)})
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("W1.npy", header.getvalue() + bytes(20_000_000))
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "bomb.npz")], "zip bomb")
    monkeypatch.setenv("WIDEMINIMA_MAX_ARRAYS", "3")
    _weights(tmp_path / "w.npz", **{f"W{k}": np.eye(1) for k in range(1, 5)})
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "w.npz")], "holds 4 arrays, above the limit of 3")
    monkeypatch.setenv("WIDEMINIMA_MAX_ARRAYS", "lots")
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "w.npz")], "WIDEMINIMA_MAX_ARRAYS='lots'")


def test_declared_sizes_above_the_memory_limit_are_refused(tmp_path, capsys, monkeypatch) -> None:
    _weights(tmp_path / "w.npz", W1=np.zeros((64, 64)))
    monkeypatch.setenv("WIDEMINIMA_MAX_MEMORY", "16K")
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "w.npz")], "set WIDEMINIMA_MAX_MEMORY")


@pytest.mark.parametrize("size", [["--widths", "1,100000,1"], ["--depth", "2", "--width", "1000000"],
                                  ["--depth", "100000000", "--width", "2"]])
def test_networks_too_large_are_refused_in_one_line(capsys, size) -> None:
    argv = ["train", "--target-seed", "0", "--lr", "0.1", "--steps", "5", "--quiet", *size]
    _fails_with_one_line(capsys, argv, "above the limit of 4.0 GiB; set WIDEMINIMA_MAX_MEMORY")


def test_a_wide_layer_in_a_weights_file_is_refused(tmp_path, capsys) -> None:
    _weights(tmp_path / "w.npz", W1=np.ones((1, 100000)))
    _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "w.npz")], "widths 100000,1 needs about")


def test_the_limit_is_raised_by_its_environment_variable(monkeypatch) -> None:
    assert network_bytes([1, 100000, 1]) > 4 * 1024**3
    monkeypatch.setenv("WIDEMINIMA_MAX_MEMORY", "1T")
    check_network([1, 100000, 1])  # no error


def test_identity_sigma_x_needs_no_eigendecomposition(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("eigendecomposition of an identity")

    monkeypatch.setattr(np.linalg, "eigvalsh", refuse)
    monkeypatch.setattr(np.linalg, "eigh", refuse)
    monkeypatch.setattr(np.linalg, "solve", refuse)
    moments = Moments.whitened(np.ones((1, 500)))
    assert moments.is_whitened and np.array_equal(moments.sigma_x_sqrt, np.eye(500))
    assert np.array_equal(moments.target, np.ones((1, 500))) and moments.sigma_x_extremes == (1.0, 1.0)


# 9. messages ----------------------------------------------------------------------------------------

def test_random_bytes_never_suggest_unsafe_loading(tmp_path, capsys) -> None:
    (tmp_path / "r.npz").write_bytes(np.random.default_rng(0).bytes(300))
    err = _fails_with_one_line(capsys, ["sharpness", str(tmp_path / "r.npz")], "not an .npz archive")
    assert "pickle" not in err


@pytest.mark.parametrize("sigma_x, words", [(-np.eye(2), "negative definite"), (np.diag([1.0, -1.0]), "indefinite"),
                                            (np.diag([1.0, 0.0]), "singular")])
def test_sigma_x_messages_say_what_is_wrong(tmp_path, capsys, sigma_x, words) -> None:
    np.savez(tmp_path / "d.npz", Sigma_x=sigma_x, T=np.eye(2))
    _fails_with_one_line(capsys, ["sharpness", str(_weights(tmp_path / "w.npz")), "--data", str(tmp_path / "d.npz")],
                         words)


def test_verify_refuses_a_negative_seed_and_an_unwritable_out_before_searching(tmp_path, capsys) -> None:
    _fails_with_one_line(capsys, ["verify", "--seed", "-1"], "--seed must be an integer >= 0, got -1")
    (tmp_path / "file").write_text("x")
    start = time.monotonic()
    _fails_with_one_line(capsys, ["verify", "--out", str(tmp_path / "file" / "cx")], "is a file, not a folder")
    assert time.monotonic() - start < 20  # refused at once: the built-in search takes minutes


def test_init_file_names_are_case_insensitive(tmp_path, capsys) -> None:
    with open(tmp_path / "W.NPZ", "wb") as handle:  # numpy.savez would append .npz to this name
        np.savez(handle, W1=np.eye(2), W2=np.eye(2))
    assert main([*TRAIN, "--init", str(tmp_path / "W.NPZ"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["widths"] == [2, 2, 2]


def test_inputs_that_are_not_regular_files_are_named(tmp_path, capsys) -> None:
    os.mkfifo(tmp_path / "fifo.npz")  # reading it would block forever
    for path, words in ((tmp_path / "fifo.npz", "is a FIFO"), ("/dev/zero", "is a character device"),
                        (tmp_path, "is a folder"), (tmp_path / "absent.npz", "no such file")):
        _fails_with_one_line(capsys, ["sharpness", str(path)], words)
    _fails_with_one_line(capsys, [*TRAIN, "--init", str(tmp_path / "fifo.npz")], "is a FIFO")
    _fails_with_one_line(capsys, [*TRAIN, "--init", "/dev/zero"], "is a character device")
    _fails_with_one_line(capsys, ["verify", str(tmp_path / "fifo.npz")], "is a FIFO")
    _fails_with_one_line(capsys, ["verify", "/dev/zero"], "is a character device")


# what held, kept -------------------------------------------------------------------------------------

def test_train_same_seed_same_bytes(tmp_path, capsys) -> None:
    for name in ("a", "b"):
        assert main([*TRAIN, "--out", str(tmp_path / f"{name}.npz"), "--trajectory", str(tmp_path / f"{name}.csv")]) == 0
    capsys.readouterr()
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_concurrent_verify_runs_into_one_out_agree(tmp_path) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    args = [sys.executable, "-m", "wideminima", "verify", "toy.py", "--profile", "ci", "--seed", "0", "--json",
            "--out", "cx"]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
            for _ in range(2)]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [1, 1], outputs
    rows = [json.loads(out)["claims"] for out, _ in outputs]
    assert [r["counterexample"]["file"] for r in rows[0]] == [r["counterexample"]["file"] for r in rows[1]]
    assert [r["worst_margin"] for r in rows[0]] == [r["worst_margin"] for r in rows[1]]
    assert sorted(p.name for p in (tmp_path / "cx").iterdir()) == ["square-above-x-seed0.npz"]  # no temporaries


def test_the_safe_reader_reads_what_numpy_wrote(tmp_path) -> None:
    rng = np.random.default_rng(0)
    arrays = {"c": rng.standard_normal((3, 4)), "f": np.asfortranarray(rng.standard_normal((3, 4))),
              "big": rng.standard_normal(5).astype(">f8"), "i": np.arange(6, dtype=np.int16).reshape(2, 3),
              "b": np.array([True, False]), "s": np.float32(1.5), "e": np.zeros((0, 3)), "h": np.ones(3, np.float16)}
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "a.npz", **arrays)
        got = read_npz(tmp_path / "a.npz")
        with np.load(tmp_path / "a.npz", allow_pickle=False) as expected:
            for name in arrays:
                assert got[name].dtype == expected[name].dtype and got[name].shape == expected[name].shape
                assert np.array_equal(got[name], expected[name]), name
    assert got["f"].flags.f_contiguous and got["c"].flags.writeable
