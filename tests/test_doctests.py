"""Run the docstring examples of every wideminima module (the doctest is the specification).

pytest's --doctest-modules cannot be used: the source folders are mapped into the
``wideminima`` namespace and would be imported under the wrong names.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest


PACKAGES = ("wideminima", "wideminima.symbolic", "wideminima.numeric", "wideminima.property_tests", "wideminima.report")
# Modules that may be missing because they come with an optional extra.
OPTIONAL = {"torch", "cupy", "scipy", "matplotlib", "sklearn", "array_api_compat", "array_api_strict"}


def _modules() -> list[str]:
    names = set(PACKAGES)
    for package in PACKAGES:
        path = importlib.import_module(package).__path__
        for info in pkgutil.walk_packages(path, package + "."):
            if ".test_" in info.name or info.name.endswith(("__main__", "conftest")):
                continue
            names.add(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_doctests(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in OPTIONAL:
            raise
        pytest.skip(f"{name} needs the optional module {exc.name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
