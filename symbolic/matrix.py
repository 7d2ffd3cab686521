"""Matrix deep linear networks with fully symbolic entries: the Hessian as a block matrix.

Theory ids: hessian-gauss-newton, output-gram-spectrum.

Setting (:func:`matrix_network`): every layer is d x d (d <= 3, N <= 3), W_k has symbolic entries ``w{k}_{i}{j}``
(real), the target T has entries ``t_{i}{j}`` (real) and the input covariance is
Sigma_x = C^2 with C = Sigma_x^{1/2} symmetric with entries ``c_{i}{j}``, or C = I
(``whitened=True``). The loss is the excess loss

    L(W) = 1/2 tr(E Sigma_x E^T),   E = W_{N:1} - T,

which has the same derivatives as 1/2 E||y - W_{N:1} x||^2 (they differ by a constant).
:func:`concrete_network` wraps exact (e.g. rational) matrices of any chaining shapes
in the same class, so the block formulas also give exact Hessians of concrete networks.

vec convention: column-major (stack the columns), so that
vec(A D B) = (B^T kron A) vec(D). The Hessian's parameter order is
``MatrixNetwork.parameters``: layer 1 first, each layer column-major. (The numeric
engine's dense_hessian is row-major per layer; map with ``parameters``.)

Block formulas (A_k = W_{N:k+1}, B_k = W_{k-1:1}, R = E Sigma_x, K the commutation
matrix with vec(D^T) = K vec(D)):

    Jacobian         J_k = d vec(W_{N:1}) / d vec(W_k) = B_k^T kron A_k
    Gauss-Newton     GN_kl = J_k^T (Sigma_x kron I) J_l
    residual, k < l  Res_kl = ((A_l^T R B_k^T)^T kron W_{l-1:k+1}^T) K
    residual, k > l  Res_kl = (W_{k-1:l+1} kron A_k^T R B_l^T) K
    residual, k = l  0
    output gram      G = sum_k (C B_k^T B_k C) kron (A_k A_k^T)

The residual blocks are linear in R, which is 0 exactly at the global minima
(W_{N:1} = T): there H = GN = J'^T J' with J' = (C kron I) J, and G = J' J'^T.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from wideminima.numeric.gram import column_major, gram_matrix

from ._checks import MAX_MATRIX_DEPTH, MAX_MATRIX_WIDTH, check_depth, check_width

__all__ = ["MatrixNetwork", "chain_product", "commutation_matrix", "concrete_network", "kron", "matrix_network", "object_array", "output_gram", "vec"]


def vec(x: sp.MatrixBase) -> sp.ImmutableMatrix:
    """Column-major vec: the columns of ``x`` stacked into one column.

    >>> vec(sp.Matrix([[1, 2], [3, 4]])).T
    Matrix([[1, 3, 2, 4]])
    """
    return sp.ImmutableMatrix(x.T.reshape(x.rows * x.cols, 1))


def kron(a: sp.MatrixBase, b: sp.MatrixBase) -> sp.ImmutableMatrix:
    """The Kronecker product a kron b (blocks a_ij b)."""
    return sp.ImmutableMatrix(sp.kronecker_product(sp.Matrix(a), sp.Matrix(b)))


def commutation_matrix(m: int, n: int) -> sp.ImmutableMatrix:
    """K_{m,n} of shape (mn, mn) with vec(D^T) = K vec(D) for every m x n matrix D.

    >>> d = sp.Matrix(2, 3, sp.symbols("d0:6"))
    >>> commutation_matrix(2, 3) * vec(d) == vec(d.T)
    True
    """
    k = sp.zeros(m * n, m * n)
    for i in range(m):
        for j in range(n):
            k[j + i * n, i + j * m] = 1
    return sp.ImmutableMatrix(k)


def chain_product(mats: "list[sp.MatrixBase] | tuple[sp.MatrixBase, ...]", size: int | None = None) -> sp.ImmutableMatrix:
    """mats[-1] ... mats[0] (W_{N:1} for mats = [W_1, ..., W_N]); the size x size identity when empty."""
    if not mats:
        if size is None:
            raise ValueError("an empty product needs its size")
        return sp.ImmutableMatrix(sp.eye(size))
    out = mats[0]
    for m in mats[1:]:
        out = m * out
    return sp.ImmutableMatrix(out)


def output_gram(weights: "list[sp.MatrixBase] | tuple[sp.MatrixBase, ...]", sigma_x_sqrt: sp.MatrixBase | None = None) -> sp.ImmutableMatrix:
    """G = sum_k (C B_k^T B_k C) kron (A_k A_k^T) for exact weights [W_1, ..., W_N] (any chaining shapes).

    C = Sigma_x^{1/2} (identity when None); G has shape (d_N d_0, d_N d_0) and, at a global
    minimum, the same nonzero eigenvalues as the Hessian (theory id output-gram-spectrum).
    Formed by :func:`wideminima.numeric.gram.gram_matrix` (the one implementation of G) on
    NumPy object arrays of the exact entries; that function's row-major vec is mapped to
    this module's column-major vec by :func:`wideminima.numeric.gram.column_major`
    (G_col = K^T G_row K), and each entry is expanded.

    >>> output_gram([sp.Matrix([[2]]), sp.Matrix([[3]])])   # 3^2 + 2^2 = 13 = lambda_max of the scalar Hessian
    Matrix([[13]])
    """
    mats = [sp.Matrix(w) for w in weights]
    d0, dn = mats[0].cols, mats[-1].rows
    c = sp.eye(d0) if sigma_x_sqrt is None else sp.Matrix(sigma_x_sqrt)
    after = [object_array(chain_product(mats[k + 1 :], mats[k].rows)) for k in range(len(mats))]
    before = [object_array(chain_product(mats[:k], d0) * c) for k in range(len(mats))]
    permuted = column_major(gram_matrix(after, before), dn, d0)
    return sp.ImmutableMatrix(permuted.shape[0], permuted.shape[1], [sp.expand(x) for x in permuted.reshape(-1)])


def object_array(m: Any) -> np.ndarray:
    """A SymPy or mpmath matrix (anything with ``tolist()``) as a NumPy object array of its entries, same shape.

    The boundary conversion to :func:`wideminima.numeric.gram.gram_matrix`, which works on NumPy arrays.

    >>> object_array(sp.Matrix([[1, 2]])).shape
    (1, 2)
    """
    return np.array(m.tolist(), dtype=object).reshape(len(m.tolist()), -1)


@dataclass(frozen=True)
class MatrixNetwork:
    """A depth-N network of d x d layers with symbolic entries (see the module docstring).

    >>> net = matrix_network(2, 2, whitened=True)
    >>> net.weights[0]
    Matrix([
    [w1_11, w1_12],
    [w1_21, w1_22]])
    >>> net.hessian().shape, len(net.parameters)
    ((8, 8), 8)
    """

    depth: int
    widths: tuple[int, ...]
    weights: tuple[sp.ImmutableMatrix, ...]
    target: sp.ImmutableMatrix
    sigma_x: sp.ImmutableMatrix
    sigma_x_sqrt: sp.ImmutableMatrix | None = None

    @property
    def width(self) -> int:
        """d when every layer is d x d (the symbolic networks of :func:`matrix_network`)."""
        if len(set(self.widths)) != 1:
            raise ValueError(f"the widths {self.widths} are not all equal")
        return self.widths[0]

    @property
    def parameters(self) -> tuple[sp.Expr, ...]:
        """The Hessian's variable order: layer 1 first, each layer's entries column-major."""
        return tuple(s for w in self.weights for s in vec(w))

    def end_to_end(self) -> sp.ImmutableMatrix:
        """W_{N:1} = W_N ... W_1."""
        return chain_product(list(self.weights), self.widths[0])

    def partial_product(self, j: int, i: int) -> sp.ImmutableMatrix:
        """W_{j:i} = W_j ... W_i (1-based), shape (d_j, d_{i-1}); the identity when j < i."""
        return chain_product(list(self.weights[i - 1 : j]), self.widths[i - 1])

    def before(self, k: int) -> sp.ImmutableMatrix:
        """B_k = W_{k-1:1}."""
        return self.partial_product(k - 1, 1)

    def after(self, k: int) -> sp.ImmutableMatrix:
        """A_k = W_{N:k+1}."""
        return self.partial_product(self.depth, k + 1)

    def residual(self) -> sp.ImmutableMatrix:
        """R = (W_{N:1} - T) Sigma_x: zero exactly at the global minima."""
        return sp.ImmutableMatrix((self.end_to_end() - self.target) * self.sigma_x)

    def loss(self) -> sp.Expr:
        """L = 1/2 tr(E Sigma_x E^T), E = W_{N:1} - T."""
        e = self.end_to_end() - self.target
        return (e * self.sigma_x * e.T).trace() / 2

    def gradient_block(self, k: int) -> sp.ImmutableMatrix:
        """dL/dW_k = A_k^T R B_k^T (a d x d matrix)."""
        return sp.ImmutableMatrix(self.after(k).T * self.residual() * self.before(k).T)

    def jacobian_block(self, k: int) -> sp.ImmutableMatrix:
        """J_k = d vec(W_{N:1}) / d vec(W_k) = B_k^T kron A_k."""
        return kron(self.before(k).T, self.after(k))

    def jacobian(self) -> sp.ImmutableMatrix:
        """J = [J_1 ... J_N] of shape (d^2, N d^2)."""
        return sp.ImmutableMatrix(sp.Matrix.hstack(*[self.jacobian_block(k) for k in range(1, self.depth + 1)]))

    def gauss_newton(self) -> sp.ImmutableMatrix:
        """J^T (Sigma_x kron I) J: the Hessian at the global minima."""
        j = self.jacobian()
        return sp.ImmutableMatrix(j.T * kron(self.sigma_x, sp.eye(self.widths[-1])) * j)

    def residual_block(self, k: int, l: int) -> sp.ImmutableMatrix:
        """The second-order (residual) part of the Hessian block d^2 L / d vec(W_k) d vec(W_l)."""
        size_k = self.widths[k] * self.widths[k - 1]
        if k == l:
            return sp.ImmutableMatrix(sp.zeros(size_k, size_k))
        r, comm = self.residual(), commutation_matrix(self.widths[l], self.widths[l - 1])
        if k < l:
            x, y = self.partial_product(l - 1, k + 1).T, self.after(l).T * r * self.before(k).T
        else:
            x, y = self.after(k).T * r * self.before(l).T, self.partial_product(k - 1, l + 1).T
        return sp.ImmutableMatrix(kron(y.T, x) * comm)

    def residual_term(self) -> sp.ImmutableMatrix:
        """The residual term of the Hessian as a block matrix (linear in R)."""
        n = self.depth
        blocks = [[self.residual_block(k, l) for l in range(1, n + 1)] for k in range(1, n + 1)]
        return sp.ImmutableMatrix(sp.BlockMatrix(blocks).as_explicit())

    def hessian(self) -> sp.ImmutableMatrix:
        """The full Hessian anywhere: Gauss-Newton plus residual term (block formulas)."""
        return sp.ImmutableMatrix(self.gauss_newton() + self.residual_term())

    def hessian_bruteforce(self) -> sp.ImmutableMatrix:
        """``sympy.hessian`` of the loss in ``parameters`` order: the independent reference."""
        return sp.ImmutableMatrix(sp.hessian(self.loss(), self.parameters))

    def output_gram(self) -> sp.ImmutableMatrix:
        """G = sum_k (C B_k^T B_k C) kron (A_k A_k^T), shape (d_N d_0, d_N d_0) (theory id output-gram-spectrum)."""
        return output_gram(self.weights, self._sqrt())

    def _sqrt(self) -> sp.ImmutableMatrix:
        if self.sigma_x_sqrt is None:
            raise ValueError("this network was built from Sigma_x without its square root C")
        return self.sigma_x_sqrt

    def whitened_jacobian(self) -> sp.ImmutableMatrix:
        """J' = (C kron I) J, so that GN = J'^T J' and G = J' J'^T."""
        return sp.ImmutableMatrix(kron(self._sqrt(), sp.eye(self.widths[-1])) * self.jacobian())

    def at_minimum(self, expr: sp.MatrixBase | sp.Expr) -> sp.MatrixBase | sp.Expr:
        """Substitute T = W_{N:1}: the result holds at every global minimum (full widths)."""
        p = self.end_to_end()
        # xreplace: T's entries are plain symbols, so structural replacement is exact (and far faster than subs)
        return expr.xreplace({self.target[i, j]: p[i, j] for i in range(p.rows) for j in range(p.cols)})


