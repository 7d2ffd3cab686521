"""Fixtures shared by the numeric tests: the ``xp`` array namespace, parametrized over backends.

numpy always; array_api_strict (keeps the code to the standard) and torch CPU when
importable. ``to_xp`` converts a NumPy array into the namespace under test.

``WIDEMINIMA_ARRAY_BACKENDS`` (comma-separated) replaces that list, e.g.
``torch-cuda,cupy`` on a GPU machine (benchmarks/device_check.sh): ``torch-cuda`` is torch
with every test array on the "cuda" device, ``cupy`` is CuPy through array-api-compat.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

_DEFAULT = ["numpy"] + [name for name in ("array_api_strict", "torch") if importlib.util.find_spec(name) is not None]
_BACKENDS = [b for b in os.environ.get("WIDEMINIMA_ARRAY_BACKENDS", "").split(",") if b] or _DEFAULT
# backend name -> (module, device of the test arrays)
_MODULES = {"torch": ("array_api_compat.torch", None), "torch-cuda": ("array_api_compat.torch", "cuda"),
            "cupy": ("array_api_compat.cupy", None)}


@pytest.fixture(params=_BACKENDS)
def xp(request: pytest.FixtureRequest) -> Any:
    """The array namespace under test (NumPy itself, array_api_strict, or torch through array-api-compat)."""
    if request.param == "numpy":
        return np
    return importlib.import_module(_MODULES.get(request.param, (request.param, None))[0])


@pytest.fixture
def to_xp(xp: Any, request: pytest.FixtureRequest) -> Callable[[np.ndarray], Any]:
    """NumPy array -> float64 array of the namespace under test (on the backend's device)."""
    if xp is np:
        return lambda a: np.asarray(a, dtype=np.float64)
    device = _MODULES.get(request.node.callspec.params["xp"], (None, None))[1]
    if device is not None:
        return lambda a: xp.asarray(np.asarray(a, dtype=np.float64), dtype=xp.float64, device=device)
    return lambda a: xp.asarray(np.asarray(a, dtype=np.float64), dtype=xp.float64)
