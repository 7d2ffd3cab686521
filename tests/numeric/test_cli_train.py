"""``wideminima train``: outputs, summary, data sources, progress bar, bad input (one line, exit 2)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from wideminima.cli import main
from wideminima.cli.train import synthetic_target
from wideminima.io import save_npz
from wideminima.numeric.files import load_weights, save_weights

THEORY_RUN = ["train", "--model", "resnet", "--depth", "3", "--width", "3", "--target-seed", "0", "--init", "zero",
              "--lr", "0.1", "--steps", "20000", "--tol", "1e-12", "--quiet"]


def _json(capsys) -> dict:
    captured = capsys.readouterr()
    return json.loads(captured.out)


def test_theory_experiment_command(tmp_path, capsys) -> None:
    out, traj = tmp_path / "w.npz", tmp_path / "traj.json"
    assert main(THEORY_RUN + ["--out", str(out), "--trajectory", str(traj), "--log-every", "20", "--json"]) == 0
    summary = _json(capsys)
    assert summary["status"] == "converged" and summary["widths"] == [3, 3, 3, 3]
    assert summary["weights"] == str(out) and summary["trajectory"] == str(traj)
    # At the minimum: the exact sharpness over the flattest bound, >= 1 (sharpness-lower-bound)
    # and 1 + O(eta^2) (gd-excess-sharpness; ~1e-5 for this target at eta = 0.1).
    assert summary["at_global_minimum"] is True
    assert 1 < summary["sharpness_ratio"] < 1 + 1e-3
    assert summary["lambda_max"] == pytest.approx(summary["sharpness_ratio"] * summary["flattest_bound"], rel=1e-15)
    weights = load_weights(out)
    assert len(weights) == 3
    target = synthetic_target("margin", 3, 3, 0)
    product = weights[2] @ weights[1] @ weights[0]
    assert np.linalg.norm(product - target) <= 1e-10 * np.linalg.norm(target)
    saved = json.loads(traj.read_text())
    assert saved["status"] == "converged" and saved["config"]["lr"] == 0.1
    assert [r["step"] for r in saved["rows"]][:3] == [0, 20, 40] and saved["rows"][-1]["step"] == summary["steps"]


def test_csv_trajectory_and_text_summary(tmp_path, capsys) -> None:
    traj = tmp_path / "t.csv"
    assert main(THEORY_RUN[:-5] + ["--steps", "50", "--trajectory", str(traj), "--log-every", "10", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "status: max_steps" in text and "steps: 50" in text
    rows = list(csv.DictReader(traj.open()))
    assert [int(r["step"]) for r in rows] == [0, 10, 20, 30, 40, 50]
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_divergence_is_reported_not_an_error(tmp_path, capsys) -> None:
    out = tmp_path / "w.npz"
    assert main(["train", "--depth", "3", "--width", "3", "--target-seed", "1", "--lr", "5", "--steps", "100",
                 "--out", str(out), "--json", "--quiet"]) == 0
    summary = _json(capsys)
    assert summary["status"] == "diverged" and summary["diverged_at"] == summary["steps"]
    assert summary["at_global_minimum"] is False and summary["lambda_max"] is None
    assert all(np.isfinite(w).all() for w in load_weights(out))


def test_mlp_with_sgd_on_synthetic_samples(capsys) -> None:
    args = ["train", "--model", "mlp", "--widths", "3,8,2", "--activation", "tanh", "--bias", "--target-seed", "2",
            "--samples", "64", "--optimizer", "sgd", "--batch-size", "16", "--lr", "0.1", "--steps", "200", "--json", "--quiet"]
    assert main(args) == 0
    first = _json(capsys)
    assert main(args) == 0
    assert _json(capsys)["loss"] == first["loss"]  # same seed, same numbers
    assert first["widths"] == [3, 8, 2] and first["status"] in ("max_steps", "converged")


def test_mlp_biases_are_saved_beside_the_weights(tmp_path, capsys) -> None:
    out, biases = tmp_path / "w.npz", tmp_path / "b.npz"
    assert main(["train", "--model", "mlp", "--widths", "2,4,1", "--bias", "--target-seed", "0", "--target-kind", "gaussian",
                 "--samples", "16", "--lr", "0.05", "--steps", "20", "--out", str(out), "--biases-out", str(biases), "--json", "--quiet"]) == 0
    assert _json(capsys)["biases"] == str(biases)
    with np.load(biases) as saved:
        assert sorted(saved.files) == ["b1", "b2"] and saved["b1"].shape == (4,) and saved["b2"].shape == (1,)
    assert [w.shape for w in load_weights(out)] == [(4, 2), (1, 4)]


@pytest.mark.parametrize("form", ["samples", "population"])
def test_data_files_and_user_init(tmp_path, capsys, form: str) -> None:
    rng = np.random.default_rng(3)
    target = synthetic_target("margin", 2, 2, 3)
    data = tmp_path / "data.npz"
    if form == "samples":
        x = rng.standard_normal((100, 2))
        save_npz(data, {"X": x, "Y": x @ target.T})
    else:
        save_npz(data, {"Sigma_x": np.diag([2.0, 0.5]), "T": target})
    init = tmp_path / "init.npz"
    save_weights(init, [np.eye(2), np.eye(2)])
    assert main(["train", "--data", str(data), "--depth", "2", "--init", str(init), "--lr", "0.1", "--steps", "5000",
                 "--json", "--quiet"]) == 0
    summary = _json(capsys)
    assert summary["status"] == "converged" and summary["widths"] == [2, 2, 2]


def _bad(tmp_path):
    nan = tmp_path / "nan.npz"
    save_npz(nan, {"X": np.full((4, 3), np.nan), "Y": np.zeros((4, 3))})
    empty = tmp_path / "empty.npz"
    save_npz(empty, {"X": np.zeros((0, 3)), "Y": np.zeros((0, 3))})
    folder = tmp_path / "t.json"
    folder.mkdir(exist_ok=True)
    huge = tmp_path / "huge.npz"
    save_npz(huge, {"Sigma_x": 1e300 * np.eye(3), "T": 1e10 * np.eye(3)})  # Sigma_yx = T Sigma_x overflows
    base = ["train", "--lr", "0.1", "--steps", "10", "--quiet"]
    return [
        (base + ["--depth", "0", "--width", "3", "--target-seed", "0"], "--depth must be >= 1"),
        (base + ["--depth", "2", "--width", "3"], "exactly one of --data"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--data", str(nan)], "exactly one of --data"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--init", "orthogonal"], "unknown init 'orthogonal'"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--trajectory", str(tmp_path / "t.txt")], ".json or .csv"),
        (base + ["--depth", "2", "--data", str(tmp_path / "missing.npz")], "no such file"),
        (base + ["--depth", "2", "--data", str(nan)], "contains NaN or inf"),
        (base + ["--depth", "2", "--data", str(empty)], "is empty"),
        (base + ["--depth", "2", "--data", str(huge)], "leaves the float64 range"),
        (base + ["--model", "resnet", "--depth", "2", "--width", "4", "--input-dim", "3", "--target-seed", "0"], "ResNet's width"),
        (base + ["--depth", "2", "--width", "3", "--output-dim", "2", "--target-seed", "0", "--target-kind", "spd"], "square target"),
        (base + ["--widths", "3,x", "--target-seed", "0"], "comma-separated integers"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "-1"], "target seed must be an integer >= 0"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--minimum-rtol", "-1"], "--minimum-rtol must be"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--seed", "-2"], "seed must be an integer >= 0"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--optimizer", "sgd"], "SGD needs batch_size"),
        (["train", "--depth", "2", "--width", "3", "--target-seed", "0", "--lr", "-1", "--steps", "10"], "lr must be a positive"),
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--biases-out", str(tmp_path / "b.npz")], "--biases-out needs"),
        # A bad trajectory name fails before training, so the weights are not written alone.
        (base + ["--depth", "2", "--width", "3", "--target-seed", "0", "--trajectory", str(folder)], "is a directory"),
    ]


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "w.npz"
    for argv, message in _bad(tmp_path):
        assert main(argv + ["--out", str(out)]) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err, (argv, err)
        assert not out.exists()
