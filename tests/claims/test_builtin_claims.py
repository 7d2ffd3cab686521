"""Every built-in claim (one per theorems.md id), decided by the verify engine under the active Hypothesis profile.

The same engine as ``wideminima verify``: same strategies, budgets and
certificates. The profile is the one pytest loaded (``--hypothesis-profile``,
else WIDEMINIMA_PROFILE, else ci under CI and dev otherwise); the seed is 0 under
ci and random (printed on failure) otherwise.
"""

from __future__ import annotations

import secrets

import pytest
from hypothesis import settings

from wideminima.property_tests import Claim, builtin_claims, verify_claim
from wideminima.property_tests.profiles import PROFILES


def active_profile() -> str:
    """The name of the Hypothesis profile pytest loaded (dev, ci or thorough)."""
    name = settings.get_current_profile_name()
    return name if name in PROFILES else "dev"


@pytest.mark.parametrize("claim", builtin_claims(), ids=lambda c: c.id)
def test_builtin_claim_is_verified(claim: Claim) -> None:
    profile = active_profile()
    seed = 0 if profile == "ci" else secrets.randbelow(2**31)
    row = verify_claim(claim, profile, seed, out_dir="counterexamples")
    detail = row.message or (row.counterexample and f"counterexample {row.counterexample}")
    # a negative margin that intervals could not certify makes the status "inconclusive", so this also
    # requires row.unconfirmed == 0
    assert row.status == "verified", f"{claim.id} {row.status} (profile {profile}, seed {seed}): {detail}; reproduce: {row.reproduce}"
