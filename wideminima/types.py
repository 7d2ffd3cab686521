"""Type aliases shared by every layer.

``Array`` types an array argument of any namespace that follows the Python array
API (NumPy, PyTorch, CuPy, array-api-strict): the code obtains the namespace at
run time (:func:`wideminima.numeric._backend.array_namespace`), so the static type
cannot be narrower than "an object with the array-API methods". Where a function
says so, it also accepts NumPy object arrays of exact or multi-precision numbers
(:func:`wideminima.numeric.gram.gram_matrix`). The alias names
that intent where ``Any`` would say nothing; NumPy-only arguments are typed
``numpy.ndarray``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

__all__ = ["Array"]

Array: TypeAlias = Any
