"""lambda_max at a generic (gauge-transformed, unbalanced) global minimum: five ways, one table.

Run: ``python benchmarks/bench_sharpness.py [--quick] [--cap SECONDS] [--repeats R] [--cases 8x256,50x64,4x1024,4x16]``.
``--quick`` (what ``benchmarks/run.py`` runs by default): cases 4x16 and 3x100, cap 5 s, one repeat.
``--targets``: only the comparison issue 12 set targets for, (a) by default against (d) at
PyHessian's default tolerance, run to the end (no cap), at (8, 256), (4, 1024), (2, 2048)
(``--cases`` to change them): one table with products, CPU seconds, the flops/peak bound
and the ratio of CPU times. About 3 minutes on one idle core, most of it in (d).

Methods (whitened data, T random (d, d) / sqrt(d), all widths d, gauge condition 10):
  (a) output gram: ``wideminima.numeric.sharpness``, by default (structure first: the Kronecker
      reduction for N <= 2, the certified bounds at balanced minima, else this toolkit's Lanczos
      on the matrix-free G), and with ``structure=False`` (Lanczos, and SciPy's ARPACK on the same
      operator, at full and at loose tolerance);
  (b) parameter-space Lanczos on this toolkit's exact Hessian-vector products (P = N d^2);
  (c) dense eigh of the full (P, P) Hessian, where it fits in memory (else "n/a");
  (d) PyTorch autograd Hessian-vector products with power iteration as PyHessian does it
      (stop when the eigenvalue changes by less than tol relatively; tol 1e-3, PyHessian's
      default, and 1e-10);
  (e) PyTorch autograd Hessian-vector products under SciPy's eigsh (tol 1e-10).
(b), (d) and (e) stop at ``--cap`` seconds and are then reported as "> cap" (with the
products made and, for (d), the error of the last estimate).
The reference value is dense eigh of the Hessian where it fits, else for N = 2 the dense SVD
value ||W_2||^2 + ||W_1||^2 (whitened), else dense eigh of G where G fits (d^2 <= 4096), else
(a) without structure run to tol 1e-13 (cross-checked by (b)).
Times are wall-clock seconds: median of ``--repeats`` for (a), one run for the others.
Threads: ``--threads`` (default 1) through ``wideminima.threads.thread_limit`` for every method.
Seconds are shown as "wall (CPU)": on a loaded machine the wall-clock time of a single-threaded
run is inflated by waiting for a core, its CPU time much less, so compare CPU seconds there.
flops/peak: the GEMM speed of this BLAS, in flop per CPU second, is measured at the start of
the run (1024-square products, same thread count); for (a) "products at GEMM peak" is
products x 2 N d^2 (2 d) / that speed, the CPU time the products alone need, and the last
column the run's CPU time over it (setup, reorthogonalisation and the small eigenproblems are
what the ratio adds above 1; meaningful with --threads 1, where CPU time is time on one core).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from wideminima.numeric import flatten, gauge_minimum, sharpness, top_eigenpairs, unflatten
from wideminima.numeric.gram import gram_factors, product_flops
from wideminima.numeric.hessian import hessian_operator
from wideminima.threads import thread_limit

# Residual tolerances for (a) in the low-accuracy regime: 1e-3, and 3e-2, whose eigenvalue error
# (about 1e-2, Lanczos errors go like residual^2 / gap) is what (d) reaches at PyHessian's default.
LOOSE_TOLERANCES = (1e-3, 3e-2)
# Defaults of a full run (the README's table) and of --quick (seconds: a smoke run of every method).
FULL = {"cases": "4x16,8x256,50x64,4x1024", "cap": 60.0, "repeats": 3}
QUICK = {"cases": "4x16,3x100", "cap": 5.0, "repeats": 1}
DENSE_BYTES = 4 * 2**30  # (c) runs when the (P, P) float64 Hessian needs at most 4 GiB


class _Capped(Exception):
    """Raised by a matrix-vector product once a method has used up its time cap."""


def _capped(matvec: Callable[[Any], Any], cap: float) -> tuple[Callable[[Any], Any], list[int]]:
    """``matvec`` counting its calls and raising :class:`_Capped` after ``cap`` seconds."""
    start, count = time.perf_counter(), [0]

    def wrapped(x: Any) -> Any:
        if time.perf_counter() - start > cap:
            raise _Capped
        count[0] += 1
        return matvec(x)

    return wrapped, count


def _instance(depth: int, width: int) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(0)
    target = rng.standard_normal((width, width)) / np.sqrt(width)
    return gauge_minimum(target, [width] * (depth + 1), rng, condition=10.0), target


class Timing(NamedTuple):
    """Wall-clock and CPU seconds of one call (CPU time of a single-threaded call is what the load does not inflate)."""

    wall: float
    cpu: float


def _timed(call: Callable[[], Any]) -> tuple[Any, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return out, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _torch_hvp(weights: list[np.ndarray], target: np.ndarray) -> tuple[Callable[[list[Any]], list[Any]], list[Any]]:
    """The autograd Hessian-vector product of L = 1/2 ||W_N ... W_1 - T||_F^2 (double backward)."""
    import torch

    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    t = torch.tensor(target, dtype=torch.float64)
    product = params[0]
    for w in params[1:]:
        product = w @ product
    loss = 0.5 * ((product - t) ** 2).sum()
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def hvp(vector: list[Any]) -> list[Any]:
        return list(torch.autograd.grad(grads, params, grad_outputs=vector, retain_graph=True))

    return hvp, params


def _pyhessian_power(weights: list[np.ndarray], target: np.ndarray, tol: float, cap: float) -> tuple[float | None, int, bool]:
    """PyHessian's ``hessian.eigenvalues`` loop (top_n = 1), float64, stopped by ``cap`` seconds."""
    import torch

    torch.manual_seed(0)
    start = time.perf_counter()
    hvp, params = _torch_hvp(weights, target)
    v = [torch.randn_like(p) for p in params]
    norm = torch.sqrt(sum((x * x).sum() for x in v))
    v = [x / norm for x in v]
    eigenvalue, products = None, 0
    while time.perf_counter() - start < cap:
        hv = hvp(v)
        products += 1
        value = float(sum((h * x).sum() for h, x in zip(hv, v)))
        norm = torch.sqrt(sum((h * h).sum() for h in hv))
        v = [h / norm for h in hv]
        if eigenvalue is not None and abs(eigenvalue - value) / (abs(eigenvalue) + 1e-6) < tol:
            return value, products, True
        eigenvalue = value
    return eigenvalue, products, False  # None when the cap ran out before the first product


