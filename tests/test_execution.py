"""wideminima.execution: task order, start order, failures and bad backends, on every local backend."""

from __future__ import annotations

import importlib.util
import os

import pytest

from wideminima import execution
from wideminima.cli import main
from wideminima.errors import InputError
from wideminima.execution import Backend, run_tasks


def power(base: int, exponent: int) -> int:
    return base**exponent


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ArithmeticError("three")
    return x


def blas_threads() -> str | None:
    return os.environ.get("OPENBLAS_NUM_THREADS")


@pytest.mark.parametrize("backend", [Backend.serial(), Backend.processes(2)], ids=["serial", "processes"])
def test_results_in_task_order_whatever_the_start_order(backend: Backend) -> None:
    arguments = [(b, 3) for b in range(7)]
    seen: list[int] = []
    results = run_tasks(power, arguments, backend, order=[6, 0, 5, 1, 4, 2, 3],
                        on_done=lambda i, r: seen.append(i) or None)
    assert results == [b**3 for b in range(7)]
    assert sorted(seen) == list(range(7))


def test_serial_starts_in_the_given_order() -> None:
    seen: list[int] = []
    run_tasks(power, [(b, 1) for b in range(4)], Backend.serial(), order=[2, 0, 3, 1], on_done=lambda i, r: seen.append(i))
    assert seen == [2, 0, 3, 1]


def test_order_must_be_a_permutation() -> None:
    with pytest.raises(ValueError, match="permutation"):
        run_tasks(power, [(1, 1), (2, 1)], Backend.serial(), order=[0, 0])


@pytest.mark.parametrize("backend", [Backend.serial(), Backend.processes(2)], ids=["serial", "processes"])
def test_a_failing_task_raises_its_exception_here(backend: Backend) -> None:
    with pytest.raises(ArithmeticError, match="three"):
        run_tasks(fail_on_three, [(x,) for x in range(5)], backend)


def test_local_workers_have_one_blas_thread_and_the_parent_keeps_its_setting() -> None:
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    assert run_tasks(blas_threads, [()], Backend.processes(1)) == ["1"]
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before


@pytest.mark.parametrize("workers", [0, -1])
def test_workers_below_one_is_an_input_error(workers: int) -> None:
    with pytest.raises(InputError, match=f"--workers {workers}"):
        Backend.processes(workers)


def test_scheduler_without_dask_names_the_extra(monkeypatch, capsys) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    assert main(["verify", "--scheduler", "tcp://127.0.0.1:8786", "--claim", "scalar-closed-form"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "wideminima[dask]" in err


def test_workers_and_scheduler_exclude_each_other(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_unreachable_scheduler_is_one_line(monkeypatch, tmp_path, capsys) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(execution, "CONNECT_TIMEOUT", 1)
    # Port 9 (discard) on the loopback: nothing listens there in a test environment.
    code = main(["verify", "--scheduler", "tcp://127.0.0.1:9", "--claim", "scalar-closed-form", "--json",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "--scheduler tcp://127.0.0.1:9: cannot connect" in err
