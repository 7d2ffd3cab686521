"""Linear ResNet parametrization W_k = I + R_k and the initial weights."""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import gaussian_init, he_init, init_weights, resnet_residuals, resnet_weights, xavier_init
from wideminima.numeric import zero_resnet_init


def test_residuals_and_weights_are_inverse() -> None:
    rng = np.random.default_rng(0)
    residuals = [rng.standard_normal((3, 3)) for _ in range(4)]
    weights = resnet_weights(residuals)
    off_diagonal = ~np.eye(3, dtype=bool)
    for w, r in zip(weights, residuals):
        assert np.array_equal(w[off_diagonal], r[off_diagonal])  # 0 + r is exact off the diagonal
    back = resnet_residuals(weights)
    # (1 + r) - 1 rounds once: |error| <= eps * |1 + r|.
    for r, b in zip(residuals, back):
        assert np.all(np.abs(r - b) <= np.finfo(float).eps * np.abs(1 + r))


def test_zero_init_is_identity_layers() -> None:
    layers = zero_resnet_init(depth=5, width=4)
    assert len(layers) == 5 and all(np.array_equal(w, np.eye(4)) for w in layers)
    assert all(np.array_equal(r, np.zeros((4, 4))) for r in resnet_residuals(layers))


def test_resnet_bad_input() -> None:
    with pytest.raises(InputError, match="depth must be >= 1"):
        zero_resnet_init(depth=0, width=3)
    with pytest.raises(InputError, match="square"):
        resnet_weights([np.zeros((3, 2))])
    with pytest.raises(InputError, match="W2 has shape"):
        resnet_residuals([np.eye(2), np.eye(3)])
    with pytest.raises(InputError, match="NaN"):
        resnet_weights([np.full((2, 2), np.nan)])
    with pytest.raises(InputError, match="every width equal"):
        init_weights("zero", [3, 4, 3], np.random.default_rng(0))


def test_inits_have_their_shapes_and_variances() -> None:
    widths = [200, 300, 100]
    rng = np.random.default_rng(1)
    # Sample variance of m = 2e4..6e4 Gaussian entries: relative standard error sqrt(2/m) <= 1%;
    # 5% is five standard errors.
    for layers, variances in [
        (xavier_init(widths, rng), [2 / 500, 2 / 400]),
        (he_init(widths, rng), [2 / 200, 2 / 300]),
        (gaussian_init(widths, 0.1, rng), [0.01, 0.01]),
    ]:
        assert [w.shape for w in layers] == [(300, 200), (100, 300)]
        for w, v in zip(layers, variances):
            assert abs(np.var(w) / v - 1) < 0.05


def test_inits_are_reproducible_and_reject_bad_input() -> None:
    a = init_weights("he", [3, 4, 2], np.random.default_rng(7))
    b = init_weights("he", [3, 4, 2], np.random.default_rng(7))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    with pytest.raises(InputError, match="unknown init 'orthogonal'"):
        init_weights("orthogonal", [3, 3], np.random.default_rng(0))
    with pytest.raises(InputError, match="depth N >= 1"):
        init_weights("xavier", [3], np.random.default_rng(0))
    with pytest.raises(InputError, match="scale must be a positive"):
        gaussian_init([3, 3], -1.0, np.random.default_rng(0))
