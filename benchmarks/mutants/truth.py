"""Decide every variant of ``variants.py`` without the verify engine: dense NumPy on many draws.

    python benchmarks/mutants/truth.py [--draws 3000] [--seed 1] [--json OUT]

For each variant the statement is re-implemented here from its definition with the
numeric engine's dense Hessian (``wideminima.numeric.dense_hessian``, P x P, float64
``eigvalsh``) and NumPy SVDs: no margin function, no ``ctx`` arithmetic, no
interval code. Each variant's strategy is sampled by plain Hypothesis generation
(no targeting, no shrinking) ``--draws`` times; the slack (>= 0: the statement holds
on the draw) is evaluated in float64. The dense evaluations at these sizes (P <= 60
parameters, layer conditions <= 1e3) err by well under 1e-11 relative, so a draw
with slack < -1e-9 (DECIDED) is a counterexample with a factor >= 100 to spare,
even for the 1e-6 variants.

The table gives, per variant, the fraction of draws that violate it (its rarity
under the default draws) and the most negative slack (the witness). A variant
with no decided draw is reported as UNDECIDED and must not be counted in the
benchmark until a witness is constructed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from wideminima.numeric import products_after, products_before
from wideminima.numeric.gram import hessian_trace as numeric_trace
from wideminima.numeric.hessian import dense_hessian, flatten
from wideminima.numeric.moments import Moments

HERE = Path(__file__).resolve().parent
DECIDED = -1e-9  # a slack below this is a counterexample (dense float64 errs by < 1e-11 here)


def load_variants() -> Any:
    """The variants module, imported from its file as ``wideminima verify`` does."""
    spec = importlib.util.spec_from_file_location("wideminima_mutation_variants", HERE / "variants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- dense quantities
def hessian(m: Any, whitened: bool = False) -> np.ndarray:
    moments = Moments.whitened(m.target) if whitened or m.is_whitened else m.moments()
    h = np.asarray(dense_hessian(m.weights, moments), dtype=np.float64)
    return (h + h.T) / 2


def lam(m: Any, whitened: bool = False) -> float:
    return float(np.linalg.eigvalsh(hessian(m, whitened))[-1])


def trace(m: Any) -> float:
    return float(np.trace(hessian(m)))


def svals(t: np.ndarray) -> np.ndarray:
    return np.linalg.svd(t, compute_uv=False)


def bound(m: Any, s1: float | None = None) -> float:
    n = m.depth
    s1 = svals(m.target)[0] if s1 is None else s1
    return n * s1 ** (2 - 2 / n)


def ratio(m: Any) -> float:
    return lam(m) / bound(m)


def n_small(m: Any) -> int:
    return min(m.widths[0], m.widths[-1])


def balance(m: Any) -> float:
    ws = m.weights
    return max(np.linalg.norm(b.T @ b - a @ a.T) / np.linalg.norm(a) ** 2 for a, b in zip(ws[:-1], ws[1:]))


def top_pair(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    u, s, vt = np.linalg.svd(t)
    return u[:, 0], vt[0], float(s[0])


def cosines(m: Any) -> list[float]:
    u, v, _ = top_pair(m.target)
    t = float(u @ m.target @ v)
    after, x, out = products_after(m.weights), v, []
    for k in range(1, m.depth):
        x = m.weights[k - 1] @ x
        out.append(t / (np.linalg.norm(after[k - 1].T @ u) * np.linalg.norm(x)))
    return out


def bilinear(x: dict[str, Any]) -> float:
    m = x["minimum"]
    u, v = x["u"] / np.linalg.norm(x["u"]), x["v"] / np.linalg.norm(x["v"])
    f = np.eye(m.widths[0]) if m.sigma_x_factor is None else m.sigma_x_factor
    return float(sum(np.linalg.norm(a.T @ u) ** 2 * np.linalg.norm(b @ f @ v) ** 2
                     for a, b in zip(products_after(m.weights), products_before(m.weights))))


def near_balance(m: Any, constant: float, rhs: float) -> float:
    n = m.depth
    if n == 1:
        return 1.0
    u, v, _ = top_pair(m.target)
    t = float(u @ m.target @ v)
    gains, x = [np.linalg.norm(v)], v
    for w in m.weights:
        x = w @ x
        gains.append(np.linalg.norm(x))
    sv, lm = gains[n], lam(m)
    out = []
    for k in range(1, n + 1):
        rho = sv ** (2 / n) * (gains[k - 1] / gains[k]) ** 2
        out.append((rhs * lm * sv ** (2 / n) / t**2 - rho - constant * rho ** (-1 / (n - 1))) / n)
    return min(out)


def sigma_eigs(m: Any) -> np.ndarray:
    return np.ones(m.widths[0]) if m.sigma_x_factor is None else np.linalg.eigvalsh(m.sigma_x)


def scalar_lam(m: Any) -> float:
    return float(np.linalg.eigvalsh(hessian(m))[-1])


def scalar_bound(m: Any, exponent: float) -> float:
    sigma2 = float(m.sigma_x_factor[0, 0]) ** 2
    return m.depth * sigma2 * abs(float(m.target[0, 0])) ** exponent


def resnet_ratio(x: dict[str, Any]) -> float:
    from wideminima.property_tests import Minimum

    return ratio(Minimum(list(x["weights"])))


def gauss_newton_gap(x: dict[str, Any]) -> float:
    m, d = x["minimum"], x["direction"]
    vec = np.asarray(flatten(d))
    q = float(vec @ hessian(m) @ vec)
    jd = sum(a @ dk @ b for a, dk, b in zip(products_after(m.weights), d, products_before(m.weights)))
    exact = float(np.sum(jd * jd))
    return 1.0 if exact == 0 else 1e-7 - abs(q - exact) / exact


# ----------------------------------------------------------------------------- the statements, one slack each
def _s2sq_over_s1sq(m: Any) -> float:
    s = svals(m.target)
    return float(s[1] ** 2 / s[0] ** 2)


SLACK: dict[str, Callable[[Any], float]] = {
    "v-ratio-at-most-1-1": lambda m: 1.1 - ratio(m),
    "v-ratio-at-most-3-8": lambda m: 3.8 - ratio(m),
    "v-ratio-at-most-10": lambda m: (10 - ratio(m)) / 10,
    "v-ratio-at-most-17": lambda m: (17 - ratio(m)) / 17,
    "v-lower-bound-plus-1e-6": lambda m: ratio(m) - (1 + 1e-6),
    "v-lower-bound-exponent": lambda m: lam(m) / (m.depth * svals(m.target)[0] ** (m.depth - 1)) - 1,
    "v-lower-bound-plus-1e-6-deep": lambda m: ratio(m) - (1 + 1e-6 if m.depth >= 3 else 1),
    "v-lower-bound-frobenius": lambda m: lam(m) / (m.depth * np.linalg.norm(m.target) ** (2 - 2 / m.depth)) - 1,
    "v-lower-bound-s1-plus-s2-squared": lambda m: lam(m) / (m.depth * (
        svals(m.target)[0] ** 2 + (1e-6 * svals(m.target)[1] ** 2 if n_small(m) >= 2 else 0)) ** (1 - 1 / m.depth)) - 1,
    "v-trace-at-most-2-lambda": lambda m: (2 * lam(m) - trace(m)) / trace(m),
    "v-trace-at-most-end-widths": lambda m: ((m.widths[0] + m.widths[-1]) * lam(m) - trace(m)) / trace(m),
    "v-trace-vs-top-path": lambda m: trace(m) / (n_small(m) * bound(m)) - 1,
    "v-trace-numeric-plus-1e-6": lambda m: float(numeric_trace(m.weights, None if m.is_whitened else m.sigma_x))
    / trace(m) - (1 + 1e-6),
    "v-top-gap": lambda m: 1.0 if n_small(m) < 2 else 0.999 - _s2sq_over_s1sq(m),
    "v-top-cluster": lambda m: 1.0 if n_small(m) < 2 else 0.81 - _s2sq_over_s1sq(m),
    "v-full-rank": lambda m: float(np.prod((svals(m.target) / svals(m.target)[0]) ** 2)) - 1e-6,
    "v-second-singular-nonzero": lambda m: 1.0 if n_small(m) < 2 else float(
        np.sum(svals(m.target) ** 2) / svals(m.target)[0] ** 2) - 1.001,
    "v-every-minimum-balanced": lambda m: 1.0 if m.depth == 1 else 1e-3 - balance(m),
    "v-flat-implies-balanced": lambda m: 1.0 if m.depth == 1 else max((ratio(m) - 1 - 1e-9) * 1e6, 1e-3 - balance(m)),
    "v-equal-layer-norms": lambda m: 1.0 if m.depth < 4 else 1e-6 - max(
        abs(np.sum(a * a) - np.sum(b * b)) / (np.sum(a * a) + np.sum(b * b))
        for a, b in zip(m.weights[1:-2], m.weights[2:-1])),
    "v-coupling-everywhere": lambda m: (min(cosines(m)) - (1 - 1e-6)) if m.depth > 1 else 1.0,
    "v-coupling-top-singular": lambda m: min((svals(m.target)[0] ** (1 / m.depth) * (1 + 1e-9) - svals(w)[0])
                                             / svals(m.target)[0] ** (1 / m.depth) for w in m.weights),
    "v-coupling-gain": lambda m: 1e-9 - abs(np.linalg.norm(m.target @ top_pair(m.target)[1])
                                            / (top_pair(m.target)[2] * (1 + 1e-6)) - 1),
    "v-bilinear-plus-1e-6": lambda x: (lam(x["minimum"]) - (1 + 1e-6) * bilinear(x)) / lam(x["minimum"]),
    "v-bilinear-reversed": lambda x: (2 * bilinear(x) - lam(x["minimum"])) / lam(x["minimum"]),
    "v-near-balance-constant-n": lambda m: near_balance(m, m.depth, 1.0),
    "v-near-balance-tight": lambda m: near_balance(m, m.depth - 1, 1 - 1e-6),
    "v-sigma-mean": lambda m: (float(np.mean(sigma_eigs(m))) * lam(m, True) - lam(m)) / lam(m),
    "v-sigma-top-046": lambda m: lam(m) / (sigma_eigs(m)[-1] * lam(m, True)) - 0.46,
    "v-sigma-ill-conditioned": lambda m: lam(m) / (sigma_eigs(m)[-1] * lam(m, True)) - 0.01,
    "v-sigma-ignored": lambda m: 1e-7 - abs(lam(m, True) - lam(m)) / lam(m),
    "v-gauss-newton-without-sigma": gauss_newton_gap,
    "v-scalar-plus-1e-6": lambda m: scalar_lam(m) / scalar_bound(m, 2 - 2 / m.depth) - (1 + 1e-6),
    "v-scalar-exponent": lambda m: scalar_lam(m) / scalar_bound(m, m.depth - 1) - 1,
    "v-scalar-at-most-1-35": lambda m: 1.35 - scalar_lam(m) / scalar_bound(m, 2 - 2 / m.depth),
    "v-resnet-equal-layers": lambda x: 1e-9 - max(np.linalg.norm(w - x["weights"][0]) / np.linalg.norm(x["weights"][0])
                                                  for w in x["weights"][1:]),
    "v-gd-excess-small": lambda x: (1e-3 * x["lr"] ** 2 - (resnet_ratio(x) - 1)) / (1e-3 * x["lr"] ** 2),
    "v-ratio-at-most-width": lambda m: n_small(m) + 1 - ratio(m),
    "v-trace-at-most-widths-bound": lambda m: 1 - trace(m) / (m.widths[0] * m.widths[-1] * bound(m)),
    "v-lower-bound-depth-5": lambda m: ratio(m) - (1 + 1e-6 if m.depth == 5 else 1),
}


def draws(strategy: Any, count: int, seed: int) -> list[Any]:
    """``count`` plain Hypothesis draws of ``strategy`` (generation only: what the engine's first phase sees)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    out: list[Any] = []

    @hypothesis_seed(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(x: Any) -> None:
        out.append(x)

    collect()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=3000)
    parser.add_argument("--resnet-draws", type=int, default=60, help="draws for the (costly) trained-ResNet variants")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, metavar="OUT")
    parser.add_argument("--variants", nargs="*", default=None, metavar="ID", help="only these variants")
    args = parser.parse_args()
    variants = load_variants()
    claims = {c.id: c for c in variants.__dict__.values() if type(c).__name__ == "Claim"}
    missing = sorted(set(claims) ^ set(SLACK))
    if missing:
        raise SystemExit(f"variants without an independent statement (or the reverse): {missing}")
    if args.variants:
        claims = {k: c for k, c in claims.items() if k in args.variants}
    cache: dict[int, list[Any]] = {}
    rows = []
    print(f"{'variant':<36} {'draws':>6} {'violated':>9} {'fraction':>9} {'min slack':>10}  decided")
    for cid, c in claims.items():
        strategy = c.search_strategy()
        if id(strategy) not in cache:
            start = time.perf_counter()
            n = args.resnet_draws if "resnet" in cid or "gd-" in cid else args.draws
            cache[id(strategy)] = draws(strategy, n, args.seed)
            print(f"  (drew {len(cache[id(strategy)])} instances of {cid}'s strategy in "
                  f"{time.perf_counter() - start:.0f} s)", file=sys.stderr)
        sample = cache[id(strategy)]
        slacks = np.array([SLACK[cid](x) for x in sample])
        bad = slacks < DECIDED
        row = {"id": cid, **variants.META[cid], "draws": len(sample), "violated": int(bad.sum()),
               "fraction": float(bad.mean()), "min_slack": float(slacks.min()), "decided": bool(bad.any())}
        rows.append(row)
        print(f"{cid:<36} {row['draws']:>6} {row['violated']:>9} {row['fraction']:>9.4f} {row['min_slack']:>10.3g}  "
              f"{'false' if row['decided'] else 'UNDECIDED'}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(f"{sum(r['decided'] for r in rows)} of {len(rows)} variants decided false by a direct search")
    return 0


if __name__ == "__main__":
    sys.exit(main())
