"""GD and SGD training: schedules, statuses (converged / diverged / max_steps), reproducibility,
the zero-init ResNet theorem (resnet-zero-init-flattest), and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import MLP, Moments, Schedule, gradient, loss, train
from wideminima.numeric import balanced_init, flattest_sharpness, hessian_extremes, imbalance, path_gains, sharpness
from wideminima.cli.train import synthetic_target

EPS = np.finfo(float).eps


def _margin_moments(d: int = 3, seed: int = 0) -> Moments:
    return Moments.whitened(synthetic_target("margin", d, d, seed))


# ----- schedules ------------------------------------------------------------------------------
def test_schedules() -> None:
    assert Schedule().rate(0.3, 123, 1000) == 0.3
    step = Schedule("step", gamma=0.5, every=100)
    assert [step.rate(1.0, t, 1000) for t in (0, 99, 100, 250)] == [1.0, 1.0, 0.5, 0.25]
    cosine = Schedule("cosine", final=0.1)
    assert cosine.rate(1.0, 0, 100) == 1.0
    assert math.isclose(cosine.rate(1.0, 100, 100), 0.1, rel_tol=4 * EPS)
    assert math.isclose(cosine.rate(1.0, 50, 100), 0.55, rel_tol=4 * EPS)
    for kwargs, match in [
        (dict(kind="exponential"), "unknown schedule"),
        (dict(kind="step", gamma=0.0), "gamma"),
        (dict(kind="step", every=0), "period"),
        (dict(kind="cosine", final=-1.0), "final step size"),
    ]:
        with pytest.raises(InputError, match=match):
            Schedule(**kwargs)


def test_trajectory_follows_the_schedule() -> None:
    result = train("resnet", _margin_moments(), widths=[3] * 4, lr=0.05, steps=300, tol=1e-30,
                   schedule=Schedule("step", gamma=0.5, every=100), log_every=50)
    assert [r["step"] for r in result.trajectory] == list(range(0, 301, 50))
    assert [r["lr"] for r in result.trajectory] == [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625]


# ----- statuses -------------------------------------------------------------------------------
def test_gd_from_zero_init_resnet_converges_with_exact_loss_and_gradient() -> None:
    moments = _margin_moments()
    result = train("resnet", moments, widths=[3] * 4, lr=0.1, steps=5000, tol=1e-12)
    assert result.status == "converged" and result.steps < 5000 and result.diverged_at is None
    # The reported numbers are those of the returned weights.
    assert result.loss == pytest.approx(loss(result.weights, moments), rel=1e-6, abs=1e-300)
    grad_norm = math.sqrt(sum(float(np.sum(g * g)) for g in gradient(result.weights, moments)))
    assert result.gradient_norm == pytest.approx(grad_norm, rel=1e-6)
    first = result.trajectory[0]
    assert first["step"] == 0 and result.trajectory[-1]["step"] == result.steps
    assert result.gradient_norm <= 1e-12 * first["gradient_norm"]
    assert result.loss < 1e-20 * first["loss"]


def test_max_steps_status() -> None:
    result = train("resnet", _margin_moments(), widths=[3] * 4, lr=0.01, steps=10)
    assert result.status == "max_steps" and result.steps == 10


@pytest.mark.parametrize("lr", [2.0, 1e300])
def test_a_diverging_step_size_is_a_status_with_finite_numbers(lr: float) -> None:
    # pytest turns RuntimeWarning (overflow, invalid) into errors: none may escape.
    moments = _margin_moments()
    result = train("linear", moments, widths=[3, 3, 3, 3], lr=lr, steps=1000)
    assert result.status == "diverged"
    assert result.diverged_at == result.steps and result.steps < 1000
    assert all(np.isfinite(w).all() for w in result.weights)
    assert all(np.isfinite(r["loss"]) for r in result.trajectory)
    # At lr = 1e300 the loss of the returned W_1 overflows: reported as inf, never NaN.
    assert not math.isnan(result.loss) and not math.isnan(result.gradient_norm)
    assert result.loss > 1e6 * result.trajectory[0]["loss"]
    if lr == 2.0:
        # Divergence means the loss at the reported step passed the documented threshold.
        threshold = 1e6 * max(result.trajectory[0]["loss"], 0.5 * float(np.sum(moments.target**2)))
        assert loss(result.weights, moments) > threshold


def test_sgd_and_mlp_divergence_is_a_status() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 3))
    y = np.tanh(x @ rng.standard_normal((3, 2)))
    net = MLP((3, 8, 2), activation="leaky_relu", bias=True)
    for kwargs in (dict(), dict(optimizer="sgd", batch_size=8)):
        result = train(net, (x, y), lr=50.0, steps=500, **kwargs)
        assert result.status == "diverged" and all(np.isfinite(w).all() for w in result.weights)


def test_zero_gradient_saddle_counts_as_converged() -> None:
    # W = 0 (depth 2) is a stationary point: the gradient is exactly zero.
    result = train("linear", _margin_moments(), widths=[3, 3, 3], lr=0.1, steps=100, init=[np.zeros((3, 3))] * 2)
    assert result.status == "converged" and result.steps == 0 and result.gradient_norm == 0.0


# ----- consistency and reproducibility --------------------------------------------------------
def test_gd_on_samples_is_gd_on_their_moments() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 3))
    y = x @ rng.standard_normal((3, 2)) + 0.1 * rng.standard_normal((50, 2))
    common = dict(lr=0.05, steps=200, init="xavier", seed=3, tol=1e-30)
    from_moments = train("linear", Moments.from_samples(x, y), widths=[3, 4, 2], **common)
    from_samples = train(MLP((3, 4, 2), activation="linear"), (x, y), **common)
    # Same GD iterates computed from moments vs by backprop over samples: each step's two
    # gradients differ by rounding (a few eps relative) and GD descending the loss does not
    # amplify them (seen: below 1 eps after 200 steps); 64 eps of ||W||.
    for a, b in zip(from_moments.weights, from_samples.weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=64 * EPS * np.linalg.norm(b))


def test_same_seed_same_numbers() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 2))
    y = np.sin(x @ rng.standard_normal((2, 2)))
    net = MLP((2, 6, 2), activation="tanh", bias=True)
    runs = [train(net, (x, y), optimizer="sgd", batch_size=7, lr=0.1, steps=300, seed=s, log_every=100) for s in (1, 1, 2)]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0].weights + runs[0].biases, runs[1].weights + runs[1].biases))
    assert runs[0].trajectory == runs[1].trajectory
    assert not np.array_equal(runs[0].weights[0], runs[2].weights[0])


def test_sgd_interpolates_a_realizable_linear_target() -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((32, 3))
    y = x @ synthetic_target("margin", 3, 3, 1).T
    result = train("resnet", (x, y), widths=[3] * 3, optimizer="sgd", batch_size=4, lr=0.05, steps=20000, tol=1e-9)
    # No noise: the minibatch gradients vanish at the interpolating minimum, so SGD converges.
    assert result.status == "converged"
    assert result.loss < 1e-15


def test_callback_sees_every_iterate() -> None:
    seen = []
    train("resnet", _margin_moments(), widths=[3] * 3, lr=0.1, steps=7, callback=lambda t, p: seen.append(t))
    assert seen == list(range(8))


# ----- resnet-zero-init-flattest ---------------------------------------------------------------
@pytest.mark.parametrize("depth", [2, 3, 5])
def test_zero_init_resnet_on_spd_target_keeps_layers_equal_and_reaches_the_principal_root(depth: int) -> None:
    target = synthetic_target("spd", 3, 3, seed=depth)
    gaps = []

    def layer_gap(t: int, params: list[np.ndarray]) -> None:
        gaps.append((t, max(float(np.max(np.abs(w - params[0]))) / np.linalg.norm(params[0], 2) for w in params)))

    result = train("resnet", Moments.whitened(target), widths=[3] * (depth + 1), lr=0.1, steps=5000, tol=1e-14,
                   callback=layer_gap)
    assert result.status == "converged"
    # In exact arithmetic the layers stay equal; in float64 each layer's gradient
    # A_k^T E B_k^T is the same matrix product in a different association order, so
    # they differ by rounding, a few eps per step. Layer differences lie along the
    # imbalance, which gradient flow conserves (neither damped nor amplified), so the
    # per-step roundings add like a random walk: bound 16 eps sqrt(t + 1) (seen: <= 1 eps).
    assert all(gap <= 16 * EPS * math.sqrt(t + 1) for t, gap in gaps)
    eig, vec = np.linalg.eigh(target)
    root = (vec * eig ** (1.0 / depth)) @ vec.T
    # At convergence ||grad|| <= 1e-14 of its start, so the distance to the fixed point is ~1e-14
    # relative; the fixed point itself is T^(1/N) up to rounding of O(N) products (~N cond eps).
    for w in result.weights:
        assert np.linalg.norm(w - root) <= 1e-13 * np.linalg.norm(root)


# ----- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, data, kwargs, match",
    [
        ("conv", "moments", dict(widths=[3, 3]), "unknown model 'conv'"),
        ("linear", "moments", dict(widths=[3, 3], optimizer="adam"), "unknown optimizer 'adam'"),
        ("linear", "moments", dict(widths=[3, 3], init="orthogonal"), "unknown init 'orthogonal'"),
        ("linear", "moments", dict(widths=[3]), "depth N >= 1"),
        ("linear", "moments", dict(), "needs widths"),
        ("linear", "moments", dict(widths=[3, 2]), r"maps R\^3 -> R\^2"),
        ("resnet", "moments", dict(widths=[3, 4, 3]), "every width equal"),
        ("linear", "moments", dict(widths=[3, 3], lr=-0.1), "lr must be a positive"),
        ("linear", "moments", dict(widths=[3, 3], lr=float("nan")), "lr must be a positive"),
        ("linear", "moments", dict(widths=[3, 3], steps=-1), "steps must be an integer >= 0"),
        ("linear", "moments", dict(widths=[3, 3], seed=-1), "seed must be an integer >= 0"),
        ("linear", "moments", dict(widths=[3, 3], optimizer="sgd", batch_size=2), "SGD needs samples"),
        ("linear", "samples", dict(widths=[3, 3], optimizer="sgd"), "SGD needs batch_size"),
        ("linear", "samples", dict(widths=[3, 3], optimizer="sgd", batch_size=100), "exceeds the number of samples"),
        ("linear", "samples", dict(widths=[3, 3], batch_size=2), "applies to SGD only"),
        ("linear", "moments", dict(widths=[3, 3], init=[np.eye(2)]), "initial weights have shapes"),
        ("linear", "moments", dict(widths=[3, 3], init=[np.full((3, 3), np.inf)]), "W1 contains NaN"),
        ("linear", "moments", dict(widths=[3, 3], init=[np.full((3, 3), 1e300)]), "initial loss overflows"),  # matmul
        ("linear", "moments", dict(widths=[3, 3], init=[np.full((3, 3), 1e160)]), "initial loss overflows"),  # np.vdot
        ("linear", "empty", dict(widths=[3, 3]), "X is empty"),
        ("linear", "nan", dict(widths=[3, 3]), "Y contains NaN"),
        ("linear", "mismatch", dict(widths=[3, 3]), "Y has shape"),
        ("linear", "list", dict(widths=[3, 3]), "data must be a Moments"),
        (MLP((3, 3)), "moments", dict(), "an MLP needs samples"),
        (MLP((3, 3)), "samples", dict(widths=[3, 4, 3]), "disagree with the MLP"),
    ],
)
def test_bad_input_raises_one_clear_error(model, data, kwargs, match) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 3))
    datasets = {
        "moments": _margin_moments(),
        "samples": (x, y),
        "empty": (x[:0], y[:0]),
        "nan": (x, np.where(y > 0, np.nan, y)),
        "mismatch": (x, y[:5]),
        "list": [x, y],
    }
    args = dict(lr=0.1, steps=10) | kwargs
    with pytest.raises(InputError, match=match):
        train(model, datasets[data], **args)


def test_mlp_sharpness_is_logged_every_k_steps() -> None:
    rng = np.random.default_rng(10)
    x = rng.standard_normal((30, 2))
    y = np.tanh(x @ rng.standard_normal((2, 2)))
    net = MLP((2, 5, 2), activation="tanh", bias=True)
    result = train(net, (x, y), lr=0.1, steps=40, log_every=10, sharpness_every=20)
    rows = {r["step"]: r for r in result.trajectory}
    assert sorted(rows) == [0, 10, 20, 30, 40]
    assert all(("lambda_max" in rows[t]) == (t % 20 == 0) for t in rows)
    final = net.hessian_extremes(result.weights + result.biases, x, y)
    assert rows[40]["lambda_max"] == final.lambda_max and rows[40]["lambda_min"] == final.lambda_min


def test_gd_imbalance_from_zero_init_is_first_order_in_the_step() -> None:
    # Gradient flow conserves W_{k+1}^T W_{k+1} - W_k W_k^T (= 0 at the zero init); each GD step
    # changes it by O(eta^2) and convergence takes O(1/eta) steps, so the imbalance at the end is
    # O(eta): halving eta halves it, up to an O(eta) correction (seen: 2.17 at eta 0.1 -> 0.05).
    moments = _margin_moments()

    def final_imbalance(eta: float) -> float:
        w = train("resnet", moments, widths=[3] * 4, lr=eta, steps=10000, tol=1e-13).weights
        return max(float(np.linalg.norm(w[k + 1].T @ w[k + 1] - w[k] @ w[k].T)) for k in range(2))

    ratio = final_imbalance(0.05) / final_imbalance(0.025)
    assert 1.9 <= ratio <= 2.2


# ----- gd-excess-sharpness (empirical law) ---------------------------------------------------------
def test_gd_excess_sharpness_reproduces_the_reference_orders_of_magnitude() -> None:
    # theorems.md: d = 3, N = 3, zero-init ResNet, ratio - 1 ~ 1.2e-4 at eta = 0.1 and ~ 3.6e-6 at
    # eta = 0.02 (its T is not given). Here T = I + G/||G||_F (margin target, radius 1, seed 2).
    target = synthetic_target("margin", 3, 3, seed=2, radius=1.0)
    moments = Moments.whitened(target)
    excess = {}
    for eta in (0.1, 0.02):
        result = train("resnet", moments, widths=[3] * 4, lr=eta, steps=20000, tol=1e-12)
        assert result.status == "converged"
        # Converged to 1e-12: the output-gram sharpness is that of the minimum to ~1e-12 relative,
        # far below the excess measured (> 1e-7); the minimum test is loosened to match (1e-9).
        top = sharpness(result.weights, moments, rtol=1e-9).lambda_max
        excess[eta] = top / flattest_sharpness(target, 3) - 1
    # The law: 1 + O(eta^2), strictly above the bound (sharpness-lower-bound) at these steps.
    # Orders of magnitude of the reference values: within a factor 3 either way.
    assert 1.2e-4 / 3 <= excess[0.1] <= 3 * 1.2e-4
    assert 3.6e-6 / 3 <= excess[0.02] <= 3 * 3.6e-6
    # eta ratio 5: leading order 25; the reference pair gives 33 (O(eta^3) terms at eta = 0.1).
    assert 25 <= excess[0.1] / excess[0.02] <= 40


def test_linear_trajectory_logs_metrics_and_sharpness() -> None:
    moments = _margin_moments()
    result = train("resnet", moments, widths=[3] * 4, lr=0.1, steps=30, tol=1e-30, log_every=10, sharpness_every=15)
    rows = {r["step"]: r for r in result.trajectory}
    assert sorted(rows) == [0, 10, 15, 20, 30]
    assert rows[0]["imbalance"] == [0.0, 0.0] and rows[0]["path_gains"] == [1.0, 1.0, 1.0, 1.0]
    assert rows[30]["imbalance"] == imbalance(result.weights).tolist()
    assert rows[30]["path_gains"] == path_gains(result.weights).tolist()
    assert [t for t in rows if "lambda_max" in rows[t]] == [0, 15, 30]
    assert rows[30]["lambda_max"] == hessian_extremes(result.weights, moments).lambda_max


def test_balanced_init_is_balanced() -> None:
    for widths in ([3, 5, 4, 2], [4, 2, 4]):
        layers = balanced_init(widths, 0.5, np.random.default_rng(3))
        assert [w.shape for w in layers] == [(widths[k + 1], widths[k]) for k in range(len(widths) - 1)]
        # Balanced in exact arithmetic; relative imbalance is rounding of a few products.
        assert np.all(imbalance(layers) <= 64 * EPS)
