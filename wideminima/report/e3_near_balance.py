"""E3. Near balance: path gains along the top direction of minima reached by GD and SGD.

Theory id near-balance: with g_k = ||W_{k:1} v|| (v the top right singular vector
of T, g_0 = 1, g_N = s) and r_k = g_k / g_{k-1}, every global minimum has
s^2 sum_k r_k^(-2) <= lambda_max; if lambda_max <= (1 + delta) N s^(2-2/N), each
rho_k = (s^(1/N) / r_k)^2 lies in an explicit interval [lo, hi] around 1. Chaining
the per-layer bounds from both ends gives the band for g_k drawn in the figure:
s^(k/N) max(hi^(-k/2), lo^((N-k)/2)) <= g_k <= s^(k/N) min(lo^(-k/2), hi^((N-k)/2)).
With stability (lambda_max <= 2/eta), s^2 sum r_k^(-2) <= 2/eta.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric import Moments, flattest_sharpness, near_balance_interval, path_gains, sample_data, train

from .common import linear_sharpness, target_with_spectrum
from .figures import label_axes, new_figure, publish
from .registry import Check, Section, Table, Task, task_seed

ID = "E3"
TITLE = "Near balance along the top path"
THEORY = ("near-balance",)

WIDTH, DEPTH, SAMPLES, BATCH = 3, 4, 64, 8
SINGULAR_VALUES = (2.0, 1.0, 0.5)  # s = 2, well separated from the other singular values
INIT_SCALE = 0.8  # Gaussian std: large enough that small steps land at clearly non-flattest minima
SIZES = {
    "quick": {"gd": [0.01, 0.05, 0.15], "sgd": [0.01, 0.05]},
    "full": {"gd": [0.005, 0.02, 0.05, 0.1, 0.15, 0.2], "sgd": [0.005, 0.02, 0.05, 0.1, 0.15]},
}
STEPS = {"gd": 100000, "sgd": 200000}
# Relative slack of the inequalities, which are exact at a global minimum: the runs
# stop at relative gradient 1e-10, so the measured sides carry errors ~1e-10 relative.
REL_TOL = 1e-7


def tasks(mode: str, seed: int) -> list[Task]:
    """One run per (optimizer, step size); one target and one init for all of them."""
    target_seed = task_seed(seed, ID, "target")
    return [
        Task(ID, f"{opt}/eta={eta}", {"optimizer": opt, "eta": eta, "target_seed": target_seed}, cost=2.0 if opt == "sgd" else 1.0)
        for opt in ("gd", "sgd")
        for eta in SIZES[mode][opt]
    ]


def run_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train from a large Gaussian init; path gains, sharpness and the near-balance interval at the end."""
    target = target_with_spectrum(np.random.default_rng(params["target_seed"]), SINGULAR_VALUES)
    widths = [WIDTH] * (DEPTH + 1)
    init_rng = np.random.default_rng(params["target_seed"] + 1)
    init = [INIT_SCALE * init_rng.standard_normal((WIDTH, WIDTH)) for _ in range(DEPTH)]
    if params["optimizer"] == "gd":
        data = Moments.whitened(target)
        result = train("linear", data, widths=widths, lr=params["eta"], steps=STEPS["gd"], init=init, seed=seed)
        moments = data
    else:
        x, y = sample_data(target, None, SAMPLES, np.random.default_rng(params["target_seed"] + 2))
        result = train("linear", (x, y), widths=widths, optimizer="sgd", batch_size=BATCH, lr=params["eta"],
                       steps=STEPS["sgd"], init=init, seed=seed)
        moments = Moments.from_samples(x, y)
    out: dict[str, Any] = {"status": result.status, "steps": result.steps}
    if result.status != "converged":
        return out
    s = float(np.linalg.svd(target, compute_uv=False)[0])
    lam = linear_sharpness(result.weights, moments)
    bound = flattest_sharpness(target, DEPTH)
    gains = path_gains(result.weights)
    ratios = gains[1:] / gains[:-1]
    rho = (s ** (1 / DEPTH) / ratios) ** 2
    delta = max(lam / bound - 1.0, 0.0)
    lo, hi = near_balance_interval(delta, DEPTH)
    out.update(s=s, lambda_max=lam, bound=bound, delta=delta, gains=gains.tolist(), rho=rho.tolist(),
               rho_interval=[lo, hi], path_sum=float(s**2 * np.sum(ratios**-2.0)))
    return out


