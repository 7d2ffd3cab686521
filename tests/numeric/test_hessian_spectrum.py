"""Spectra of any model's Hessian against dense autograd Hessians: top/bottom-k, blocks, trace, density.

Tolerances: eigenvalues to 1e-10 relative to ||H||_2. The Lanczos stopping rule is
residual <= 1e-10 ||H||, and an eigenvalue's error is at most its residual (Weyl/Kahan),
so 1e-10 is what the solver promises; dense eigh of the autograd Hessian adds
O(P eps ||H||) ~ 1e-14 relative for these P <= 100.
"""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError, NotAGlobalMinimumError
from wideminima.numeric import balanced_minimum, dense_hessian, gauge_minimum, sharpness
from wideminima.numeric.density import exact_density, slq_density
from wideminima.numeric.hessian_spectrum import (
    block_extremes,
    exact_spectrum,
    extremes_of,
    hessian_density,
    hessian_eigenpairs,
    hessian_trace_of,
)
from wideminima.numeric.parameter_hessian import hessian_of
from wideminima.numeric.signatures import gauge_invariant_flatness, signatures
from wideminima.numeric.trace import hutchpp_trace

torch = pytest.importorskip("torch")
nn = torch.nn


def _autograd_hessian(module: "torch.nn.Module", x: "torch.Tensor", y: "torch.Tensor") -> tuple[np.ndarray, list[str]]:
    """Dense Hessian of 1/(2n) sum ||y - f(x)||^2 by torch.autograd.functional.hessian, in named_parameters order."""
    names = [n for n, _ in module.named_parameters()]
    values = tuple(p.detach() for _, p in module.named_parameters())

    def loss(*params: "torch.Tensor") -> "torch.Tensor":
        out = torch.func.functional_call(module, dict(zip(names, params)), (x,))
        return 0.5 * torch.sum((out - y) ** 2) / x.shape[0]

    blocks = torch.autograd.functional.hessian(loss, values)
    sizes = [v.numel() for v in values]
    rows = [torch.cat([blocks[i][j].reshape(sizes[i], sizes[j]) for j in range(len(values))], 1) for i in range(len(values))]
    return torch.cat(rows, 0).numpy(), names


def _tanh_mlp() -> tuple["torch.nn.Module", "torch.Tensor", "torch.Tensor"]:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    x, y = torch.randn(30, 4, dtype=torch.float64), torch.randn(30, 3, dtype=torch.float64)
    return net, x, y  # P = 30 + 35 + 18 = 83 > 64: the iterative solver runs


def _chain_order(names: list[str]) -> np.ndarray:
    """Permutation from named_parameters order (0.weight, 0.bias, ...) to the chain's (W1.., b1..)."""
    weights = [i for i, n in enumerate(names) if n.endswith("weight")]
    biases = [i for i, n in enumerate(names) if n.endswith("bias")]
    return np.array(weights + biases)


def test_tanh_mlp_with_biases_top_and_bottom_k_match_the_autograd_hessian() -> None:
    net, x, y = _tanh_mlp()
    dense, _ = _autograd_hessian(net, x, y)
    exact = np.linalg.eigvalsh(dense)
    scale = np.max(np.abs(exact))
    generic = hessian_of(net, (x, y), loss=lambda out, t: 0.5 * torch.mean(torch.sum((out - t) ** 2, dim=1)))
    for model, method, which, expected in [
        (net, "lanczos", "largest", exact[::-1][:3]),
        (net, "auto", "largest", exact[::-1][:3]),  # ARPACK on the NumPy chain products
        (generic, "auto", "largest", exact[::-1][:3]),  # ARPACK on torch tensors through zero-copy views
        (net, "auto", "smallest", exact[:3]),  # Lanczos
        (generic, "lanczos", "smallest", exact[:3]),
    ]:
        found = hessian_eigenpairs(model, (x, y), 3, which=which, method=method)
        assert found.converged and found.method == ("arpack" if method == "auto" and which == "largest" else "lanczos")
        np.testing.assert_allclose(found.values, expected, rtol=0, atol=1e-10 * scale)
    assert exact[0] < 0  # a random point: the bottom end is negative, and found signed


def test_generic_autograd_path_equals_the_chain_path_and_the_dense_hessian() -> None:
    net, x, y = _tanh_mlp()
    dense, names = _autograd_hessian(net, x, y)
    chain_op = hessian_of(net, (x, y))
    generic_op = hessian_of(net, (x, y), loss=lambda out, t: 0.5 * torch.mean(torch.sum((out - t) ** 2, dim=1)))
    assert (chain_op.kind, generic_op.kind) == ("mlp", "autograd")
    order = _chain_order(names)
    scale = np.max(np.abs(dense))
    # Both are exact products: agreement to rounding (1e-13 of the largest entry covers the summation orders).
    np.testing.assert_allclose(generic_op.dense(), dense, rtol=0, atol=1e-13 * scale)
    sizes = {n: p.numel() for n, p in net.named_parameters()}
    starts = np.cumsum([0] + [sizes[n] for n in names])
    perm = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in order])
    np.testing.assert_allclose(chain_op.dense(), dense[np.ix_(perm, perm)], rtol=0, atol=1e-13 * scale)


