"""The output gram: the Hessian at a global minimum seen from the output side (theory id output-gram-spectrum).

At a global minimum H = J^T J with J: D -> (sum_k A_k D_k B_k) Sigma_x^{1/2}, so the
nonzero eigenvalues of H are those of J J^T, which acts on (d_N, d_0) matrices as

    M -> sum_k L_k M R_k,    L_k = A_k A_k^T (d_N, d_N),   R_k = Sigma_x^{1/2} B_k^T B_k Sigma_x^{1/2} (d_0, d_0).

Vectorisation order (one for the whole toolkit): the output matrix M is
vectorised row-major, vec(M) = ``M.reshape(-1)``, so entry ((i, a), (j, b)) of G
is sum_k L_k[i, j] R_k[a, b] and G = sum_k L_k (kron) R_k. theorems.md writes the
same operator with the column-major vec, R_k (kron) L_k; the two matrices are
permutation-similar (G_row = K G_col K^T, K the commutation matrix) and have the
same spectrum; :func:`column_major` re-indexes G to the column-major vec for the
engines that use it (symbolic, the verify arithmetics). Its size (d_N d_0) does not grow with depth or hidden width. The N
pairs (L_k, R_k) cost O(N) matrix products (prefix and suffix products).

:func:`gram_matrix` is the one function that forms the dense G, in every
arithmetic: float64 arrays of any array-API namespace here, NumPy object arrays of
``mpmath.mpf`` (``wideminima.symbolic.precise``, the 50-digit arithmetic of
``wideminima.property_tests.arithmetic``), of ``mpmath.iv`` intervals (the interval
arithmetic) and of SymPy expressions (``wideminima.symbolic.matrix.output_gram``).
It uses only ``@``, ``.T``, broadcasting products and a sum over k in order
k = 1, ..., N, so its result in one arithmetic is the same sequence of operations
as in another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wideminima.types import Array

from ._backend import array_namespace, asarray_like, to_numpy
from .moments import Moments
from .network import check_weights, products_after, products_before

__all__ = ["GramFactors", "gram_factors", "product_flops", "column_major", "gram_matrix", "gram_pairs", "kronecker_sum", "output_gram", "hessian_trace"]

def gram_pairs(after: Sequence[Array], before_whitened: Sequence[Array]) -> tuple[Array, Array]:
    """The stacked pairs (L, R): L[k-1] = A_k A_k^T (d_N, d_N), R[k-1] = C_k^T C_k (d_0, d_0).

    ``after`` = [A_1, ..., A_N], ``before_whitened`` = [C_1, ..., C_N] with C_k = B_k F for a
    factor F F^T = Sigma_x (F = Sigma_x^{1/2} in this module; any factor gives a G with
    the same spectrum, see :func:`gram_matrix`).
    """
    xp = array_namespace(*after, *before_whitened)
    return xp.stack([a @ a.T for a in after]), xp.stack([c.T @ c for c in before_whitened])


def gram_matrix(after: Sequence[Array], before_whitened: Sequence[Array]) -> Array:
    """The dense output gram G = sum_k (A_k A_k^T) kron (C_k^T C_k), row-major vec, shape (d_N d_0, d_N d_0).

    Theory id output-gram-spectrum. The one implementation of G for every arithmetic
    (module docstring): ``after`` = [A_1, ..., A_N] (A_k of shape (d_N, d_k)) and
    ``before_whitened`` = [C_1, ..., C_N] (C_k = B_k F of shape (d_{k-1}, d_0)) are
    float arrays of one array-API namespace or NumPy object arrays of mpmath numbers,
    intervals or SymPy expressions. With F = Sigma_x^{1/2} this is the G of theorems.md
    (in row-major order); with another factor F = Sigma_x^{1/2} Q (Q orthogonal) it is
    (I kron Q^T) G (I kron Q), orthogonally similar, so its spectrum is the same.
    The terms are summed in order k = 1, ..., N.

    >>> import numpy as np
    >>> a, c = [np.array([[3.0]]), np.eye(1)], [np.eye(1), np.array([[2.0]])]   # W = (2, 3)
    >>> gram_matrix(a, c)
    array([[13.]])
    """
    return kronecker_sum(*gram_pairs(after, before_whitened))


def column_major(gram: np.ndarray, d_n: int, d_0: int) -> np.ndarray:
    """The output gram re-indexed from the row-major vec of :func:`gram_matrix` to the column-major vec.

    Returns K^T G K (K the commutation matrix): entry ((a, i), (b, j)), at index
    (a d_N + i, b d_N + j), is entry ((i, a), (j, b)) of ``gram``, so the column-major
    G = sum_k (C_k^T C_k) kron (A_k A_k^T) of theorems.md. A pure re-indexing of a NumPy
    array of any dtype: the entries (and their float bits) are those :func:`gram_matrix`
    computed. For the engines that vectorise column-major (``wideminima.symbolic``, whose
    Hessian parameters are column-major, and the arithmetics of
    ``wideminima.property_tests.arithmetic``).

    >>> g = column_major(np.arange(16.0).reshape(4, 4), 2, 2)   # d_N = d_0 = 2: swaps indices 1 and 2
    >>> g[0].tolist(), g[1].tolist()
    ([0.0, 2.0, 1.0, 3.0], [8.0, 10.0, 9.0, 11.0])
    """
    order = [i * d_0 + a for a in range(d_0) for i in range(d_n)]  # column-major index a d_N + i <- row-major i d_0 + a
    return np.asarray(gram)[np.ix_(order, order)]


def kronecker_sum(left: Array, right: Array) -> Array:
    """sum_k left[k] kron right[k] for stacks left (N, m, m) and right (N, n, n): shape (m n, m n).

    Entry ((i, a), (j, b)) is sum_k left[k, i, j] right[k, a, b], summed in order k = 0, ..., N - 1
    (a reduction over the leading axis adds the slices one after another).
    """
    xp = array_namespace(left, right)
    m, n = int(left.shape[1]), int(right.shape[1])
    kron = left[:, :, None, :, None] * right[:, None, :, None, :]
    return xp.reshape(xp.sum(kron, axis=0), (m * n, m * n))


@dataclass(frozen=True)
class GramFactors:
    """The pairs defining G = sum_k L_k (kron) R_k, laid out so that a product skips the identity factors.

    L_N = A_N A_N^T = I always, and R_1 = Sigma_x (= I for whitened data), so

        G M = L_1 (M R_1) + sum_{k=2}^{N-1} L_k M R_k + M R_N      (N >= 2; N = 1: G M = M Sigma_x),

    with M R_1 = M when whitened: 2 (N - 1) matrix products of size d^3 per application
    (2 N - 1 otherwise) instead of 2 N (:func:`product_flops`).

    Attributes
    ----------
    left : (N, d_N, d_N) array, left[k-1] = A_k A_k^T.
    right : (N, d_0, d_0) array, right[k-1] = Sigma_x^{1/2} B_k^T B_k Sigma_x^{1/2}.
    after, before_whitened : the lists [A_k] and [B_k Sigma_x^{1/2}], kept to map
        output-space vectors back to parameter space (J^T).
    whitened : whether R_1 = I (its product is skipped).
    right_wide : (d_0, n d_0) array [R_2 ... R_{N-1}] (from R_1 when not whitened), n middle terms.
    left_wide : (d_N, d_N n) array with left_wide[r, i n + t] = L_k[r, i] for the t-th middle term k.
    """

    left: Array
    right: Array
    after: list[Array]
    before_whitened: list[Array]
    whitened: bool
    right_wide: Array
    left_wide: Array

    @property
    def depth(self) -> int:
        """N, the number of layers (pairs)."""
        return int(self.left.shape[0])

    def apply(self, block: Array) -> Array:
        """G applied to a stack of output matrices: (b, d_N, d_0) -> (b, d_N, d_0) (class docstring).

        The middle terms take two large products and no copies: X = M [R_k ...] has rows
        (j, i) and columns (t, c), so viewed as (b, d_N n, d_0) its rows are (i, t) for each
        j, which ``left_wide`` contracts: sum_{i,t} L_k[r, i] (M_j R_k)[i, c].
        """
        if self.depth == 1:  # G M = M Sigma_x
            return block if self.whitened else block @ self.right[0, ...]
        xp = array_namespace(block)
        b, dn, d0 = (int(x) for x in block.shape)
        out = block @ self.right[-1, ...]  # k = N: L_N = I
        if self.whitened:  # k = 1: R_1 = I
            out = out + self.left[0, ...] @ block
        middle = int(self.right_wide.shape[1]) // d0
        if middle:
            products = xp.reshape(xp.reshape(block, (b * dn, d0)) @ self.right_wide, (b, dn * middle, d0))
            out = out + self.left_wide @ products
        return out

    def dense(self) -> Array:
        """G as a dense (d_N d_0, d_N d_0) matrix (row-major vec), as :func:`gram_matrix` forms it."""
        return kronecker_sum(self.left, self.right)

    def trace(self) -> float:
        """tr G = sum_k tr(L_k) tr(R_k) = sum_k ||A_k||_F^2 ||B_k Sigma_x^{1/2}||_F^2 (= tr H, see :func:`hessian_trace`)."""
        xp = array_namespace(self.left)
        return float(xp.sum(xp.linalg.trace(self.left) * xp.linalg.trace(self.right)))

    def to_parameters(self, matrix: Array) -> list[Array]:
        """J^T M = [A_k^T M Sigma_x^{1/2} B_k^T]_k for an output matrix M (d_N, d_0)."""
        return [a.T @ matrix @ bw.T for a, bw in zip(self.after, self.before_whitened)]


def gram_factors(weights: Sequence[Array], sigma_x: Array = None) -> GramFactors:
    """The factors (L_k, R_k) of the output gram; ``sigma_x`` None means the identity."""
    weights = check_weights(weights)
    xp = array_namespace(*weights)
    after = products_after(weights)
    before = products_before(weights)
    if sigma_x is not None:
        sx = to_numpy(sigma_x)
        root = Moments(sx, np.zeros((1, sx.shape[0]))).sigma_x_sqrt  # validates Sigma_x (SPD)
        before = [b @ asarray_like(xp, root, weights[0]) for b in before]
    left, right = gram_pairs(after, before)
    n, dn, d0 = len(weights), int(left.shape[1]), int(right.shape[1])
    whitened = sigma_x is None
    first = 1 if whitened else 0  # the middle terms: k = first + 1, ..., N - 1
    middle = max(n - 1 - first, 0)
    right_wide = xp.reshape(xp.permute_dims(right[first : first + middle, ...], (1, 0, 2)), (d0, middle * d0))
    left_wide = xp.reshape(xp.permute_dims(left[first : first + middle, ...], (1, 2, 0)), (dn, dn * middle))
    return GramFactors(left, right, after, before, whitened, right_wide, left_wide)


def product_flops(depth: int, d_n: int, d_0: int, *, whitened: bool = True, block: int = 1) -> float:
    """Floating-point operations of :meth:`GramFactors.apply` on ``block`` output matrices.

    Per matrix: (N - 1) products of 2 d_N d_0^2 flops (the right factors R_2..R_N; R_1 too when
    not ``whitened``) and N - 1 of 2 d_N^2 d_0 (the left factors L_1..L_{N-1}); N = 1: 2 d_N d_0^2
    when not whitened, else 0.

    >>> product_flops(8, 256, 256) / 1e6   # 7 x 2 x 256^2 x 512
    469.762048
    """
    right = depth - 1 + (0 if whitened else 1)
    return 2.0 * d_n * d_0 * (right * d_0 + (depth - 1) * d_n) * block


def output_gram(weights: Sequence[Array], sigma_x: Array = None) -> Array:
    """The dense (d_N d_0, d_N d_0) output gram G = sum_k A_k A_k^T (kron) Sigma_x^{1/2} B_k^T B_k Sigma_x^{1/2}.

    Row-major vec (see the module docstring). ``sigma_x`` None means the identity.

    >>> import numpy as np
    >>> g = output_gram([np.array([[2.0]]), np.array([[3.0]])])   # H = g g^T, g = (3, 2)
    >>> float(g[0, 0])
    13.0
    """
    return gram_factors(weights, sigma_x).dense()


def hessian_trace(weights: Sequence[Array], sigma_x: Array = None) -> float:
    """tr H = sum_k ||A_k||_F^2 ||B_k Sigma_x^{1/2}||_F^2 (theory id output-gram-spectrum).

    Exact at every point, not only at minima: the residual term of the Hessian only
    couples different layers (L is quadratic in each single W_k), so its diagonal
    blocks, and hence its trace, vanish.

    >>> import numpy as np
    >>> hessian_trace([np.array([[2.0]]), np.array([[3.0]])])   # 3^2 + 2^2
    13.0
    """
    return gram_factors(weights, sigma_x).trace()
