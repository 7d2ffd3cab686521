"""E5. Coupling in practice: do consecutive layers of trained networks share singular directions?

Theory id coupling-at-flattest: at a flattest minimum of a linear network the top
path f_k is a left singular vector of W_k and a right singular vector of W_{k+1}.
Empirical law nonlinear-evidence: trained ReLU/tanh MLPs show the same signature.

Measure, per consecutive pair (W_k, W_{k+1}): the alignment matrix
|<u_i(W_k), v_j(W_{k+1})>| of their top singular vectors (the heatmaps), and the
statistic the nonlinear-evidence claim uses too (:mod:`wideminima.numeric.coupling_evidence`):
the coupling score c_k of :func:`wideminima.numeric.coupling` (the largest overlap of a
left singular subspace of W_k with a right singular subspace of W_{k+1}, in [0, 1]),
its null (the same score for matrices with the same singular values and Haar-random
singular vectors) and Cohen's d of the trained scores against the null scores; the
d's 95% confidence interval by a bootstrap over training seeds (fixed resampling
seed, so the report stays reproducible).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wideminima.numeric import MLP, mlp_teacher_data, sample_data, train
from wideminima.numeric.coupling_evidence import cohens_d, coupling_evidence

from .common import spread
from .registry import Check, Figure, Section, Table, Task, task_seed

ID = "E5"
TITLE = "Coupling of consecutive layers in trained networks"
THEORY = ("coupling-at-flattest", "nonlinear-evidence")

TOP = 4  # singular vectors shown in the heatmaps
BOOTSTRAP = 1000
# name -> (activation, data set, widths)
MODELS = {
    "linear/teacher": ("linear", "linear-teacher", (8, 16, 16, 16, 4)),
    "relu/teacher": ("relu", "mlp-teacher", (8, 16, 16, 16, 4)),
    "tanh/teacher": ("tanh", "mlp-teacher", (8, 16, 16, 16, 4)),
    "relu/digits": ("relu", "digits", (64, 32, 32, 10)),
    "tanh/digits": ("tanh", "digits", (64, 32, 32, 10)),
}
# init name -> (numeric.train init scheme, init_scale): small inits grow structured weights, Xavier
# starts with full-rank random frames that training at this length barely rotates.
INITS = {"small": ("gaussian", 0.05), "xavier": ("xavier", None)}
# null_draws: random frames per layer pair and seed for the null baseline
SIZES = {"quick": {"seeds": 2, "steps": 2000, "null_draws": 20}, "full": {"seeds": 8, "steps": 10000, "null_draws": 100}}
SAMPLES, BATCH, LR = 256, 32, 0.05


def _has_sklearn() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def tasks(mode: str, seed: int) -> list[Task]:
    """One training run per (model, seed); digits only with scikit-learn installed (extra ``datasets``)."""
    size = SIZES[mode]
    names = [m for m in MODELS if MODELS[m][1] != "digits" or _has_sklearn()]
    return [
        Task(ID, f"{name}/{init}/r={r}", {"model": name, "init": init, "rep": r, "steps": size["steps"], "null_draws": size["null_draws"],
                                          "data_seed": task_seed(seed, ID, f"data/{MODELS[name][1]}")},
             cost=size["steps"] / 1000 * (3.0 if MODELS[name][1] == "digits" else 1.0))
        for name in names
        for init in INITS
        for r in range(size["seeds"])
    ]


def _data(kind: str, data_seed: int, widths: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(data_seed)
    if kind == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        x = digits.data / 16.0
        x = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-12)
        y = np.eye(10)[digits.target]
        return x, y
    d_in, d_out = widths[0], widths[-1]
    if kind == "linear-teacher":
        return sample_data(rng.standard_normal((d_out, d_in)) / np.sqrt(d_in), None, SAMPLES, rng)  # exactly whitened
    hidden = 32
    teacher = [rng.standard_normal((hidden, d_in)) / np.sqrt(d_in), rng.standard_normal((d_out, hidden)) / np.sqrt(hidden)]
    return mlp_teacher_data(teacher, SAMPLES, rng, activation="tanh")


def _singular_frames(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u, s, vt = np.linalg.svd(w)
    return u, s, vt.T


def alignment(w_k: np.ndarray, w_next: np.ndarray, top: int) -> np.ndarray:
    """|<u_i(W_k), v_j(W_{k+1})>| for i, j < top: left vectors of W_k against right vectors of W_{k+1}.

    >>> w1 = np.diag([3.0, 1.0]); w2 = np.array([[0.0, 2.0], [1.0, 0.0]])
    >>> alignment(w1, w2, 2)  # u_1(W_1) = e_1, v_1(W_2) = e_2: top directions not shared
    array([[0., 1.],
           [1., 0.]])
    """
    u = _singular_frames(w_k)[0][:, :top]
    v = _singular_frames(w_next)[2][:, :top]
    return np.abs(u.T @ v)


def run_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train one network by SGD; the alignment matrices, coupling scores and null scores of its layer pairs."""
    activation, kind, widths = MODELS[params["model"]]
    x, y = _data(kind, params["data_seed"], widths)
    scheme, scale = INITS[params["init"]]
    extra = {"init_scale": scale} if scale is not None else {}
    result = train(MLP(widths, activation=activation), (x, y), optimizer="sgd", batch_size=BATCH, lr=LR,
                   steps=params["steps"], init=scheme, seed=seed, **extra)
    weights = result.weights
    evidence = coupling_evidence(weights, np.random.default_rng(seed), params["null_draws"])
    pairs = [{"alignment": alignment(weights[k], weights[k + 1], TOP).tolist(), "score": float(evidence.scores[k]),
              "null": evidence.null[k].tolist()} for k in range(len(weights) - 1)]
    return {"status": result.status, "steps": result.steps, "loss": result.loss, "pairs": pairs}


