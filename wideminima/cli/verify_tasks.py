"""``verify --workers K`` / ``--scheduler ADDRESS``: the claims as tasks of :mod:`wideminima.execution`.

One task per claim: (claim source, claim id, profile, seed, claim files, the
client's ``--out``). The task is decided from these alone, by the engine's
:func:`~wideminima.property_tests.engine.verify_claim` - the same call, with the
same arguments, that a single-process run makes - so verdicts, example counts and
worst margins are those of ``wideminima verify`` without workers. The work does
not depend on the number of workers: there is no seed sharding (the engine
searches a claim as one Hypothesis run).

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
from wideminima.property_tests.engine import ClaimResult, VerifyResult, verify_claim
from wideminima.property_tests.loader import load_claim_file, package_claims
from wideminima.property_tests.mutants import SOURCE as WRONG_VARIANTS_SOURCE

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
        row = verify_claim(matches[0], task.profile, task.seed, out_dir=scratch, files=task.files, timeout=task.timeout)
        written = {p.name: p.read_bytes() for p in sorted(Path(scratch).iterdir())}
    if row.counterexample is not None:
        name = Path(row.counterexample["file"]).name
        client_path = str(Path(task.out_dir) / name)
        row.counterexample = {**row.counterexample, "file": client_path}
        row.reproduce = row.reproduce.replace(str(Path(scratch) / name), client_path)
    return row, written


def verify_on(backend: Backend, claims: Sequence[Claim], profile: str, seed: int, *, out_dir: str,
              files: Sequence[str] = (), on_result: Callable[[ClaimResult], None] | None = None,
              on_done: Callable[[int], None] | None = None, timeout: float | None = None,
              result: VerifyResult | None = None) -> VerifyResult:
    """What :func:`~wideminima.property_tests.engine.verify` returns, with the claims run on ``backend``.

    ``on_result(row)`` is called in claim order as soon as a row and all before it
    are in, and the row is appended to ``result`` then (so an interrupted caller holds
    every claim decided so far, in order); ``on_done(count)`` with the number of claims
    finished so far. ``timeout``: per claim, as in ``verify``.
    """
    start = time.perf_counter()
    result = result if result is not None else VerifyResult(profile, seed)
    tasks = [(ClaimTask(c.source, c.id, profile, seed, tuple(files), out_dir, timeout),) for c in claims]
    rows: dict[int, ClaimResult] = {}
    shown = 0  # rows passed to on_result: 0 .. shown - 1

    def arrived(index: int, outcome: tuple[ClaimResult, dict[str, Any]]) -> None:
        nonlocal shown
        row, written = outcome
        for name, content in written.items():
            with atomic_open(Path(out_dir) / name, "wb") as handle:
                handle.write(content)
        rows[index] = row
        if on_done is not None:
            on_done(len(rows))
        while shown in rows:
            result.claims.append(rows[shown])
            result.seconds = time.perf_counter() - start
            if on_result is not None:
                on_result(rows[shown])
            shown += 1

    run_tasks(check_claim, tasks, backend, on_done=arrived)
    result.seconds = time.perf_counter() - start
    return result
