"""Symbolic engine: closed-form Hessians, flattest minima, exact widths and certificates.

Public names are loaded on first use (PEP 562), so ``import wideminima.symbolic``
imports neither SymPy nor mpmath; ``from wideminima.symbolic import scalar_network``
loads only the module that defines it.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule defining it
_EXPORTS: dict[str, str] = {
    "ScalarNetwork": "scalar",
    "scalar_network": "scalar",
    "Derivation": "steps",
    "Step": "steps",
    "scalar_derivation": "derivations",
    "MatrixNetwork": "matrix",
    "matrix_network": "matrix",
    "output_gram": "matrix",
    "vec": "matrix",
    "kron": "matrix",
    "commutation_matrix": "matrix",
    "balanced_factorization": "balanced",
    "balanced_lambda_max": "balanced",
    "cayley_orthogonal": "balanced",
    "concrete_network": "matrix",
    "Width": "widths",
    "exact_width": "widths",
    "quadratic_width": "widths",
    "evaluate": "precise",
    "mp_lambda_max": "multiprecision",
    "mp_matrix": "multiprecision",
    "precise_flattest_sharpness": "precise",
    "precise_gradient": "precise",
    "precise_hessian": "precise",
    "precise_loss": "precise",
    "precise_output_gram": "precise",
    "precise_sharpness": "precise",
    "check_global_minimum": "exact",
    "rational_matrix": "exact",
    "matrix_derivation": "derivations",
    "Certificate": "certificates",
    "certify_lambda_max_above": "certificates",
    "certify_lambda_max_below": "certificates",
    "lambda_max_enclosure": "certificates",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
