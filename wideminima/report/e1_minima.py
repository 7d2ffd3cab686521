"""E1. Which minimum does training reach? Sharpness ratio at convergence against depth.

Deep linear networks of width d on whitened data (y = T x, T = I + 0.4 G/||G||_F),
trained by full-batch GD with a small step from four inits: the zero-init ResNet
(W_k = I), small Gaussian, Xavier and large Gaussian. At convergence we measure
the sharpness ratio lambda_max / (N s^(2-2/N)); theory ids
resnet-zero-init-flattest (zero init reaches ratio 1 up to O(eta^2)) and
sharpness-lower-bound (no minimum is below 1).

Beside it, Marion & Chizat's setting (:mod:`wideminima.report.fixed_projection`):
scalar output through a fixed random unit projection p after N identity-initialised
residual layers, against the bound N s^(2-2/N) derived there, and the same network
with p trained as an (N+1)-th layer, against (N+1) s^(2-2/(N+1)).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric import Moments, flattest_sharpness, train

from .common import linear_sharpness, resnet_target, spread, unit_vector
from .figures import label_axes, new_figure, publish
from .fixed_projection import fixed_projection_bound, fixed_projection_sharpness, train_fixed_projection
from .registry import Check, Section, Table, Task, task_seed

ID = "E1"
TITLE = "Which minimum does training reach?"
THEORY = ("resnet-zero-init-flattest", "sharpness-lower-bound", "balanced-attains-bound")

# name -> (init scheme of numeric.train, init_scale, legend label)
INITS = {
    "zero-resnet": ("zero", None, "zero-init ResNet (W_k = I)"),
    "small-gaussian": ("gaussian", 0.4, "small Gaussian (std 0.4)"),
    "xavier": ("xavier", None, "Xavier (std sqrt(2/(d+d)))"),
    "large-gaussian": ("gaussian", 0.8, "large Gaussian (std 0.8)"),
}
SIZES = {
    "quick": {"depths": [2, 3, 5], "seeds": 2, "steps": 15000, "mc_depths": [2, 3, 5]},
    "full": {"depths": list(range(2, 11)), "seeds": 5, "steps": 100000, "mc_depths": list(range(2, 11))},
}
WIDTH = 3  # d of the linear networks
MC_WIDTH = 5  # d of Marion & Chizat's residual layers
MC_NORM = 1.5  # s = ||t|| of the scalar target
LR = 0.02  # small step: eta^2 ~ 4e-4, so the zero-init excess (gd-excess-sharpness) is far below 1e-3
# Theorem check: zero-init ratio within this of 1 (the tolerance; the
# O(eta^2) excess measured in E2 is ~1e-5 at this step).
ZERO_INIT_TOL = 1e-3
# Every converged point is an approximate minimum (relative gradient 1e-10): its
# ratio can undershoot 1 by rounding only, ~ N d eps relative; 1e-9 is far above that.
BOUND_SLACK = 1e-9


def tasks(mode: str, seed: int) -> list[Task]:
    """One task per (setting, depth, repetition)."""
    size = SIZES[mode]
    out = []
    for r in range(size["seeds"]):
        target_seed = task_seed(seed, ID, f"target/r={r}")
        for n in size["depths"]:
            for name in INITS:
                params = {"setting": name, "depth": n, "rep": r, "target_seed": target_seed, "steps": size["steps"]}
                out.append(Task(ID, f"{name}/N={n}/r={r}", params, cost=1.0 + (n / 3) ** 2 * (name != "zero-resnet")))
        for n in size["mc_depths"]:
            for name in ("mc-fixed", "mc-trained"):
                params = {"setting": name, "depth": n, "rep": r, "target_seed": target_seed, "steps": size["steps"]}
                out.append(Task(ID, f"{name}/N={n}/r={r}", params, cost=0.5))
    return out


def _linear_run(params: dict[str, Any], seed: int) -> dict[str, Any]:
    scheme, scale, _ = INITS[params["setting"]]
    n = params["depth"]
    target = resnet_target(np.random.default_rng(params["target_seed"]), WIDTH)
    moments = Moments.whitened(target)
    kwargs = {"init_scale": scale} if scale is not None else {}
    result = train("linear", moments, widths=[WIDTH] * (n + 1), lr=LR, steps=params["steps"], init=scheme, seed=seed, **kwargs)
    bound = flattest_sharpness(target, n)
    out = {"status": result.status, "steps": result.steps, "bound": bound, "lambda_max": None, "ratio": None}
    if result.status == "converged":
        lam = linear_sharpness(result.weights, moments)
        out.update(lambda_max=lam, ratio=lam / bound)
    return out


def _marion_chizat_run(params: dict[str, Any]) -> dict[str, Any]:
    n = params["depth"]
    rng = np.random.default_rng(params["target_seed"])
    target = MC_NORM * unit_vector(rng, MC_WIDTH)
    projection = unit_vector(rng, MC_WIDTH)
    s = float(np.linalg.norm(target))
    if params["setting"] == "mc-fixed":
        weights, status, steps = train_fixed_projection(projection, target, n, lr=LR, steps=params["steps"])
        bound = fixed_projection_bound(target, n)
        lam = fixed_projection_sharpness(weights, projection) if status == "converged" else None
    else:
        moments = Moments.whitened(target[None, :])
        init = [np.eye(MC_WIDTH)] * n + [projection[None, :]]
        result = train("linear", moments, widths=[MC_WIDTH] * (n + 1) + [1], lr=LR, steps=params["steps"], init=init)
        status, steps = result.status, result.steps
        bound = flattest_sharpness(target[None, :], n + 1)
        lam = linear_sharpness(result.weights, moments) if status == "converged" else None
    return {
        "status": status,
        "steps": steps,
        "bound": bound,
        "lambda_max": lam,
        "ratio": None if lam is None else lam / bound,
        "cosine_p_t": float(abs(projection @ target) / s),
    }


def run_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train one network and measure its sharpness ratio at convergence."""
    if params["setting"].startswith("mc-"):
        return _marion_chizat_run(params)
    return _linear_run(params, seed)


