"""What a claim is checked on, and how an instance is saved to and read back from an ``.npz``.

An instance is any nesting of dicts, lists and tuples over NumPy float64 arrays,
Python numbers, strings, ``None`` and :class:`Minimum`. :func:`encode` turns it
into named arrays plus a JSON layout (floats are written with ``repr``, which
round-trips exactly), so a saved counterexample is read back bit for bit.

>>> import numpy as np
>>> m = Minimum([np.array([[2.0]]), np.array([[3.0]])])
>>> m.depth, m.widths, float(m.target[0, 0]), m.is_whitened
(2, [1, 1, 1], 6.0, True)
>>> layout, arrays = encode({"minimum": m, "eta": 0.1})
>>> decode(layout, arrays)["eta"]
0.1
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wideminima.errors import InputError
from wideminima.numeric.moments import Moments
from wideminima.numeric.network import end_to_end

__all__ = ["Minimum", "encode", "decode"]


@dataclass(frozen=True)
class Minimum:
    """A deep linear network taken at the global minimum of its own end-to-end map.

    ``weights`` are float64 layers [W_1, ..., W_N], W_k of shape (d_k, d_{k-1}).
    The target is defined as T = W_N ... W_1 in exact arithmetic, so the instance
    is exactly a global minimum (no rounding of T separates the two). Inputs have
    covariance Sigma_x = F F^T with F = ``sigma_x_factor`` (None: whitened, F = I);
    storing the factor keeps Sigma_x^{1/2}-dependent quantities exactly computable.
    ``label`` says how the instance was built (e.g. "balanced"), for reports only.
    """

    weights: list[np.ndarray]
    sigma_x_factor: np.ndarray | None = None
    label: str = field(default="", compare=False)

    @property
    def depth(self) -> int:
        """N."""
        return len(self.weights)

    @property
    def widths(self) -> list[int]:
        """[d_0, ..., d_N]."""
        return [int(self.weights[0].shape[1])] + [int(w.shape[0]) for w in self.weights]

    @property
    def target(self) -> np.ndarray:
        """T = W_N ... W_1 in float64 (the exact T is the exact product)."""
        return end_to_end(self.weights)

    @property
    def is_whitened(self) -> bool:
        """Whether Sigma_x = I (no factor stored)."""
        return self.sigma_x_factor is None

    @property
    def sigma_x(self) -> np.ndarray:
        """Sigma_x = F F^T in float64."""
        if self.sigma_x_factor is None:
            return np.eye(self.widths[0])
        return self.sigma_x_factor @ self.sigma_x_factor.T

    def moments(self) -> Any:
        """The population moments of y = T x (``wideminima.numeric.Moments``), in float64."""
        return Moments.whitened(self.target) if self.is_whitened else Moments.from_target(self.target, self.sigma_x)


def encode(instance: Any) -> tuple[str, dict[str, np.ndarray]]:
    """(JSON layout, named arrays) that :func:`decode` turns back into ``instance``."""
    arrays: dict[str, np.ndarray] = {}

    def walk(obj: Any) -> Any:
        if isinstance(obj, Minimum):
            return {"type": "Minimum", "weights": walk(list(obj.weights)),
                    "sigma_x_factor": walk(obj.sigma_x_factor), "label": obj.label}
        if isinstance(obj, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = np.asarray(obj, dtype=np.float64)
            return {"type": "array", "key": key}
        if isinstance(obj, dict):
            return {"type": "dict", "items": {str(k): walk(v) for k, v in obj.items()}}
        if isinstance(obj, (list, tuple)):
            return {"type": type(obj).__name__, "items": [walk(v) for v in obj]}
        if obj is None or isinstance(obj, (bool, str)):
            return {"type": "value", "value": obj}
        if isinstance(obj, (int, np.integer)):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"type": "float", "value": repr(float(obj))}
        raise InputError(f"cannot save an instance part of type {type(obj).__name__}; "
                         "use arrays, numbers, strings, lists, dicts or Minimum")

    layout = json.dumps(walk(instance))
    return layout, arrays


def decode(layout: str, arrays: dict[str, np.ndarray]) -> Any:
    """The instance saved by :func:`encode`."""

    def build(node: dict[str, Any]) -> Any:
        kind = node["type"]
        if kind == "Minimum":
            return Minimum(build(node["weights"]), build(node["sigma_x_factor"]), node["label"])
        if kind == "array":
            return np.array(arrays[node["key"]], dtype=np.float64)
        if kind == "dict":
            return {k: build(v) for k, v in node["items"].items()}
        if kind == "list":
            return [build(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(build(v) for v in node["items"])
        if kind == "int":
            return int(node["value"])
        if kind == "float":
            return float(node["value"])
        return node["value"]

    try:
        return build(json.loads(layout))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the saved instance layout is damaged ({exc})") from None
