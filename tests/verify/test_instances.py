"""Instances round-trip through .npz bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.io import save_npz
from wideminima.property_tests.instances import Minimum, decode, encode


def test_round_trip_is_exact(tmp_path) -> None:
    rng = np.random.default_rng(0)
    m = Minimum([rng.standard_normal((3, 2)), rng.standard_normal((2, 3))], rng.standard_normal((2, 2)), "gauge")
    instance = {"minimum": m, "lr": 0.1 + 1e-17 * 3, "k": 3, "tag": "x", "pair": (np.ones(2), None), "flag": True}
    layout, arrays = encode(instance)
    path = save_npz(tmp_path / "x.npz", {**arrays, "__layout__": np.array(layout)})
    with np.load(path) as data:
        back = decode(str(data["__layout__"]), {k: data[k] for k in data.files if k != "__layout__"})
    assert back["lr"] == instance["lr"] and back["k"] == 3 and back["tag"] == "x" and back["flag"] is True
    assert isinstance(back["pair"], tuple) and back["pair"][1] is None
    got = back["minimum"]
    assert got.label == "gauge" and all(np.array_equal(a, b) for a, b in zip(got.weights, m.weights))
    assert np.array_equal(got.sigma_x_factor, m.sigma_x_factor)
    assert np.array_equal(got.sigma_x, m.sigma_x_factor @ m.sigma_x_factor.T)


def test_unsupported_parts_and_damaged_layouts_are_input_errors() -> None:
    with pytest.raises(InputError, match="type set"):
        encode({"bad": {1, 2}})
    with pytest.raises(InputError, match="damaged"):
        decode(json.dumps({"type": "array", "key": "missing"}), {})
