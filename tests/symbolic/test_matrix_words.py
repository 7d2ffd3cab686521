"""Dimension-free matrix algebra: transpose, trace normal form, shapes, and the checker's power."""

from __future__ import annotations

import random

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from wideminima.symbolic import matrix_free
from wideminima.symbolic.steps import is_zero
from wideminima.symbolic.matrix_words import MatrixAlgebra, terms, trace_identity_step, trace_is_zero, word_identity_step


def _algebra() -> tuple[MatrixAlgebra, sp.Symbol, sp.Symbol, sp.Symbol]:
    alg = MatrixAlgebra()
    return alg, alg.matrix("A", "m", "n"), alg.matrix("B", "n", "p"), alg.matrix("C", "p", "m")


def _instantiate(alg: MatrixAlgebra, expr: sp.Expr, values: dict[sp.Symbol, sp.Matrix]) -> sp.Matrix:
    """Evaluate a word polynomial at concrete matrices (transposes from the values)."""
    concrete = dict(values)
    concrete.update({alg.T(x): v.T for x, v in values.items()})
    out = None
    for coeff, word in terms(expr):
        m = coeff * sp.prod([concrete[x] for x in word], start=sp.eye(concrete[word[0]].rows))
        out = m if out is None else out + m
    return out


def test_noncommuting_difference_is_not_zero() -> None:
    _, a, b, c = _algebra()
    assert not is_zero(a * b * c - c * b * a)  # the commutative ring would call this 0
    assert is_zero(a * (b + c * a) - a * b - a * c * a)


def test_transpose_and_trace_rules() -> None:
    alg, a, b, c = _algebra()
    assert alg.transpose(a * b) == alg.T(b) * alg.T(a)
    assert trace_is_zero(alg, a * b * c - b * c * a)  # cyclic
    assert trace_is_zero(alg, a * b * c - alg.transpose(a * b * c))  # tr(X^T) = tr(X)
    assert not trace_is_zero(alg, a * b * c - a * c * b)  # not a rotation (and a * c does not even chain)
    assert not trace_is_zero(alg, 2 * a * b * c - a * b * c)


def test_shapes_are_checked() -> None:
    alg, a, b, c = _algebra()
    assert alg.shape((a, b, c)) == (sp.Symbol("m"), sp.Symbol("m"))
    assert alg.shape((a, c)) is None
    assert not word_identity_step(alg, "bad", "", a * c, a * c, formula="").checked  # A C does not chain
    assert not trace_identity_step(alg, "bad", "", a * b, a * b, formula="").checked  # A B is not square


def test_trace_identities_hold_on_random_rectangular_matrices() -> None:
    """Every identity the normal form accepts holds at random integer matrices of unequal sizes."""
    alg, a, b, c = _algebra()
    rng = random.Random(0)
    values = {x: sp.Matrix(r, k, lambda i, j: rng.randint(-3, 3)) for x, (r, k) in zip((a, b, c), ((2, 3), (3, 4), (4, 2)))}
    words = [a * b * c, b * c * a, c * a * b, alg.transpose(a * b * c), alg.transpose(b * c * a)]
    for w1 in words:
        for w2 in words:
            assert trace_is_zero(alg, w1 - w2)
            assert _instantiate(alg, w1, values).trace() == _instantiate(alg, w2, values).trace()


# Planted errors in the dimension-free derivation: each changes one formula the way a
# typo would; the derivation must then have an unchecked step (and the CLI exit 1).
_PLANTED = {
    "J(D) with B_k before D_k": lambda self, dirs: sp.Add(*[self.after(k) * self.before(k) * dirs[k - 1] if k > 1 else self.after(k) * dirs[k - 1] * self.before(k) for k in range(1, self.n + 1)]),
    "adjoint without C": lambda self, m, k: self.alg.transpose(self.after(k)) * m * self.alg.transpose(self.before(k)),
    "adjoint without a transpose": lambda self, m, k: self.after(k) * m * self.c * self.alg.transpose(self.before(k)) if k < self.n else self.alg.transpose(self.after(k)) * m * self.c * self.alg.transpose(self.before(k)),
    "Q(D) missing its last term": lambda self: sp.Add(*[self.after(i) * self.d[i - 1] * self.span(i - 1, j + 1) * self.d[j - 1] * self.before(j) for i in range(1, self.n + 1) for j in range(1, i)][:-1]),
    "Q(D) with a factor 2": lambda self: 2 * sp.Add(*[self.after(i) * self.d[i - 1] * self.span(i - 1, j + 1) * self.d[j - 1] * self.before(j) for i in range(1, self.n + 1) for j in range(1, i)]),
}
_METHOD = {"J(D)": "jac", "adjoint": "adjoint", "Q(D)": "quad"}


