"""Seed shards of a claim's search: which seed and how many examples shard s of S gets.

``verify --shards S`` splits each claim's search into S independent searches (the
engine's :func:`~wideminima.property_tests.engine.verify_claim` with ``shard=Shard(s, S)``),
whose rows the engine merges in shard order (:func:`~wideminima.property_tests.engine.merge_shards`).
A shard is fixed by (run seed, s, S) and the claim's total examples alone, never by the
number of workers, so a sharded run gives the same rows on one process, on local
worker processes and on a Dask cluster, and one shard can be rerun alone (``--shard s/S``).

- Seed: shard 0 searches with the run seed itself (so ``--shards 1`` is the unsharded
  search, unchanged); shard s >= 1 with the first 32-bit word of
  ``numpy.random.SeedSequence([seed, s]).generate_state(1)``.
- Examples: the claim's total n (profile or ``--examples``, times ``examples_scale``)
  split as evenly as possible, the first n mod S shards one more: n // S + (s < n % S).
  The shares sum to n exactly; S > n is an input error (a shard of no examples).

>>> [Shard(s, 3).share(10) for s in range(3)]
[4, 3, 3]
>>> Shard(0, 4).seed(7), Shard(1, 4).seed(7) == Shard(1, 8).seed(7)
(7, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wideminima.errors import InputError

__all__ = ["Shard", "parse_shard", "check_shard_count", "WHOLE"]


def check_shard_count(count: object, option: str = "--shards") -> int:
    """``count`` if it is an integer >= 1; else a one-line InputError naming ``option``."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise InputError(f"{option} {count}: must be an integer >= 1")
    return int(count)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (0-based) of ``count`` independent searches of one claim."""

    index: int
    count: int

    def __post_init__(self) -> None:
        check_shard_count(self.count)
        if isinstance(self.index, bool) or not isinstance(self.index, int) or not 0 <= self.index < self.count:
            raise InputError(f"--shard {self.index}/{self.count}: the shard must be in 0..{self.count - 1}")

    def seed(self, run_seed: int) -> int:
        """This shard's search seed (module docstring): the run seed for shard 0, else derived from (seed, index)."""
        if self.index == 0:
            return run_seed
        return int(np.random.SeedSequence([run_seed, self.index]).generate_state(1)[0])

    def share(self, total: int) -> int:
        """This shard's examples of a claim's ``total``; InputError if there are more shards than examples."""
        if self.count > total:
            raise InputError(f"--shards {self.count}: more shards than the claim's {total} example(s); "
                             "use fewer shards or more --examples")
        return total // self.count + (self.index < total % self.count)

    @property
    def label(self) -> str:
        """``"s/S"``, as ``--shard`` takes it."""
        return f"{self.index}/{self.count}"


WHOLE = Shard(0, 1)  # the unsharded search


def parse_shard(text: str) -> Shard:
    """``"s/S"`` (``--shard``) as a :class:`Shard`; a one-line InputError if it is not of that form."""
    head, slash, tail = text.partition("/")
    if not (slash and head.strip().isdigit() and tail.strip().isdigit() and int(head) < int(tail)):
        raise InputError(f"--shard {text}: must be s/S, shard s of S with 0 <= s < S, e.g. 3/8")
    return Shard(int(head), int(tail))
