"""Fixtures shared by the numeric tests: the ``xp`` array namespace, parametrized over backends.

numpy always; array_api_strict (keeps the code to the standard) and torch CPU when
importable. ``to_xp`` converts a NumPy array into the namespace under test.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

_BACKENDS = ["numpy"] + [name for name in ("array_api_strict", "torch") if importlib.util.find_spec(name) is not None]


@pytest.fixture(params=_BACKENDS)
def xp(request: pytest.FixtureRequest) -> Any:
    """The array namespace under test (NumPy itself, array_api_strict, or torch through array-api-compat)."""
    if request.param == "numpy":
        return np
    if request.param == "torch":
        import array_api_compat.torch as xp_torch

        return xp_torch
    return importlib.import_module(request.param)


@pytest.fixture
def to_xp(xp: Any) -> Callable[[np.ndarray], Any]:
    """NumPy array -> float64 array of the namespace under test."""
    if xp is np:
        return lambda a: np.asarray(a, dtype=np.float64)
    return lambda a: xp.asarray(np.asarray(a, dtype=np.float64), dtype=xp.float64)
