"""Symmetric eigenvalues at mpmath precision on NumPy object arrays: the one 50-digit path.

:func:`wideminima.symbolic.precise.precise_sharpness` (exact inputs, ``dps + 10``
working digits) and the 50-digit arithmetic of
``wideminima.property_tests.arithmetic`` (``MultiPrecision``, at ``mp.dps = 50``)
both form the output gram with :func:`wideminima.numeric.gram.gram_matrix` on
``mpmath.mpf`` entries and take its top eigenvalue here. Imports mpmath and NumPy
only (no SymPy). Theory id output-gram-spectrum.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import numpy.typing as npt

__all__ = ["mp_lambda_max", "mp_matrix"]


def mp_matrix(array: npt.ArrayLike) -> mpmath.matrix:
    """A 2-D array (float64, object array of mpf, nested lists) as an ``mpmath.matrix`` of mpf at the working precision."""
    return mpmath.matrix([[mpmath.mpf(x) for x in row] for row in np.asarray(array)])


def mp_lambda_max(symmetric: npt.ArrayLike) -> Any:
    """The largest eigenvalue of a symmetric matrix at mpmath's working precision (``mpmath.eigsy``).

    ``symmetric`` is an (n, n) NumPy object array of mpf (or anything :func:`mp_matrix`
    takes). It is symmetrized first, (S + S^T) / 2, which is exact and a no-op on an
    exactly symmetric matrix.

    >>> float(mp_lambda_max(np.array([[2.0, 1.0], [1.0, 2.0]])))
    3.0
    """
    s = np.asarray(symmetric)
    return max(mpmath.eigsy(mp_matrix((s + s.T) / 2), eigvals_only=True))