@pytest.mark.parametrize("name", sorted(_PLANTED))
def test_planted_errors_are_caught(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    method = _METHOD[name.split(" ")[0]]
    monkeypatch.setattr(matrix_free._Network, method, _PLANTED[name])
    derivation = matrix_free.dimension_free_matrix_derivation.__wrapped__(3)
    assert not derivation.all_checked
    if method == "adjoint":  # the generic layers of every depth share it
        assert not matrix_free.general_matrix_derivation.__wrapped__().all_checked


_ALG = MatrixAlgebra()
_LETTERS = [_ALG.matrix("X", "d", "d"), _ALG.matrix("Y", "d", "d"), _ALG.matrix("S", "d", "d", symmetric=True)]
_LETTERS += [_ALG.T(x) for x in _LETTERS[:2]]
_RNG = random.Random(1)


def _instance(size: int) -> dict[sp.Symbol, sp.Matrix]:
    values = {x: sp.Matrix(size, size, lambda i, j: _RNG.randint(-4, 4)) for x in _LETTERS[:2]}
    values[_LETTERS[2]] = (lambda m: m + m.T)(sp.Matrix(size, size, lambda i, j: _RNG.randint(-4, 4)))
    return values


# Two instances: an inequivalent pair can agree at one by accident (seen once in 3,000
# random pairs at 3 x 3); agreeing at both by accident is far less likely.
_INSTANCES = [_instance(3), _instance(4)]


@given(st.lists(st.integers(0, 4), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_trace_normal_form_is_sound_and_separates(word: list[int], rnd: random.Random) -> None:
    """tr(w1) = tr(w2) by the normal form exactly when the traces agree at random integer matrices.

    w2 is a rotation, a transpose, or a shuffle of w1; the first two are always equal, a
    shuffle often is not. Soundness: a zero normal form is never contradicted by either
    instance; power: a nonzero normal form is confirmed by at least one instance.
    """
    w1 = [_LETTERS[i] for i in word]
    choice = rnd.randrange(3)
    if choice == 0:
        cut = rnd.randrange(len(w1))
        w2 = w1[cut:] + w1[:cut]
    elif choice == 1:
        w2 = [_ALG.T(x) for x in reversed(w1)]
    else:
        w2 = rnd.sample(w1, len(w1))
    lhs, rhs = sp.Mul(*w1), sp.Mul(*w2)
    equal_at = [_instantiate(_ALG, lhs, v).trace() == _instantiate(_ALG, rhs, v).trace() for v in _INSTANCES]
    if trace_is_zero(_ALG, lhs - rhs):
        assert all(equal_at)
    else:
        assert not all(equal_at)


def test_dimension_free_gram_matches_the_one_gram_builder_at_rectangular_widths() -> None:
    """G(M) as words, instantiated at rational W_k of widths (2, 3, 1, 2) and a symmetric C, against
    wideminima.symbolic.matrix.output_gram (numeric.gram.gram_matrix in exact arithmetic): equal exactly."""
    from wideminima.symbolic.matrix import output_gram, vec

    net = matrix_free._Network(3)
    rng = random.Random(2)
    widths = (2, 3, 1, 2)
    weights = [sp.Matrix(widths[k + 1], widths[k], lambda i, j: sp.Rational(rng.randint(-5, 5), rng.randint(1, 3))) for k in range(3)]
    c = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    columns = []
    for col in range(widths[-1] * widths[0]):  # G applied to the column-major basis matrices E with vec(E) = e_col
        basis = sp.zeros(widths[-1], widths[0])
        basis[col % widths[-1], col // widths[-1]] = 1
        values = {**dict(zip(net.w, weights)), net.c: c, net.m: basis}
        columns.append(vec(_instantiate(net.alg, net.gram(net.m), values)))
    assert sp.Matrix.hstack(*columns) == output_gram(weights, c)
