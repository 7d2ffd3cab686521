"""The ``wideminima sharpness`` command: JSON keys and values, human table, bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wideminima.cli import main
from wideminima.io import save_npz
from wideminima.numeric.files import save_weights
from wideminima.numeric import balanced_minimum, flattest_sharpness, gauge_minimum, random_covariance

KEYS = {"depth", "widths", "lambda_max", "trace", "at_global_minimum", "gradient_norm", "flattest_bound",
        "sharpness_ratio", "path_gains", "coupling", "imbalance"}


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["sharpness", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object
    return json.loads(out)


def test_json_at_a_balanced_minimum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = np.diag([8.0, 1.0, 0.5])
    save_weights(tmp_path / "w.npz", balanced_minimum(target, [3, 4, 4, 3], np.random.default_rng(0)))
    got = _run_json(capsys, str(tmp_path / "w.npz"))
    assert KEYS <= set(got)
    assert got["depth"] == 3 and got["widths"] == [3, 4, 4, 3] and got["at_global_minimum"] is True
    assert got["flattest_bound"] == pytest.approx(3 * 8.0 ** (4 / 3), rel=1e-14)
    assert got["sharpness_ratio"] == pytest.approx(1.0, abs=1e-12)
    assert got["path_gains"] == pytest.approx([1.0, 2.0, 4.0, 8.0], rel=1e-13)
    assert len(got["coupling"]) == 2 and len(got["imbalance"]) == 2
    assert got["near_balance"]["in_band"] is True
    assert got["gradient_norm"] == 0.0


def test_json_with_data_away_from_a_minimum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(1)
    save_weights(tmp_path / "w.npz", [rng.standard_normal((5, 4)), rng.standard_normal((3, 5))])
    save_npz(tmp_path / "d.npz", {"X": rng.standard_normal((30, 4)), "Y": rng.standard_normal((30, 3))})
    got = _run_json(capsys, str(tmp_path / "w.npz"), "--data", str(tmp_path / "d.npz"))
    assert got["at_global_minimum"] is False and got["sharpness_ratio"] is None
    assert got["lambda_min"] < 0 < got["lambda_max"] and got["converged"] is True
    assert got["gradient_norm"] > 0


def test_gauge_minimum_with_population_data_and_human_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(2)
    target = rng.standard_normal((3, 3))
    save_weights(tmp_path / "w.npz", gauge_minimum(target, [3, 3, 3], rng))
    save_npz(tmp_path / "d.npz", {"Sigma_x": random_covariance(3, rng), "T": target})
    got = _run_json(capsys, str(tmp_path / "w.npz"), "--data", str(tmp_path / "d.npz"))
    assert got["at_global_minimum"] is True and got["sharpness_ratio"] >= 1 - 1e-12
    assert main(["sharpness", str(tmp_path / "w.npz")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["depth", "2"]
    assert len({line.index(line.split()[1]) for line in lines}) == 1  # values start in one aligned column


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no such file"),
        ({"w": {"W1": np.array([[np.nan]])}}, "contains NaN"),
        ({"w": {"W1": np.eye(2) * (1 + 1j)}}, "array 'W1' holds complex values"),
        ({"w": {"W1": np.eye(2)}}, "seed must be an integer >= 0"),
        # Finite layers whose product (or whose lambda_max ~ ||W_1||^2 = 1e320) overflows float64.
        ({"w": {"W1": 1e200 * np.eye(2), "W2": 1e200 * np.eye(2)}}, "leaves the float64 range"),
        ({"w": {"W1": 1e160 * np.eye(2), "W2": 1e-10 * np.eye(2)}}, "leaves the float64 range"),
        ({"w": {"W1": np.eye(2)}, "d": {"Sigma_x": 1e300 * np.eye(2), "T": 1e10 * np.eye(2)}}, "leaves the float64 range"),
        ({"w": {"W1": np.ones((2, 2)), "W2": np.ones((2, 3))}}, "W2 needs 2 columns"),
        ({"w": {"W1": np.eye(2)}, "d": {"Sigma_x": np.eye(3), "T": np.ones((2, 3))}}, "maps R\\^2"),
        ({"w": {"W1": np.eye(2)}, "d": {"Sigma_x": np.zeros((2, 2)), "T": np.eye(2)}}, "singular"),
        ({"w": {"W1": np.ones((1, 2)), "W2": np.ones((2, 1))}, "d": {"Sigma_x": np.eye(2), "T": np.eye(2)}}, "below rank"),
        ({"w": {"W1": np.eye(2)}, "d": {"X": np.zeros((0, 2)), "Y": np.zeros((0, 2))}}, "empty"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict, message: str) -> None:
    argv = ["sharpness", str(tmp_path / "w.npz")]
    for name, arrays in files.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
    if "d" in files:
        argv += ["--data", str(tmp_path / "d.npz")]
    if message.startswith("seed"):
        argv += ["--seed", "-1"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert __import__("re").search(message, captured.err)


def test_whole_process(tmp_path: Path) -> None:
    target = np.diag([2.0, 1.0])
    save_weights(tmp_path / "w.npz", balanced_minimum(target, [2, 2, 2]))
    done = subprocess.run([sys.executable, "-m", "wideminima", "sharpness", str(tmp_path / "w.npz"), "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["lambda_max"] == pytest.approx(flattest_sharpness(target, 2), rel=1e-14)


def test_non_whitened_data_reports_the_exact_flattest_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10: ``--data`` with Sigma_x != I reports F(T, Sigma_x, N) to 1e-10 relative (here against its 50-digit
    enclosure, d = 12), sharpness_ratio 1 at a flattest (carrier) minimum, and its path metrics and band."""
    import mpmath

    from wideminima.numeric import flattest_minimum
    from wideminima.symbolic import certify_flattest_value

    rng = np.random.default_rng(3)
    d = 12
    target = rng.standard_normal((d, d)) / np.sqrt(d)
    sigma = random_covariance(d, rng, condition=50.0)
    save_weights(tmp_path / "w.npz", flattest_minimum(target, [d] * 4, sigma, rng))
    save_npz(tmp_path / "d.npz", {"Sigma_x": sigma, "T": target})
    got = _run_json(capsys, str(tmp_path / "w.npz"), "--data", str(tmp_path / "d.npz"))
    exact = certify_flattest_value(target, sigma, 3, dps=30)
    assert abs(mpmath.mpf(got["flattest_bound"]) - exact.value) <= 1e-10 * exact.value
    # a flattest minimum up to the rounding of its layers (~N d eps) and of lambda_max (Weyl, ~d^2 eps)
    assert got["sharpness_ratio"] == pytest.approx(1.0, abs=1e-12)
    assert max(got["path_residuals"]) <= 1e-12
    assert got["near_balance"]["in_band"] is True and got["near_balance"]["rho"] == pytest.approx([1.0] * 3, abs=1e-12)


