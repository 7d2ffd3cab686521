"""Matrix networks with symbolic entries: block Hessian, Gauss-Newton at minima, output gram (exact)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from wideminima.errors import InputError
from wideminima.numeric import Moments, gradient
from wideminima.symbolic import commutation_matrix, concrete_network, kron, matrix_network, precise_hessian, vec
from wideminima.symbolic.steps import is_zero


def _symbolic(rows: int, cols: int, name: str) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}{j}", real=True))


def test_vec_identity_rectangular() -> None:
    a, d, b = _symbolic(2, 3, "a"), _symbolic(3, 4, "d"), _symbolic(4, 2, "b")
    assert is_zero(vec(a * d * b) - kron(b.T, a) * vec(d))
    assert commutation_matrix(3, 4) * vec(d) == vec(d.T)


@pytest.mark.parametrize(("depth", "width", "whitened"), [(1, 2, False), (2, 2, False), (3, 2, False), (2, 3, True)])
def test_block_hessian_equals_bruteforce(depth: int, width: int, whitened: bool) -> None:
    net = matrix_network(depth, width, whitened=whitened)
    assert is_zero(net.hessian() - net.hessian_bruteforce())


@pytest.mark.parametrize("depth", [2, 3])
def test_residual_vanishes_at_every_global_minimum(depth: int) -> None:
    # hessian-gauss-newton, d = 2, general symbolic Sigma_x = C^2: T eliminated by T = W_{N:1}.
    net = matrix_network(depth, 2)
    hessian = net.hessian_bruteforce()
    assert is_zero(net.at_minimum(hessian) - net.gauss_newton())
    assert is_zero(net.at_minimum(net.residual_term()))
    # ... and it does not vanish elsewhere (the check can fail): the residual term is nonzero.
    assert not is_zero(net.residual_term())


def test_output_gram_identities() -> None:
    net = matrix_network(2, 2)
    jw = net.whitened_jacobian()
    assert is_zero(jw * jw.T - net.output_gram())
    assert is_zero(jw.T * jw - net.gauss_newton())


def test_rectangular_layers_block_hessian() -> None:
    # Widths 2 -> 3 -> 1 with symbolic entries, whitened: the block formulas are shape-generic.
    ws = [_symbolic(3, 2, "u"), _symbolic(1, 3, "v")]
    t = _symbolic(1, 2, "t")
    net = concrete_network(ws, target=t)
    assert net.widths == (2, 3, 1)
    assert is_zero(net.hessian() - net.hessian_bruteforce())


def test_exact_hessian_against_finite_differences_of_numeric_gradient() -> None:
    rng = np.random.default_rng(5)
    ws = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3)), rng.standard_normal((2, 2))]
    x = rng.standard_normal((30, 2))
    moments = Moments.from_samples(x, x @ rng.standard_normal((2, 2)).T + 0.1 * rng.standard_normal((30, 2)))
    exact = np.array(precise_hessian(ws, moments).tolist(), dtype=np.float64)
    h = 1e-5
    flat = [(k, idx) for k, w in enumerate(ws) for idx in [(i, j) for j in range(w.shape[1]) for i in range(w.shape[0])]]
    for col, (k, idx) in enumerate(flat):  # column-major within each layer, as the symbolic engine orders them
        plus, minus = [w.copy() for w in ws], [w.copy() for w in ws]
        plus[k][idx] += h
        minus[k][idx] -= h
        gp, gm = gradient(plus, moments), gradient(minus, moments)
        fd = np.concatenate([(a - b).T.reshape(-1) for a, b in zip(gp, gm)]) / (2 * h)
        # Central differences of the exact gradient: truncation h^2 * (third derivative ~ 10)
        # ~ 1e-9, round-off eps * |g| / h ~ 1e-11; 1e-7 relative to the column scale.
        np.testing.assert_allclose(fd, exact[:, col], rtol=0, atol=1e-7 * max(1.0, np.max(np.abs(exact[:, col]))))


@pytest.mark.parametrize(("depth", "width", "match"), [(0, 2, "depth"), (4, 2, "depth"), (2, 0, "width"), (2, 4, "width"), (2, True, "width")])
def test_bad_sizes(depth: object, width: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        matrix_network(depth, width)  # type: ignore[arg-type]
