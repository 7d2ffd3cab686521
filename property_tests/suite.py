"""Run a claim under pytest through the same engine as ``wideminima verify``.

The ``test_*.py`` files of this folder are one-line wrappers around
:func:`check_claim`, so ``pytest property_tests`` and ``wideminima verify`` decide
every claim identically: same strategies, same budgets, same certificates. The
Hypothesis profile is the active one (``--hypothesis-profile``, else
WIDEMINIMA_PROFILE, else ci under CI and dev otherwise); the seed is 0 under ci
and random (printed on failure) otherwise.
"""

from __future__ import annotations

import secrets

from .engine import verify_claim
from .loader import builtin_claims

__all__ = ["check_claim", "active_profile"]


def active_profile() -> str:
    """The name of the Hypothesis profile pytest loaded (dev, ci or thorough)."""
    from hypothesis import settings

    name = settings.get_current_profile_name()
    return name if name in ("dev", "ci", "thorough") else "dev"


def check_claim(claim_id: str, out_dir: str = "counterexamples") -> None:
    """Assert that the built-in claim ``claim_id`` is verified; the failure message says how to replay it."""
    claim = next(c for c in builtin_claims() if c.id == claim_id)
    profile = active_profile()
    seed = 0 if profile == "ci" else secrets.randbelow(2**31)
    row = verify_claim(claim, profile, seed, out_dir=out_dir)
    detail = row.message or (row.counterexample and f"counterexample {row.counterexample}")
    # a negative 50-digit margin that intervals could not certify makes the status "error", so this also
    # requires row.unconfirmed == 0
    assert row.status == "verified", f"{claim_id} {row.status} (profile {profile}, seed {seed}): {detail}; reproduce: {row.reproduce}"
