"""E2. Step size and excess sharpness: ratio - 1 against eta for the zero-init ResNet.

Empirical law gd-excess-sharpness: GD with step eta from W_k = I converges to a
minimum whose sharpness ratio is 1 + O(eta^2). We fit the slope of
log(ratio - 1) against log(eta) per target and report the median.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric import Moments, flattest_sharpness, train

from .common import linear_sharpness, log_slope, resnet_target, spread
from .figures import label_axes, new_figure, publish
from .registry import Check, Section, Table, Task, task_seed

ID = "E2"
TITLE = "Step size and excess sharpness"
THEORY = ("gd-excess-sharpness", "resnet-zero-init-flattest")

WIDTH, DEPTH = 3, 3
SIZES = {
    "quick": {"etas": [0.02, 0.04, 0.08, 0.16], "targets": 2},
    "full": {"etas": [0.01, 0.014, 0.02, 0.028, 0.04, 0.056, 0.08, 0.113, 0.16, 0.226], "targets": 5},
}
STEPS = 200000
# The law says "about 2": a median fitted slope in [1.5, 2.5] is read as agreeing.
SLOPE_RANGE = (1.5, 2.5)


def tasks(mode: str, seed: int) -> list[Task]:
    """One GD run per (target, step size)."""
    size = SIZES[mode]
    return [
        Task(ID, f"r={r}/eta={eta}", {"eta": eta, "rep": r, "target_seed": task_seed(seed, ID, f"target/r={r}")}, cost=0.3 / eta * 0.02)
        for r in range(size["targets"])
        for eta in size["etas"]
    ]


def run_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """GD from the zero-init ResNet; the sharpness ratio of the minimum reached."""
    target = resnet_target(np.random.default_rng(params["target_seed"]), WIDTH)
    moments = Moments.whitened(target)
    result = train("resnet", moments, widths=[WIDTH] * (DEPTH + 1), lr=params["eta"], steps=STEPS, seed=seed)
    bound = flattest_sharpness(target, DEPTH)
    out = {"status": result.status, "steps": result.steps, "bound": bound, "lambda_max": None, "ratio": None, "excess": None}
    if result.status == "converged":
        lam = linear_sharpness(result.weights, moments)
        out.update(lambda_max=lam, ratio=lam / bound, excess=lam / bound - 1)
    return out


def summarize(mode: str, records: list[dict[str, Any]], context: Any) -> Section:
    """Log-log plot with the fitted slope per target, table, empirical check."""
    reps = sorted({r["params"]["rep"] for r in records})
    fits = {}
    rows = []
    fig, (ax,) = new_figure(1, width=6.0, height=4.2)
    for rep in reps:
        recs = [r for r in records if r["params"]["rep"] == rep]
        good = [(r["params"]["eta"], r["result"]["excess"]) for r in recs if r["result"]["excess"] is not None and r["result"]["excess"] > 0]
        for r in recs:
            rows.append([rep, r["params"]["eta"], r["result"]["status"], r["result"]["ratio"], r["result"]["excess"]])
        if len(good) >= 2:
            eta, excess = map(np.array, zip(*good))
            slope, intercept = log_slope(eta, excess)
            fits[rep] = {"slope": slope, "intercept": intercept, "points": len(good)}
            line = ax.loglog(eta, excess, "o", label=f"target {rep}: slope {slope:.2f}")[0]
            grid = np.geomspace(eta.min(), eta.max(), 50)
            ax.loglog(grid, np.exp(intercept) * grid**slope, "-", color=line.get_color(), lw=0.8)
    slopes = [f["slope"] for f in fits.values()]
    median_slope = spread(slopes)["median"]
    label_axes(ax, "step size eta  [dimensionless, loss 1/2 MSE]", "excess sharpness ratio - 1  [dimensionless]",
               f"Zero-init linear ResNet, N = {DEPTH}, d = {WIDTH}: median slope {median_slope:.2f}" if median_slope is not None else "")
    figure = publish(
        fig,
        context.figure_dir,
        "E2_excess_vs_eta",
        "Excess sharpness against step size (log-log).",
        "Points: lambda_max / (N s^(2-2/N)) - 1 at the minimum GD reaches from W_k = I, per target and step size; "
        "lines: least-squares fits of log(ratio - 1) on log(eta), slopes in the legend.",
        "Gradient flow (eta -> 0) stays balanced and ends at ratio exactly 1 (resnet-zero-init-flattest); the "
        "empirical law gd-excess-sharpness says finite steps add O(eta^2), i.e. slope about 2.",
    )
    table = Table("E2_excess", "Excess sharpness ratio - 1 per target and step size",
                  ["target", "eta", "status", "ratio", "ratio - 1"], rows,
                  note=f"Fitted slopes per target: {', '.join(f'{s:.3f}' for s in slopes)}; median {median_slope}.")
    low, high = SLOPE_RANGE
    checks = [Check("E2.slope", "empirical",
                    "median fitted slope of log(ratio - 1) against log(eta) (gd-excess-sharpness predicts about 2)",
                    median_slope if median_slope is not None else float("nan"), f"in [{low}, {high}]",
                    median_slope is not None and low <= median_slope <= high)]
    text = (f"GD from the zero-init ResNet (W_k = I) on whitened data, N = {DEPTH}, d = {WIDTH}, T = I + 0.4 G/||G||_F, "
            "one run per step size and target, until the gradient norm falls to 1e-10 of its largest value.")
    return Section(ID, TITLE, text, [figure], [table], checks, {"slopes": slopes, "median_slope": median_slope, "fits": {str(k): v for k, v in fits.items()}})
