"""``wideminima verify``: check the built-in claims, or those of your files, and certify refutations.

    wideminima verify [CLAIM_FILE ...] [--profile dev|ci|thorough] [--seed N] [--json]
                      [--claim ID ...] [--out DIR] [--replay COUNTEREXAMPLE.npz]
                      [--timeout SECONDS] [--coverage] [--workers K | --scheduler ADDRESS]
                      [--examples N] [--shards S | --shard s/S]

``--examples N`` sets each claim's examples (times its examples_scale, as the profile's
are); ``--shards S`` splits each claim's search into S independent seed shards, run one
after the other here or as separate tasks on ``--workers``/``--scheduler`` (the same
rows either way); ``--shard s/S`` searches only shard s (what a sharded counterexample's
``search`` command runs). See :mod:`wideminima.property_tests.shards`.

``--replay`` re-decides a saved counterexample with the package's claims or the claim
files given; it never imports the ``source`` recorded in the file (a data file never
chooses code to run). Claim files are executed as Python.

Exit status, the first that applies: 1 a claim refuted (interval-certified), 2 bad
usage or input (a claim file that does not import or defines no claim, an unknown
claim id, a margin that is not a real number) or a claim that could not be checked
(status "error"), 3 a claim violated in float64 only (status "violated-float64",
exact=False claims), 4 a claim inconclusive (negative margins below the arithmetic's
resolution), 5 a claim timed out; 0 every claim verified. Interrupted (SIGINT,
SIGTERM): 130 / 143, after printing what was decided (with --json, the JSON of the
claims finished so far, with "interrupted": the signal's name).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import secrets
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from wideminima.atomic import check_output_path
from wideminima.errors import InputError
from wideminima.execution import Backend
from wideminima.progress import ProgressBar
from wideminima.property_tests.display import format_coverage, format_header, format_row, format_summary
from wideminima.property_tests.engine import VerifyResult, load_counterexample, replay, shard_examples, verify
from wideminima.property_tests.loader import builtin_claims, load_claim_file, package_claims
from wideminima.property_tests.profiles import default_profile_name
from wideminima.property_tests.shards import Shard, check_shard_count, parse_shard

from .execution_options import add_execution_options, backend_from
from .verify_tasks import verify_on

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add verify's arguments."""
    parser.add_argument("files", nargs="*", metavar="CLAIM_FILE",
                        help="Python files defining claims with @claim (default: the built-in theorem claims)")
    parser.add_argument("--profile", choices=("dev", "ci", "thorough"), default=None,
                        help="Hypothesis profile: examples per claim and determinism (default: $WIDEMINIMA_PROFILE, "
                             "else ci when CI is set, else dev)")
    parser.add_argument("--seed", type=int, default=None,
                        help="search seed (default 0 for ci, random otherwise; always reported)")
    parser.add_argument("--claim", action="append", default=[], metavar="ID", help="check only this claim (repeatable)")
    parser.add_argument("--out", default="counterexamples", metavar="DIR",
                        help="folder for counterexample .npz files (default ./counterexamples)")
    parser.add_argument("--replay", default=None, metavar="NPZ",
                        help="re-decide one saved counterexample instead of searching")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="per claim (per shard with --shards): stop its search after SECONDS (status timeout, "
                             "with the counts so far)")
    parser.add_argument("--coverage", action="store_true",
                        help="after each claim, the strata it reached: examples and worst float64 margin per stratum "
                             "(the JSON always has them, as 'coverage')")
    parser.add_argument("--examples", type=int, default=None, metavar="N",
                        help="examples per claim instead of the profile's (times the claim's examples_scale)")
    sharding = parser.add_mutually_exclusive_group()
    sharding.add_argument("--shards", type=int, default=1, metavar="S",
                          help="split each claim's search into S independent seed shards (default 1: unsharded); "
                               "the same rows on one process, --workers or --scheduler")
    sharding.add_argument("--shard", default=None, metavar="s/S",
                          help="search only shard s of S (0-based), e.g. the shard that found a counterexample")
    add_execution_options(parser, "this process only")
    parser.set_defaults(run=run)


class _Interrupted(BaseException):
    """SIGTERM (SIGINT arrives as KeyboardInterrupt)."""


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _select(claims: list[Any], wanted: list[str]) -> list[Any]:
    if not wanted:
        return claims
    known = {c.id for c in claims}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError(f"--claim {unknown[0]}: no such claim; known: {', '.join(sorted(known))}")
    return [c for c in claims if c.id in wanted]


def _claim_progress(bar: ProgressBar, total: int) -> Callable[[int, Any], Callable[[int, int], None] | None]:
    """``on_claim`` for :func:`verify`: claim i's ``update(done, planned)`` moves ``bar`` through [i, i + 1]."""

    def on_claim(index: int, claim: Any) -> Callable[[int, int], None] | None:
        if not bar.enabled:
            return None

        def update(done: int, planned: int) -> None:
            fraction = done / planned if planned else 0.0
            bar.update(index + fraction, f"[{index + 1}/{total}] {claim.id}: {done}/{planned} examples", force=True)

        update(0, 0)
        return update

    return on_claim


