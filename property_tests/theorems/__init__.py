"""The built-in claims: one module per result id of theorems.md, each written with :func:`~wideminima.property_tests.claim`.

Conventions shared by every claim here:

- Instances are :class:`~wideminima.property_tests.instances.Minimum` (or dicts
  holding one): float64 layers taken exactly, T defined as their exact product,
  so every instance is exactly a global minimum; Sigma_x = F F^T from a stored
  factor F.
- Margins are relative (divided by the natural scale: lambda_max, N s^(2-2/N), a
  norm), so one budget fits every size; the budgets are in :mod:`.budgets`.
- Refutations: every margin is written in ctx operations, so the engine
  certifies a refutation by evaluating it in interval arithmetic at the saved
  instance (lambda_max enclosed by an interval Rayleigh quotient and an interval
  Cholesky factorization, wideminima.symbolic.certificates); singular vectors are
  float64 witnesses, used only in forms that hold for every unit pair (u, v) with
  t = u^T T v > 0. Empirical claims say what they measure and how a refutation
  is (or is not) certified.

:data:`BUILTIN_CLAIMS` lists the claims the modules registered, in theorems.md's order.
"""

from __future__ import annotations

from dataclasses import replace

from ..claims import Claim, registered_claims
from . import (
    balanced_attains_bound,
    bilinear_lower_bound,
    coupling_at_flattest,
    gd_excess_sharpness,
    hessian_gauss_newton,
    near_balance,
    nonlinear_evidence,
    output_gram_spectrum,
    resnet_zero_init_flattest,
    scalar_closed_form,
    sharpness_lower_bound,
)
from .budgets import INTERVAL_CERTIFICATE, gram_budget, representation_tolerance
from .coupling_at_flattest import FLATTEST_LABELS, coupling_margin, coupling_relations
from .gd_excess_sharpness import GD_EXCESS_CONSTANT
from .near_balance import near_balance_margin

__all__ = [
    "BUILTIN_CLAIMS",
    "FLATTEST_LABELS",
    "GD_EXCESS_CONSTANT",
    "INTERVAL_CERTIFICATE",
    "coupling_margin",
    "coupling_relations",
    "gram_budget",
    "near_balance_margin",
    "representation_tolerance",
]

# theorems.md's order of the result ids
_MODULES = (
    hessian_gauss_newton,
    output_gram_spectrum,
    bilinear_lower_bound,
    sharpness_lower_bound,
    balanced_attains_bound,
    scalar_closed_form,
    resnet_zero_init_flattest,
    gd_excess_sharpness,
    near_balance,
    coupling_at_flattest,
    nonlinear_evidence,
)

BUILTIN_CLAIMS: list[Claim] = [replace(c, source="builtin") for module in _MODULES
                               for c in registered_claims(module.__name__)]
