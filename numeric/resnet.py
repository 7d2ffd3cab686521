"""Linear ResNets: layers W_k = I + R_k of one width d (theory id resnet-zero-init-flattest).

The residual parametrization changes nothing in the loss landscape of the
weights: since dW_k/dR_k is the identity, dL/dR_k = dL/dW_k, and a gradient step
on R_k is the same step on W_k. The toolkit therefore trains ResNets in plain
weights; this module converts between the two forms and gives the zero init
R_k = 0 (all layers the identity), from which gradient flow stays balanced.

>>> import numpy as np
>>> w = zero_resnet_init(depth=2, width=2)
>>> [np.array_equal(wk, np.eye(2)) for wk in w]
[True, True]
>>> resnet_residuals(resnet_weights([np.diag([0.5, 0.0])]))[0]
array([[0.5, 0. ],
       [0. , 0. ]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import array_namespace, eye_like
from .network import check_weights

__all__ = ["resnet_weights", "resnet_residuals", "zero_resnet_init", "check_resnet_widths"]


def check_resnet_widths(widths: Sequence[int]) -> int:
    """The common width d of a ResNet with ``widths = [d_0, ..., d_N]``; raises unless all equal and N >= 1."""
    dims = [int(d) for d in widths]
    if len(dims) < 2:
        raise InputError(f"a ResNet needs depth N >= 1, got widths={dims}")
    if len(set(dims)) != 1 or dims[0] < 1:
        raise InputError(f"a ResNet (W_k = I + R_k) needs every width equal, got widths={dims}")
    return dims[0]


def _square(layers: list[Array], name: str) -> None:
    d = int(layers[0].shape[1])
    for k, layer in enumerate(layers, start=1):
        if tuple(int(s) for s in layer.shape) != (d, d):
            raise InputError(f"{name}{k} has shape {tuple(layer.shape)}; a ResNet layer is square ({d}, {d})")


def resnet_weights(residuals: Sequence[Array]) -> list[Array]:
    """[I + R_1, ..., I + R_N] from residual blocks R_k of shape (d, d)."""
    layers = check_weights(residuals)
    _square(layers, "R")
    xp = array_namespace(*layers)
    eye = eye_like(xp, int(layers[0].shape[0]), layers[0])
    return [eye + r for r in layers]


def resnet_residuals(weights: Sequence[Array]) -> list[Array]:
    """[W_1 - I, ..., W_N - I] from square layers W_k of shape (d, d)."""
    layers = check_weights(weights)
    _square(layers, "W")
    xp = array_namespace(*layers)
    eye = eye_like(xp, int(layers[0].shape[0]), layers[0])
    return [w - eye for w in layers]


def zero_resnet_init(depth: int, width: int) -> list[np.ndarray]:
    """The zero-init ResNet R_k = 0: ``depth`` identity layers of size ``width``."""
    if int(depth) < 1:
        raise InputError(f"depth must be >= 1, got {depth}")
    d = check_resnet_widths([width] * (int(depth) + 1))
    return [np.eye(d) for _ in range(int(depth))]