def _replay(path: str, claims: list[Any] | None, files: list[str]) -> Any:
    """Replay ``path`` with the claim files given (else this package's claims, by id): never the ``source`` the
    file records, since a shared data file must not choose code to run. A file that cannot be
    re-decided (damaged, or its instance does not fit the claim) is an input error: one line, exit 2."""
    try:
        meta, _ = load_counterexample(path)
    except InputError as exc:
        raise InputError(f"--replay {exc}") from None
    if claims is None:
        claims = package_claims()
        if meta["claim"] not in {c.id for c in claims}:
            raise InputError(f"--replay {path}: counterexample to claim {meta['claim']!r} ({meta.get('source', '?')}), "
                             "not one of this package's claims; give its claim file first (wideminima verify "
                             f"CLAIMS.py --replay {path}); claim files run as Python, so read one before you use it")
    result = replay(path, claims, files=files)
    row = result.claims[0]
    if str(row.status) == "error":
        raise InputError(f"--replay {path}: cannot re-decide claim {row.id}: {row.message}")
    return result


def run(args: argparse.Namespace) -> int:
    """Run verify as the arguments say; return the exit status."""
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed must be an integer >= 0, got {args.seed}")
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise InputError(f"--timeout {args.timeout:g}: must be a number of seconds > 0")
    profile = args.profile or default_profile_name()
    if profile not in ("dev", "ci", "thorough"):
        raise InputError(f"profile={profile!r} (from WIDEMINIMA_PROFILE) must be dev, ci or thorough")
    if args.examples is not None and args.examples < 1:
        raise InputError(f"--examples {args.examples}: must be an integer >= 1")
    count = check_shard_count(args.shards)
    shards = [parse_shard(args.shard)] if args.shard is not None else [Shard(s, count) for s in range(count)]
    backend = backend_from(args, Backend.serial())
    if args.replay is not None and backend.kind != "serial":
        raise InputError("--replay decides one saved file in this process; drop --workers/--scheduler")
    if args.replay is not None and (args.examples is not None or args.shard is not None or count > 1):
        raise InputError("--replay decides one saved file; drop --examples/--shards/--shard")
    claims = [c for f in args.files for c in load_claim_file(f)] if args.files else None
    if args.replay is not None:
        result = _replay(args.replay, claims, args.files)
    else:
        check_output_path(args.out, folder=True, option="--out")  # fail before searching, not at the first save
        claims = _select(claims if claims is not None else builtin_claims(), args.claim)
        for c in claims:  # more shards than a claim's examples: say so before searching anything
            shard_examples(c, profile, args.examples, shards[0])
        seed = args.seed if args.seed is not None else (0 if profile == "ci" else secrets.randbelow(2**31))
        bar = ProgressBar(len(claims), enabled=not args.json)
        if not args.json:
            print(f"wideminima verify: {len(claims)} claim(s), profile {profile}, seed {seed}", file=sys.stderr)
            print(format_header(), flush=True)

        def on_result(row: Any) -> None:
            bar.clear()
            if not args.json:
                print(format_row(row), flush=True)
                if args.coverage:
                    print(format_coverage(row), flush=True)

        result = VerifyResult(profile, seed, shards=tuple(shards), examples=args.examples)
        try:
            with _sigterm_raises():
                if backend.kind == "serial":
                    verify(claims, profile, seed, out_dir=args.out, files=args.files,
                           on_claim=_claim_progress(bar, len(claims)), on_result=on_result, timeout=args.timeout,
                           result=result, examples=args.examples, shards=shards)
                else:  # one task per claim shard on the workers; the same rows (wideminima.cli.verify_tasks)
                    tasks = len(claims) * len(shards)
                    bar.update(0, f"0/{tasks} tasks on {backend.describe()}", force=True)
                    verify_on(backend, claims, profile, seed, out_dir=args.out, files=args.files, on_result=on_result,
                              on_done=lambda n, all_: bar.update(n * len(claims) / all_,
                                                                 f"{n}/{all_} tasks on {backend.describe()}",
                                                                 force=True),
                              timeout=args.timeout, result=result, examples=args.examples, shards=shards)
        except (KeyboardInterrupt, _Interrupted) as stop:
            bar.clear()
            name = "SIGINT" if isinstance(stop, KeyboardInterrupt) else "SIGTERM"
            if args.json:
                print(json.dumps({**result.as_json(), "interrupted": name}), flush=True)
            else:
                print(f"{format_summary(result)}; interrupted by {name} after {len(result.claims)} of "
                      f"{len(claims)} claim(s)", flush=True)
            return 130 if name == "SIGINT" else 143
    if args.json:
        print(json.dumps(result.as_json()))
    else:
        if args.replay is not None:
            print(format_header())
            print(format_row(result.claims[0]))
        print(format_summary(result))
    return result.exit_code
