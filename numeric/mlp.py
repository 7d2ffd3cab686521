"""Multilayer perceptrons: forward pass, loss, exact gradient and exact Hessian-vector product.

Architecture (:class:`MLP`): widths ``[d_0, ..., d_N]``; layer k computes
``z_k = W_k h_{k-1} + b_k`` with ``W_k`` of shape ``(d_k, d_{k-1})`` (W_1 applied
first, as for the linear network), ``h_0 = x``, ``h_k = phi(z_k)`` for the hidden
layers k < N and the output ``f(x) = z_N`` (no activation on the last layer).
``phi`` is ReLU, leaky ReLU (slope ``negative_slope`` below zero), tanh, or the
identity (``"linear"``: then f is the deep linear network of theorems.md).

Parameters are one flat list ``params = [W_1, ..., W_N]`` followed, when
``bias=True``, by ``[b_1, ..., b_N]`` (``b_k`` of shape ``(d_k,)``). Gradients,
Hessian-vector products and directions use the same layout. The vector order of
:meth:`MLP.dense_hessian` is that list flattened in order, each array row-major.

Samples are rows: X of shape (n, d_0), Y of shape (n, d_N). The loss is the one
convention of theorems.md, L = 1/(2n) sum_i ||y_i - f(x_i)||^2.

The Hessian-vector product is the full Hessian (residual term included), by
Pearlmutter's R-operator: a forward pass of directional derivatives followed by
the backward pass of the gradient differentiated along the direction. ReLU and
leaky ReLU have phi'' = 0 away from the kink at 0, where they are not twice
differentiable; there the product is that of the Hessian on the side z > 0 or
z < 0 each unit is on (units exactly at 0 take the z < 0 side).

All functions accept arrays of any array-API namespace (NumPy, PyTorch, ...)
and compute in that namespace, in float64.

>>> import numpy as np
>>> net = MLP((1, 1, 1), activation="relu")
>>> params = [np.array([[2.0]]), np.array([[3.0]])]
>>> net.forward(params, np.array([[1.0], [-1.0]]))
array([[6.],
       [0.]])
>>> net.loss(params, np.array([[1.0]]), np.array([[4.0]]))  # (6 - 4)^2 / 2
2.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import array_namespace, as_float_array, asarray_like, check_seed, to_numpy
from .hessian import flatten
from .inits import check_widths
from .lanczos import hutchinson_trace
from .spectra import Extremes, operator_extremes

__all__ = ["MLP", "ACTIVATIONS"]

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "linear")


@dataclass(frozen=True)
class MLP:
    """An MLP architecture: ``widths = (d_0, ..., d_N)``, hidden activation, biases or not.

    ``negative_slope`` is leaky ReLU's slope for z < 0 (ignored by the others).
    """

    widths: tuple[int, ...]
    activation: str = "relu"
    bias: bool = False
    negative_slope: float = 0.01

    def __post_init__(self) -> None:
        dims = tuple(check_widths(self.widths))
        if self.activation not in ACTIVATIONS:
            raise InputError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if not np.isfinite(self.negative_slope):
            raise InputError(f"negative_slope must be finite, got {self.negative_slope}")
        object.__setattr__(self, "widths", dims)

    @property
    def depth(self) -> int:
        """N, the number of layers."""
        return len(self.widths) - 1

    def parameter_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of ``params``: (d_k, d_{k-1}) for W_1..W_N, then (d_k,) for b_1..b_N if biased."""
        shapes: list[tuple[int, ...]] = [(self.widths[k + 1], self.widths[k]) for k in range(self.depth)]
        if self.bias:
            shapes += [(d,) for d in self.widths[1:]]
        return shapes

    @property
    def parameter_count(self) -> int:
        """P, the total number of scalar parameters."""
        return int(sum(np.prod(s) for s in self.parameter_shapes()))

    # ----- validation at the API boundary -------------------------------------------------
    def check_parameters(self, params: Sequence[Array], name: str = "params") -> list[Array]:
        """``params`` as finite float64 arrays of the shapes :meth:`parameter_shapes` gives."""
        shapes = self.parameter_shapes()
        if isinstance(params, (str, bytes)) or not isinstance(params, Sequence) or len(params) != len(shapes):
            got = len(params) if isinstance(params, Sequence) else type(params).__name__
            raise InputError(f"{name} must be a list of {len(shapes)} arrays (W1..WN{', b1..bN' if self.bias else ''}), got {got}")
        xp = array_namespace(*params)
        labels = [f"W{k}" for k in range(1, self.depth + 1)] + [f"b{k}" for k in range(1, self.depth + 1)]
        checked = []
        for label, p, shape in zip(labels, params, shapes):
            arr = as_float_array(p, f"{name} {label}", xp=xp, ndim=len(shape))
            if tuple(int(s) for s in arr.shape) != shape:
                raise InputError(f"{name} {label} has shape {tuple(arr.shape)}; widths {list(self.widths)} need {shape}")
            checked.append(arr)
        return checked

    def _check_samples(self, xp: Any, like: Array, x: Array, y: Array | None = None) -> tuple[Array, Array]:
        xs = asarray_like(xp, x, like) if isinstance(x, np.ndarray) else x
        xs = as_float_array(xs, "X", xp=xp, ndim=2)
        if int(xs.shape[1]) != self.widths[0]:
            raise InputError(f"X has shape {tuple(xs.shape)} but the network's input dimension is d_0={self.widths[0]}")
        if y is None:
            return xs, None
        ys = asarray_like(xp, y, like) if isinstance(y, np.ndarray) else y
        ys = as_float_array(ys, "Y", xp=xp, ndim=2)
        if tuple(int(s) for s in ys.shape) != (int(xs.shape[0]), self.widths[-1]):
            raise InputError(
                f"Y has shape {tuple(ys.shape)}; with X of shape {tuple(xs.shape)} it needs ({int(xs.shape[0])}, {self.widths[-1]})"
            )
        return xs, ys

    def _prepared(self, params: Sequence[Array], x: Array, y: Array | None = None) -> tuple[Any, list[Array], Array, Array]:
        checked = self.check_parameters(params)
        xp = array_namespace(*checked)
        xs, ys = self._check_samples(xp, checked[0], x, y)
        return xp, checked, xs, ys

    # ----- public API ---------------------------------------------------------------------
    def forward(self, params: Sequence[Array], x: Array) -> Array:
        """f(X), shape (n, d_N), for samples X of shape (n, d_0)."""
        xp, checked, xs, _ = self._prepared(params, x)
        return self._forward(xp, checked, xs)[0][-1]

    def loss(self, params: Sequence[Array], x: Array, y: Array) -> float:
        """L = 1/(2n) sum_i ||y_i - f(x_i)||^2."""
        xp, checked, xs, ys = self._prepared(params, x, y)
        return self.value_and_gradient_unchecked(xp, checked, xs, ys, gradient=False)[0]

    def gradient(self, params: Sequence[Array], x: Array, y: Array) -> list[Array]:
        """dL/dparams, in the layout of ``params`` (backpropagation)."""
        xp, checked, xs, ys = self._prepared(params, x, y)
        return self.value_and_gradient_unchecked(xp, checked, xs, ys)[1]

    def hessian_vector_product(self, params: Sequence[Array], x: Array, y: Array, direction: Sequence[Array]) -> list[Array]:
        """H D for the full Hessian H of L at ``params`` and a direction D in the layout of ``params``."""
        xp, checked, xs, ys = self._prepared(params, x, y)
        dirs = self.check_parameters(direction, name="direction")
        return self.hessian_vector_product_unchecked(xp, checked, xs, ys, dirs)

    def dense_hessian(self, params: Sequence[Array], x: Array, y: Array) -> np.ndarray:
        """The (P, P) Hessian as a NumPy array, one exact Hessian-vector product per column.

        Meant for small P (it costs P products); symmetric up to rounding.
        """
        xp, checked, xs, ys = self._prepared(params, x, y)
        matvec = self._matvec(xp, checked, xs, ys)
        identity = np.eye(self.parameter_count)
        return np.stack([to_numpy(matvec(asarray_like(xp, column, checked[0]))) for column in identity], axis=1)

    def unflatten(self, vector: Array) -> list[Array]:
        """Split a parameter vector (P,) into arrays of :meth:`parameter_shapes` (inverse of ``flatten``)."""
        xp = array_namespace(vector)
        out, start = [], 0
        for shape in self.parameter_shapes():
            size = int(np.prod(shape))
            out.append(xp.reshape(vector[start : start + size], shape))
            start += size
        return out

    def hessian_extremes(self, params: Sequence[Array], x: Array, y: Array, *, seed: int = 0, tol: float = 1e-10) -> Extremes:
        """lambda_max and lambda_min (signed) of the full Hessian, as a ``numeric.Extremes``.

        Lanczos on exact Hessian-vector products through the numeric core's
        :func:`wideminima.numeric.spectra.operator_extremes` (dense for P <= ``DENSE_EXTREMES``),
        residual-based convergence with ``tol`` relative to ||H||, start vectors from ``seed``
        (top) and ``seed + 1`` (bottom), as ``numeric.hessian_extremes`` does for the linear network.
        """
        xp, checked, xs, ys = self._prepared(params, x, y)
        return operator_extremes(
            self._matvec(xp, checked, xs, ys), self.parameter_count, self.unflatten, like=checked[0], seed=seed, tol=tol
        )

    def hessian_trace(self, params: Sequence[Array], x: Array, y: Array, *, samples: int = 64, seed: int = 0) -> tuple[float, float]:
        """Hutchinson's estimate of tr H with Rademacher probes, and its standard error."""
        xp, checked, xs, ys = self._prepared(params, x, y)
        matvec = self._matvec(xp, checked, xs, ys)
        return hutchinson_trace(matvec, self.parameter_count, samples, np.random.default_rng(check_seed(seed)), like=checked[0])

    def _matvec(self, xp: Any, params: list[Array], x: Array, y: Array) -> Callable[[Array], Array]:
        def matvec(vector: Array) -> Array:
            return flatten(self.hessian_vector_product_unchecked(xp, params, x, y, self.unflatten(vector)))

        return matvec

    # ----- the computations (no validation: the training loop calls these directly) -------
    def _split(self, params: Sequence[Array]) -> tuple[Sequence[Array], Sequence[Array] | None]:
        n = self.depth
        return params[:n], (params[n:] if self.bias else None)

    def _phi(self, xp: Any, z: Array) -> tuple[Array, Array, Array | None]:
        """phi(z), phi'(z) and phi''(z) (None where phi'' = 0 wherever it exists)."""
        if self.activation == "relu":
            positive = z > 0
            return xp.where(positive, z, xp.zeros_like(z)), xp.astype(positive, z.dtype), None
        if self.activation == "leaky_relu":
            positive = z > 0
            slope = xp.where(positive, xp.ones_like(z), self.negative_slope * xp.ones_like(z))
            return slope * z, slope, None
        if self.activation == "tanh":
            t = xp.tanh(z)
            d1 = 1.0 - t * t
            return t, d1, -2.0 * t * d1
        return z, xp.ones_like(z), None

    def _forward(self, xp: Any, params: Sequence[Array], x: Array) -> tuple[list[Array], list[Array], list[tuple[Array, Array | None]]]:
        """Pre-activations [z_1..z_N], hidden outputs [h_0..h_{N-1}] and (phi', phi'') per hidden layer."""
        weights, biases = self._split(params)
        h, pre, hidden, derivs = x, [], [x], []
        for k, w in enumerate(weights):
            z = h @ w.T
            if biases is not None:
                z = z + biases[k]
            pre.append(z)
            if k < len(weights) - 1:
                h, d1, d2 = self._phi(xp, z)
                hidden.append(h)
                derivs.append((d1, d2))
        return pre, hidden, derivs

    def value_and_gradient_unchecked(
        self, xp: Any, params: Sequence[Array], x: Array, y: Array, *, gradient: bool = True
    ) -> tuple[float, list[Array]]:
        """(L, dL/dparams) on samples already validated; the fast path used by training."""
        pre, hidden, derivs = self._forward(xp, params, x)
        n = int(x.shape[0])
        error = pre[-1] - y
        value = 0.5 * float(xp.sum(error * error)) / n
        if not gradient:
            return value, []
        weights, _ = self._split(params)
        delta = error / n
        grad_w, grad_b = [None] * self.depth, [None] * self.depth
        for k in range(self.depth - 1, -1, -1):
            grad_w[k] = delta.T @ hidden[k]
            grad_b[k] = xp.sum(delta, axis=0)
            if k > 0:
                delta = (delta @ weights[k]) * derivs[k - 1][0]
        return value, list(grad_w) + (list(grad_b) if self.bias else [])

    def hessian_vector_product_unchecked(
        self, xp: Any, params: Sequence[Array], x: Array, y: Array, direction: Sequence[Array]
    ) -> list[Array]:
        """H D on validated inputs (R-operator: forward-over-reverse by hand)."""
        weights, _ = self._split(params)
        dir_w, dir_b = self._split(direction)
        pre, hidden, derivs = self._forward(xp, params, x)
        n = int(x.shape[0])
        # Forward pass of directional derivatives: r_z[k] = R{z_k}, r_h[k] = R{h_k} (R{h_0} = 0).
        r_h, r_z = [None], []
        for k in range(self.depth):
            rz = hidden[k] @ dir_w[k].T
            if r_h[k] is not None:
                rz = rz + r_h[k] @ weights[k].T
            if dir_b is not None:
                rz = rz + dir_b[k]
            r_z.append(rz)
            if k < self.depth - 1:
                r_h.append(derivs[k][0] * rz)
        # Backward pass: delta_k = dL/dz_k and its directional derivative R{delta_k}.
        delta = (pre[-1] - y) / n
        r_delta = r_z[-1] / n
        hv_w, hv_b = [None] * self.depth, [None] * self.depth
        for k in range(self.depth - 1, -1, -1):
            hv = r_delta.T @ hidden[k]
            if r_h[k] is not None:
                hv = hv + delta.T @ r_h[k]
            hv_w[k] = hv
            hv_b[k] = xp.sum(r_delta, axis=0)
            if k > 0:
                d1, d2 = derivs[k - 1]
                back = delta @ weights[k]
                r_delta_next = (r_delta @ weights[k] + delta @ dir_w[k]) * d1
                if d2 is not None:
                    r_delta_next = r_delta_next + back * d2 * r_z[k - 1]
                delta = back * d1
                r_delta = r_delta_next
        return list(hv_w) + (list(hv_b) if self.bias else [])
