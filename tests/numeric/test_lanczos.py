"""Generic eigensolvers and trace estimator on explicit matrices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import MatvecOperator, SymmetricOperator, hutchinson_trace, top_eigenpairs
from wideminima.numeric._backend import to_numpy


def _matrix(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    ev = np.concatenate([np.zeros(n // 2), rng.uniform(-1.0, 1.0, n - n // 2 - 1), [2.0]])
    return (q * ev) @ q.T, np.sort(ev)


@pytest.mark.parametrize("method", ["lanczos", "arpack", "auto"])
@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_extreme_eigenpairs_of_a_matrix_with_a_large_null_space(method: str, which: str) -> None:
    rng = np.random.default_rng(0)
    a, ev = _matrix(rng, 300)
    result = top_eigenpairs(lambda x: a @ x, 300, k=3, which=which, method=method)
    expected = ev[::-1][:3] if which == "largest" else ev[:3]
    # Residual <= 1e-10 ||A|| (||A|| = 2) bounds each eigenvalue error by the same.
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-10 * 2)
    assert result.converged
    np.testing.assert_allclose(result.vectors.T @ result.vectors, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(
        np.linalg.norm(a @ result.vectors - result.vectors * result.values, axis=0), result.residuals, rtol=1e-6, atol=1e-15
    )


def test_same_seed_same_result_and_dense_path() -> None:
    rng = np.random.default_rng(1)
    a, ev = _matrix(rng, 100)
    r1 = top_eigenpairs(lambda x: a @ x, 100, seed=5, method="lanczos")
    r2 = top_eigenpairs(lambda x: a @ x, 100, seed=5, method="lanczos")
    assert r1.values[0] == r2.values[0] and r1.products == r2.products
    small = a[:10, :10]
    dense = top_eigenpairs(lambda x: small @ x, 10, k=2)
    assert dense.method == "dense" and dense.products == 10
    np.testing.assert_allclose(dense.values, np.linalg.eigvalsh(small)[::-1][:2], rtol=0, atol=1e-14)


def test_lanczos_in_every_namespace(xp: Any, to_xp: Any) -> None:
    rng = np.random.default_rng(2)
    a, ev = _matrix(rng, 120)
    ax = to_xp(a)
    result = top_eigenpairs(lambda x: ax @ x, 120, k=2, like=ax, which="smallest")
    assert type(result.vectors) is type(ax)
    np.testing.assert_allclose(result.values, ev[:2], rtol=0, atol=1e-10 * 2)  # residual <= 1e-10 ||A||, ||A|| = 2
    assert to_numpy(result.vectors).shape == (120, 2)


def test_hutchinson_is_within_its_standard_error() -> None:
    rng = np.random.default_rng(3)
    a, ev = _matrix(rng, 50)
    estimate, error = hutchinson_trace(lambda x: a @ x, 50, 200, np.random.default_rng(4))
    assert error > 0
    # Seeded: a 4-sigma band around the exact trace (fails for a biased estimator or a wrong error).
    assert abs(estimate - np.sum(ev)) <= 4 * error


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="k must be"):
        top_eigenpairs(lambda x: x, 5, k=6)
    with pytest.raises(InputError, match="arpack' needs k < dim"):
        top_eigenpairs(lambda x: x, 80, k=80, method="arpack")
    with pytest.raises(InputError, match="seed must be an integer >= 0"):
        top_eigenpairs(lambda x: x, 5, seed=-1)
    with pytest.raises(InputError, match="which must be"):
        top_eigenpairs(lambda x: x, 5, which="middle")
    with pytest.raises(InputError, match="finite and nonzero"):
        top_eigenpairs(lambda x: x, 100, start=np.zeros(100), method="lanczos")
    with pytest.raises(InputError, match="start vector has 3"):
        top_eigenpairs(lambda x: x, 5, start=np.ones(3))
    with pytest.raises(InputError, match="samples must be at least 2"):
        hutchinson_trace(lambda x: x, 5, 1, np.random.default_rng(0))
    with pytest.raises(InputError, match="needs its dim"):
        top_eigenpairs(lambda x: x)
    with pytest.raises(InputError, match="dim=4 disagrees"):
        top_eigenpairs(MatvecOperator(lambda x: x, 5), 4)
    with pytest.raises(InputError, match="dim must be an integer >= 1"):
        MatvecOperator(lambda x: x, 0)


class _Matrix:
    """A SymmetricOperator written by a user: an explicit symmetric matrix, dense() free of products."""

    def __init__(self, a: np.ndarray) -> None:
        self.a, self.dim, self.namespace, self.calls = a, a.shape[0], np, 0

    def matvec(self, vector: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.a @ vector

    def dense(self) -> np.ndarray:
        return self.a


@pytest.mark.parametrize("method", ["dense", "lanczos", "arpack"])
def test_solvers_take_any_symmetric_operator(method: str) -> None:
    rng = np.random.default_rng(5)
    a, ev = _matrix(rng, 80)
    operator = _Matrix(a)
    assert isinstance(operator, SymmetricOperator)
    result = top_eigenpairs(operator, k=2, method=method)
    # Residual <= 1e-10 ||A|| (||A|| = 2) bounds each eigenvalue error by the same.
    np.testing.assert_allclose(result.values, ev[::-1][:2], rtol=0, atol=1e-10 * 2)
    assert result.converged and result.method == method
    # The dense path uses the operator's own matrix; the iterative ones call matvec.
    assert (operator.calls == 0) == (method == "dense")
    # Same start vector (seed 0), same products: an operator and its product function agree exactly
    # when iterating. Densely, the product function's matrix is (A + A^T) / 2 while _Matrix gives A,
    # whose rounding asymmetry moves eigenvalues by at most ||A - A^T|| / 2 <= n eps ||A|| (Weyl).
    plain = top_eigenpairs(lambda x: a @ x, 80, k=2, method=method)
    atol = 80 * np.finfo(float).eps * 2 if method == "dense" else 0.0
    np.testing.assert_allclose(result.values, plain.values, rtol=0, atol=atol)
    estimate, _ = hutchinson_trace(operator, None, 4, np.random.default_rng(0))
    assert estimate == hutchinson_trace(lambda x: a @ x, 80, 4, np.random.default_rng(0))[0]


def test_auto_without_scipy_uses_the_toolkit_lanczos(monkeypatch: pytest.MonkeyPatch) -> None:
    import wideminima.numeric.lanczos as lanczos

    a = np.diag(np.arange(1.0, 101.0))
    assert top_eigenpairs(lambda x: a @ x, 100).method == "arpack"
    monkeypatch.setattr(lanczos, "scipy_available", lambda: False)
    result = top_eigenpairs(lambda x: a @ x, 100)
    assert result.method == "lanczos" and abs(result.values[0] - 100.0) <= 1e-10 * 100


def test_auto_falls_back_to_lanczos_when_arpack_returns_no_ritz_pair() -> None:
    pytest.importorskip("scipy")
    from wideminima.numeric.arpack import arpack_eigenpairs

    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 300))
    a = (a + a.T) / 2
    start = rng.standard_normal(300)
    # 25 products are too few for ARPACK at tol 1e-14: it gives up with no Ritz pair at all.
    assert len(arpack_eigenpairs(MatvecOperator(lambda x: a @ x, 300), 1, "largest", 1e-14, start, 25).values) == 0
    result = top_eigenpairs(lambda x: a @ x, 300, method="auto", max_products=25, tol=1e-14)
    assert result.method == "lanczos" and len(result.values) == 1 and not result.converged
    # The unconverged Ritz value still lies inside the spectrum (Cauchy interlacing).
    assert result.values[0] <= np.linalg.eigvalsh(a)[-1] * (1 + 1e-12)


@pytest.mark.parametrize("k", [1, 3])
def test_lanczos_through_many_restarts_counts_every_product(k: int) -> None:
    """A clustered top (relative gaps 1e-3) takes several thick restarts; the one-pass
    reorthogonalization must keep the Ritz vectors orthonormal and the answer exact, and
    ``products`` must count every call, the explicit residual checks included."""
    rng = np.random.default_rng(7)
    n = 800
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    ev = np.concatenate([rng.uniform(-1.0, 0.9, n - 4), [0.997, 0.998, 0.999, 1.0]])
    a = (q * ev) @ q.T
    calls = [0]

    def product(x: np.ndarray) -> np.ndarray:
        calls[0] += 1
        return a @ x

    result = top_eigenpairs(product, n, k=k, method="lanczos")
    assert result.converged and result.products == calls[0] > 2 * 40  # restarts of the 40-vector basis
    # Residual <= 1e-10 ||A|| (||A|| = 1) bounds each eigenvalue error by the same.
    np.testing.assert_allclose(result.values, np.sort(ev)[::-1][:k], rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.vectors.T @ result.vectors, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(
        np.linalg.norm(a @ result.vectors - result.vectors * result.values, axis=0), result.residuals, rtol=1e-6, atol=1e-15
    )
