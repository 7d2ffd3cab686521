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

import numpy as np

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
    import sympy as sp

    n = net.depth
    root = sp.Rational(int(TARGET)) ** sp.Rational(1, n)
    values = [root * sp.exp(a)] + [root * sp.exp(-a / (n - 1))] * (n - 1)
    return dict(zip(net.weights, values))


def _curve(params: dict[str, Any]) -> dict[str, Any]:
    import sympy as sp

    from wideminima.symbolic import scalar_network

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
    import sympy as sp

    from wideminima.symbolic import scalar_network

    n = params["depth"]
    net = scalar_network(n)
    subs = {net.sigma: sp.Integer(int(SIGMA)), net.target: sp.Integer(int(TARGET))}
    point = dict(zip(net.weights, [w.subs(subs) for w in net.flattest_weights()]))
    g = net.path_vector().subs(point)
    direction = g / sp.sqrt((g.T * g)[0, 0])  # unit top eigenvector of H = sigma^2 g g^T
    lam = sp.nsimplify(net.sharpness_at_minimum().subs(point).subs(subs))
    t = sp.Symbol("t", real=True)
    shift = {w: point[w] + t * direction[i] for i, w in enumerate(net.weights)}
    excess = sp.expand(net.loss().subs(subs).subs(shift))  # L(w + tD) - L*, L* = 0 here
    poly = sp.Poly(excess, t)
    deltas = np.geomspace(1e-6, 10.0, params["deltas"])
    exact, quadratic = [], []
    for delta in deltas:
        roots = [complex(r) for r in sp.Poly(poly - sp.Float(delta, 30), t).nroots(n=30, maxsteps=200)]
        positive = sorted(r.real for r in roots if abs(r.imag) < 1e-20 and r.real > 0)
        exact.append(positive[0])
        quadratic.append(float(np.sqrt(2 * delta / float(lam))))
    return {"deltas": deltas.tolist(), "exact": exact, "quadratic": quadratic, "lambda": float(lam),
            "polynomial_degree": int(poly.degree())}


def run_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Symbolic work of one part (curve for one depth, or the width comparison)."""
    return _curve(params) if params["part"] == "curve" else _width(params)


def summarize(mode: str, records: list[dict[str, Any]], context: Any) -> Section:
    """Two panels: eigenvalue along the curve of minima; exact vs quadratic width. Exact checks."""
    from .figures import label_axes, new_figure, publish

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
    ax_w.loglog(d, ex, "o-", label="exact width (polynomial root)")
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
        "eigenvector (smallest positive root of L(w + tD) - L* = delta, a degree-2N polynomial) against "
        "sqrt(2 delta / lambda).",
        "The eigenvalue is smallest, N sigma^2 |T|^(2-2/N), exactly at |w_k| = |T|^(1/N) (scalar-closed-form); "
        "the quadratic approximation is exact to first order as delta -> 0 and departs from the exact width for "
        "large delta, where the higher-order terms of the polynomial take over.",
    )
    rel = np.abs(ex / qu - 1)
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
    ]
    text = (f"Scalar deep linear networks (every width 1), E[x^2] = sigma^2 = {SIGMA:g}, y = T x with T = {TARGET:g}. "
            "Every number in this section comes from SymPy expressions of the symbolic engine, evaluated exactly or at "
            "30 digits.")
    return Section(ID, TITLE, text, [figure], [table], checks, {"rows": rows, "width_relative_error": rel.tolist()})