def test_dataloader_gives_the_same_hessian_as_the_full_batch() -> None:
    net, x, y = _tanh_mlp()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=7)
    full = hessian_of(net, (x, y), loss=lambda o, t: 0.5 * torch.mean(torch.sum((o - t) ** 2, dim=1)))
    batched = hessian_of(net, loader, loss=lambda o, t: 0.5 * torch.mean(torch.sum((o - t) ** 2, dim=1)))
    v = torch.randn(full.dim, dtype=torch.float64)
    a, b = full.matvec(v), batched.matvec(v)
    assert float(torch.linalg.vector_norm(a - b)) <= 1e-14 * float(torch.linalg.vector_norm(a))
    chain = hessian_of(net, loader)  # the chain path concatenates the batches
    assert chain.kind == "mlp" and int(chain.extra["x"].shape[0]) == 30


def test_linear_chain_at_a_global_minimum_exact_spectrum_and_top_k() -> None:
    rng = np.random.default_rng(0)
    target = rng.standard_normal((3, 4))
    weights = gauge_minimum(target, [4, 5, 5, 3], rng)
    torch.manual_seed(0)
    net = nn.Sequential(*[nn.Linear(w.shape[1], w.shape[0], bias=False) for w in weights]).double()
    with torch.no_grad():
        for module, w in zip(net, weights):
            module.weight.copy_(torch.from_numpy(w))
    x = torch.eye(4, dtype=torch.float64) * 2.0  # Sigma_x = X^T X / n = I: whitened
    y = x @ torch.from_numpy(target).T
    dense, _ = _autograd_hessian(net, x, y)
    exact = np.linalg.eigvalsh(dense)[::-1]
    scale = exact[0]
    np.testing.assert_allclose(exact_spectrum(weights), exact, rtol=0, atol=1e-10 * scale)
    found = hessian_eigenpairs(net, (x, y), 4)
    np.testing.assert_allclose(found.values, exact[:4], rtol=0, atol=1e-10 * scale)
    assert sharpness(weights).lambda_max == pytest.approx(exact[0], rel=1e-10)
    # Rank of H at a minimum is at most d_N d_0 = 12 of P = 65: the rest are zeros.
    assert np.count_nonzero(exact_spectrum(weights)) <= 12
    with pytest.raises(NotAGlobalMinimumError):
        exact_spectrum(weights, (rng.standard_normal((20, 4)), rng.standard_normal((20, 3))))


def test_block_extremes_are_the_extremes_of_the_diagonal_blocks() -> None:
    net, x, y = _tanh_mlp()
    dense, names = _autograd_hessian(net, x, y)
    blocks = block_extremes(net, (x, y))
    generic = block_extremes(hessian_of(net, (x, y), loss=lambda o, t: 0.5 * torch.mean(torch.sum((o - t) ** 2, dim=1))))
    sizes = [p.numel() for _, p in net.named_parameters()]
    starts = np.cumsum([0] + sizes)
    labels = {"0.weight": "W1", "2.weight": "W2", "4.weight": "W3", "0.bias": "b1", "2.bias": "b2", "4.bias": "b3"}
    for i, name in enumerate(names):
        block = np.linalg.eigvalsh(dense[starts[i] : starts[i + 1], starts[i] : starts[i + 1]])
        got = blocks[labels[name]]
        scale = np.max(np.abs(block))
        assert got.lambda_max == pytest.approx(block[-1], abs=1e-10 * scale)
        assert got.lambda_min == pytest.approx(block[0], abs=1e-10 * scale)
        assert generic[name].lambda_max == pytest.approx(block[-1], abs=1e-10 * scale)  # torch blocks, module names


def test_trace_exact_for_linear_chains_and_hutchpp_within_its_error_otherwise() -> None:
    rng = np.random.default_rng(4)
    weights = [rng.standard_normal((5, 4)), rng.standard_normal((3, 5))]
    data = (rng.standard_normal((40, 4)), rng.standard_normal((40, 3)))
    exact = hessian_trace_of(weights, data)
    assert exact.exact and exact.value == pytest.approx(np.trace(dense_hessian(weights, hessian_of(weights, data).extra["moments"])), rel=1e-13)
    net, x, y = _tanh_mlp()
    dense, _ = _autograd_hessian(net, x, y)
    estimates = [hessian_trace_of(net, (x, y), products=30, seed=s) for s in range(20)]
    z = [(e.value - np.trace(dense)) / e.standard_error for e in estimates]
    # The estimator is unbiased with the reported spread: |z| > 4 has probability < 1e-3 per run under normality.
    assert np.all(np.abs(z) < 4) and abs(np.mean(z)) < 2
    # Products >= 3 P: the sketch spans everything, the value is exact.
    full = hessian_trace_of(net, (x, y), products=3 * 83)
    assert full.standard_error == 0 and full.value == pytest.approx(np.trace(dense), rel=1e-12)
    with pytest.raises(InputError, match="multiple of 3"):
        hutchpp_trace(lambda v: v, 5, 10)


