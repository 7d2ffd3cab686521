"""MLP: gradient and full Hessian-vector product against central differences, linear limit,
array-API backends (torch, array-api-strict) and torch.autograd, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import MLP, Moments, gradient, loss

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "linear"]
H = 1e-5
# Central differences at step h = 1e-5 on O(1) parameters and data: truncation
# (h^2 / 6) |third derivative| ~ 1e-11 and round-off eps |f| / h ~ 1e-11, both
# relative to the O(1) scale of the quantity; 1e-8 leaves a factor ~100 for the
# size of the third derivative of these small networks.
FD_RTOL = 1e-8


def _problem(activation: str, bias: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    net = MLP((3, 5, 4, 2), activation=activation, bias=bias, negative_slope=0.1)
    params = [rng.standard_normal(s) / np.sqrt(s[-1]) for s in net.parameter_shapes()]
    x = rng.standard_normal((9, 3))
    y = rng.standard_normal((9, 2))
    direction = [rng.standard_normal(s) for s in net.parameter_shapes()]
    return net, params, x, y, direction


def _shift(params, direction, t):
    return [p + t * d for p, d in zip(params, direction)]


def _kink_margin(net, params, x, direction) -> float:
    """min over hidden units of |z| / |dz/dt| along the direction: the FD stays on one side of every kink if h is below it."""
    pre, _, _ = net._forward(np, params, x)
    r_pre, _, _ = net._forward(np, _shift(params, direction, 1e-7), x)
    ratios = [np.min(np.abs(z) / (np.abs(rz - z) / 1e-7 + 1e-300)) for z, rz in zip(pre[:-1], r_pre[:-1])]
    return float(min(ratios))


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient_and_hessian_vector_product_match_central_differences(activation: str, bias: bool) -> None:
    net, params, x, y, direction = _problem(activation, bias)
    if activation in ("relu", "leaky_relu"):
        # Away from kinks: every hidden unit keeps its sign over [-2h, 2h] along the direction.
        assert _kink_margin(net, params, x, direction) > 4 * H
    grad = net.gradient(params, x, y)
    slope = sum(float(np.sum(g * d)) for g, d in zip(grad, direction))
    fd_slope = (net.loss(_shift(params, direction, H), x, y) - net.loss(_shift(params, direction, -H), x, y)) / (2 * H)
    assert abs(fd_slope - slope) <= FD_RTOL * max(1.0, abs(slope))

    hv = net.hessian_vector_product(params, x, y, direction)
    plus = net.gradient(_shift(params, direction, H), x, y)
    minus = net.gradient(_shift(params, direction, -H), x, y)
    fd = np.concatenate([((p - m) / (2 * H)).ravel() for p, m in zip(plus, minus)])
    exact = np.concatenate([v.ravel() for v in hv])
    assert np.linalg.norm(fd - exact) <= FD_RTOL * max(1.0, np.linalg.norm(exact))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_dense_hessian_is_symmetric_and_agrees_with_products(activation: str) -> None:
    net, params, x, y, direction = _problem(activation, bias=True, seed=3)
    hess = net.dense_hessian(params, x, y)
    assert hess.shape == (net.parameter_count, net.parameter_count)
    scale = np.linalg.norm(hess, 2)
    # Symmetry holds exactly in exact arithmetic; each entry is a sum of O(n d) products: a few hundred eps of ||H||.
    assert np.max(np.abs(hess - hess.T)) <= 256 * np.finfo(float).eps * scale
    hv = np.concatenate([v.ravel() for v in net.hessian_vector_product(params, x, y, direction)])
    flat = np.concatenate([d.ravel() for d in direction])
    np.testing.assert_allclose(hess @ flat, hv, rtol=0, atol=256 * np.finfo(float).eps * scale * np.linalg.norm(flat))


@pytest.mark.parametrize("activation, residual_free", [("relu", True), ("leaky_relu", True), ("tanh", False)])
def test_piecewise_linear_layers_have_no_residual_curvature(activation: str, residual_free: bool) -> None:
    # One hidden layer, no biases. H(y) = J^T J / n + (residual term linear in y), and J does not
    # depend on y. With phi'' = 0, f is linear in W1 alone and in W2 alone, so the residual term
    # vanishes on the diagonal blocks: they equal those at y = f(x) (zero residual). tanh: it does not.
    rng = np.random.default_rng(5)
    net = MLP((3, 6, 2), activation=activation)
    params = [rng.standard_normal(s) for s in net.parameter_shapes()]
    x, y = rng.standard_normal((8, 3)), 3 * rng.standard_normal((8, 2))
    full, gauss_newton = net.dense_hessian(params, x, y), net.dense_hessian(params, x, net.forward(params, x))
    p1 = params[0].size
    blocks = [(slice(0, p1), slice(0, p1)), (slice(p1, None), slice(p1, None))]
    gap = max(np.max(np.abs(full[b] - gauss_newton[b])) for b in blocks)
    # Equal up to rounding of sums of n * d terms: a few hundred eps of ||H||.
    bound = 256 * np.finfo(float).eps * np.linalg.norm(full, 2)
    assert (gap <= bound) == residual_free
    assert np.max(np.abs(full - gauss_newton)) > 1e3 * bound  # the off-diagonal residual term is there


def test_linear_activation_is_the_deep_linear_network() -> None:
    rng = np.random.default_rng(11)
    net = MLP((3, 4, 2, 2), activation="linear")
    weights = [rng.standard_normal(s) for s in net.parameter_shapes()]
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    moments = Moments.from_samples(x, y)
    # Same quantity, samples vs second moments: rounding of sums of n = 40 terms, eps * n * scale.
    scale = moments.y_energy + net.loss(weights, x, y)
    assert abs(net.loss(weights, x, y) - loss(weights, moments)) <= 64 * 40 * np.finfo(float).eps * scale
    for mine, core in zip(net.gradient(weights, x, y), gradient(weights, moments)):
        np.testing.assert_allclose(mine, core, rtol=1e-12, atol=1e-12 * np.linalg.norm(core))


def test_forward_closed_forms() -> None:
    net = MLP((1, 2, 1), activation="leaky_relu", negative_slope=0.5, bias=True)
    params = [np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]]), np.array([0.0, 0.0]), np.array([1.0])]
    # x = 2: hidden (2, -2) -> (2, -1); output 2 - 1 + 1 = 2.
    assert net.forward(params, np.array([[2.0]]))[0, 0] == 2.0
    tanh = MLP((1, 1, 1), activation="tanh")
    assert tanh.forward([np.array([[1.0]]), np.array([[2.0]])], np.array([[0.5]]))[0, 0] == 2.0 * np.tanh(0.5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_array_api_strict_matches_numpy(activation: str) -> None:
    xps = pytest.importorskip("array_api_strict")
    net, params, x, y, direction = _problem(activation, bias=True)
    conv = lambda arrays: [xps.asarray(a) for a in arrays]  # noqa: E731
    hv = net.hessian_vector_product(conv(params), xps.asarray(x), xps.asarray(y), conv(direction))
    grad = net.gradient(conv(params), xps.asarray(x), xps.asarray(y))
    # Same operations in the same order on the same float64 values: equal to rounding of a few ops.
    for got, want in zip(hv + grad, net.hessian_vector_product(params, x, y, direction) + net.gradient(params, x, y)):
        assert isinstance(got, type(xps.asarray(0.0)))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_torch_arrays_and_autograd_agree(activation: str, bias: bool) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    net, params, x, y, direction = _problem(activation, bias)
    tp = [torch.tensor(p, requires_grad=True) for p in params]
    tx, ty = torch.tensor(x), torch.tensor(y)
    tv = [torch.tensor(d) for d in direction]
    out = net.forward(tp, tx)
    value = 0.5 * torch.sum((out - ty) ** 2) / x.shape[0]
    auto_grad = torch.autograd.grad(value, tp, create_graph=True)
    auto_hv = torch.autograd.grad(sum(torch.sum(g * v) for g, v in zip(auto_grad, tv)), tp)
    detached = [p.detach() for p in tp]
    mine_grad = net.gradient(detached, tx, ty)
    mine_hv = net.hessian_vector_product(detached, tx, ty, tv)
    assert all(isinstance(g, torch.Tensor) for g in mine_grad + mine_hv)
    # Two exact derivative programs in float64 that differ in association order: ~1e-15 relative.
    for mine, auto in zip(mine_grad + mine_hv, list(auto_grad) + list(auto_hv)):
        np.testing.assert_allclose(mine.numpy(), auto.detach().numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(widths=(3,)), "depth N >= 1"),
        (dict(widths=(3, 0, 2)), "width must be >= 1"),
        (dict(widths=(3, 2), activation="softplus"), "unknown activation 'softplus'"),
        (dict(widths="abc"), "widths must be positive integers"),
    ],
)
def test_bad_architecture(kwargs, match: str) -> None:
    with pytest.raises(InputError, match=match):
        MLP(**kwargs)


def test_bad_parameters_and_samples() -> None:
    net, params, x, y, direction = _problem("tanh", bias=True)
    with pytest.raises(InputError, match="list of 6 arrays"):
        net.loss(params[:3], x, y)
    with pytest.raises(InputError, match="W2 has shape"):
        net.loss([params[0], params[1].T] + params[2:], x, y)
    bad = [p.copy() for p in params]
    bad[4][0] = np.nan
    with pytest.raises(InputError, match="b2 contains NaN or inf"):
        net.gradient(bad, x, y)
    with pytest.raises(InputError, match="X has shape"):
        net.forward(params, x[:, :2])
    with pytest.raises(InputError, match="Y has shape"):
        net.loss(params, x, y[:-1])
    with pytest.raises(InputError, match="X is empty"):
        net.loss(params, x[:0], y[:0])
    with pytest.raises(InputError, match="Y contains NaN or inf"):
        net.loss(params, x, np.full_like(y, np.inf))
    with pytest.raises(InputError, match="direction"):
        net.hessian_vector_product(params, x, y, direction[:2])


@pytest.mark.parametrize("widths", [(2, 4, 2), (3, 8, 8, 2)])  # P = 16 (dense path) and P = 122 (Lanczos)
def test_hessian_extremes_and_trace_match_the_dense_hessian(widths) -> None:
    rng = np.random.default_rng(8)
    net = MLP(widths, activation="tanh", bias=True)
    params = [rng.standard_normal(s) / np.sqrt(s[-1]) for s in net.parameter_shapes()]
    x, y = rng.standard_normal((20, widths[0])), rng.standard_normal((20, widths[-1]))
    hess = net.dense_hessian(params, x, y)
    eig = np.linalg.eigvalsh((hess + hess.T) / 2)
    found = net.hessian_extremes(params, x, y)
    assert found.top.converged and found.bottom.converged
    # Lanczos accepts a Ritz value with residual r <= 1e-10 ||H||; Weyl/Kahan: an eigenvalue lies
    # within r, and the dense reference is exact to ~P eps ||H||.
    scale = max(abs(eig[0]), abs(eig[-1]))
    assert abs(found.lambda_max - eig[-1]) <= 1e-10 * scale + found.top.residual
    assert abs(found.lambda_min - eig[0]) <= 1e-10 * scale + found.bottom.residual
    estimate, stderr = net.hessian_trace(params, x, y, samples=400, seed=1)
    # An unbiased estimate with its standard error: within 4 standard errors (fixed seed).
    assert stderr > 0 and abs(estimate - np.trace(hess)) <= 4 * stderr


def test_hessian_extremes_on_torch_arrays() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    net, params, x, y, _ = _problem("tanh", bias=True, seed=9)
    on_numpy = net.hessian_extremes(params, x, y)
    on_torch = net.hessian_extremes([torch.tensor(p) for p in params], torch.tensor(x), torch.tensor(y))
    # Same operator in another namespace, each converged to 1e-10 of ||H||.
    assert on_torch.lambda_max == pytest.approx(on_numpy.lambda_max, rel=1e-9)
    assert on_torch.lambda_min == pytest.approx(on_numpy.lambda_min, rel=1e-9, abs=1e-9 * on_numpy.lambda_max)
