"""Project-wide pytest set-up: register the Hypothesis profiles and pick one.

``--hypothesis-profile NAME`` (Hypothesis's own option) overrides the choice
made here from WIDEMINIMA_PROFILE / CI (see wideminima.property_tests.profiles).
"""

from hypothesis import settings

from wideminima.property_tests.profiles import default_profile_name

settings.load_profile(default_profile_name())
