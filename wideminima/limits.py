"""Size limits: refuse work that would not fit, in one line, before allocating anything.

Three limits, each raised by an environment variable (README, "Limits"):

- ``WIDEMINIMA_MAX_MEMORY`` (default ``4G``): the estimated peak memory of one
  network computation (:func:`network_bytes`) and the total size of the arrays a
  file declares (checked from the headers, before reading them).
- ``WIDEMINIMA_MAX_ARRAYS`` (default ``4096``): the number of arrays in one ``.npz``
  (a weights file of depth N holds N).
- ``WIDEMINIMA_MAX_RATIO`` (default ``1000``): how many times larger than its
  compressed size one ``.npz`` member over 16 MiB may claim to be (zip bombs; a
  member is never decompressed beyond the size it declares).

Sizes accept a suffix K, M, G or T (powers of 1024). A base module: NumPy-free.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from wideminima.errors import InputError

__all__ = ["MEMORY_ENV", "ARRAYS_ENV", "RATIO_ENV", "memory_limit", "array_count_limit", "ratio_limit",
           "format_bytes", "check_memory", "network_bytes", "check_network"]

MEMORY_ENV = "WIDEMINIMA_MAX_MEMORY"
ARRAYS_ENV = "WIDEMINIMA_MAX_ARRAYS"
RATIO_ENV = "WIDEMINIMA_MAX_RATIO"
_DEFAULTS = {MEMORY_ENV: "4G", ARRAYS_ENV: "4096", RATIO_ENV: "1000"}
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
# The estimate's allowances (chosen, not measured; they err on the large side): per layer
# beyond its entries, NumPy array headers (about 100 bytes each) in the several lists of
# layers that training and the Hessian code keep; copies of the parameters alive at once
# (weights, gradient, products before/after each layer, Lanczos vectors); copies of the
# largest d_k x d_k matrix (Sigma_x, W^T W in the imbalance, symmetrised copies, eigenvectors).
_LAYER_OVERHEAD = 2048
_PARAMETER_COPIES = 16
_SQUARE_COPIES = 4


def _read(name: str) -> int:
    text = os.environ.get(name, _DEFAULTS[name]).strip().upper().removesuffix("B")
    match = re.fullmatch(r"([0-9]+)\s*([KMGT]?)", text)
    if match is None or int(match.group(1)) < 1:
        raise InputError(f"{name}={os.environ.get(name)!r}: must be a positive whole number, optionally with K, M, G or T")
    return int(match.group(1)) * _UNITS[match.group(2)]


def memory_limit() -> int:
    """Bytes one computation or one file may need (``WIDEMINIMA_MAX_MEMORY``)."""
    return _read(MEMORY_ENV)


def array_count_limit() -> int:
    """Arrays one ``.npz`` may hold (``WIDEMINIMA_MAX_ARRAYS``)."""
    return _read(ARRAYS_ENV)


def ratio_limit() -> int:
    """Largest uncompressed / compressed size of one ``.npz`` member (``WIDEMINIMA_MAX_RATIO``)."""
    return _read(RATIO_ENV)


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest binary unit that keeps it >= 1 (one decimal).

    >>> format_bytes(3 * 1024**3)
    '3.0 GiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_memory(what: str, n_bytes: float) -> None:
    """Raise :class:`InputError` when ``what`` needs more than the memory limit (an estimate)."""
    limit = memory_limit()
    if n_bytes > limit:
        raise InputError(f"{what} needs about {format_bytes(n_bytes)} of memory (estimated), above the limit of "
                         f"{format_bytes(limit)}; set {MEMORY_ENV} (e.g. {MEMORY_ENV}=64G) to raise it")


def network_bytes(widths: Sequence[int], depth: int | None = None) -> float:
    """Estimated peak bytes of training or analysing a network with widths d_0..d_N (float64).

    ``widths`` may be the three numbers (d_0, hidden width, d_N) of a network of
    ``depth`` layers with equal hidden widths: the estimate then needs no list of
    ``depth + 1`` widths (a depth of 10^8 is refused without building one).
    """
    if depth is None:
        depth = len(widths) - 1
        params = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    else:
        d_in, width, d_out = widths
        params = d_in * d_out if depth == 1 else d_in * width + (depth - 2) * width * width + width * d_out
    square = max(widths) ** 2
    return 8.0 * (_PARAMETER_COPIES * params + _SQUARE_COPIES * square) + _LAYER_OVERHEAD * depth


def check_network(widths: Sequence[int], depth: int | None = None) -> None:
    """Refuse (one line, naming the limit) a network whose :func:`network_bytes` exceeds the memory limit."""
    n = len(widths) - 1 if depth is None else depth
    shown = ",".join(map(str, widths)) if depth is None else f"{widths[0]},{widths[1]}x{depth - 1},{widths[2]}"
    check_memory(f"a network of depth {n} with widths {shown if len(shown) < 60 else shown[:57] + '...'}",
                 network_bytes(widths, depth))
