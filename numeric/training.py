"""Gradient descent and minibatch SGD for linear networks, linear ResNets and MLPs.

``train(model, data, ...)`` runs W_{t+1} = W_t - eta_t grad L(W_t) (GD) or the same
step with the gradient of a minibatch (SGD) and returns a :class:`TrainResult`.

Models: ``"linear"`` (deep linear network of ``widths``), ``"resnet"`` (the same
network with all widths equal, parametrized W_k = I + R_k; since dL/dR_k = dL/dW_k a
step on R_k is the same step on W_k, so it is trained in plain weights and differs
from ``"linear"`` only through its default init, the zero init R_k = 0), or an
:class:`~wideminima.numeric.MLP` instance.

Data: a :class:`~wideminima.numeric.Moments` (population or empirical second
moments) or a pair ``(X, Y)`` of samples as rows. Linear models use the exact
gradient from the moments (for samples, GD on all samples is the same thing and
costs O(N) small matrix products per step); SGD and MLPs need samples.

Status (never a NaN):
- ``"converged"``: the full gradient norm fell to ``tol`` times the largest full
  gradient norm seen on the run, ||grad L(W_t)||_F <= tol * max_{s <= t} ||grad L(W_s)||_F
  (scale free; a point where the gradient is exactly 0, e.g. the saddle W = 0,
  counts as converged: ``at_global_minimum`` in the CLI summary tells the two apart).
  SGD evaluates the full gradient once per epoch and at logged steps.
- ``"diverged"``: the loss at step t (the minibatch loss for SGD) exceeded
  ``divergence_factor`` times the reference max(L(W_0), L(0)) (L(0) = 1/2 E||y||^2,
  the loss of the zero map), or a computation overflowed or became non-finite.
  ``diverged_at`` is that t; the weights returned are W_t, the last finite ones
  (their loss and gradient norm are reported as inf when they overflow float64).
- ``"max_steps"``: neither within ``steps`` steps.

Step sizes: :class:`Schedule` (constant, step decay, cosine). Trajectory: one row
(dict) every ``log_every`` steps and at the last step, with step, lr, loss,
gradient_norm; for linear models also ``imbalance`` (N-1 relative numbers) and
``path_gains`` (g_0..g_N along the top right singular vector of W_{N:1}), see
``wideminima.numeric.metrics``; and every ``sharpness_every`` steps lambda_max and
lambda_min of the full Hessian (Lanczos on exact Hessian-vector products).

>>> import numpy as np
>>> from wideminima.numeric import Moments
>>> result = train("resnet", Moments.whitened(np.diag([2.0, 1.5])), widths=[2, 2, 2], lr=0.1, steps=2000)
>>> str(result.status), bool(np.allclose(result.weights[0], np.diag([2.0, 1.5]) ** 0.5, rtol=1e-9))
('converged', True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TextIO

import numpy as np

from wideminima.errors import InputError
from wideminima.progress import ProgressBar
from wideminima.types import Array

from ._backend import check_seed
from .inits import init_weights
from .metrics import imbalance, path_gains
from .mlp import MLP
from .moments import Moments
from .network import check_weights, excess_loss_and_gradient_unchecked
from .resnet import check_resnet_widths
from .spectra import hessian_extremes

__all__ = ["Schedule", "TrainResult", "train", "MODELS", "OPTIMIZERS", "STATUSES", "TrainStatus", "DEFAULT_TOL", "DIVERGENCE_FACTOR"]

MODELS = ("linear", "resnet", "mlp")
OPTIMIZERS = ("gd", "sgd")


class TrainStatus(StrEnum):
    """How :func:`train` ended (module docstring); the values are the strings written to JSON."""

    CONVERGED = "converged"
    DIVERGED = "diverged"
    MAX_STEPS = "max_steps"


STATUSES = tuple(status.value for status in TrainStatus)
# Relative gradient-norm tolerance: reachable in float64 (the gradient's rounding
# floor is ~ N eps ||W||^(2N-1) ||Sigma_x|| relative to its scale) with room to spare.
DEFAULT_TOL = 1e-10
# A loss a million times the larger of L(W_0) and L(0) is far outside any basin GD
# descends in; past it an unstable step size grows the loss geometrically to overflow.
DIVERGENCE_FACTOR = 1e6


@dataclass(frozen=True)
class Schedule:
    """Step size eta_t at step t (0-based) of a run of ``steps`` steps, from the base rate eta.

    - ``constant``: eta_t = eta.
    - ``step``: eta_t = eta * gamma ** floor(t / every).
    - ``cosine``: eta_t = final + (eta - final) (1 + cos(pi t / steps)) / 2.

    >>> Schedule("step", gamma=0.5, every=10).rate(1.0, 25, 100)
    0.25
    >>> Schedule("cosine").rate(1.0, 50, 100)
    0.5
    """

    kind: str = "constant"
    gamma: float = 0.1
    every: int = 1000
    final: float = 0.0

    KINDS = ("constant", "step", "cosine")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise InputError(f"unknown schedule {self.kind!r}; choose one of {', '.join(self.KINDS)}")
        if not (0 < self.gamma <= 1):
            raise InputError(f"step decay gamma must be in (0, 1], got {self.gamma}")
        if int(self.every) < 1:
            raise InputError(f"step decay period must be >= 1 step, got {self.every}")
        if not (np.isfinite(self.final) and self.final >= 0):
            raise InputError(f"final step size of the cosine schedule must be >= 0, got {self.final}")

    def rate(self, base: float, step: int, steps: int) -> float:
        """eta_t."""
        if self.kind == "step":
            return base * self.gamma ** (step // int(self.every))
        if self.kind == "cosine":
            return self.final + (base - self.final) * 0.5 * (1.0 + math.cos(math.pi * step / max(steps, 1)))
        return base


@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    ``weights`` [W_1..W_N] (NumPy float64), ``biases`` [b_1..b_N] or None,
    ``status`` a :class:`TrainStatus` (its value one of :data:`STATUSES`), ``steps`` the number of updates applied,
    ``loss`` and ``gradient_norm`` at the returned weights (full data), ``diverged_at``
    the step of divergence or None, ``trajectory`` the logged rows, ``seconds`` wall time.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray] | None
    status: TrainStatus
    steps: int
    loss: float
    gradient_norm: float
    diverged_at: int | None = None
    trajectory: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def steps_per_second(self) -> float:
        """Updates per second of wall time (logging included)."""
        return self.steps / self.seconds if self.seconds > 0 else float("inf")


class _Overflow(Exception):
    """A loss or gradient left the finite range (raised before any NaN is stored)."""


class _LinearObjective:
    """L and grad L of a deep linear network from second moments, O(N) matmuls per call.

    grad_k = A_k^T (W_{N:1} Sigma_x - Sigma_yx) B_k^T (theorems.md); the loss is
    L* + 1/2 <(W_{N:1} - T) Sigma_x, W_{N:1} - T>, exact near the minimum (no cancellation).
    """

    def __init__(self, moments: Moments) -> None:
        self.moments = moments
        self.sigma_x = moments.sigma_x
        self.target = moments.target
        self.minimum_loss = moments.minimum_loss
        energy = moments.y_energy
        self.zero_loss = 0.5 * (energy if energy is not None else float(np.sum((self.target @ self.sigma_x) * self.target)))

    def value_and_gradient(self, params: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
        excess, grads = excess_loss_and_gradient_unchecked(params, self.target, self.sigma_x)
        return self.minimum_loss + excess, grads


class _SampleObjective:
    """L and grad L of an MLP (a linear network is the MLP with the identity activation) on samples."""

    def __init__(self, net: MLP, x: np.ndarray, y: np.ndarray) -> None:
        self.net, self.x, self.y = net, x, y
        self.zero_loss = 0.5 * float(np.sum(y * y)) / x.shape[0]

    def value_and_gradient(self, params: list[np.ndarray], rows: np.ndarray | None = None) -> tuple[float, list[np.ndarray]]:
        if rows is None:
            return self.net.value_and_gradient_unchecked(np, params, self.x, self.y)
        return self.net.value_and_gradient_unchecked(np, params, self.x[rows], self.y[rows])


def _check_positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating, np.integer)) and np.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _check_count(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _resolve_model(model: str | MLP, widths: Sequence[int] | None) -> tuple[str, MLP]:
    """(kind, architecture); a linear network is the MLP with the identity activation and no biases."""
    if isinstance(model, MLP):
        if widths is not None and tuple(int(d) for d in widths) != model.widths:
            raise InputError(f"widths={list(widths)} disagree with the MLP's widths {list(model.widths)}")
        return "mlp", model
    if model not in ("linear", "resnet"):
        raise InputError(f"unknown model {model!r}; choose linear, resnet, or pass an MLP(...) instance")
    if widths is None:
        raise InputError(f"model {model!r} needs widths=[d_0, ..., d_N]")
    net = MLP(tuple(widths), activation="linear")
    if model == "resnet":
        check_resnet_widths(net.widths)
    return model, net


def _resolve_data(data: Any, kind: str, net: MLP, optimizer: str) -> tuple[Moments | None, np.ndarray | None, np.ndarray | None]:
    if isinstance(data, Moments):
        if kind == "mlp" or optimizer == "sgd":
            what = "an MLP" if kind == "mlp" else "SGD"
            raise InputError(f"{what} needs samples (X, Y); population moments only define the loss of a linear network")
        moments, x, y = data, None, None
    elif isinstance(data, tuple) and len(data) == 2:
        x, y = net._check_samples(np, None, *data)
        moments = Moments.from_samples(x, y) if kind != "mlp" else None
    else:
        raise InputError(f"data must be a Moments or a pair (X, Y) of sample arrays, got {type(data).__name__}")
    d_in, d_out = (moments.input_dim, moments.output_dim) if moments is not None else (x.shape[1], y.shape[1])
    if (d_in, d_out) != (net.widths[0], net.widths[-1]):
        raise InputError(
            f"the network maps R^{net.widths[0]} -> R^{net.widths[-1]} but the data has inputs of dimension "
            f"{d_in} and outputs of dimension {d_out}"
        )
    return moments, x, y


def _initial_params(init: Any, kind: str, net: MLP, rng: np.random.Generator, scale: float) -> list[np.ndarray]:
    if isinstance(init, str):
        weights = init_weights(init, net.widths, rng, scale=scale)
    else:
        weights = [np.array(w, dtype=np.float64) for w in check_weights(init)]
        shapes = [tuple(w.shape) for w in weights]
        if shapes != net.parameter_shapes()[: net.depth]:
            raise InputError(f"initial weights have shapes {shapes}; widths {list(net.widths)} need {net.parameter_shapes()[: net.depth]}")
    biases = [np.zeros(d) for d in net.widths[1:]] if net.bias else []
    return weights + biases


def _norm(grads: list[np.ndarray]) -> float:
    """Frobenius norm of the whole gradient (np.vdot: one BLAS call per layer, the loop's hot spot)."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads))


def train(
    model: str | MLP,
    data: Moments | tuple[Array, Array],
    *,
    widths: Sequence[int] | None = None,
    optimizer: str = "gd",
    lr: float,
    steps: int,
    batch_size: int | None = None,
    schedule: Schedule | str | None = None,
    init: str | Sequence[Array] | None = None,
    init_scale: float = 1e-3,
    seed: int = 0,
    tol: float = DEFAULT_TOL,
    divergence_factor: float = DIVERGENCE_FACTOR,
    log_every: int = 0,
    sharpness_every: int = 0,
    progress: bool = False,
    callback: Callable[[int, list[np.ndarray]], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` by GD or minibatch SGD; see the module docstring for the rules.

    ``init`` is a scheme name (:data:`~wideminima.numeric.inits.INITS`; default ``"zero"``
    for a ResNet, ``"xavier"`` otherwise) or a list of initial weights; MLP biases
    start at 0. ``seed`` drives the init and the minibatch order: one seed, one run.
    ``log_every`` = 0 logs the first and the last step only; ``sharpness_every`` = 0
    never computes lambda_max on the way. ``callback(t, params)`` (if given) sees
    every iterate, for tests and experiments; it must not modify ``params``.
    """
    kind, net = _resolve_model(model, widths)
    if optimizer not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    lr = _check_positive("lr", lr)
    steps = _check_count("steps", steps, 0)
    tol = _check_positive("tol", tol)
    divergence_factor = _check_positive("divergence_factor", divergence_factor)
    log_every = _check_count("log_every", log_every, 0)
    sharpness_every = _check_count("sharpness_every", sharpness_every, 0)
    seed = check_seed(seed)
    if isinstance(schedule, str) or schedule is None:
        schedule = Schedule(schedule or "constant")
    moments, x, y = _resolve_data(data, kind, net, optimizer)
    if optimizer == "sgd":
        batch_size = _check_count("batch_size", batch_size, 1) if batch_size is not None else None
        if batch_size is None:
            raise InputError("SGD needs batch_size (the number of samples per step)")
        if batch_size > x.shape[0]:
            raise InputError(f"batch_size={batch_size} exceeds the number of samples n={x.shape[0]}")
    elif batch_size is not None:
        raise InputError(f"batch_size={batch_size} applies to SGD only; gradient descent uses every sample")
    rng = np.random.default_rng(seed)
    params = _initial_params(init or ("zero" if kind == "resnet" else "xavier"), kind, net, rng, init_scale)
    full = _LinearObjective(moments) if moments is not None else _SampleObjective(net, x, y)
    minibatch = _SampleObjective(net, x, y) if optimizer == "sgd" else None
    epoch = x.shape[0] // batch_size if minibatch is not None else 1
    logger = _Logger(kind, net, moments, x, y, log_every, sharpness_every, seed)

    # Redrawn at most 4 times a second, and only once the run has lasted half a second.
    bar = ProgressBar(steps, enabled=progress, every=0.25, after=0.5)
    start = time.perf_counter()
    status, diverged_at, largest = TrainStatus.MAX_STEPS, None, 0.0
    value, grads, gnorm, t = math.nan, [], math.nan, 0
    order = rng.permutation(x.shape[0]) if minibatch is not None else None
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            initial = full.value_and_gradient(params)[0]
        except FloatingPointError:
            initial = math.inf
        if not math.isfinite(initial):  # also an inf from np.vdot, which errstate does not trap
            raise InputError("the initial loss overflows: rescale the data or the initial weights")
        threshold = divergence_factor * max(initial, full.zero_loss)
        for t in range(steps + 1):
            try:
                full_check = minibatch is None or t % epoch == 0 or t == steps or logger.due(t)
                if full_check:
                    value, grads = full.value_and_gradient(params)
                    gnorm = _norm(grads)
                    if not (math.isfinite(value) and math.isfinite(gnorm)):
                        raise _Overflow
                    largest = max(largest, gnorm)
                if value > threshold:
                    status, diverged_at = TrainStatus.DIVERGED, t
                    break
                if full_check and gnorm <= tol * largest:
                    status = TrainStatus.CONVERGED
                    break
                if logger.due(t):
                    logger.log(t, schedule.rate(lr, t, steps), value, gnorm, params)
                if callback is not None:
                    callback(t, params)
                if t == steps:
                    break
                if minibatch is not None:
                    position = (t % epoch) * batch_size
                    if position == 0 and t > 0:
                        order = rng.permutation(x.shape[0])
                    value, grads = minibatch.value_and_gradient(params, order[position : position + batch_size])
                    if not math.isfinite(value) or value > threshold:
                        status, diverged_at = TrainStatus.DIVERGED, t
                        break
                eta = schedule.rate(lr, t, steps)
                # Under errstate(over="raise") an overflowing step raises before storing inf.
                params = [p - eta * g for p, g in zip(params, grads)]
            except (FloatingPointError, _Overflow):
                status, diverged_at = TrainStatus.DIVERGED, t
                break
            if t & 255 == 0:
                bar.update(t, f"{t}/{steps}  loss {value:.3e}")
    bar.close()
    seconds = time.perf_counter() - start
    if status is TrainStatus.DIVERGED:
        with np.errstate(over="ignore", invalid="ignore"):
            value, grads = full.value_and_gradient(params)
            gnorm = _norm(grads)
        # Past float64 (inf, or NaN from inf - inf): the honest value is "beyond the range", never NaN.
        value, gnorm = (v if math.isfinite(v) else math.inf for v in (value, gnorm))
    if status is not TrainStatus.DIVERGED or math.isfinite(value):
        logger.log_last(t, schedule.rate(lr, min(t, steps), steps), value, gnorm, params)
    weights = [np.array(p) for p in params[: net.depth]]
    biases = [np.array(p) for p in params[net.depth :]] if net.bias else None
    return TrainResult(weights, biases, status, t, value, gnorm, diverged_at, logger.rows, seconds)


class _Logger:
    """Trajectory rows: step, lr, loss, gradient_norm, imbalance and path gains (linear models),
    and lambda_max, lambda_min every ``sharpness_every`` steps."""

    def __init__(
        self, kind: str, net: MLP, moments: Moments | None, x: Array, y: Array, log_every: int, sharpness_every: int, seed: int
    ) -> None:
        self.kind, self.net, self.moments, self.x, self.y = kind, net, moments, x, y
        self.log_every, self.sharpness_every, self.seed = log_every, sharpness_every, seed
        self.rows: list[dict[str, Any]] = []

    def due(self, t: int) -> bool:
        return t == 0 or (self.log_every > 0 and t % self.log_every == 0) or (
            self.sharpness_every > 0 and t % self.sharpness_every == 0
        )

    def log(self, t: int, lr: float, value: float, gnorm: float, params: list[np.ndarray]) -> None:
        row: dict[str, Any] = {"step": t, "lr": lr, "loss": value, "gradient_norm": gnorm}
        if self.kind != "mlp":
            row["imbalance"] = imbalance(params).tolist()
            row["path_gains"] = path_gains(params).tolist()
        if self.sharpness_every > 0 and t % self.sharpness_every == 0:
            row.update(self.extremes(params))
        self.rows.append(row)

    def log_last(self, t: int, lr: float, value: float, gnorm: float, params: list[np.ndarray]) -> None:
        if not self.rows or self.rows[-1]["step"] != t:
            self.log(t, lr, value, gnorm, params)

    def extremes(self, params: list[np.ndarray]) -> dict[str, float]:
        """lambda_max and lambda_min (signed) of the full Hessian at ``params``, any point."""
        if self.kind == "mlp":
            found = self.net.hessian_extremes(params, self.x, self.y, seed=self.seed)
        else:
            found = hessian_extremes(params, self.moments, seed=self.seed)
        return {"lambda_max": found.lambda_max, "lambda_min": found.lambda_min}