def _torch_eigsh(weights: list[np.ndarray], target: np.ndarray, cap: float) -> tuple[float | None, int]:
    import torch
    from scipy.sparse.linalg import LinearOperator, eigsh

    hvp, params = _torch_hvp(weights, target)
    shapes = [tuple(p.shape) for p in params]

    def matvec(x: np.ndarray) -> np.ndarray:
        flat = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64).reshape(-1))
        pieces, start = [], 0
        for shape in shapes:
            size = shape[0] * shape[1]
            pieces.append(flat[start : start + size].reshape(shape))
            start += size
        return torch.cat([h.reshape(-1) for h in hvp(pieces)]).numpy()

    dim = sum(s[0] * s[1] for s in shapes)
    wrapped, count = _capped(matvec, cap)
    operator = LinearOperator((dim, dim), matvec=wrapped, dtype=np.float64)
    try:
        return float(eigsh(operator, k=1, which="LA", tol=1e-10, v0=np.ones(dim))[0][0]), count[0]
    except _Capped:
        return None, count[0]


def _parameter_lanczos(weights: list[np.ndarray], tol: float, cap: float) -> tuple[float | None, int]:
    operator = hessian_operator(weights)

    def product(x: np.ndarray) -> np.ndarray:
        return flatten(operator(unflatten(x, weights)))

    dim = sum(w.size for w in weights)
    wrapped, count = _capped(product, cap)
    try:
        return float(top_eigenpairs(wrapped, dim, tol=tol, method="lanczos", basis_size=20).values[0]), count[0]
    except _Capped:
        return None, count[0]


def _reference(weights: list[np.ndarray]) -> tuple[float, str]:
    p = sum(w.size for w in weights)
    if 8 * p * p <= DENSE_BYTES:
        from wideminima.numeric import dense_hessian

        return float(np.linalg.eigvalsh(dense_hessian(weights, max_parameters=p))[-1]), "dense eigh of H"
    dn, d0 = weights[-1].shape[0], weights[0].shape[1]
    if len(weights) == 2:  # whitened N = 2: ||W_2||_2^2 + ||W_1||_2^2 by dense SVD (independent of any Lanczos)
        return float(sum(np.linalg.norm(w, 2) ** 2 for w in weights)), "dense SVD, ||W_2||^2 + ||W_1||^2"
    if dn * d0 <= 4096:
        from wideminima.numeric import output_gram

        return float(np.linalg.eigvalsh(output_gram(weights))[-1]), "dense eigh of G"
    return sharpness(weights, tol=1e-13, method="lanczos", structure=False).lambda_max, "(a) without structure at tol 1e-13"


