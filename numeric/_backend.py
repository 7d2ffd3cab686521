"""The one place that knows about array libraries.

Every public numeric function takes arrays from any namespace that follows the
Python array API (NumPy, PyTorch, CuPy, array-api-strict), obtains the namespace
once with :func:`array_namespace` and passes ``xp`` down. Nothing else in
``wideminima.numeric`` imports an array library other than through here, and
nothing here imports one eagerly.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from typing import Any

import numpy as np

from wideminima.errors import InputError

__all__ = ["array_namespace", "to_numpy", "as_float_array", "check_seed"]


def array_namespace(*arrays: Any) -> Any:
    """The array-API namespace shared by ``arrays``.

    Plain NumPy arrays (and Python scalars/lists) give ``numpy`` itself, which
    implements the standard since NumPy 2; anything else goes through
    ``array_api_compat`` (the ``backends`` extra).
    """
    if all(isinstance(a, (np.ndarray, np.generic, int, float, list, tuple)) or a is None for a in arrays):
        return np
    try:
        import array_api_compat
    except ImportError as exc:  # pragma: no cover - depends on the environment
        kinds = sorted({type(a).__module__ + "." + type(a).__name__ for a in arrays})
        raise InputError(
            f"arrays of type {', '.join(kinds)} need the array-api-compat package: "
            "pip install 'wideminima[backends]'"
        ) from exc
    return array_api_compat.array_namespace(*[a for a in arrays if a is not None])


def to_numpy(array: Any) -> np.ndarray:
    """A float64 NumPy copy of ``array`` (moved to the host if it lives on a GPU)."""
    if isinstance(array, np.ndarray):
        return np.asarray(array, dtype=np.float64)
    if hasattr(array, "detach"):  # torch
        return array.detach().cpu().numpy().astype(np.float64)
    if hasattr(array, "get"):  # cupy
        return np.asarray(array.get(), dtype=np.float64)
    return np.asarray(array, dtype=np.float64)


def as_float_array(value: Any, name: str, xp: Any = np, ndim: int | None = None) -> Any:
    """``value`` as a float64 array of namespace ``xp``, checked finite and of ``ndim`` dims.

    Raises :class:`InputError` naming ``name`` when the value is complex (casting
    would drop the imaginary part), has the wrong number of dimensions, is empty,
    or contains NaN or inf.
    """
    if xp is np:
        if np.iscomplexobj(value):
            raise InputError(f"{name} is complex; the toolkit works with real float64 arrays")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name} is not a numeric array: {exc}") from None
    else:
        arr = value if hasattr(value, "shape") else xp.asarray(value)
        if xp.isdtype(arr.dtype, "complex floating"):
            raise InputError(f"{name} is complex; the toolkit works with real float64 arrays")
        if arr.dtype != xp.float64:
            arr = xp.astype(arr, xp.float64)
    if ndim is not None and arr.ndim != ndim:
        raise InputError(f"{name} must have {ndim} dimensions, got shape {tuple(arr.shape)}")
    if any(int(s) == 0 for s in arr.shape):
        raise InputError(f"{name} is empty (shape {tuple(arr.shape)})")
    if not bool(xp.all(xp.isfinite(arr))):
        raise InputError(f"{name} contains NaN or inf")
    return arr


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as a Python int, checked to be an integer >= 0 (what ``numpy.random.default_rng`` accepts)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"{name} must be an integer >= 0, got {seed!r}")
    return int(seed)


@contextlib.contextmanager
def overflow_as_input_error(what: str) -> Iterator[None]:
    """Turn a NumPy float64 overflow inside the block into one :class:`InputError` about ``what``.

    For the command line: values that are finite but so large that a product of
    them overflows (e.g. layers of norm 1e200) are a user's input out of range, not a
    bug; without this NumPy warns and continues with inf, then fails later with a
    misleading message or a LinAlgError traceback.
    """
    with np.errstate(over="raise"):
        try:
            yield
        except FloatingPointError as exc:
            raise InputError(f"{what}: the computation leaves the float64 range ({exc}); rescale the inputs") from None


def device_of(array: Any) -> Any:
    """The device ``array`` lives on (``"cpu"`` for NumPy)."""
    if isinstance(array, np.ndarray):
        return "cpu"
    import array_api_compat

    return array_api_compat.device(array)


def eye_like(xp: Any, n: int, like: Any) -> Any:
    """The float64 identity of size ``n`` in namespace ``xp`` on ``like``'s device."""
    if xp is np:
        return np.eye(n)
    return xp.eye(n, dtype=xp.float64, device=device_of(like))


def asarray_like(xp: Any, value: Any, like: Any) -> Any:
    """``value`` (a NumPy array) as a float64 array of ``xp`` on ``like``'s device."""
    if xp is np:
        return np.asarray(value, dtype=np.float64)
    return xp.asarray(value, dtype=xp.float64, device=device_of(like))


def zeros_like_device(xp: Any, shape: tuple[int, ...], like: Any) -> Any:
    """float64 zeros of ``shape`` in namespace ``xp`` on ``like``'s device."""
    if xp is np:
        return np.zeros(shape)
    return xp.zeros(shape, dtype=xp.float64, device=device_of(like))


def index_array(xp: Any, indices: Any, like: Any) -> Any:
    """An integer index array (for ``xp.take``) in namespace ``xp`` on ``like``'s device."""
    if xp is np:
        return np.asarray(indices, dtype=np.int64)
    return xp.asarray(np.asarray(indices, dtype=np.int64), dtype=xp.int64, device=device_of(like))


def scipy_available() -> bool:
    """Whether SciPy (the ``fast`` extra) can be imported."""
    return importlib.util.find_spec("scipy") is not None
