"""F(T, Sigma_x, N) (theorems.md flattest-value-general): float64 accuracy against 50 digits, and time.

Run: ``python benchmarks/bench_flattest.py [--quick] [--repeats R] [--threads K]`` (prints two tables).

Instances: T (d, d) Gaussian / sqrt(d), Sigma_x = Q diag(e^u) Q^T with u uniform in
[-2, 2] (condition up to e^4), N = 3; one instance per size and seed.

1. Accuracy, d = 2..64: relative error of ``flattest_value(...).value`` (primal) and
   ``.upper`` (dual) against the midpoint of the 50-digit enclosure of
   ``certify_flattest_value``, plus that enclosure's width in digits and its time.
   Also the old candidate-direction bound (right singular vectors of T Sigma_x^{1/2}
   and eigenvectors of Sigma_x), to show what the replacement changed.
2. Time of ``flattest_value`` at d = 64..1024: median of ``repeats`` runs, and the
   number of top-eigenpair computations.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def _instance(d: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    sigma = (q * np.exp(rng.uniform(-2.0, 2.0, d))) @ q.T
    return rng.standard_normal((d, d)) / np.sqrt(d), (sigma + sigma.T) / 2


def _old_bound(target, sigma, depth: int) -> float:
    import numpy as np

    eig, vec = np.linalg.eigh(sigma)
    scaled = target @ (vec * np.sqrt(eig)) @ vec.T
    candidates = np.concatenate([np.linalg.svd(scaled)[2], vec.T])
    gains = np.linalg.norm(candidates @ scaled.T, axis=1)
    energies = np.einsum("ij,jk,ik->i", candidates, sigma, candidates)
    return float(np.max(depth * gains ** (2.0 - 2.0 / depth) * energies ** (1.0 / depth)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (set before NumPy loads)")
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smoke run: accuracy to d = 16, time at d = 64, one repeat")
    args = parser.parse_args()
    accuracy_sizes, time_sizes = ((2, 4, 8, 16), (64,)) if args.quick else ((2, 4, 8, 16, 32, 64), (64, 256, 1024))
    if args.quick:
        args.repeats = 1
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import mpmath

    from wideminima.numeric import flattest_value
    from wideminima.symbolic import certify_flattest_value

    print(f"load average {os.getloadavg()[0]:.2f}, BLAS threads {args.threads}, N = {args.depth}")
    print("\n| d | primal rel. error | dual rel. error | old bound shortfall | enclosure digits | certificate s |")
    print("|---|---|---|---|---|---|")
    for d in accuracy_sizes:
        target, sigma = _instance(d, d)
        start = time.perf_counter()
        cert = certify_flattest_value(target, sigma, args.depth)
        seconds = time.perf_counter() - start
        result = flattest_value(target, sigma, args.depth)
        exact = cert.value
        err_primal = float(abs(mpmath.mpf(result.value) - exact) / exact)
        err_dual = float(abs(mpmath.mpf(result.upper) - exact) / exact)
        short = 1 - _old_bound(target, sigma, args.depth) / float(exact)
        print(f"| {d} | {err_primal:.1e} | {err_dual:.1e} | {short:.1e} | {cert.digits:.1f} | {seconds:.2f} |")
    print("\n| d | flattest_value median s | top-eigenpair computations |")
    print("|---|---|---|")
    for d in time_sizes:
        target, sigma = _instance(d, d)
        times, calls = [], 0
        for _ in range(args.repeats):
            start = time.perf_counter()
            calls = flattest_value(target, sigma, args.depth).evaluations
            times.append(time.perf_counter() - start)
        print(f"| {d} | {statistics.median(times):.3f} | {calls} |")


if __name__ == "__main__":
    main()