def gemm_peak(size: int = 1024, repeats: int = 5) -> float:
    """GEMM speed of this BLAS under the current thread limit, flop/s: median of ``repeats`` (size, size) products."""
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((size, size)), rng.standard_normal((size, size))
    a @ b  # warm up
    times = [_timed(lambda: a @ b)[1].cpu for _ in range(repeats)]
    return 2.0 * size**3 / statistics.median(times)


def _row(label: str, seconds: Timing | str, products: int | str, value: float | None, reference: float) -> str:
    secs = seconds if isinstance(seconds, str) else f"{seconds.wall:.2f} ({seconds.cpu:.2f})"
    err = "-" if value is None else f"{abs(value - reference) / reference:.1e}"
    return f"| {label} | {secs} | {products} | {err} |"


def product_costs(weights: list[np.ndarray], target: np.ndarray, have_torch: bool, repeats: int = 5) -> str:
    """CPU seconds per product on one thread (median of ``repeats``): a load-independent cost measure.

    Wall-clock times on a shared machine vary with the load; CPU time of a single-threaded
    product does not (much). Products x cost per product = the work of each method.
    """
    limit = thread_limit(1)
    dn, d0 = weights[-1].shape[0], weights[0].shape[1]
    factors = gram_factors(weights)
    operator = hessian_operator(weights)
    rng = np.random.default_rng(1)
    block = rng.standard_normal((1, dn, d0))
    direction = [rng.standard_normal(w.shape) for w in weights]

    def cpu(call: Callable[[], Any]) -> float:
        times = []
        for _ in range(repeats):
            start = time.process_time()
            call()
            times.append(time.process_time() - start)
        return statistics.median(times)

    with limit:
        costs = {"G product (a)": cpu(lambda: factors.apply(block)), "exact HVP (b)": cpu(lambda: operator(direction))}
        if have_torch:
            import torch

            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            hvp, params = _torch_hvp(weights, target)
            tangent = [torch.from_numpy(d) for d in direction]
            costs["autograd HVP (d), (e)"] = cpu(lambda: hvp(tangent))
            torch.set_num_threads(threads)
    return "CPU seconds per product, one thread: " + ", ".join(f"{k} {v:.4f}" for k, v in costs.items())


def run_case(depth: int, width: int, cap: float, repeats: int, have_torch: bool, peak: float, plain_width: int) -> list[str]:
    weights, target = _instance(depth, width)
    p = sum(w.size for w in weights)
    reference, how = _reference(weights)
    print(f"(N, d) = ({depth}, {width}) ...", file=sys.stderr, flush=True)
    lines = [f"\n(N, d) = ({depth}, {width}): P = {p:,} parameters, G is {width * width:,}-square; "
             f"reference lambda_max = {reference:.15g} ({how})", "",
             "| method | seconds wall (CPU) | products | rel. error | products at GEMM peak (CPU s) | CPU seconds / that |",
             "| --- | --- | --- | --- | --- | --- |"]

    def gram_row(label: str, **options: Any) -> Any:
        runs = [_timed(lambda: sharpness(weights, **options)) for _ in range(repeats)]
        spec = runs[-1][0]
        secs = Timing(statistics.median(r[1].wall for r in runs), statistics.median(r[1].cpu for r in runs))
        bound = spec.products * product_flops(depth, width, width) / peak
        ratio = f"{secs.cpu / bound:.2f}" if bound > 0 else "-"
        lines.append(_row(f"{label}, {spec.method}", secs, spec.products, spec.lambda_max, reference)
                     + f" {bound:.3f} | {ratio} |")
        return spec

    spec = gram_row("(a) output gram, default (structure first)")
    if spec.method != "dense-gram" and width > plain_width:
        lines.append(f"| (a) output gram, no structure | skipped (d > --plain-width {plain_width}) | - | - | - | - |")
    elif spec.method != "dense-gram":
        for method in ("lanczos", "arpack"):
            gram_row("(a) output gram, no structure", method=method, structure=False)
        for loose in LOOSE_TOLERANCES:  # the low-accuracy regime of (d) at tol 1e-3 (about 1e-2 off)
            gram_row(f"(a) output gram, no structure, residual tol {loose:g}", tol=loose, structure=False)
    (value, products), secs = _timed(lambda: _parameter_lanczos(weights, 1e-10, cap))
    lines.append(_row("(b) parameter-space Lanczos, exact HVP", secs if value is not None else f"> {cap:g} (cap)",
                      products, value, reference) + " - | - |")
    if 8 * p * p <= DENSE_BYTES:
        from wideminima.numeric import dense_hessian

        value, secs = _timed(lambda: float(np.linalg.eigvalsh(dense_hessian(weights, max_parameters=p))[-1]))
        lines.append(_row("(c) dense eigh of H", secs, p, value, reference) + " - | - |")
    else:
        lines.append(_row("(c) dense eigh of H", f"n/a ({8 * p * p / 2**30:,.0f} GiB)", "-", None, reference) + " - | - |")
    if have_torch:
        for tol in (1e-3, 1e-10):
            (value, products, done), secs = _timed(lambda: _pyhessian_power(weights, target, tol, cap))
            label = f"(d) autograd power iteration, tol {tol:g}"
            lines.append(_row(label, secs if done else f"> {cap:g} (cap)", products, value, reference) + " - | - |")
        (value, products), secs = _timed(lambda: _torch_eigsh(weights, target, cap))
        lines.append(_row("(e) autograd HVP + SciPy eigsh, tol 1e-10", secs if value is not None else f"> {cap:g} (cap)",
                          products, value, reference) + " - | - |")
    lines.append("")
    lines.append(product_costs(weights, target, have_torch))
    return lines