def _by_setting(records: list[dict[str, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault((rec["params"]["setting"], rec["params"]["depth"]), []).append(rec["result"])
    return groups


def _median_with_range(ax: Any, stats: dict[tuple[str, int], dict[str, Any]], name: str, depths: list[int], label: str, marker: str) -> None:
    """Median ratio per depth with min-max error bars, for the depths where some run converged."""
    xs = [n for n in depths if (name, n) in stats and stats[(name, n)]["median"] is not None]
    med = np.array([stats[(name, n)]["median"] for n in xs])
    lo = np.array([stats[(name, n)]["min"] for n in xs])
    hi = np.array([stats[(name, n)]["max"] for n in xs])
    ax.errorbar(xs, med, yerr=[med - lo, hi - med], marker=marker, capsize=3, label=label)


def summarize(mode: str, records: list[dict[str, Any]], context: Any) -> Section:
    """Table of median ratios by init and depth, a figure, and the theorem checks."""
    groups = _by_setting(records)
    settings = list(INITS) + ["mc-fixed", "mc-trained"]
    depths = sorted({d for (_, d) in groups})
    stats = {key: spread([r["ratio"] for r in rs]) for key, rs in groups.items()}
    runs = {key: len(rs) for key, rs in groups.items()}
    rows = []
    for name in settings:
        for n in depths:
            if (name, n) not in stats:
                continue
            st = stats[(name, n)]
            statuses = [r["status"] for r in groups[(name, n)]]
            excess = None if st["median"] is None else st["median"] - 1.0
            rows.append([name, n, st["median"], excess, st["min"], st["max"], f"{st['count']}/{runs[(name, n)]}",
                         ", ".join(sorted({x for x in statuses if x != "converged"})) or "-"])
    table = Table(
        "E1_ratios",
        "Sharpness ratio lambda_max / bound at convergence (median, min, max over seeds)",
        ["setting", "N", "median ratio", "median ratio - 1", "min", "max", "converged", "other statuses"],
        rows,
        note=(f"Linear networks: width {WIDTH}, whitened data, GD with eta = {LR}; bound N s^(2-2/N). "
              f"mc-fixed: Marion & Chizat's fixed unit projection after N residual layers of width {MC_WIDTH}, "
              "bound N s^(2-2/N) (fixed-projection bound, derived in the text); mc-trained: the same network with "
              "the projection trained as layer N+1, bound (N+1) s^(2-2/(N+1)). Runs that did not converge within "
              "the step budget (max_steps) or diverged are counted, not measured."),
    )

    fig, (ax, ax_mc) = new_figure(2, width=5.2, height=3.9)
    markers = {"zero-resnet": "o", "small-gaussian": "s", "xavier": "^", "large-gaussian": "D"}
    for name, (_, _, label) in INITS.items():
        _median_with_range(ax, stats, name, depths, label, markers[name])
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="flattest minimum (ratio 1)")
    ax.set_yscale("log")
    label_axes(ax, "depth N (layers)", "lambda_max / (N s^(2-2/N))  [dimensionless]", f"Linear nets, width {WIDTH}, GD eta = {LR}")
    _median_with_range(ax_mc, stats, "mc-fixed", depths, "fixed projection p (bound N s^(2-2/N))", "o")
    _median_with_range(ax_mc, stats, "mc-trained", depths, "trained projection (bound (N+1) s^(2-2/(N+1)))", "s")
    ax_mc.axhline(1.0, color="k", lw=0.8, ls="--", label="lower bound (ratio 1)")
    label_axes(ax_mc, "number of residual layers N", "lambda_max / lower bound  [dimensionless]",
               f"Marion & Chizat setting, width {MC_WIDTH}, ||t|| = {MC_NORM}")
    figure = publish(
        fig,
        context.figure_dir,
        "E1_ratio_vs_depth",
        "Sharpness ratio at convergence against depth.",
        "Left: lambda_max / (N s^(2-2/N)) of the minimum GD reaches, median with min-max bars over seeds, per init. "
        "Right: scalar output read through a unit projection p after identity-initialised residual layers; "
        "p fixed (Marion & Chizat's model) or trained as one more layer.",
        "The zero-init ResNet stays balanced and reaches a flattest minimum, ratio 1 + O(eta^2); no minimum can have "
        "ratio below 1; larger inits land at sharper minima. With p fixed, the flattest minima have "
        "lambda_max = N s^(2-2/N) exactly as for N trainable layers (proof in the text); identity init does not reach "
        "them because the link between W_N and p starts unbalanced (p p^T vs I) and nothing balances it. "
        "Training p changes nothing new: since ||p|| = 1, a trained row q^T initialised at p^T follows exactly the "
        "GD path of p^T W_{N+1} for one more identity-initialised layer W_{N+1} under the fixed p, with the same "
        "Hessian spectrum and the same bound (N+1) s^(2-2/(N+1)); so the trained-projection curve at N is the "
        "fixed-projection curve at N+1 (the table shows equal ratios). Either way W_{N+1}^T W_{N+1} - W_N W_N^T "
        "starts at p p^T - I, is conserved by gradient flow, and keeps the network away from balance.",
    )

    checks = []
    zero = [r["ratio"] for (name, _), rs in groups.items() if name == "zero-resnet" for r in rs if r["ratio"] is not None]
    zero_runs = sum(len(rs) for (name, _), rs in groups.items() if name == "zero-resnet")
    if zero_runs:
        worst = max(abs(x - 1) for x in zero) if zero else float("inf")
        checks.append(Check("E1.zero-init-flattest", "theorem",
                            f"zero-init ResNet runs converge to ratio within {ZERO_INIT_TOL:g} of 1 at eta = {LR} "
                            f"({len(zero)}/{zero_runs} converged; resnet-zero-init-flattest)",
                            worst, f"|ratio - 1| <= {ZERO_INIT_TOL:g}", len(zero) == zero_runs and worst <= ZERO_INIT_TOL))
    all_linear = [r["ratio"] for (name, _), rs in groups.items() if name in INITS for r in rs if r["ratio"] is not None]
    if all_linear:
        low = min(all_linear)
        checks.append(Check("E1.lower-bound", "theorem",
                            "no minimum reached by any init is below N s^(2-2/N) (sharpness-lower-bound)",
                            low, f"min ratio >= 1 - {BOUND_SLACK:g}", low >= 1 - BOUND_SLACK))
    mc = [r["ratio"] for (name, _), rs in groups.items() if name.startswith("mc-") for r in rs if r["ratio"] is not None]
    if mc:
        low = min(mc)
        checks.append(Check("E1.fixed-projection-bound", "theorem",
                            "Marion & Chizat runs (fixed or trained p) stay above their lower bounds",
                            low, f"min ratio >= 1 - {BOUND_SLACK:g}", low >= 1 - BOUND_SLACK))

    summary = {f"{name}/N={n}": stats[(name, n)] for (name, n) in sorted(stats)}
    text = (
        "GD (step eta = 0.02, until the gradient norm falls to 1e-10 of its largest value) trains deep linear "
        f"networks of width {WIDTH} on whitened data y = T x with T = I + 0.4 G/||G||_F (G Gaussian, not symmetric; "
        "the deficiency margin ||T - I||_F < sigma_min(T) holds, so the zero-init ResNet converges). The sharpness "
        "lambda_max is the largest eigenvalue of the output gram (theory id output-gram-spectrum) at the point "
        "reached.\n\n"
        "**Marion & Chizat's model and its lower bound.** f(x) = p^T W_N ... W_1 x with p a fixed random unit "
        "vector and t the scalar target (y = t^T x, s = ||t||). Its minima are p^T W_{N:1} = t^T and at one the "
        "Hessian of the trainable layers has the nonzero spectrum of G = sum_k ||A_k^T p||^2 B_k^T B_k. "
        "With v = t/s, c_k = ||A_k^T p|| (c_N = 1) and g_k = ||W_{k:1} v||: lambda_max >= v^T G v = "
        "sum_k c_k^2 g_{k-1}^2; Cauchy-Schwarz gives c_k g_k >= s, so the terms k < N are at least "
        "s^2 (g_{k-1}/g_k)^2 while the term k = N is g_{N-1}^2; AM-GM over the N-1 ratios (product 1/g_{N-1}) "
        "leaves (N-1) s^2 x^(-2/(N-1)) + x^2 with x = g_{N-1}, minimal at x = s^((N-1)/N) with value "
        "**N s^(2-2/N)**. It is attained (W_1 = s^(1/N) R with R orthogonal, R v = p, and W_k = s^(1/N) I "
        "for k > 1 gives G = N s^(2-2/N) I). So the bound is that of N trainable layers, not (N+1) s^(2-2/(N+1)). "
        "Training the projection (a row q^T initialised at p^T) is exactly the fixed-projection model with one more "
        "identity-initialised layer: q^T = p^T W_{N+1} moves by -eta ||p||^2 e^T = -eta e^T under GD, as the "
        "trained row does, and the Hessians' nonzero spectra coincide. "
        "Tested in tests/report/test_fixed_projection.py against the dense Hessian, random minima, and a "
        "numerical minimization of lambda_max over the minima."
    )
    return Section(ID, TITLE, text, [figure], [table], checks, summary)
