"""wideminima.threads: cores from affinity and cgroup quota, the size/load default, the limit it applies."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

from wideminima.cli import main
from wideminima.errors import InputError
from wideminima.threads import (
    WORK_PER_THREAD,
    _cgroup_quota,
    available_cores,
    check_threads,
    child_environment,
    choose_threads,
    idle_cores,
    runnable_elsewhere,
    thread_limit,
)


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_cgroup_v2_quota(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert _cgroup_quota(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert _cgroup_quota(tmp_path) is None


def test_cgroup_v1_quota(tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("300000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert _cgroup_quota(tmp_path) == 3.0
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert _cgroup_quota(tmp_path) is None


def test_available_cores_capped_by_quota(tmp_path):
    (tmp_path / "cpu.max").write_text("100000 100000\n")  # one CPU's worth
    assert available_cores(tmp_path) == 1
    assert available_cores(tmp_path / "missing") >= 1


def test_runnable_elsewhere_reads_the_running_count(tmp_path):
    # /proc/loadavg: "1-min 5-min 15-min running/total last-pid"; this process's own thread is not counted
    # and this process's own runnable threads (state R in /proc/self/task/*/stat) are not counted either
    loadavg, tasks = tmp_path / "loadavg", tmp_path / "task"
    for tid, state in ((1, "R"), (2, "S"), (3, "R")):
        (tasks / str(tid)).mkdir(parents=True)
        (tasks / str(tid) / "stat").write_text(f"{tid} (python (x)) {state} 1 2 3\n")
    loadavg.write_text("0.70 1.40 4.39 2/234 5678\n")
    assert runnable_elsewhere(loadavg, tasks=tasks) == 0  # both runnable threads are ours
    loadavg.write_text("9.00 9.00 9.00 6/300 5678\n")
    assert runnable_elsewhere(loadavg, tasks=tasks) == 4
    loadavg.write_text("garbage\n")
    assert runnable_elsewhere(loadavg, tasks=tasks) is None
    assert runnable_elsewhere(tmp_path / "missing", tasks=tasks) is None
    assert runnable_elsewhere() is not None  # this machine has /proc (Linux CI)


def test_idle_cores_subtracts_load():
    assert idle_cores(8, 0.2) == 8
    assert idle_cores(8, 2.6) == 5
    assert idle_cores(2, 7.0) == 1  # never below one


def test_size_term_limits_small_work():
    assert choose_threads(0.5 * WORK_PER_THREAD) == 1
    assert choose_threads(1e15) >= 1


def test_explicit_count_wins_and_is_applied():
    with thread_limit(1) as applied:
        assert applied == 1
        assert _blas_threads() == {1}
        with thread_limit(work=1e15) as nested:  # an explicit outer count overrides the size default
            assert nested == 1
        assert choose_threads(1e15) == 1
    assert choose_threads(0.0) == 1  # the explicit count no longer applies, the size term does


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_thread_counts(bad):
    with pytest.raises(InputError, match="threads must be an integer >= 1"):
        check_threads(bad)


def test_child_environment():
    assert child_environment(3) == {"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": "3", "MKL_NUM_THREADS": "3"}


@pytest.mark.parametrize("command", ["verify", "sharpness", "derive", "train", "report"])
def test_every_command_rejects_a_bad_thread_count(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--threads", "0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--threads" in err[0] and "must be an integer >= 1" in err[0]


def test_threads_reach_the_command(monkeypatch):
    seen = []
    import wideminima.cli.derive as derive

    monkeypatch.setattr(derive, "run", lambda args: seen.append(_blas_threads()) or 0)
    assert main(["derive", "scalar", "--depth", "2", "--threads", "1"]) == 0
    assert seen == [{1}]
