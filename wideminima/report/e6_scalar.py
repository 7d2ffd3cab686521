"""E6. Scalar networks: the Hessian along the curve of minima, and exact width against its quadratic approximation.

Theory id scalar-closed-form: with every d_k = 1 and E[x^2] = sigma^2, at a
minimum (prod_k w_k = T) the Hessian is sigma^2 g g^T (g_k = prod_{j != k} w_j),
whose one nonzero eigenvalue sigma^2 sum_k prod_{j != k} w_j^2 is smallest,
N sigma^2 |T|^(2-2/N), exactly where |w_k| = |T|^(1/N). The closed forms come from
the symbolic engine (:func:`wideminima.symbolic.scalar_network`).

The curve of minima drawn: w(a) = (T^(1/N) e^a, T^(1/N) e^(-a/(N-1)), ...,
T^(1/N) e^(-a/(N-1))), which keeps prod w_k = T and passes through the flattest
point at a = 0. Width: along the unit top eigenvector D of the Hessian at the
flattest minimum, L(w + t D) - L* is a polynomial of degree 2N in t; the exact
width at tolerance delta is its smallest positive crossing of delta, against the
quadratic approximation sqrt(2 delta / lambda).
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from wideminima.symbolic import exact_width, scalar_network

from .common import log_slope
from .figures import label_axes, new_figure, publish
from .registry import Check, Section, Table, Task

ID = "E6"
TITLE = "Scalar networks in closed form"
THEORY = ("scalar-closed-form",)

TARGET, SIGMA = 2.0, 1.0
SIZES = {"quick": {"depths": [2, 3, 4], "points": 121, "deltas": 13}, "full": {"depths": [2, 3, 4, 6, 8], "points": 241, "deltas": 25}}
WIDTH_DEPTH = 3
A_RANGE = 1.5


def tasks(mode: str, seed: int) -> list[Task]:
    """One task per depth for the curve, one for the widths (no randomness: the seed is unused)."""
    size = SIZES[mode]
    out = [Task(ID, f"curve/N={n}", {"part": "curve", "depth": n, "points": size["points"]}, cost=0.5) for n in size["depths"]]
    out.append(Task(ID, f"width/N={WIDTH_DEPTH}", {"part": "width", "depth": WIDTH_DEPTH, "deltas": size["deltas"]}, cost=0.5))
    return out


def _curve_point(net: Any, a: Any) -> dict[Any, Any]:
    n = net.depth
    root = sp.Rational(int(TARGET)) ** sp.Rational(1, n)
    values = [root * sp.exp(a)] + [root * sp.exp(-a / (n - 1))] * (n - 1)
    return dict(zip(net.weights, values))


def _curve(params: dict[str, Any]) -> dict[str, Any]:
    net = scalar_network(params["depth"])
    a = sp.Symbol("a", real=True)
    subs = {net.sigma: sp.Integer(int(SIGMA)), net.target: sp.Integer(int(TARGET))}
    along = sp.simplify(net.sharpness_at_minimum().subs(_curve_point(net, a)).subs(subs))
    flattest = net.flattest_sharpness().subs(subs)
    # Exact: the eigenvalue at a = 0 equals the flattest value, and a = 0 is a stationary point.
    at_zero = sp.simplify(along.subs(a, 0) - flattest) == 0
    stationary = sp.simplify(sp.diff(along, a).subs(a, 0)) == 0
    # Product stays T along the curve (so every point is a global minimum).
    on_minima = sp.simplify(sp.Mul(*_curve_point(net, a).values()) - int(TARGET)) == 0
    grid = np.linspace(-A_RANGE, A_RANGE, params["points"])
    values = sp.lambdify(a, along, "numpy")(grid)
    return {"a": grid.tolist(), "lambda": np.broadcast_to(values, grid.shape).tolist(), "flattest": float(flattest),
            "expression": sp.sstr(along), "flattest_expression": sp.sstr(net.flattest_sharpness()),
            "exact_at_flattest": bool(at_zero), "stationary_at_flattest": bool(stationary), "on_minima": bool(on_minima)}


def _width(params: dict[str, Any]) -> dict[str, Any]:
    """Exact widths along the top eigenvector of the flattest minimum (symbolic.exact_width, 30 digits)."""
    n = params["depth"]
    root = TARGET ** (1.0 / n)
    weights = [np.array([[root]]) for _ in range(n)]  # |w_k| = T^(1/N): flattest; T is taken as their product
    # H = sigma^2 g g^T with g_k = prod_{j != k} w_j, all equal here: the top eigenvector is (1, ..., 1)/sqrt(N).
    direction = [np.array([[1.0]]) for _ in range(n)]
    deltas = np.geomspace(1e-6, 10.0, params["deltas"])
    exact, quadratic = [], []
    for delta in deltas:
        width = exact_width(weights, None, direction, float(delta), dps=30)
        exact.append(float(width.forward))
        quadratic.append(float(width.quadratic))
        curvature = width.curvature
    return {"deltas": deltas.tolist(), "exact": exact, "quadratic": quadratic, "lambda": float(mpmath.mpf(curvature)),
            "polynomial_degree": int(width.polynomial.degree())}


def run_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Symbolic work of one part (curve for one depth, or the width comparison)."""
    return _curve(params) if params["part"] == "curve" else _width(params)