def test_slq_density_matches_the_exact_density_within_its_standard_error() -> None:
    rng = np.random.default_rng(5)
    weights = gauge_minimum(rng.standard_normal((3, 3)), [3, 4, 3], rng)
    spectrum = exact_spectrum(weights)
    op = hessian_of(weights)
    exact = hessian_density(weights, sigma=0.05 * spectrum[0])
    assert exact.method == "exact"
    slq = slq_density(op.matvec, op.dim, probes=200, steps=op.dim, sigma=exact.sigma, seed=1)
    reference = exact_density(spectrum, sigma=exact.sigma, grid=slq.grid)
    # steps = P: every probe's quadrature is exact, only the stochastic error remains (5 standard errors, pointwise).
    assert np.all(np.abs(slq.density - reference.density) <= 5 * slq.standard_error + 1e-12 * reference.density.max())
    assert np.trapezoid(slq.density, slq.grid) == pytest.approx(1.0, abs=1e-6)


def test_signatures_and_gauge_invariant_flatness() -> None:
    target = np.diag([8.0, 1.0])
    rng = np.random.default_rng(6)
    balanced = balanced_minimum(target, [2, 3, 3, 2], rng)
    sig = signatures(balanced)
    np.testing.assert_allclose(sig.imbalance, 0.0, atol=1e-14)
    np.testing.assert_allclose(sig.coupling, 1.0, atol=1e-12)
    gauge = gauge_minimum(target, [2, 3, 3, 2], rng, condition=10.0)
    lam = sharpness(gauge).lambda_max
    assert gauge_invariant_flatness(balanced, sharpness(balanced).lambda_max) == pytest.approx(1.0, rel=1e-12)
    assert gauge_invariant_flatness(gauge, lam) > 1.0
    assert signatures(gauge, linear=False).path_gains is None
    with pytest.raises(InputError, match="end-to-end map is 0"):
        gauge_invariant_flatness([np.zeros((2, 2)), np.eye(2)], 1.0)


def test_extremes_of_a_module_match_the_numeric_mlp() -> None:
    net, x, y = _tanh_mlp()
    ext = extremes_of(net, (x, y))
    dense, _ = _autograd_hessian(net, x, y)
    exact = np.linalg.eigvalsh(dense)
    scale = np.max(np.abs(exact))
    assert abs(ext.lambda_max - exact[-1]) <= 1e-10 * scale and abs(ext.lambda_min - exact[0]) <= 1e-10 * scale
    assert ext.top.converged and ext.bottom.converged


def test_model_entry_points_agree_with_the_weights_entry_points() -> None:
    from wideminima.numeric import chain_from_module, hessian_extremes

    rng = np.random.default_rng(7)
    weights = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    data = (rng.standard_normal((20, 2)), rng.standard_normal((20, 2)))
    linear = nn.Sequential(*[nn.Linear(w.shape[1], w.shape[0], bias=False) for w in weights]).double()
    with torch.no_grad():
        for module, w in zip(linear, weights):
            module.weight.copy_(torch.from_numpy(w))
    reference = hessian_extremes(weights, hessian_of(weights, data).extra["moments"])
    for model in (weights, linear, chain_from_module(linear)):
        for got in (extremes_of(model, data), hessian_extremes(model, data)):  # the package's entry point takes models
            assert got.lambda_max == pytest.approx(reference.lambda_max, rel=1e-14)
            assert got.lambda_min == pytest.approx(reference.lambda_min, rel=1e-12)
    assert sharpness(linear).lambda_max == pytest.approx(sharpness(weights).lambda_max, rel=1e-14)
    net, x, y = _tanh_mlp()
    assert hessian_extremes(net, (x, y)).lambda_max == pytest.approx(extremes_of(net, (x, y)).lambda_max, rel=1e-14)
    with pytest.raises(InputError, match="for deep linear networks"):
        sharpness(net, (x, y))


def test_modules_with_dropout_give_the_eval_mode_hessian_and_stay_untouched() -> None:
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Tanh(), nn.Linear(8, 1)).double().train()
    x, y = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 1, dtype=torch.float64)
    op = hessian_of(net, (x, y))  # not a chain (Dropout): the autograd path
    v = torch.randn(op.dim, dtype=torch.float64)
    assert op.kind == "autograd" and torch.equal(op.matvec(v), op.matvec(v))  # deterministic products
    plain = nn.Sequential(net[0], net[2], net[3])  # the same function without dropout
    half_mse = lambda o, t: 0.5 * torch.mean(torch.sum((o - t) ** 2, 1))  # noqa: E731
    assert torch.allclose(op.matvec(v), hessian_of(plain, (x, y), loss=half_mse).matvec(v), rtol=1e-13, atol=1e-15)
    assert net.training  # the user's module keeps its mode
