"""Hypothesis strategies for conjecture files: a re-export of :mod:`wideminima.property_tests.strategies`."""

from wideminima.property_tests.strategies import *  # noqa: F401,F403
from wideminima.property_tests.strategies import __all__  # noqa: F401
