"""Symbolic engine timings: medians of several cold runs (every SymPy and module cache cleared).

Run: ``python benchmarks/bench_symbolic.py [--repeats R]`` (prints a table).

- scalar N = 64 closed form: the structured (64, 64) Hessian anywhere, plus the rank-one
  Hessian at minima and its eigenvalue (the issue asks for under 2 s).
- scalar N = 1..12 cross-check: closed form against ``sympy.hessian``, exactly, all depths.
- matrix N = 3, d = 2 exact proof (hessian-gauss-newton): sympy.hessian of the loss with
  symbolic W, T and Sigma_x^{1/2}, T eliminated by T = W_{N:1}, difference to the
  Gauss-Newton block matrix decided exactly.
- the full derivations (``wideminima derive``) and the other exact routes.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import sympy as sp


def _cold() -> None:
    """Clear SymPy's global cache and the engine's own caches, so each run starts cold."""
    from sympy.core.cache import clear_cache

    from wideminima.symbolic import derivations, matrix, scalar

    clear_cache()
    scalar.scalar_network.cache_clear()
    matrix.matrix_network.cache_clear()
    derivations.scalar_derivation.cache_clear()
    derivations.matrix_derivation.cache_clear()


def _scalar_64() -> None:
    from wideminima.symbolic import scalar_network

    net = scalar_network(64)
    net.hessian()
    net.hessian_at_minimum()
    net.sharpness_at_minimum()


def _scalar_cross_checks() -> None:
    from wideminima.symbolic import scalar_network
    from wideminima.symbolic.steps import is_zero

    for depth in range(1, 13):
        net = scalar_network(depth)
        assert is_zero(net.hessian() - net.hessian_bruteforce())


def _matrix_proof(depth: int, width: int) -> Callable[[], None]:
    def run() -> None:
        from wideminima.symbolic import matrix_network
        from wideminima.symbolic.steps import is_zero

        net = matrix_network(depth, width)
        assert is_zero(net.at_minimum(net.hessian_bruteforce()) - net.gauss_newton())

    return run


def _derivation(kind: str, depth: int, width: int = 0) -> Callable[[], None]:
    def run() -> None:
        from wideminima.symbolic import matrix_derivation, scalar_derivation

        d = scalar_derivation(depth) if kind == "scalar" else matrix_derivation(depth, width)
        assert d.all_checked

    return run


def _balanced_3x3() -> None:
    from wideminima.symbolic import balanced_lambda_max, cayley_orthogonal

    u = cayley_orthogonal([sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 4)], 3)
    v = cayley_orthogonal([sp.Rational(-1, 3), sp.Rational(1, 5), sp.Rational(2, 7)], 3)
    value = balanced_lambda_max(u, [3, 2, 1], v, 3, [u, v])
    assert sp.simplify(value - 3 * sp.Integer(3) ** sp.Rational(4, 3)) == 0


def _width_d3_n4() -> None:
    from wideminima.symbolic import exact_width

    rng = np.random.default_rng(0)
    ws = [np.diag([1.5, 1.0, 0.5]) for _ in range(4)]
    exact_width(ws, None, [rng.standard_normal((3, 3)) for _ in range(4)], 1e-3)


def _certificates_9x9() -> None:
    from wideminima.symbolic import certify_lambda_max_above, certify_lambda_max_below

    a = np.random.default_rng(1).standard_normal((9, 9))
    g = a @ a.T
    top = float(np.linalg.eigvalsh(g)[-1])
    assert certify_lambda_max_above(g, top * (1 - 1e-12)).holds
    assert certify_lambda_max_below(g, top * (1 + 1e-12)).holds


CASES: list[tuple[str, Callable[[], None]]] = [
    ("scalar N=64 closed form (H anywhere, H at minima, lambda_max)", _scalar_64),
    ("scalar N=1..12 closed form vs sympy.hessian (exact)", _scalar_cross_checks),
    ("matrix N=2 d=2 exact proof hessian-gauss-newton", _matrix_proof(2, 2)),
    ("matrix N=3 d=2 exact proof hessian-gauss-newton", _matrix_proof(3, 2)),
    ("derive scalar --depth 5 (all steps)", _derivation("scalar", 5)),
    ("derive scalar --depth 12 (all steps)", _derivation("scalar", 12)),
    ("derive matrix --depth 3 --width 2 (all steps)", _derivation("matrix", 3, 2)),
    ("balanced lambda_max, d=3 N=3, rational non-diagonal T", _balanced_3x3),
    ("exact width, d=3 N=4 (degree-8 polynomial, 50 digits)", _width_d3_n4),
    ("certificates above+below, 9x9 gram, 50 digits", _certificates_9x9),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"symbolic engine ({platform.processor() or platform.machine()}, sympy {sp.__version__}), median of {args.repeats} cold runs")
    print(f"{'case':64s} {'median s':>9s} {'min s':>8s} {'max s':>8s}")
    for name, run in CASES:
        times = []
        for _ in range(args.repeats):
            _cold()
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        print(f"{name:64s} {statistics.median(times):9.3f} {min(times):8.3f} {max(times):8.3f}", flush=True)


if __name__ == "__main__":
    main()
