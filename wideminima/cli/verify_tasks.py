"""``verify --workers K`` / ``--scheduler ADDRESS``: the claims as tasks of :mod:`wideminima.execution`.

One task per claim and seed shard (``--shards S``: S tasks per claim): (claim
source, claim id, profile, seed, claim files, the client's ``--out``, timeout,
``--examples``, the shard). The task is decided from these alone, by the engine's
:func:`~wideminima.property_tests.engine.verify_claim` - the same call, with the
same arguments, that a single-process run makes - and the client merges a claim's
shard rows in shard order with the engine's
:func:`~wideminima.property_tests.engine.merge_shards`, as a single-process run does;
so verdicts, example counts, worst margins and counterexample files are those of
``wideminima verify`` without workers. The work does not depend on the number of
workers.

A worker loads the claim from its source ("builtin" or the claim file's absolute
path; the file must exist at that path on the worker, e.g. on a shared file
system) and writes a counterexample into a scratch folder of its own; the file's
bytes come back with the row and the client writes them into its ``--out``
(atomically), so the paths in the row are the client's.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wideminima.atomic import atomic_open
from wideminima.errors import InputError
from wideminima.execution import Backend, run_tasks
from wideminima.property_tests.claims import Claim
from wideminima.property_tests.engine import ClaimResult, VerifyResult, merge_shards, reproduce_command, verify_claim
from wideminima.property_tests.loader import load_claim_file, package_claims
from wideminima.property_tests.mutants import SOURCE as WRONG_VARIANTS_SOURCE
from wideminima.property_tests.shards import WHOLE, Shard

__all__ = ["ClaimTask", "check_claim", "verify_on"]


@dataclass(frozen=True)
class ClaimTask:
    """Everything a worker needs to check one claim (picklable, no code)."""

    source: str
    claim_id: str
    profile: str
    seed: int
    files: tuple[str, ...]
    out_dir: str
    timeout: float | None = None
    examples: int | None = None
    shard: Shard = WHOLE


def _claims_of(source: str) -> list[Claim]:
    """The claims of a task's source: the package's own claims, or a claim file the user named on the command line.

    Sources come from the client's claims, never from a data file (a counterexample's
    recorded source is never imported: README, "Test your own conjecture").
    """
    return package_claims() if source in ("builtin", WRONG_VARIANTS_SOURCE) else load_claim_file(source)


def check_claim(task: ClaimTask) -> tuple[ClaimResult, dict[str, bytes]]:
    """Check one claim where this runs: its row (paths in the client's ``out_dir``) and its counterexample files."""
    matches = [c for c in _claims_of(task.source) if c.id == task.claim_id]
    if not matches:
        raise InputError(f"claim {task.claim_id}: not defined by {task.source} on this worker (edited since?)")
    with tempfile.TemporaryDirectory(prefix="wideminima-verify-") as scratch:
        row = verify_claim(matches[0], task.profile, task.seed, out_dir=scratch, files=task.files, timeout=task.timeout,
                           examples=task.examples, shard=task.shard)
        written = {p.name: p.read_bytes() for p in sorted(Path(scratch).iterdir())}
    if row.counterexample is not None:
        name = Path(row.counterexample["file"]).name
        client_path = str(Path(task.out_dir) / name)
        row.counterexample = {**row.counterexample, "file": client_path}
        row.reproduce = row.reproduce.replace(str(Path(scratch) / name), client_path)
    return row, written


def verify_on(backend: Backend, claims: Sequence[Claim], profile: str, seed: int, *, out_dir: str,
              files: Sequence[str] = (), on_result: Callable[[ClaimResult], None] | None = None,
              on_done: Callable[[int, int], None] | None = None, timeout: float | None = None,
              result: VerifyResult | None = None, examples: int | None = None,
              shards: Sequence[Shard] = (WHOLE,)) -> VerifyResult:
    """What :func:`~wideminima.property_tests.engine.verify` returns, with the claims' shards run on ``backend``.

    ``on_result(row)`` is called in claim order as soon as a claim's shards and all
    claims before it are in, and the merged row is appended to ``result`` then (so an
    interrupted caller holds every claim decided so far, in order); ``on_done(done,
    tasks)`` with the number of tasks (claim shards) finished so far and in all.
    ``timeout``, ``examples``, ``shards``: as in ``verify``.
    """
    start = time.perf_counter()
    result = result if result is not None else VerifyResult(profile, seed, shards=tuple(shards), examples=examples)
    tasks = [(ClaimTask(c.source, c.id, profile, seed, tuple(files), out_dir, timeout, examples, shard),)
             for c in claims for shard in shards]
    pieces: dict[int, ClaimResult] = {}  # task index -> its row
    shown = 0  # claims passed to on_result: 0 .. shown - 1
    per_claim = len(shards)

    def arrived(index: int, outcome: tuple[ClaimResult, dict[str, Any]]) -> None:
        nonlocal shown
        row, written = outcome
        for name, content in written.items():
            with atomic_open(Path(out_dir) / name, "wb") as handle:
                handle.write(content)
        pieces[index] = row
        if on_done is not None:
            on_done(len(pieces), len(tasks))
        while shown < len(claims) and all(shown * per_claim + j in pieces for j in range(per_claim)):
            merged = merge_shards([pieces[shown * per_claim + j] for j in range(per_claim)],
                                  reproduce_command(claims[shown], profile, seed, files, examples, str(per_claim)))
            result.claims.append(merged)
            result.seconds = time.perf_counter() - start
            if on_result is not None:
                on_result(merged)
            shown += 1

    # start order: costly claims (examples_scale < 1: every draw trains or optimizes) first, so that their
    # shards, the longest tasks, do not end the run alone; it never changes the results
    order = sorted(range(len(tasks)), key=lambda i: claims[i // per_claim].examples_scale)
    run_tasks(check_claim, tasks, backend, order=order, on_done=arrived)
    result.seconds = time.perf_counter() - start
    return result