TARGET_CASES = "8x256,4x1024,2x2048"


def target_rows(cases: str, peak: float) -> list[str]:
    """(a) by default against (d) at PyHessian's default tol 1e-3, uncapped, on one thread: the issue 12 table."""
    lines = ["| (N, d) | (a) default: method, products with G | (a) CPU s | flops/peak bound s | (a) / bound "
             "| (d) tol 1e-3: products, rel. error | (d) CPU s | (a) / (d) CPU |", "|---|---|---|---|---|---|---|---|"]
    for case in cases.split(","):
        depth, width = (int(x) for x in case.lower().split("x"))
        weights, target = _instance(depth, width)
        print(f"(N, d) = ({depth}, {width}) ...", file=sys.stderr, flush=True)
        spec, ours = _timed(lambda: sharpness(weights))
        bound = spec.products * product_flops(depth, width, width) / peak
        (value, products, _), theirs = _timed(lambda: _pyhessian_power(weights, target, 1e-3, float("inf")))
        error = abs(value - spec.lambda_max) / spec.lambda_max
        ratio = f"{ours.cpu / bound:.2f}" if bound > 0 else "- (no product with G)"
        lines.append(f"| ({depth}, {width}) | {spec.method}, {spec.products} | {ours.cpu:.2f} | {bound:.2f} | {ratio} "
                     f"| {products}, {error:.1e} | {theirs.cpu:.2f} | {ours.cpu / theirs.cpu:.3f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"small cases, short cap: defaults {QUICK}")
    parser.add_argument("--cap", type=float, help=f"time cap in seconds for (b), (d), (e) (default {FULL['cap']:g})")
    parser.add_argument("--repeats", type=int, help=f"repeats of (a), median reported (default {FULL['repeats']})")
    parser.add_argument("--cases", help=f"comma-separated NxD list (default {FULL['cases']})")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and torch threads for every method, set by wideminima.threads.thread_limit "
                             "(default 1, as the README's tables; 0: the toolkit's own default)")
    parser.add_argument("--targets", action="store_true",
                        help=f"only (a) default against (d) at tol 1e-3, uncapped (default cases {TARGET_CASES})")
    parser.add_argument("--plain-width", type=int, default=1024,
                        help="run (a) without structure only up to this width (default 1024; it takes minutes above)")
    args = parser.parse_args(argv)
    if args.targets and args.cases is None:
        args.cases = TARGET_CASES
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    limit = thread_limit(args.threads or None)
    applied = limit.__enter__()  # kept for the whole run
    try:
        import torch

        have_torch = True
        torch.set_num_threads(applied)
        _torch_hvp([np.eye(2)], np.eye(2))[0]([torch.ones(2, 2, dtype=torch.float64)])  # warm up autograd once
        torch_note = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        have_torch, torch_note = False, "torch not installed: (d), (e) skipped"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    peak = gemm_peak()
    print(f"lambda_max at a gauge-transformed global minimum; {platform.machine()}, {os.cpu_count()} cores, "
          f"{applied} thread(s) per method, load average {load:.1f} at start; numpy {np.__version__}; {torch_note}; "
          f"GEMM peak measured in this run: {peak / 1e9:.1f} GFLOP per CPU second (median of 5 1024-square products)")
    if args.targets:
        if not have_torch:
            sys.exit("--targets needs torch (for (d))")
        print("\n".join(target_rows(args.cases, peak)))
        return
    for case in args.cases.split(","):
        depth, width = (int(x) for x in case.lower().split("x"))
        print("\n".join(run_case(depth, width, args.cap, args.repeats, have_torch, peak, args.plain_width)), flush=True)


if __name__ == "__main__":
    main()
