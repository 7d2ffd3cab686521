"""lambda_max at a generic (gauge-transformed, unbalanced) global minimum: five ways, one table.

Run: ``python benchmarks/bench_sharpness.py [--quick] [--cap SECONDS] [--repeats R] [--cases 8x256,50x64,4x1024,4x16]``.
``--quick`` (what ``benchmarks/run.py`` runs by default): cases 4x16 and 3x100, cap 5 s, one repeat.

Methods (whitened data, T random (d, d) / sqrt(d), all widths d, gauge condition 10):
  (a) output gram: ``wideminima.numeric.sharpness`` (matrix-free G, this toolkit's Lanczos;
      also with SciPy's ARPACK on the same operator);
  (b) parameter-space Lanczos on this toolkit's exact Hessian-vector products (P = N d^2);
  (c) dense eigh of the full (P, P) Hessian, where it fits in memory (else "n/a");
  (d) PyTorch autograd Hessian-vector products with power iteration as PyHessian does it
      (stop when the eigenvalue changes by less than tol relatively; tol 1e-3, PyHessian's
      default, and 1e-10);
  (e) PyTorch autograd Hessian-vector products under SciPy's eigsh (tol 1e-10).
(b), (d) and (e) stop at ``--cap`` seconds and are then reported as "> cap" (with the
products made and, for (d), the error of the last estimate).
The reference value is dense eigh of the Hessian where it fits, else dense eigh of G
where G fits (d^2 <= 4096), else (a) run to tol 1e-13 (cross-checked by (b)).
Times are wall-clock seconds: median of ``--repeats`` for (a), one run for the others.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from wideminima.numeric import flatten, gauge_minimum, sharpness, top_eigenpairs, unflatten
from wideminima.numeric.hessian import hessian_operator
from wideminima.numeric.gram import gram_factors

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


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = call()
    return out, time.perf_counter() - start


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
    if dn * d0 <= 4096:
        from wideminima.numeric import output_gram

        return float(np.linalg.eigvalsh(output_gram(weights))[-1]), "dense eigh of G"
    return sharpness(weights, tol=1e-13, method="lanczos").lambda_max, "(a) at tol 1e-13"


def _row(label: str, seconds: float | str, products: int | str, value: float | None, reference: float) -> str:
    secs = seconds if isinstance(seconds, str) else f"{seconds:.2f}"
    err = "-" if value is None else f"{abs(value - reference) / reference:.1e}"
    return f"| {label} | {secs} | {products} | {err} |"


def product_costs(weights: list[np.ndarray], target: np.ndarray, have_torch: bool, repeats: int = 5) -> str:
    """CPU seconds per product on one thread (median of ``repeats``): a load-independent cost measure.

    Wall-clock times on a shared machine vary with the load; CPU time of a single-threaded
    product does not (much). Products x cost per product = the work of each method.
    """
    import contextlib

    try:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        limit = contextlib.nullcontext()
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


def run_case(depth: int, width: int, cap: float, repeats: int, have_torch: bool) -> list[str]:
    weights, target = _instance(depth, width)
    p = sum(w.size for w in weights)
    reference, how = _reference(weights)
    print(f"(N, d) = ({depth}, {width}) ...", file=sys.stderr, flush=True)
    lines = [f"\n(N, d) = ({depth}, {width}): P = {p:,} parameters, G is {width * width:,}-square; "
             f"reference lambda_max = {reference:.15g} ({how})", "",
             "| method | seconds | products | rel. error |", "| --- | --- | --- | --- |"]
    for method in ("lanczos", "arpack"):
        runs = [_timed(lambda: sharpness(weights, method=method)) for _ in range(repeats)]
        spec = runs[-1][0]
        lines.append(_row(f"(a) output gram, {spec.method}", statistics.median(r[1] for r in runs), spec.products,
                          spec.lambda_max, reference))
        if spec.method == "dense-gram":  # small G: no iterative method involved
            break
    else:  # the low-accuracy regime of (d) at tol 1e-3 (about 1e-2 off): loose residual tolerances
        for loose in LOOSE_TOLERANCES:
            runs = [_timed(lambda: sharpness(weights, tol=loose)) for _ in range(repeats)]
            spec = runs[-1][0]
            lines.append(_row(f"(a) output gram, lanczos-gram, residual tol {loose:g}",
                              statistics.median(r[1] for r in runs), spec.products, spec.lambda_max, reference))
    (value, products), secs = _timed(lambda: _parameter_lanczos(weights, 1e-10, cap))
    lines.append(_row("(b) parameter-space Lanczos, exact HVP", secs if value is not None else f"> {cap:g} (cap)",
                      products, value, reference))
    if 8 * p * p <= DENSE_BYTES:
        from wideminima.numeric import dense_hessian

        value, secs = _timed(lambda: float(np.linalg.eigvalsh(dense_hessian(weights, max_parameters=p))[-1]))
        lines.append(_row("(c) dense eigh of H", secs, p, value, reference))
    else:
        lines.append(_row("(c) dense eigh of H", f"n/a ({8 * p * p / 2**30:,.0f} GiB)", "-", None, reference))
    if have_torch:
        for tol in (1e-3, 1e-10):
            (value, products, done), secs = _timed(lambda: _pyhessian_power(weights, target, tol, cap))
            label = f"(d) autograd power iteration, tol {tol:g}"
            lines.append(_row(label, secs if done else f"> {cap:g} (cap)", products, value, reference))
        (value, products), secs = _timed(lambda: _torch_eigsh(weights, target, cap))
        lines.append(_row("(e) autograd HVP + SciPy eigsh, tol 1e-10", secs if value is not None else f"> {cap:g} (cap)",
                          products, value, reference))
    lines.append("")
    lines.append(product_costs(weights, target, have_torch))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"small cases, short cap: defaults {QUICK}")
    parser.add_argument("--cap", type=float, help=f"time cap in seconds for (b), (d), (e) (default {FULL['cap']:g})")
    parser.add_argument("--repeats", type=int, help=f"repeats of (a), median reported (default {FULL['repeats']})")
    parser.add_argument("--cases", help=f"comma-separated NxD list (default {FULL['cases']})")
    parser.add_argument("--threads", type=int, default=0,
                        help="BLAS and torch threads for every method (default 0: the libraries' own choice)")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    limits = None
    if args.threads:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(args.threads)  # noqa: F841 - kept alive for the whole run
    try:
        import torch

        have_torch = True
        if args.threads:
            torch.set_num_threads(args.threads)
        _torch_hvp([np.eye(2)], np.eye(2))[0]([torch.ones(2, 2, dtype=torch.float64)])  # warm up autograd once
        torch_note = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        have_torch, torch_note = False, "torch not installed: (d), (e) skipped"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = f"{args.threads} thread(s) per method" if args.threads else "default threads"
    print(f"lambda_max at a gauge-transformed global minimum; {platform.machine()}, {os.cpu_count()} cores, {threads}, "
          f"load average {load:.1f} at start; numpy {np.__version__}; {torch_note}")
    for case in args.cases.split(","):
        depth, width = (int(x) for x in case.lower().split("x"))
        print("\n".join(run_case(depth, width, args.cap, args.repeats, have_torch)), flush=True)


if __name__ == "__main__":
    main()
