"""Hessian spectra of PyTorch models: wideminima against PyHessian and curvlinops, same models, one run.

Run: ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_torch_spectra.py [--cap SECONDS] [--cases linear,mlp]``.
Needs torch, scipy, curvlinops-for-pytorch and pyhessian (skipped with one line otherwise). They are
no extra of the package: from the index they would pull a CUDA torch of several GB; beside a local
torch install them with ``pip install --no-deps curvlinops-for-pytorch==3.0.1 pyhessian==0.1 tqdm
einops einconv linear_operator jaxtyping``.

Models (float64, loss 1/(2n) sum ||y - f(x)||^2 for every tool; curvlinops takes MSELoss(reduction="sum"),
whose Hessian 2n H is divided by 2n):
  linear : nn.Sequential of 8 bias-free Linear(256, 256) at a gauge-transformed global minimum
           (condition 10) of a random T, data X = sqrt(n) I (whitened), Y = X T^T: P = 524,288.
  mlp    : tanh MLP 64-256-256-64 with biases (P = 98,880) at its PyTorch init, n = 512
           random Gaussian samples and targets.

lambda_max rows (error relative to the reference):
  wideminima gram      : ``numeric.sharpness`` (output gram, linear chains at a minimum only);
  wideminima lanczos   : ``hessian_eigenpairs`` on the closed-form chain products (NumPy), this toolkit's Lanczos, tol 1e-10;
  wideminima arpack    : the same operator under SciPy's eigsh, tol 1e-10;
  wideminima autograd  : ``hessian_of(module, loss=...)`` (generic double-backward path, torch) with this toolkit's Lanczos;
  wideminima auto      : ``hessian_eigenpairs`` default on the autograd operator (ARPACK through zero-copy views);
  curvlinops eigsh     : ``HessianLinearOperator(...).to_scipy()`` under eigsh, tol 1e-10;
  pyhessian power      : ``hessian.eigenvalues()`` power iteration, tol 1e-3 (its default) and 1e-6, maxIter 1000.
trace rows: wideminima (exact closed form for the linear chain; Hutch++ with 99 products and its standard
error for the MLP), curvlinops Hutch++ (99 products), PyHessian Hutchinson (its defaults: maxIter 100, tol 1e-3).
Reference lambda_max: the gram at tol 1e-13 (linear), this toolkit's Lanczos at tol 1e-13 on the chain
products (mlp), cross-checked by curvlinops' eigsh (the row's error). Reference trace: the closed form
(linear); for the MLP no exact trace is affordable (P products): the rows give estimate +- standard error.
Each method runs once (wall-clock seconds, single thread); a method stops at --cap seconds ("> cap").
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_sharpness import _Capped, _capped as _counting  # the same capped, counting product wrapper


def _models(case: str) -> tuple[Any, Any, Any, Any]:
    """(module, x, y, linear weights or None)."""
    import torch
    from torch import nn

    from wideminima.numeric import gauge_minimum

    if case == "linear":
        depth, width = 8, 256
        rng = np.random.default_rng(0)
        target = rng.standard_normal((width, width)) / np.sqrt(width)
        weights = gauge_minimum(target, [width] * (depth + 1), rng, condition=10.0)
        net = nn.Sequential(*[nn.Linear(width, width, bias=False) for _ in range(depth)]).double()
        with torch.no_grad():
            for module, w in zip(net, weights):
                module.weight.copy_(torch.from_numpy(w))
        x = np.sqrt(width) * torch.eye(width, dtype=torch.float64)  # X^T X / n = I
        return net, x, x @ torch.from_numpy(target).T, weights
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, 64)).double()
    x, y = torch.randn(512, 64, dtype=torch.float64), torch.randn(512, 64, dtype=torch.float64)
    return net, x, y, None


def _half_mse(n: int) -> Callable[[Any, Any], Any]:
    import torch

    return lambda out, target: 0.5 * torch.sum((out - target) ** 2) / n


def _row(label: str, seconds: float | str, products: int | str, value: float | None, error: float | str, note: str = "") -> str:
    secs = seconds if isinstance(seconds, str) else f"{seconds:.2f}"
    val = "-" if value is None else f"{value:.12g}"
    err = error if isinstance(error, str) else f"{error:.1e}"
    return f"| {label} | {secs} | {products} | {val} | {err} | {note} |"


def _run(label: str, call: Callable[[], tuple[float, int]], reference: float | None, cap: float) -> str:
    start = time.perf_counter()
    try:
        value, products = call()
    except _Capped:
        return _row(label, f"> {cap:.0f}", "-", None, "-")
    seconds = time.perf_counter() - start
    error = abs(value - reference) / abs(reference) if reference else "-"
    return _row(label, seconds, products, value, error)


def run_case(case: str, cap: float) -> list[str]:
    import torch
    from scipy.sparse.linalg import LinearOperator, eigsh

    from wideminima.numeric import sharpness
    from wideminima.numeric.hessian_spectrum import hessian_eigenpairs, hessian_trace_of
    from wideminima.numeric.lanczos import top_eigenpairs
    from wideminima.numeric.parameter_hessian import hessian_of

    net, x, y, weights = _models(case)
    n = int(x.shape[0])
    chain_op = hessian_of(net, (x, y))  # closed-form chain products (NumPy)
    dim = chain_op.dim
    lines = [f"### {case}: P = {dim:,}, n = {n}", "",
             "| method | seconds | products | value | rel. error | note |", "|---|---|---|---|---|---|"]

    if weights is not None:
        reference = sharpness(weights, tol=1e-13).lambda_max
        ref_note = "gram, tol 1e-13"
    else:
        ref = top_eigenpairs(chain_op.matvec, dim, 1, tol=1e-13, like=chain_op.like, method="lanczos")
        reference, ref_note = float(ref.values[0]), f"toolkit Lanczos tol 1e-13, {ref.products} products"

    def ours(op: Any, method: str) -> Callable[[], tuple[float, int]]:
        def call() -> tuple[float, int]:
            matvec, count = _counting(op.matvec, cap)
            found = top_eigenpairs(matvec, op.dim, 1, tol=1e-10, like=op.like, method=method)
            return float(found.values[0]), count[0]

        return call

    rows = []
    if weights is not None:
        def gram() -> tuple[float, int]:
            spectrum = sharpness(weights, tol=1e-10)
            return spectrum.lambda_max, spectrum.products

        rows.append(("wideminima gram (tol 1e-10)", gram))
    rows.append(("wideminima lanczos, chain products", ours(chain_op, "lanczos")))
    rows.append(("wideminima arpack, chain products", ours(chain_op, "arpack")))
    autograd_op = hessian_of(net, (x, y), loss=_half_mse(n))
    rows.append(("wideminima lanczos, autograd products", ours(autograd_op, "lanczos")))

    def ours_auto() -> tuple[float, int]:
        from wideminima.numeric.parameter_hessian import ParameterHessian

        matvec, count = _counting(autograd_op.matvec, cap)
        counted = ParameterHessian(matvec, dim, autograd_op.namespace, autograd_op.like, autograd_op.blocks,
                                   autograd_op.kind, autograd_op.unflatten)
        return float(hessian_eigenpairs(counted, tol=1e-10).values[0]), count[0]

    rows.append(("wideminima auto (arpack), autograd products", ours_auto))

    from curvlinops import HessianLinearOperator

    params = [p for p in net.parameters() if p.requires_grad]
    # curvlinops needs a torch loss module: MSELoss(sum) = 2n L, so its Hessian is 2n H (2n a power of 2: exact).
    curv = HessianLinearOperator(net, torch.nn.MSELoss(reduction="sum"), params, [(x, y)], check_deterministic=False)
    scipy_curv = curv.to_scipy()

    def curvlinops_eigsh() -> tuple[float, int]:
        matvec, count = _counting(lambda v: scipy_curv @ v / (2 * n), cap)
        value = eigsh(LinearOperator((dim, dim), matvec=matvec, dtype=np.float64), k=1, which="LA", tol=1e-10,
                      v0=np.random.default_rng(0).standard_normal(dim))[0][0]
        return float(value), count[0]

    rows.append(("curvlinops HessianLinearOperator + eigsh", curvlinops_eigsh))

    import importlib

    ph = importlib.import_module("pyhessian.hessian")  # the module (the package rebinds the name to the class)

    def pyhessian_power(tol: float) -> Callable[[], tuple[float, int]]:
        def call() -> tuple[float, int]:
            original = ph.hessian_vector_product
            counted, count = _counting(lambda args: original(*args), cap)
            ph.hessian_vector_product = lambda g, p, v: counted((g, p, v))
            try:
                torch.manual_seed(0)
                h = ph.hessian(net, _half_mse(n), data=(x, y), cuda=False)
                value = h.eigenvalues(maxIter=1000, tol=tol)[0][0]
            finally:
                ph.hessian_vector_product = original
            return float(value), count[0]

        return call

    rows.append(("PyHessian power iteration, tol 1e-3", pyhessian_power(1e-3)))
    rows.append(("PyHessian power iteration, tol 1e-6", pyhessian_power(1e-6)))
    for label, call in rows:
        lines.append(_run(label, call, reference, cap))
    lines.append(_row("reference lambda_max", "-", "-", reference, "-", ref_note))

    # Trace.
    lines += ["", "| trace method | seconds | products | value | rel. error or std. error | note |", "|---|---|---|---|---|---|"]
    start = time.perf_counter()
    ours_trace = hessian_trace_of(chain_op, products=99)
    seconds = time.perf_counter() - start
    exact = ours_trace.value if ours_trace.exact else None
    note = "closed form" if ours_trace.exact else f"Hutch++ +- {ours_trace.standard_error:.3g}"
    lines.append(_row("wideminima", seconds, ours_trace.products, ours_trace.value,
                      0.0 if exact is not None else f"se {ours_trace.standard_error / abs(ours_trace.value):.1e}", note))
    if exact is None:
        start = time.perf_counter()
        ag = hessian_trace_of(autograd_op, products=99)
        lines.append(_row("wideminima, autograd products", time.perf_counter() - start, ag.products, ag.value,
                          f"se {ag.standard_error / abs(ag.value):.1e}", "Hutch++"))
    from curvlinops.trace.meyer2020hutch import hutchpp_trace as curv_hutchpp

    torch.manual_seed(0)
    start = time.perf_counter()
    value = float(curv_hutchpp(curv, 99)) / (2 * n)
    lines.append(_row("curvlinops Hutch++", time.perf_counter() - start, 99, value,
                      abs(value - exact) / abs(exact) if exact else "no s.e.", ""))
    original = ph.hessian_vector_product
    counted, count = _counting(lambda args: original(*args), cap)
    ph.hessian_vector_product = lambda g, p, v: counted((g, p, v))
    try:
        torch.manual_seed(0)
        start = time.perf_counter()
        samples = ph.hessian(net, _half_mse(n), data=(x, y), cuda=False).trace()
        seconds = time.perf_counter() - start
        value = float(np.mean(samples))
        lines.append(_row("PyHessian Hutchinson (defaults)", seconds, count[0], value,
                          abs(value - exact) / abs(exact) if exact else f"se {np.std(samples, ddof=1) / np.sqrt(len(samples)) / abs(value):.1e}", ""))
    except _Capped:
        lines.append(_row("PyHessian Hutchinson (defaults)", f"> {cap:.0f}", "-", None, "-"))
    finally:
        ph.hessian_vector_product = original
    return lines + [""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=120.0, help="seconds per method (default 120)")
    parser.add_argument("--cases", default="linear,mlp", help="comma-separated: linear, mlp")
    parser.add_argument("--quick", action="store_true", help="smoke run: the MLP only, each method capped at 10 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.cap = "mlp", 10.0
    try:
        import curvlinops  # noqa: F401
        import pyhessian  # noqa: F401
        import torch
    except ImportError as exc:
        print(f"bench_torch_spectra: skipped, needs torch, curvlinops-for-pytorch and pyhessian ({exc})")
        return
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)  # PyHessian draws its vectors in the default dtype
    print(f"# Hessian spectra of PyTorch models: {platform.processor() or platform.machine()}, "
          f"Python {sys.version.split()[0]}, torch {torch.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, torch threads 1, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    for case in args.cases.split(","):
        for line in run_case(case.strip(), args.cap):
            print(line, flush=True)


if __name__ == "__main__":
    main()
