"""Read a counterexample file (``verify --replay``) as data only, whatever it holds.

A counterexample is a file people share, so it is read like any hostile input: the
arrays through :func:`wideminima.io.read_npz` (real numbers only, sizes checked, no
pickle), the metadata and layout as JSON whose every field is type-checked. Nothing
recorded in the file chooses code to run: the ``source`` it names is only reported;
the claim is looked up among the built-in claims or the claim files given on the
command line (``wideminima verify CLAIMS.py --replay FILE.npz``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wideminima.errors import InputError
from wideminima.io import read_npz

from .instances import decode

__all__ = ["read_counterexample"]

_TEXT = frozenset({"__meta__", "__layout__"})


def read_counterexample(path: str | Path) -> tuple[dict[str, Any], Any]:
    """(metadata, instance) of a file written by ``save_counterexample``; one-line InputError if damaged.

    The metadata is a JSON object with a string ``claim``; ``seed`` (an int >= 0), ``profile``
    and ``source`` (strings) when present.
    """
    p = Path(path)
    arrays = read_npz(p, text=_TEXT)
    if not _TEXT <= set(arrays):
        raise InputError(f"{p}: not a counterexample file written by wideminima verify (no __meta__ and __layout__)")
    meta_text, layout = arrays.pop("__meta__"), arrays.pop("__layout__")
    if meta_text.dtype.kind != "U" or layout.dtype.kind != "U":
        raise InputError(f"{p}: damaged counterexample: __meta__ and __layout__ must be text")
    try:
        meta = json.loads(str(meta_text))
    except (ValueError, RecursionError):
        raise InputError(f"{p}: damaged counterexample metadata (not JSON)") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("claim"), str):
        raise InputError(f"{p}: damaged counterexample metadata (no claim id)")
    seed = meta.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"{p}: damaged counterexample metadata (seed {seed!r} is not an integer >= 0)")
    for key in ("profile", "source"):
        if key in meta and not isinstance(meta[key], str):
            raise InputError(f"{p}: damaged counterexample metadata ({key} is not text)")
    try:
        instance = decode(str(layout), arrays)
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from None
    except (RecursionError, AttributeError, TypeError, ValueError, KeyError, IndexError, OverflowError):
        raise InputError(f"{p}: damaged counterexample: the saved instance cannot be rebuilt") from None
    return meta, instance
