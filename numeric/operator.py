"""Symmetric linear operators given by their product, and the eigenpairs solvers return for them.

The eigensolvers (:mod:`wideminima.numeric.lanczos`, :mod:`wideminima.numeric.arpack`)
take any object with the four members of :class:`SymmetricOperator`; a plain product
function becomes one through :class:`MatvecOperator`. Vectors are 1-D arrays of
shape (dim,) in the operator's array-API namespace, float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import array_namespace, eye_like

__all__ = ["SymmetricOperator", "MatvecOperator", "EigenResult"]


@runtime_checkable
class SymmetricOperator(Protocol):
    """A symmetric linear map A of R^dim, known through its product v -> A v.

    ``namespace`` is the array-API namespace of the vectors ``matvec`` takes and
    returns; ``dense()`` is the (dim, dim) matrix of A in that namespace (solvers
    call it only for small ``dim``).
    """

    @property
    def dim(self) -> int: ...

    @property
    def namespace(self) -> Any: ...

    def matvec(self, vector: Array) -> Array: ...

    def dense(self) -> Array: ...


@dataclass(frozen=True)
class MatvecOperator:
    """The :class:`SymmetricOperator` of a product function ``product`` (vector (dim,) -> (dim,)).

    ``like``: an array whose namespace and device the vectors have (None: NumPy).
    ``dense()`` assembles the matrix column by column (``dim`` products) and
    symmetrizes it, (A + A^T) / 2, which removes the rounding asymmetry of the products.

    >>> import numpy as np
    >>> op = MatvecOperator(lambda v: 2.0 * v, 3)
    >>> op.dim, op.namespace is np, op.dense().tolist()[0]
    (3, True, [2.0, 0.0, 0.0])
    """

    product: Callable[[Array], Array]
    dim: int
    like: Array | None = None

    def __post_init__(self) -> None:
        if isinstance(self.dim, bool) or not isinstance(self.dim, (int, np.integer)) or self.dim < 1:
            raise InputError(f"dim must be an integer >= 1, got {self.dim!r}")

    @property
    def namespace(self) -> Any:
        return np if self.like is None else array_namespace(self.like)

    def matvec(self, vector: Array) -> Array:
        return self.product(vector)

    def dense(self) -> Array:
        xp = self.namespace
        identity = eye_like(xp, self.dim, self.like)
        a = xp.stack([self.product(identity[:, i]) for i in range(self.dim)], axis=1)
        return (a + a.T) / 2


@dataclass(frozen=True)
class EigenResult:
    """k extreme eigenpairs of a symmetric operator.

    Attributes
    ----------
    values : (k,) NumPy array, ordered from the requested end inwards (descending
        for ``which="largest"``, ascending for ``"smallest"``).
    vectors : (dim, k) array in the operator's namespace and the start vector's device, orthonormal columns.
    residuals : (k,) NumPy array, ||A v_i - values_i v_i||.
    converged : whether every residual met the tolerance.
    products : number of ``matvec`` calls made (``"dense"`` counts ``dim``, one assembly by columns).
    method : the eigensolver that ran: ``"dense"``, ``"lanczos"`` or ``"arpack"``.
    """

    values: np.ndarray
    vectors: Array
    residuals: np.ndarray
    converged: bool
    products: int
    method: str
