"""Minimize a quantity (sharpness by default) over the global minima of a target, with restarts.

For conjectures about the best value over all global minima ("the flattest
sharpness equals X") a random instance only tests one side: no minimum beats X.
:func:`minimize_over_minima` tests the other side by searching the set of minima.

Parametrization (square and rectangular layers alike): a balanced minimum
[W_1, ..., W_N] of T for the given widths is moved along its gauge orbit
W_k -> G_k W_k G_{k-1}^{-1}, G_0 = I_{d_0}, G_N = I_{d_N}, with each hidden G_k
(d_k x d_k) written as G_k = P_k diag(exp(c_k)) R_k^T, where P_k, R_k are Cayley
transforms (I - S)^{-1} (I + S) of skew-symmetric S. Every parameter vector gives
an exact (up to rounding) global minimum; G_k^{-1} = R_k diag(exp(-c_k)) P_k^T is
formed from the factors. The orbit contains every minimum whose hidden layers
have the ranks of the balanced one; minima with other null structures (possible
when a hidden width exceeds rank T) are not reached, so the value found is an
upper bound of the infimum over the orbit.

Optimizer: SciPy's Nelder-Mead (the ``fast`` extra) when installed, else a
built-in (1+1) evolution strategy with the one-fifth success rule; both are
derivative-free because lambda_max is not differentiable where the top
eigenvalue is repeated, which is exactly where flattest minima live. Nelder-Mead
is restarted from its best point (up to 6 rounds, within the evaluation budget)
because it stalls on those ridges; targets with a repeated top singular value
(e.g. T = I) are the slowest to converge. Restarts
begin from random parameters of size ``spread``; the result reports every
restart's value and, when a lower bound is given, the optimality gap.

>>> import numpy as np
>>> best = minimize_over_minima(np.diag([4.0, 1.0]), [2, 2, 2], restarts=3, seed=0, max_evaluations=1500)
>>> bool(abs(best.value / 8.0 - 1) < 1e-4)   # N s^(2-2/N) = 2 * 4, whitened
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from wideminima.errors import InputError
from wideminima.numeric import balanced_minimum, output_gram

__all__ = ["Optimum", "OptimizerChoice", "OptimizerUsed", "minimize_over_minima", "gauge_point"]

OptimizerChoice = Literal["auto", "scipy", "builtin"]  # what minimize_over_minima is asked to use
OptimizerUsed = Literal["scipy-nelder-mead", "builtin-es"]  # what it used (Optimum.optimizer)


@dataclass(frozen=True)
class Optimum:
    """The best global minimum found.

    value : the quantity at ``weights``; weights : [W_1, ..., W_N];
    restart_values : the best value of every restart (their spread shows how
    reproducible the optimum is); gap : value - lower_bound (None without a bound);
    optimizer : "scipy-nelder-mead" or "builtin-es"; evaluations : total count.
    """

    value: float
    weights: list[np.ndarray]
    restart_values: list[float]
    gap: float | None
    optimizer: OptimizerUsed
    evaluations: int


_POLISH_ROUNDS = 6


def _cayley(skew_entries: np.ndarray, d: int) -> np.ndarray:
    s = np.zeros((d, d))
    s[np.triu_indices(d, 1)] = skew_entries
    s = s - s.T
    eye = np.eye(d)
    return np.linalg.solve(eye - s, eye + s)


def _layer_parameters(d: int) -> int:
    return d * (d - 1) + d  # two skew matrices and a log-spectrum


def gauge_point(base: Sequence[np.ndarray], params: np.ndarray) -> list[np.ndarray]:
    """The minimum G_k W_k G_{k-1}^{-1} of the parameter vector ``params`` (see the module docstring)."""
    dims = [base[0].shape[1]] + [w.shape[0] for w in base]
    out, inverse_prev, pos = [], None, 0
    for k, w in enumerate(base):
        w = np.array(w, dtype=np.float64)
        if k < len(base) - 1:
            d = dims[k + 1]
            half = d * (d - 1) // 2
            p = _cayley(params[pos:pos + half], d)
            r = _cayley(params[pos + half:pos + 2 * half], d)
            c = params[pos + 2 * half:pos + 2 * half + d]
            pos += _layer_parameters(d)
            w = (p * np.exp(c)) @ r.T @ w
            inverse = (r * np.exp(-c)) @ p.T
        else:
            inverse = None
        out.append(w if inverse_prev is None else w @ inverse_prev)
        inverse_prev = inverse
    return out


def _sharpness(weights: list[np.ndarray], sigma_x: np.ndarray | None) -> float:
    g = np.asarray(output_gram(weights, sigma_x))
    return float(np.linalg.eigvalsh((g + g.T) / 2)[-1])


def _builtin_minimize(f: Callable[[np.ndarray], float], x0: np.ndarray, rng: np.random.Generator,
                      budget: int, step: float) -> tuple[np.ndarray, float, int]:
    """(1+1)-ES with the one-fifth success rule: step x 1.5 on success, x 1.5^(-1/4) on failure."""
    x, fx, used = x0.copy(), f(x0), 1
    while used < budget and step > 1e-12:
        y = x + step * rng.standard_normal(x.size)
        fy = f(y)
        used += 1
        if fy <= fx:
            x, fx, step = y, fy, step * 1.5
        else:
            step *= 1.5 ** -0.25
    return x, fx, used


def minimize_over_minima(
    target: Any,
    widths: Sequence[int],
    quantity: Callable[[list[np.ndarray]], float] | None = None,
    *,
    sigma_x: Any = None,
    restarts: int = 8,
    seed: int = 0,
    spread: float = 1.0,
    max_evaluations: int = 4000,
    lower_bound: float | None = None,
    optimizer: OptimizerChoice = "auto",
) -> Optimum:
    """Minimize ``quantity(weights)`` (default: sharpness lambda_max under ``sigma_x``) over minima of ``target``.

    ``widths`` = [d_0, ..., d_N] with hidden widths >= rank(T). ``max_evaluations``
    is per restart. ``optimizer``: "auto" (SciPy if installed), "scipy" or "builtin".
    """
    t = np.asarray(target, dtype=np.float64)
    if not (isinstance(restarts, int) and restarts >= 1):
        raise InputError(f"restarts={restarts!r} must be an integer >= 1")
    if not (isinstance(max_evaluations, int) and max_evaluations >= 10):
        raise InputError(f"max_evaluations={max_evaluations!r} must be an integer >= 10")
    if optimizer not in get_args(OptimizerChoice):
        raise InputError(f"optimizer={optimizer!r} must be auto, scipy or builtin")
    base = balanced_minimum(t, list(widths))
    sx = None if sigma_x is None else np.asarray(sigma_x, dtype=np.float64)
    measure = quantity if quantity is not None else (lambda ws: _sharpness(ws, sx))
    size = sum(_layer_parameters(d) for d in list(widths)[1:-1])
    use_scipy = optimizer == "scipy"
    if optimizer == "auto":
        try:
            import scipy.optimize  # noqa: F401

            use_scipy = True
        except ImportError:
            use_scipy = False
    rng = np.random.default_rng(seed)
    calls = [0]

    def objective(params: np.ndarray) -> float:
        calls[0] += 1
        value = float(measure(gauge_point(base, params)))
        return value if np.isfinite(value) else float("inf")

    best_x, best_f, values = np.zeros(size), objective(np.zeros(size)) if size == 0 else float("inf"), []
    for _ in range(restarts if size else 0):
        x0 = spread * rng.standard_normal(size)
        if use_scipy:
            from scipy.optimize import minimize

            x, fx, left = x0, objective(x0), max_evaluations
            for _ in range(_POLISH_ROUNDS):  # restart the simplex at the best point: Nelder-Mead stalls
                before = calls[0]  # on the ridges where the top eigenvalue is repeated
                res = minimize(objective, x, method="Nelder-Mead",
                               options={"maxfev": left, "xatol": 1e-12, "fatol": 1e-15, "adaptive": True})
                left -= calls[0] - before
                improved = float(res.fun) < fx - 1e-15 * abs(fx)
                x, fx = (res.x, float(res.fun)) if float(res.fun) < fx else (x, fx)
                if not improved or left < 10:
                    break
        else:
            x, fx, _ = _builtin_minimize(objective, x0, rng, max_evaluations, spread)
        values.append(fx)
        if fx < best_f:
            best_x, best_f = x, fx
    if size == 0:
        values = [best_f]
    weights = gauge_point(base, best_x)
    gap = None if lower_bound is None else best_f - float(lower_bound)
    return Optimum(best_f, weights, values, gap, "scipy-nelder-mead" if use_scipy else "builtin-es", calls[0])