def _band(s: float, n: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(n + 1)
    base = s ** (k / n)
    lower = base * np.maximum(hi ** (-k / 2), lo ** ((n - k) / 2))
    upper = base * np.minimum(lo ** (-k / 2), hi ** ((n - k) / 2))
    return lower, upper


def summarize(mode: str, records: list[dict[str, Any]], context: Any) -> Section:
    """Two panels (GD, SGD) of g_k with the geometric line and near-balance bands; checks."""
    fig, axes = new_figure(2, width=5.0, height=4.0)
    rows, checks_ok, path_ok, stable_ok = [], [], [], []
    k = np.arange(DEPTH + 1)
    for ax, opt in zip(axes, ("gd", "sgd")):
        recs = [r for r in records if r["params"]["optimizer"] == opt]
        s = None
        for rec in recs:
            res, eta = rec["result"], rec["params"]["eta"]
            if res["status"] != "converged":
                rows.append([opt, eta, res["status"], None, None, None, None, None])
                continue
            s = res["s"]
            lo, hi = res["rho_interval"]
            lower, upper = _band(s, DEPTH, lo, hi)
            line = ax.semilogy(k, res["gains"], "o-", label=f"eta = {eta}: ratio {1 + res['delta']:.3f}")[0]
            ax.fill_between(k, lower, upper, color=line.get_color(), alpha=0.08)
            for edge in (lower, upper):
                ax.semilogy(k, edge, ":", color=line.get_color(), lw=1)
            inside = all(lo * (1 - REL_TOL) <= r <= hi * (1 + REL_TOL) for r in res["rho"])
            checks_ok.append(inside)
            path_ok.append(res["path_sum"] <= res["lambda_max"] * (1 + REL_TOL))
            if opt == "gd":
                stable_ok.append(res["path_sum"] <= (2 / eta) * (1 + REL_TOL))
            rows.append([opt, eta, res["status"], 1 + res["delta"], min(res["rho"]), max(res["rho"]), lo, hi])
        if s is not None:
            ax.semilogy(k, s ** (k / DEPTH), "k--", lw=1, label="s^(k/N) (flattest)")
        ax.set_xticks(k)
        label_axes(ax, "layer k (g_0 = 1 is the input)", "path gain g_k = ||W_k...W_1 v||  [dimensionless]",
                   f"{opt.upper()}, N = {DEPTH}, d = {WIDTH}" + (f", batch {BATCH} of {SAMPLES}" if opt == "sgd" else ""),
                   loc="lower left")
    figure = publish(
        fig,
        context.figure_dir,
        "E3_path_gains",
        "Path gains along the top input direction of the minima reached.",
        "g_k = ||W_{k:1} v|| against layer k (log scale) for the minima GD (left) and SGD (right) reach from one "
        f"large Gaussian init (std {INIT_SCALE}) at several step sizes; legend: each run's sharpness ratio "
        "lambda_max / (N s^(2-2/N)); shaded between dotted lines of the same colour: the band near-balance allows "
        "for that ratio. Runs that did not converge are listed in the table only.",
        "Every minimum keeps each layer's gain r_k within the near-balance interval set by its sharpness, so g_k lies "
        "in its band; flatter minima (larger steps, by stability lambda_max <= 2/eta) have narrower bands around "
        "the geometric line s^(k/N), which the flattest minima follow exactly.",
    )
    table = Table("E3_near_balance", "Near-balance at the minima reached: rho_k = (s^(1/N)/r_k)^2 and its allowed interval",
                  ["optimizer", "eta", "status", "sharpness ratio", "min rho_k", "max rho_k", "interval lo", "interval hi"], rows)
    checks = [
        Check("E3.rho-in-interval", "theorem", "every run's rho_k lie in the near-balance interval of its sharpness",
              float(sum(checks_ok)), f"{len(checks_ok)} of {len(checks_ok)} runs", all(checks_ok) and bool(checks_ok)),
        Check("E3.path-sum", "theorem", "s^2 sum_k r_k^(-2) <= lambda_max at every minimum reached",
              float(sum(path_ok)), f"{len(path_ok)} of {len(path_ok)} runs", all(path_ok) and bool(path_ok)),
        Check("E3.stability", "theorem", "GD runs: s^2 sum_k r_k^(-2) <= 2/eta (near-balance with stability)",
              float(sum(stable_ok)), f"{len(stable_ok)} of {len(stable_ok)} runs", all(stable_ok) and bool(stable_ok)),
    ]
    text = (f"Linear networks, N = {DEPTH}, d = {WIDTH}, whitened data y = T x with T = U diag(2, 1, 0.5) V^T (s = 2). "
            f"GD on the population loss and SGD (batch {BATCH}) on {SAMPLES} exactly whitened samples, all from the "
            f"same Gaussian init (std {INIT_SCALE}), run until the full gradient norm falls to 1e-10 of its largest value.")
    return Section(ID, TITLE, text, [figure], [table], checks, {"rows": rows})
