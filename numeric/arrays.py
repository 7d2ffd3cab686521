"""The type name for arrays in the namespace-generic numeric engine (no runtime effect).

``Array`` is an array of any namespace that follows the Python array API (NumPy,
PyTorch, CuPy, array-api-strict; see :mod:`wideminima.numeric._backend`), or a NumPy
object array of exact / multi-precision numbers where a function says so
(:func:`wideminima.numeric.gram.gram_matrix`). There is no common static type for
these, so the alias is ``Any`` with a name that says what is meant; functions that
take or return NumPy only are annotated with ``numpy.ndarray``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

__all__ = ["Array"]

Array: TypeAlias = Any
