"""Hypothesis profiles: ``dev`` (fast, random), ``ci`` (deterministic), ``thorough`` (10x ci).

Each profile names its parent explicitly: a profile registered without one
inherits from whichever profile is active when it is registered (with CI set,
Hypothesis activates its own "ci" profile and "dev" would silently become
derandomized).

The active profile is chosen, in order, by pytest's ``--hypothesis-profile``,
the environment variable ``WIDEMINIMA_PROFILE``, ``ci`` when ``CI`` is set, and
``dev`` otherwise.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["PROFILES", "CI_EXAMPLES", "register_profiles", "default_profile_name"]

PROFILES = ("dev", "ci", "thorough")
# Examples per property in the ci profile; dev runs a fifth, thorough ten times as many.
CI_EXAMPLES = 50

# Instances are built constructively (no rejection), but some claims need a few
# linear-algebra calls per example; wall-clock deadlines only make runs flaky.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def register_profiles() -> None:
    """Register the three profiles (idempotent)."""
    default = settings.get_profile("default")
    settings.register_profile("dev", default, max_examples=CI_EXAMPLES // 5, **_COMMON)
    settings.register_profile(
        "ci", default, max_examples=CI_EXAMPLES, derandomize=True, print_blob=True, database=None, **_COMMON
    )
    settings.register_profile("thorough", default, max_examples=10 * CI_EXAMPLES, **_COMMON)


def default_profile_name() -> str:
    """The profile to use when none is named on the command line."""
    name = os.environ.get("WIDEMINIMA_PROFILE")
    if name:
        return name
    return "ci" if os.environ.get("CI") else "dev"


register_profiles()
