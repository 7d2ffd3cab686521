"""Weights and data files: round trips and one-line errors for every malformed file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.io import save_npz
from wideminima.numeric.files import load_data, load_weights, read_data_file, save_weights


def test_weights_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((1, 4))]
    path = save_weights(tmp_path / "w.npz", weights)
    loaded = load_weights(path)
    assert len(loaded) == 3
    for a, b in zip(weights, loaded):
        np.testing.assert_array_equal(a, b)
    assert not list(tmp_path.glob(".*.tmp")), "temporary file left behind"


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"W1": np.eye(2), "W3": np.eye(2)}, "missing ['W2']"),
        ({"W1": np.eye(2), "bias": np.ones(2)}, "unexpected arrays ['bias']"),
        ({}, "no layers"),
        ({"W1": np.eye(2), "W2": np.ones((2, 3))}, "W2 needs 2 columns"),
        ({"W1": np.array([[1.0, np.nan]])}, "W1 contains NaN or inf"),
        ({"W1": np.ones(3)}, "W1 must have 2 dimensions"),
        ({"W1": np.ones((0, 2))}, "W1 is empty"),
    ],
)
def test_bad_weights_files(tmp_path: Path, arrays: dict, message: str) -> None:
    path = save_npz(tmp_path / "bad.npz", arrays)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        load_weights(path)
    assert "\n" not in str(info.value)


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_weights(tmp_path / "absent.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable .npz"):
        load_data(tmp_path / "junk.npz")


def test_data_forms_agree(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 3))
    t = rng.standard_normal((2, 3))
    y = x @ t.T
    samples = load_data(save_npz(tmp_path / "s.npz", {"X": x, "Y": y}))
    population = load_data(save_npz(tmp_path / "p.npz", {"Sigma_x": samples.sigma_x, "T": t}))
    cross = load_data(save_npz(tmp_path / "c.npz", {"Sigma_x": samples.sigma_x, "Sigma_yx": samples.sigma_yx}))
    # T is recovered by one solve with Sigma_x (condition number ~ 3 here): a few ulps.
    np.testing.assert_allclose(samples.target, t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(population.sigma_yx, samples.sigma_yx, rtol=1e-13)
    np.testing.assert_allclose(cross.target, t, rtol=1e-12, atol=1e-12)
    # Noise-free samples: the minimum loss is 0 up to cancellation in E||y||^2 - tr(T Sx T^T).
    assert abs(samples.minimum_loss) <= 1e-13 * samples.y_energy


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.ones((3, 2))}, "needs X and Y"),
        ({"X": np.ones((3, 2)), "Y": np.ones((4, 1))}, "X has 3 samples but Y has 4"),
        ({"Sigma_x": np.zeros((2, 2)), "T": np.ones((1, 2))}, "Sigma_x is singular"),
        ({"Sigma_x": np.array([[1.0, 2.0], [0.0, 1.0]]), "T": np.ones((1, 2))}, "Sigma_x is not symmetric"),
        ({"Sigma_x": np.eye(2), "T": np.ones((1, 3))}, "must match Sigma_x's size 2"),
        ({"Sigma_x": np.eye(2), "Sigma_yx": np.array([[np.inf, 0.0]])}, "Sigma_yx contains NaN or inf"),
    ],
)
def test_bad_data_files(tmp_path: Path, arrays: dict, message: str) -> None:
    path = save_npz(tmp_path / "bad.npz", arrays)
    with pytest.raises(InputError, match=message):
        load_data(path)


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    class Unsaveable:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        save_npz(tmp_path / "out.npz", {"a": np.ones(2), "b": Unsaveable()})
    assert list(tmp_path.iterdir()) == []


def test_read_data_file_keeps_samples(tmp_path: Path) -> None:
    x, y = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.ones((3, 1))
    read = read_data_file(save_npz(tmp_path / "s.npz", {"X": x, "Y": y}))
    assert read.samples is not None
    np.testing.assert_array_equal(read.samples[0], x)
    np.testing.assert_array_equal(read.samples[1], y)
    np.testing.assert_array_equal(read.moments.sigma_x, x.T @ x / 3)
    assert read_data_file(save_npz(tmp_path / "p.npz", {"Sigma_x": np.eye(2), "T": np.ones((1, 2))})).samples is None
    with pytest.raises(InputError, match="X has 3 samples but Y has 2"):
        read_data_file(save_npz(tmp_path / "bad.npz", {"X": x, "Y": np.ones((2, 1))}))


def test_written_files_get_the_default_mode(tmp_path: Path) -> None:
    import os

    from wideminima.atomic import current_umask

    path = save_npz(tmp_path / "m.npz", {"a": np.ones(1)})
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~current_umask()


def test_unusable_output_paths_are_one_line_input_errors(tmp_path: Path) -> None:
    (tmp_path / "file.npz").write_bytes(b"")
    for path, message in [(tmp_path, "is a directory"), (tmp_path / "file.npz" / "w.npz", "file.npz is a file")]:
        with pytest.raises(InputError, match=message) as info:
            save_weights(path, [np.eye(2)])
        assert "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.npz"]  # nothing else written