@functools.lru_cache(maxsize=32, typed=True)  # typed: True must not hit the cache entry of 1
def matrix_network(depth: int, width: int, *, whitened: bool = False) -> MatrixNetwork:
    """The depth-N, width-d symbolic network (N <= 3, d <= 3); ``whitened`` sets C = I."""
    n = check_depth(depth, maximum=MAX_MATRIX_DEPTH)
    d = check_width(width, maximum=MAX_MATRIX_WIDTH)
    weights = tuple(
        sp.ImmutableMatrix(d, d, lambda i, j, k=k: sp.Symbol(f"w{k}_{i + 1}{j + 1}", real=True)) for k in range(1, n + 1)
    )
    target = sp.ImmutableMatrix(d, d, lambda i, j: sp.Symbol(f"t_{i + 1}{j + 1}", real=True))
    if whitened:
        c = sp.ImmutableMatrix(sp.eye(d))
    else:
        c = sp.ImmutableMatrix(d, d, lambda i, j: sp.Symbol(f"c_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    return MatrixNetwork(n, (d,) * (n + 1), weights, target, sp.ImmutableMatrix(c * c), c)


def concrete_network(
    weights: "list[sp.MatrixBase] | tuple[sp.MatrixBase, ...]",
    target: sp.MatrixBase | None = None,
    sigma_x: sp.MatrixBase | None = None,
    sigma_x_sqrt: sp.MatrixBase | None = None,
) -> MatrixNetwork:
    """A :class:`MatrixNetwork` over exact given matrices (any chaining shapes).

    ``target`` defaults to the product (a global minimum), ``sigma_x`` to C C or the identity.
    """
    ws = tuple(sp.ImmutableMatrix(w) for w in weights)
    widths = (ws[0].cols,) + tuple(w.rows for w in ws)
    c = None if sigma_x_sqrt is None else sp.ImmutableMatrix(sigma_x_sqrt)
    if sigma_x is None:
        sigma_x = sp.eye(widths[0]) if c is None else c * c
        c = sp.ImmutableMatrix(sp.eye(widths[0])) if c is None else c
    t = chain_product(list(ws), widths[0]) if target is None else target
    return MatrixNetwork(len(ws), widths, ws, sp.ImmutableMatrix(t), sp.ImmutableMatrix(sigma_x), c)
