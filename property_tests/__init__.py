"""Claims, strategies and the verify engine; one pytest suite per claim of theory.md.

Public API (what a conjecture file needs):

- :func:`claim` (decorator) and :class:`Claim`: define a claim by its margin function;
- :mod:`wideminima.strategies` (= :mod:`wideminima.property_tests.strategies`):
  Hypothesis strategies of targets, covariances, global minima, trained ResNets;
- :class:`Minimum`: the instance type of the minima strategies;
- :mod:`wideminima.property_tests.quantities`: sharpness, s, N s^(2-2/N), ... in any arithmetic;
- :func:`verify`, :func:`replay`: run claims from Python (what ``wideminima verify`` does);
- :func:`minimize_over_minima`: the best value of a quantity over the minima of a target.

Submodules are imported on first use, so ``import wideminima.property_tests`` is light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "Claim": "claims",
    "claim": "claims",
    "Minimum": "instances",
    "verify": "engine",
    "verify_claim": "engine",
    "replay": "engine",
    "evaluate": "engine",
    "VerifyResult": "engine",
    "ClaimResult": "engine",
    "minimize_over_minima": "search",
    "Optimum": "search",
    "builtin_claims": "loader",
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
