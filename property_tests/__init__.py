"""Claims, strategies and the verify engine; the built-in claims of theorems.md (one module per id in :mod:`.theorems`).

Public API (what a conjecture file needs):

- :func:`claim` (decorator) and :class:`Claim`: define a claim by its margin function;
- :mod:`wideminima.strategies` (= :mod:`wideminima.property_tests.strategies`):
  Hypothesis strategies of targets, covariances, global minima, trained ResNets;
- :class:`Minimum`: the instance type of the minima strategies;
- :mod:`wideminima.property_tests.quantities`: sharpness, s, N s^(2-2/N), ... in any arithmetic;
- :func:`verify`, :func:`replay`: run claims from Python (what ``wideminima verify`` does);
- :func:`minimize_over_minima`: the best value of a quantity over the minima of a target.

Importing it loads NumPy only (Hypothesis, mpmath and SciPy are imported when used).
"""

from .claims import Claim, claim
from .engine import ClaimResult, VerifyResult, evaluate, replay, verify, verify_claim
from .instances import Minimum
from .loader import builtin_claims
from .search import Optimum, minimize_over_minima

__all__ = [
    "Claim",
    "ClaimResult",
    "Minimum",
    "Optimum",
    "VerifyResult",
    "builtin_claims",
    "claim",
    "evaluate",
    "minimize_over_minima",
    "replay",
    "verify",
    "verify_claim",
]
