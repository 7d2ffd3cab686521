"""ARPACK (``scipy.sparse.linalg.eigsh``, the ``fast`` extra) on a :class:`SymmetricOperator`: NumPy only.

The implicitly restarted Lanczos of ARPACK, beside this toolkit's own thick-restart
Lanczos (:mod:`wideminima.numeric.lanczos`, which chooses between them). SciPy is
imported inside :func:`arpack_eigenpairs` only: it is an optional dependency.
"""

from __future__ import annotations

import numpy as np

from .operator import EigenResult, SymmetricOperator

__all__ = ["arpack_eigenpairs"]


def arpack_eigenpairs(
    operator: SymmetricOperator, k: int, which: str, tol: float, start: np.ndarray, max_products: int
) -> EigenResult:
    """The ``k`` eigenpairs of ``operator`` at the ``which`` end (``"largest"`` or ``"smallest"``).

    ARPACK's own criterion is ||r|| <= tol * |theta|; the residuals returned are
    recomputed explicitly (k more products). When ARPACK stops without converging,
    the Ritz pairs it has (possibly fewer than k, possibly none) come back with
    ``converged`` False.
    """
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    dim = operator.dim
    calls = [0]

    def counted(x: np.ndarray) -> np.ndarray:
        calls[0] += 1
        return operator.matvec(np.asarray(x, dtype=np.float64).reshape(-1))

    linear = LinearOperator((dim, dim), matvec=counted, dtype=np.float64)
    ncv = min(dim, max(2 * k + 1, 20))
    try:
        values, vectors = eigsh(
            linear, k=k, which="LA" if which == "largest" else "SA", v0=start, tol=tol, ncv=ncv,
            maxiter=max(1, max_products // ncv),
        )
        converged = True
    except ArpackNoConvergence as exc:
        values, vectors, converged = exc.eigenvalues, exc.eigenvectors, False
    order = np.argsort(-values if which == "largest" else values, kind="stable")
    values, vectors = values[order], vectors[:, order]
    residuals = np.array(
        [np.linalg.norm(operator.matvec(vectors[:, i]) - values[i] * vectors[:, i]) for i in range(len(values))]
    )
    return EigenResult(values, vectors, residuals, converged and len(values) == k, calls[0] + len(values), "arpack")
