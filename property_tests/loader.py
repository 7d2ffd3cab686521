"""Find claims: the built-in ones, the wrong variants, or those a user defines in a Python file.

A claim file is any Python file; every claim its ``@claim`` decorators register is
a claim, in the order of definition (two margin functions with the same Python name
both count). A :class:`~wideminima.property_tests.claims.Claim` built directly and
bound at the file's top level, or listed in a top-level ``CLAIMS``, counts too,
after the registered ones. A file that does not exist, fails to import or defines no
claim raises :class:`~wideminima.errors.InputError` with one line.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from wideminima.errors import InputError

from .claims import Claim, forget_claims, registered_claims

__all__ = ["builtin_claims", "load_claim_file", "claims_in", "load_source"]


def claims_in(module: ModuleType, source: str) -> list[Claim]:
    """The Claims ``module`` registered with @claim, then those bound at its top level or in its ``CLAIMS``
    (each once), every one marked with ``source``."""
    found: list[Claim] = registered_claims(module.__name__)
    for value in vars(module).values():
        if isinstance(value, Claim) and all(value is not c for c in found):
            found.append(value)
    for value in getattr(module, "CLAIMS", ()):
        if isinstance(value, Claim) and all(value.id != c.id for c in found):
            found.append(value)
    return [replace(c, source=source) for c in found]


def builtin_claims() -> list[Claim]:
    """One claim per result id of theorems.md, in its order."""
    # Kept inside the function: the built-in claims import Hypothesis, and ``import wideminima.property_tests``
    # promises NumPy as its only third-party import (hypothesis.strategies alone: 0.17 s, -X importtime).
    from .theorems import BUILTIN_CLAIMS

    return list(BUILTIN_CLAIMS)


def load_claim_file(path: str | Path) -> list[Claim]:
    """Import the user file ``path`` and return its claims (source = the absolute path)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder; give the claim files (Python files) themselves")
    if not p.is_file():
        raise InputError(f"{p}: no such claim file")
    name = f"_wideminima_claims_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise InputError(f"{p}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    forget_claims(name)  # a file loaded again registers its claims afresh
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from None
    except BaseException as exc:  # any failure of user code is their input error, in one line
        if isinstance(exc, KeyboardInterrupt):
            raise
        sys.modules.pop(name, None)
        forget_claims(name)
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(f"{p}: failed to import: {type(exc).__name__}: {first}") from None
    claims = claims_in(module, str(p.resolve()))
    if not claims:
        raise InputError(f"{p}: defines no claim (decorate a margin function with @claim from wideminima.property_tests)")
    ids = [c.id for c in claims]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"{p}: claim ids must be unique, repeated: {', '.join(duplicates)}")
    return claims


def load_source(source: str) -> list[Claim]:
    """Claims from a source recorded in a counterexample: "builtin", "module:NAME" or a file path."""
    if source == "builtin":
        return builtin_claims()
    if source.startswith("module:"):
        name = source[len("module:"):]
        return claims_in(importlib.import_module(name), source)
    return load_claim_file(source)