def _effect(results: list[dict[str, Any]], rng: np.random.Generator) -> dict[str, Any]:
    """Effect size of one model's coupling scores against the null, with a bootstrap CI over seeds."""
    scores = [np.array([p["score"] for p in r["pairs"]]) for r in results]
    nulls = [np.concatenate([p["null"] for p in r["pairs"]]) for r in results]
    all_scores, all_null = np.concatenate(scores), np.concatenate(nulls)
    d = cohens_d(all_scores, all_null)
    boot = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(results), len(results))
        boot.append(cohens_d(np.concatenate([scores[i] for i in pick]), np.concatenate([nulls[i] for i in pick])))
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return {
        "mean_score": float(all_scores.mean()),
        "mean_null": float(all_null.mean()),
        "effect_size": d,
        "ci95": [float(lo), float(hi)],
        "null_tail": float(np.mean(all_null >= all_scores.mean())),
        "per_pair": [spread([r["pairs"][k]["score"] for r in results])["median"] for k in range(len(results[0]["pairs"]))],
        "seeds": len(results),
    }


def summarize(mode: str, records: list[dict[str, Any]], context: Any) -> Section:
    """Heatmaps of the first layer pair, scores against the null per pair, effect sizes with CIs."""
    from .figures import label_axes, new_figure, pyplot, save_figure

    names = [f"{m}, {i} init" for m in MODELS for i in INITS if any(r["params"]["model"] == m for r in records)]
    by_model = {n: [r["result"] for r in records if f"{r['params']['model']}, {r['params']['init']} init" == n] for n in names}
    rng = np.random.default_rng(0)  # bootstrap resampling: fixed so that the report is reproducible
    effects = {m: _effect(by_model[m], rng) for m in names}

    plt = pyplot()
    ncols = (len(names) + 1) // 2
    fig, grid = plt.subplots(2, ncols, figsize=(2.6 * ncols, 5.6), squeeze=False, layout="constrained")
    axes = [grid[i % 2][i // 2] for i in range(len(names))]
    for extra_ax in [grid[i % 2][i // 2] for i in range(len(names), 2 * ncols)]:
        extra_ax.set_visible(False)
    image = None
    for ax, m in zip(axes, names):
        # One network (the first seed): averaging over seeds would smear aligned pairs that sit at
        # different (i, j) in different runs.
        image = ax.imshow(np.asarray(by_model[m][0]["pairs"][0]["alignment"]), vmin=0, vmax=1, cmap="viridis")
        ax.set_title(m, fontsize=8)
        ax.set_xlabel("j (right vector of W_2)", fontsize=8)
        ax.set_ylabel("i (left vector of W_1)", fontsize=8)
        ax.set_xticks(range(TOP), [str(j + 1) for j in range(TOP)])
        ax.set_yticks(range(TOP), [str(i + 1) for i in range(TOP)])
        ax.grid(False)
    fig.colorbar(image, ax=axes, shrink=0.8, label="|<u_i(W_1), v_j(W_2)>|  [cosine, 0..1]")
    save_figure(fig, context.figure_dir, "E5_alignment_heatmaps")

    fig2, (ax2,) = new_figure(1, width=9.0, height=4.4)
    for idx, m in enumerate(names):
        per_pair = effects[m]["per_pair"]
        xs = idx + np.linspace(-0.25, 0.25, len(per_pair))
        ax2.plot(xs, per_pair, "o", color="tab:blue", label="trained (median over seeds), one dot per layer pair" if idx == 0 else None)
        null = np.concatenate([np.concatenate([p["null"] for p in r["pairs"]]) for r in by_model[m]])
        lo, med, hi = np.quantile(null, [0.05, 0.5, 0.95])
        ax2.errorbar([idx], [med], yerr=[[med - lo], [hi - med]], fmt="s", color="tab:grey", capsize=4,
                     label="null: same singular values, random vectors (median, 5-95%)" if idx == 0 else None)
    ax2.set_xticks(range(len(names)), [n.replace(", ", "\n") for n in names], fontsize=7)
    ax2.set_ylim(0, 1.05)
    label_axes(ax2, "network / data", "coupling score c_k (numeric.coupling)  [cosine, 0..1]", loc="lower left")
    save_figure(fig2, context.figure_dir, "E5_coupling_scores")

    figures = [
        Figure("E5_alignment_heatmaps", "Alignment of the top singular vectors of consecutive layers.",
               f"|<u_i(W_1), v_j(W_2)>| for the top {TOP} left singular vectors of W_1 and right singular vectors of W_2, "
               "of one trained network (first seed) per panel: a deep linear student, ReLU and tanh MLP students of a "
               "teacher, and ReLU/tanh MLPs on scikit-learn's digits (when the datasets extra is installed); top row "
               "from a small Gaussian init (std 0.05), bottom row from Xavier.",
               "At a flattest minimum of a linear network each path direction is shared by consecutive layers "
               "(coupling-at-flattest): cells near 1, on the diagonal when the layers' singular values are ordered "
               f"alike; random frames give about sqrt(2/(pi d)) everywhere. Trained MLPs are expected "
               "(nonlinear-evidence) to show bright cells too, possibly off the diagonal (a shared direction need not "
               "have the same rank in both layers)."),
        Figure("E5_coupling_scores", "Coupling scores of trained networks against the null baseline.",
               "Blue: coupling score of each consecutive layer pair (median over seeds); grey: the null distribution of "
               "the same score for matrices with the same singular values and Haar-random singular vectors.",
               "At a flattest minimum of a linear network the score is exactly 1 (coupling-at-flattest); the null shows "
               "what random frames with the same spectra give. Effect sizes and confidence intervals are in the table."),
    ]
    rows = [[m, effects[m]["seeds"], effects[m]["mean_score"], effects[m]["mean_null"], effects[m]["effect_size"],
             effects[m]["ci95"][0], effects[m]["ci95"][1], effects[m]["null_tail"]] for m in names]
    table = Table("E5_effect_sizes", "Coupling against the null baseline: effect sizes (Cohen's d) with 95% bootstrap CIs",
                  ["network/data", "seeds", "mean score", "mean null", "Cohen's d", "CI low", "CI high", "P(null >= mean score)"], rows,
                  note=(f"SGD (batch {BATCH}, eta {LR}, no biases; small Gaussian init std 0.05 or Xavier), {SIZES[mode]['steps']} steps; null: "
                        f"{SIZES[mode]['null_draws']} random frames per layer pair and seed; CI: {BOOTSTRAP} bootstrap resamples of the seeds."))
    checks = [Check(f"E5.effect-{m}", "empirical", f"{m}: coupling exceeds the null (CI of Cohen's d above 0)",
                    effects[m]["effect_size"], "CI low > 0", effects[m]["ci95"][0] > 0) for m in names]
    text = ("Each network is trained from a small Gaussian init (std 0.05) and from Xavier. Students trained by SGD on teacher-student data (linear teacher with exactly whitened Gaussian inputs; "
            "tanh MLP teacher with Gaussian inputs) and on scikit-learn's digits (8x8 images, standardised, one-hot "
            "targets; shipped with the scikit-learn wheel, no download). The coupling score of a layer pair is "
            "numeric.coupling: the largest cosine between a left singular vector of W_k and a right singular vector "
            "of W_{k+1}, over non-negligible singular values.")
    return Section(ID, TITLE, text, figures, [table], checks, {m: effects[m] for m in names})