def summarize(mode: str, records: list[dict[str, Any]], context: Any) -> Section:
    """Two panels: eigenvalue along the curve of minima; exact vs quadratic width. Exact checks."""
    curves = [r for r in records if r["params"]["part"] == "curve"]
    width = next(r["result"] for r in records if r["params"]["part"] == "width")
    fig, (ax, ax_w) = new_figure(2, width=5.0, height=3.9)
    rows = []
    for rec in curves:
        res, n = rec["result"], rec["params"]["depth"]
        line = ax.plot(res["a"], res["lambda"], label=f"N = {n}")[0]
        ax.plot([0.0], [res["flattest"]], "*", ms=11, color=line.get_color())
        rows.append([n, res["flattest_expression"], res["flattest"], min(res["lambda"]), res["exact_at_flattest"], res["stationary_at_flattest"]])
    ax.set_yscale("log")
    label_axes(ax, "position a along the curve of minima  [log-gain of layer 1]", "nonzero Hessian eigenvalue  [dimensionless]",
               f"Scalar nets, T = {TARGET:g}, sigma = {SIGMA:g}; stars: flattest")
    d, ex, qu = np.array(width["deltas"]), np.array(width["exact"]), np.array(width["quadratic"])
    ax_w.loglog(d, ex, "o-", label="exact width (symbolic.exact_width)")
    ax_w.loglog(d, qu, "--", label="quadratic sqrt(2 delta / lambda)")
    label_axes(ax_w, "loss tolerance delta  [loss units]", "width t along the top eigenvector  [weight units]",
               f"Flattest minimum, N = {WIDTH_DEPTH}, lambda = {width['lambda']:.4g}")
    figure = publish(
        fig,
        context.figure_dir,
        "E6_scalar",
        "Scalar networks: the Hessian along the curve of minima, and width.",
        "Left: the one nonzero Hessian eigenvalue sigma^2 sum_k prod_{j != k} w_j^2 (closed form from the symbolic "
        "engine) along the curve of minima w(a) = (T^(1/N) e^a, T^(1/N) e^(-a/(N-1)), ...), star at the flattest "
        f"point a = 0. Right: for N = {WIDTH_DEPTH} at the flattest minimum, the exact width along the top "
        "eigenvector (symbolic.exact_width: the first crossing of L(w + tD) - L* = delta, a degree-2N polynomial, "
        "isolated exactly and refined to 30 digits) against "
        "sqrt(2 delta / lambda).",
        "The eigenvalue is smallest, N sigma^2 |T|^(2-2/N), exactly at |w_k| = |T|^(1/N) (scalar-closed-form); "
        "the quadratic approximation is exact to first order as delta -> 0 and departs from the exact width for "
        "large delta, where the higher-order terms of the polynomial take over.",
    )
    rel = np.abs(ex / qu - 1)
    error_slope = log_slope(d[:3], rel[:3])[0]
    table = Table("E6_flattest", "Flattest eigenvalue per depth: closed form, value, minimum on the sampled curve, exact checks",
                  ["N", "closed form", "value", "min on curve", "equal at a = 0 (exact)", "stationary at a = 0 (exact)"], rows,
                  note=(f"Width ratio exact/quadratic - 1: {rel[0]:.3e} at delta = {d[0]:.0e}, {rel[-1]:.3e} at delta = {d[-1]:g}."))
    sampled_ok = all(min(r["result"]["lambda"]) >= r["result"]["flattest"] * (1 - 1e-12) for r in curves)
    checks = [
        Check("E6.flattest-exact", "theorem", "the eigenvalue at a = 0 equals N sigma^2 |T|^(2-2/N) and is stationary (SymPy, exact)",
              float(sum(r["result"]["exact_at_flattest"] and r["result"]["stationary_at_flattest"] for r in curves)),
              f"{len(curves)} of {len(curves)} depths", all(r["result"]["exact_at_flattest"] and r["result"]["stationary_at_flattest"] and r["result"]["on_minima"] for r in curves)),
        # Sampled values are float64 evaluations of the closed form: relative rounding ~1e-15.
        Check("E6.curve-above-flattest", "theorem", "no sampled point of the curve of minima is below the flattest value",
              float(min(min(r["result"]["lambda"]) / r["result"]["flattest"] for r in curves)), ">= 1 - 1e-12", sampled_ok),
        # The quadratic approximation is first-order exact: at delta = 1e-6 the relative error is
        # O(sqrt(delta)) ~ 1e-3 times a constant of order 1; 1e-2 allows that constant.
        Check("E6.width-small-delta", "theorem", "exact width / quadratic width -> 1 as delta -> 0 (at delta = 1e-6)",
              float(rel[0]), "<= 1e-2", bool(rel[0] <= 1e-2)),
        # L = lambda t^2 / 2 + c t^3 + ... with c != 0 here, so the relative error of the quadratic width is
        # ~ (c / lambda) t ~ sqrt(delta): slope 1/2 on log-log over the three smallest deltas, up to the
        # next-order term (relative size again ~ sqrt(delta) <= 1e-2 there, so +-0.05 is generous).
        Check("E6.width-error-order", "theorem", "the quadratic width's relative error shrinks like sqrt(delta) (log-log slope)",
              error_slope, "in [0.45, 0.55]", bool(0.45 <= error_slope <= 0.55)),
    ]
    text = (f"Scalar deep linear networks (every width 1), E[x^2] = sigma^2 = {SIGMA:g}, y = T x with T = {TARGET:g}. "
            "Every number in this section comes from the symbolic engine (SymPy closed forms, exact widths), evaluated "
            "exactly or at 30 digits.")
    return Section(ID, TITLE, text, [figure], [table], checks, {"rows": rows, "width_relative_error": rel.tolist()})