def test_without_data_the_target_is_the_product_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Random weights are a global minimum of their own product: the output must name that target.
    rng = np.random.default_rng(3)
    save_weights(tmp_path / "w.npz", [rng.standard_normal((3, 3)), rng.standard_normal((3, 3))])
    save_npz(tmp_path / "d.npz", {"X": rng.standard_normal((30, 3)), "Y": rng.standard_normal((30, 3))})
    alone = _run_json(capsys, str(tmp_path / "w.npz"))
    assert alone["target"] == "product of the weights" and alone["at_global_minimum"] is True
    with_data = _run_json(capsys, str(tmp_path / "w.npz"), "--data", str(tmp_path / "d.npz"))
    assert with_data["target"] == "data" and with_data["at_global_minimum"] is False
    assert main(["sharpness", str(tmp_path / "w.npz")]) == 0
    assert "target product of the weights" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SystemExit):
        main(["sharpness", "--help"])
    assert "the target is taken to be the product of the weights" in " ".join(capsys.readouterr().out.split())


def test_a_residual_that_is_a_bound_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # N = 2 above the dense-gram size (d_N d_0 = 441 > 400): lambda_max by the Kronecker reduction, whose
    # residual_max is a rigorous upper bound, not a computed residual; the dense path's is computed
    rng = np.random.default_rng(4)
    save_weights(tmp_path / "big.npz", [rng.standard_normal((21, 21)), rng.standard_normal((21, 21))])
    save_weights(tmp_path / "small.npz", [rng.standard_normal((3, 3)), rng.standard_normal((3, 3))])
    big = _run_json(capsys, str(tmp_path / "big.npz"))
    assert big["method"] == "kronecker-reduction" and big["residual_max_is_bound"] is True
    small = _run_json(capsys, str(tmp_path / "small.npz"))
    assert small["method"] == "dense-gram" and small["residual_max_is_bound"] is False
