"""The verify engine: search each claim, settle doubtful margins exactly, certify refutations.

For every instance the search draws, the margin m is computed in float64 and
compared with the claim's error budget b (relative, documented per claim):

1. m >= b: the claim holds on the instance (m's float64 error is below b).
2. m < b: m is re-evaluated at 50 digits (mpmath, :class:`MultiPrecision`). If
   that value is >= -MP_ACCURACY the claim holds (float64 noise, never reported
   as a refutation); the 50-digit value is what the report shows.
3. Otherwise the margin is evaluated in interval arithmetic (:class:`Interval`),
   which proves an enclosure of the exact margin of the saved float64 instance.
   Only if its upper end is < 0 is the instance a refutation; it is shrunk to a
   small one, saved (.npz, atomically) with a command that replays it. A negative
   50-digit margin that intervals cannot confirm is "unconfirmed": below the
   arithmetic's resolution, never a refutation; a claim with such instances and no
   refutation is ``inconclusive``. A float64 margin below -budget that exact
   arithmetic contradicts means the budget is wrong: status ``error``.

A strict claim (``strict=True``: the margin must be > 0) holds on an instance only
when m >= b or the interval enclosure's lower end is > 0; an upper end <= 0 refutes
it, an enclosure containing 0 is unconfirmed.

Claims whose margin cannot run outside float64 (``exact=False``, empirical laws
measured on training runs) skip steps 2-3: a margin below -b makes the claim
``violated-float64`` (float64 evidence, never called refuted).

The search, per claim, with n the profile's examples (times ``examples_scale``):

- Hypothesis draws n instances (generate and target phases; its shrinker is off,
  since its cost is unbounded), with one ``hypothesis.target`` per stratum
  (:mod:`~wideminima.property_tests.strata`), so that trivial instances whose
  margin is exactly 0 cannot capture the steering of the others;
- coverage: every stratum of a pool of 3n further draws is evaluated at least
  max(1, n // 50) times, least-covered first, n evaluations in all (skipped for
  claims with ``examples_scale < 1``, whose every draw is costly);
- adversarial descent: 2n evaluations of a local search on the continuous choices
  of the worst instances of distinct strata (:mod:`~wideminima.property_tests.adversary`);
  margins these phases find within the budget are escalated lowest first;
- a refutation found anywhere is simplified (greedy, n + 50 tries), then certified.

Seed shards (``verify --shards S``, :mod:`~wideminima.property_tests.shards`): the search
above runs S times, shard s with its own seed and its share of the n examples (the
shares sum to n), each shard with its own Hypothesis run, coverage pool (of 3 x its
share) and descent. :func:`merge_shards` makes one row of a claim's shard rows, in
shard order: examples, escalations and unconfirmed counts summed, the worst margin
the minimum (the JSON names the shard), coverage merged per stratum, the status the
first of refuted, error, violated-float64, inconclusive, timeout, verified that a
shard has (the order of the exit codes), the counterexample that of the lowest-index
shard with one. The evidence is the same number of evaluated instances as one search
of n, spent on S independent searches of n/S (each hill-climbs and descends from
fewer starts); ``--shards 1`` is the unsharded search.

Statuses (:class:`ClaimStatus`) and exit codes are in :attr:`VerifyResult.exit_code`.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np

from wideminima.errors import InputError
from wideminima.io import save_npz

from .arithmetic import FLOAT64, Interval, MultiPrecision, upper_end
from .claims import Claim
from .adversary import Candidate, descend, explore, no_local_constants, simplify
from .counterexample_file import read_counterexample
from .instances import encode
from .shards import WHOLE, Shard
from .strata import NO_STRATUM, Coverage, merge_coverage, stratum_of

__all__ = ["Verdict", "ClaimStatus", "Evaluation", "ClaimResult", "VerifyResult", "evaluate", "verify",
           "verify_claim", "replay", "merge_shards", "claim_examples", "shard_examples",
           "reproduce_command", "MP_ACCURACY", "EXIT_CODES"]

# A 50-digit evaluation of a margin of condition <= 1e15 is accurate to ~1e-35;
# a 50-digit margin above -1e-30 is treated as zero (float64 noise), one below as a
# candidate refutation that intervals must confirm.
MP_ACCURACY = 1e-30


class Verdict(StrEnum):
    """The verdict on one instance (:class:`Evaluation`); ``candidate`` and ``doubtful`` only during the search."""

    HOLDS = "holds"
    REFUTED = "refuted"
    UNCONFIRMED = "unconfirmed"
    CANDIDATE = "candidate"
    DOUBTFUL = "doubtful"


class ClaimStatus(StrEnum):
    """The status of a claim after a run (:class:`ClaimResult`; the strings are those of the verify JSON)."""

    VERIFIED = "verified"
    REFUTED = "refuted"  # an instance whose exact margin an interval enclosure proves negative
    VIOLATED_FLOAT64 = "violated-float64"  # float64 evidence only (exact=False claims), not certified
    INCONCLUSIVE = "inconclusive"  # negative margins below the arithmetic's resolution, no refutation
    TIMEOUT = "timeout"  # --timeout reached: the counts are partial
    ERROR = "error"


# Exit status of `wideminima verify`: the first that applies, in this order.
EXIT_CODES = {ClaimStatus.REFUTED: 1, ClaimStatus.ERROR: 2, ClaimStatus.VIOLATED_FLOAT64: 3,
              ClaimStatus.INCONCLUSIVE: 4, ClaimStatus.TIMEOUT: 5}
# The status of a claim whose shards differ: the first a shard has, in the order of the exit codes.
STATUS_PRECEDENCE = (*EXIT_CODES, ClaimStatus.VERIFIED)

INCONCLUSIVE_HINT = ("below the arithmetic's resolution: state a rounding tolerance in the margin (as the built-in "
                     "equality claims do) or check exact instances (exact_balanced_minima: dyadic singular values, "
                     "signed-permutation frames)")


class MarginTypeError(InputError):
    """A margin function returned something that is not a real scalar."""


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one instance: ``holds``, ``refuted`` (certified) or ``unconfirmed``."""

    status: Verdict
    margin: float
    float_margin: float
    budget: float
    digits: Literal["float64", "mp50"] = "float64"
    enclosure: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The evidence as JSON-ready numbers (saved in a counterexample and shown in the report)."""
        return {"margin": self.margin, "float64_margin": self.float_margin, "budget": self.budget,
                "evaluated_in": self.digits, "enclosure": list(self.enclosure) if self.enclosure else None}


def _scalar(claim: Claim, value: Any, where: str) -> Any:
    """``value`` if it is a real scalar of some arithmetic; else a one-line MarginTypeError naming the claim."""
    kind = None
    if value is None:
        kind = "None"
    elif isinstance(value, (bool, np.bool_)):
        kind = f"a bool ({value}): return a number that is >= 0 exactly when the claim holds, e.g. a - b, not a >= b"
    elif isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _scalar(claim, value[()], where)
        kind = f"an array of shape {value.shape}: reduce it to one number (e.g. ctx.minimum of the terms)"
    elif isinstance(value, (complex, np.complexfloating)) or "mpc" in type(value).__name__:
        kind = f"a complex number ({value})"
    elif isinstance(value, (str, bytes, list, tuple, dict)):
        kind = f"a {type(value).__name__}"
    if kind is not None:
        raise MarginTypeError(f"claim {claim.id}: the margin must be a real number, but in {where} it returned {kind}")
    return value


def _finite(claim: Claim, value: Any, where: str) -> float:
    f = float(_scalar(claim, value, where))
    if not math.isfinite(f):
        raise ArithmeticError(f"claim {claim.id}: the margin is {f} in {where}")
    return f


def _exact_margin(claim: Claim, instance: Any, ctx: Any) -> Any:
    """The margin in 50-digit or interval arithmetic; a failure there names the likely cause."""
    try:
        return _scalar(claim, claim.margin(instance, ctx), f"{ctx.name} arithmetic")
    except MarginTypeError:
        raise
    except (TypeError, AttributeError, ValueError, np.linalg.LinAlgError) as exc:
        raise TypeError(f"the margin failed in {ctx.name} arithmetic ({type(exc).__name__}: {exc}); write it with "
                        "ctx operations (ctx.array, ctx.sqrt, ctx.lambda_max, ...) or declare the claim exact=False") \
            from exc


def evaluate(claim: Claim, instance: Any, *, certify: bool = True, escalate: bool = True) -> Evaluation:
    """Decide the claim on one instance, escalating precision as the module docstring says.

    With ``certify=False`` (used while Hypothesis shrinks) a float64 margin below
    -budget is returned as ``candidate`` without the 50-digit and interval steps:
    the budget bounds the float64 error, so the sign is already right; the final,
    minimal candidate is then decided with ``certify=True``. With ``escalate=False``
    (the coverage and adversarial phases) a margin within the budget is returned as
    ``doubtful`` without the 50-digit step; the engine escalates the lowest ones later.
    """
    m = _finite(claim, claim.margin(instance, FLOAT64), "float64")
    b = claim.budget_for(instance)
    if m >= b:
        return Evaluation(Verdict.HOLDS, m, m, b)
    if not claim.exact:
        return Evaluation(Verdict.REFUTED if m < -b else Verdict.HOLDS, m, m, b)
    if m < -b and not certify:
        return Evaluation(Verdict.CANDIDATE, m, m, b)
    if not escalate and m >= -b:
        return Evaluation(Verdict.DOUBTFUL, m, m, b)
    mp = MultiPrecision()
    with mp.active():
        m50 = _finite(claim, _exact_margin(claim, instance, mp), "50-digit arithmetic")
    if m50 >= -MP_ACCURACY and not claim.strict:
        return Evaluation(Verdict.HOLDS, m50, m, b, digits="mp50")
    iv = Interval()
    with iv.active():
        box = iv.iv.mpf(_exact_margin(claim, instance, iv))
        enclosure = (float(box.a), upper_end(box))
    if claim.strict:  # > 0 must be proven; <= 0 refutes
        if box.a > 0:
            return Evaluation(Verdict.HOLDS, m50, m, b, digits="mp50", enclosure=enclosure)
        status = Verdict.REFUTED if box.b <= 0 else Verdict.UNCONFIRMED
    else:
        status = Verdict.REFUTED if enclosure[1] < 0 else Verdict.UNCONFIRMED
    return Evaluation(status, m50, m, b, digits="mp50", enclosure=enclosure)


@dataclass
class ClaimResult:
    """One row of the report (and of the JSON ``claims`` list).

    ``examples`` counts the instances evaluated, shrinking included (so a refuted
    claim usually shows more than the profile's number); ``escalated`` those
    re-evaluated at 50 digits; ``unconfirmed`` negative 50-digit margins that
    intervals could not certify (never counted as refutations). ``shards`` (None
    for an unsharded search): ``count``, ``worst_margin_shard``,
    ``counterexample_shard`` and ``rows``, one summary per shard (shard, seed,
    examples, status, worst margin, counts, seconds, message).
    """

    id: str
    kind: str
    status: ClaimStatus
    examples: int
    worst_margin: float | None
    counterexample: dict[str, Any] | None
    reproduce: str
    seconds: float
    source: str = "builtin"
    message: str = ""
    escalated: int = 0
    unconfirmed: int = 0
    coverage: list[dict[str, Any]] = field(default_factory=list)
    shards: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """This row as in the ``claims`` list of the verify JSON (interfaces.md); ``shards`` only when sharded."""
        row = {"id": self.id, "kind": self.kind, "status": str(self.status), "examples": self.examples,
               "worst_margin": self.worst_margin, "counterexample": self.counterexample,
               "reproduce": self.reproduce, "seconds": round(self.seconds, 3), "source": self.source,
               "message": self.message, "escalated_to_50_digits": self.escalated, "unconfirmed": self.unconfirmed,
               "coverage": self.coverage}
        return row if self.shards is None else {**row, "shards": self.shards}


@dataclass
class VerifyResult:
    """The outcome of a verify run (interfaces.md's JSON via :meth:`as_json`)."""

    profile: str
    seed: int
    claims: list[ClaimResult] = field(default_factory=list)
    seconds: float = 0.0
    shards: Sequence[Shard] = (WHOLE,)
    examples: int | None = None  # --examples: per claim, before examples_scale

    @property
    def summary(self) -> dict[str, int]:
        """Number of claims per status (every status of :class:`ClaimStatus`)."""
        return {str(s): sum(r.status == s for r in self.claims) for s in ClaimStatus}

    @property
    def exit_code(self) -> int:
        """0 every claim verified; else :data:`EXIT_CODES` of the first status present among refuted (1),
        error (2), violated-float64 (3), inconclusive (4), timeout (5)."""
        summary = self.summary
        return next((code for status, code in EXIT_CODES.items() if summary[status]), 0)

    def as_json(self) -> dict[str, Any]:
        """interfaces.md's verify JSON; ``shards`` ("S", or "s/S" for one shard) and ``examples`` only if asked."""
        out = {"profile": self.profile, "seed": self.seed, "claims": [r.as_json() for r in self.claims],
               "summary": self.summary, "seconds": round(self.seconds, 3)}
        if tuple(self.shards) != (WHOLE,):
            out["shards"] = self.shards[0].label if len(self.shards) == 1 else str(len(self.shards))
        if self.examples is not None:
            out["examples"] = self.examples
        return out


class _Refuted(AssertionError):
    """Raised inside the Hypothesis test so that it shrinks the counterexample."""


@dataclass
class _State:
    examples: int = 0
    worst: float = math.inf
    escalated: int = 0
    unconfirmed: int = 0
    failure: tuple[Any, Evaluation] | None = None
    coverage: Coverage = field(default_factory=Coverage)
    candidates: list[Any] = field(default_factory=list)
    doubtful: list[tuple[float, int, Any]] = field(default_factory=list)


def reproduce_command(claim: Claim, profile: str, seed: int, files: Sequence[str], examples: int | None = None,
                       shards: str | None = None) -> str:
    """The command that reruns this search; ``shards``: "S" (``--shards S``) or "s/S" (``--shard s/S``)."""
    head = "wideminima verify" + "".join(f" {f}" for f in files)
    tail = "" if examples is None else f" --examples {examples}"
    if shards is not None:
        tail += f" --shard {shards}" if "/" in shards else f" --shards {shards}"
    return f"{head} --claim {claim.id} --profile {profile} --seed {seed}{tail}"


def claim_examples(claim: Claim, profile: str, examples: int | None = None) -> int:
    """n, the examples of the claim's search: the profile's (or ``examples``) times its examples_scale, >= 1."""
    from hypothesis import settings

    from .profiles import register_profiles  # imports Hypothesis, which importing the engine must not

    register_profiles()
    base = settings.get_profile(profile).max_examples if examples is None else examples
    return max(1, round(base * claim.examples_scale))


def shard_examples(claim: Claim, profile: str, examples: int | None, shard: Shard) -> int:
    """The examples ``shard`` of the claim searches; a one-line InputError naming the claim if it would get none."""
    total = claim_examples(claim, profile, examples)
    if shard.count > total:
        raise InputError(f"--shards {shard.count}: claim {claim.id} has only {total} example(s) "
                         f"({'--examples' if examples is not None else 'profile ' + profile} x examples_scale "
                         f"{claim.examples_scale:g}); use at most {total} shards or a larger --examples")
    return shard.share(total)


def save_counterexample(claim: Claim, instance: Any, evaluation: Evaluation, out_dir: str | Path,
                        profile: str, seed: int, shard: Shard = WHOLE) -> Path:
    """Write the instance and its evidence to ``out_dir/ID-seedS.npz`` (a shard's: ``ID-seedS-shard-s-of-S.npz``)
    atomically; return the path."""
    layout, arrays = encode(instance)
    meta = {"claim": claim.id, "kind": claim.kind, "source": claim.source, "profile": profile, "seed": seed,
            **evaluation.as_dict(), "certified_by": claim.certified_by}
    name = f"{claim.id}-seed{seed}"
    if shard != WHOLE:
        meta = {**meta, "shard": shard.label, "shard_seed": shard.seed(seed)}
        name += f"-shard-{shard.index}-of-{shard.count}"
    path = Path(out_dir) / f"{name}.npz"
    return save_npz(path, {**arrays, "__layout__": np.array(layout), "__meta__": np.array(json.dumps(meta))})


def load_counterexample(path: str | Path) -> tuple[dict[str, Any], Any]:
    """(metadata, instance) of a file written by :func:`save_counterexample`, read as untrusted data."""
    return read_counterexample(path)


def _counterexample_record(claim: Claim, instance: Any, evaluation: Evaluation, path: Path) -> dict[str, Any]:
    record = {"file": str(path), **evaluation.as_dict(), "certified_by": claim.certified_by if claim.exact
              else "float64 evidence only (empirical claim; not interval-certified)"}
    return record


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _timeout_message(examples: int) -> str:
    return f"--timeout reached after {examples} example(s); counts are partial"


def _unconfirmed_message(count: int) -> str:
    return (f"{count} instance(s) with a negative margin that interval arithmetic could not certify, "
            f"{INCONCLUSIVE_HINT}")


# Search phases after Hypothesis's run, relative to the profile's examples n (see the module docstring):
# coverage evaluates up to n instances from a pool of 3n draws, every stratum of the pool at least
# max(1, n // 50) times; the adversarial descent spends 2n evaluations from the worst instances of up
# to ADVERSARIAL_STARTS distinct strata (a descent that stalls hands its budget to the next start);
# a refutation is simplified with up to n + 50 tries.
COVERAGE_FACTOR = 1
POOL_FACTOR = 3
ADVERSARIAL_FACTOR = 2
ADVERSARIAL_STARTS = 8


def _phases(strategy: Any, state: _State, n_examples: int, seed: int,
            score: Callable[[Any, tuple], float | None], costly: bool) -> None:
    """Coverage, then adversarial descent from the worst instances of distinct strata.

    Coverage needs a pool of cheap draws: it is skipped for instances without strata and
    for ``costly`` claims (examples_scale < 1: every draw trains or optimizes something).
    """
    counts = state.coverage.examples
    if not costly and any(s != NO_STRATUM for s in counts):
        explore(strategy, score, seed, COVERAGE_FACTOR * n_examples, POOL_FACTOR * n_examples, counts,
                max(1, n_examples // 50))
        if state.failure is not None:
            return
    # starts: the worst instance of each stratum, worst first, then the next worst overall
    ordered = sorted(state.candidates, key=lambda c: c.margin)
    firsts: dict[str, Candidate] = {}
    for candidate in ordered:
        firsts.setdefault(candidate.stratum, candidate)
    starts = list(firsts.values())[:ADVERSARIAL_STARTS] + ordered
    budget = ADVERSARIAL_FACTOR * n_examples
    for i, start in enumerate(starts):
        if budget <= 0 or not start.choices:
            break
        _, used = descend(strategy, start, score, seed * 7919 + i, min(budget, max(8, budget // 2)))
        budget -= max(used, 1)
        if state.failure is not None:
            return


DOUBTFUL_ESCALATIONS = 3


def _escalate_doubtful(claim: Claim, state: _State) -> None:
    """Decide at 50 digits (and in intervals) the lowest phase margins that fell within the budget."""
    if state.failure is not None:
        return
    for _, _, instance in sorted(state.doubtful, key=lambda d: d[:2])[:DOUBTFUL_ESCALATIONS]:
        evaluation = evaluate(claim, instance, certify=True)
        state.escalated += 1
        state.worst = min(state.worst, evaluation.margin)
        state.unconfirmed += evaluation.status == "unconfirmed"
        if evaluation.status == "refuted":
            state.failure = (instance, evaluation)
            return


def verify_claim(claim: Claim, profile: str = "ci", seed: int = 0, *, out_dir: str | Path = "counterexamples",
                 files: Sequence[str] = (), progress: Callable[[int, int], None] | None = None,
                 timeout: float | None = None, examples: int | None = None, shard: Shard = WHOLE) -> ClaimResult:
    """Search ``claim`` under the Hypothesis ``profile`` with ``seed``; see the module docstring.

    ``timeout`` (seconds, per claim; per shard when sharded): the search stops there, between
    two margins or (in the main thread) inside a slow one, with status ``timeout`` and the
    counts so far. ``examples``: the claim's n before examples_scale (default: the
    profile's). ``shard``: search only that shard of the claim (its seed and share, see
    :mod:`~wideminima.property_tests.shards`); the row then records it in ``shards``.
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise InputError(f"--timeout {timeout!r}: must be a number of seconds > 0")
    if examples is not None and (isinstance(examples, bool) or not isinstance(examples, int) or examples < 1):
        raise InputError(f"--examples {examples}: must be an integer >= 1")
    n_examples = shard_examples(claim, profile, examples, shard)
    with no_local_constants(), _alarm(timeout) as deadline:
        row = _verify_claim(claim, profile, seed, n_examples, shard, examples, out_dir=out_dir, files=files,
                            progress=progress, deadline=deadline)
    if shard != WHOLE:
        row.shards = {"count": shard.count, "worst_margin_shard": None if row.worst_margin is None else shard.index,
                      "counterexample_shard": None if row.counterexample is None else shard.index,
                      "rows": [_shard_summary(row, shard, seed)]}
    return row


def _shard_summary(row: ClaimResult, shard: Shard, seed: int) -> dict[str, Any]:
    return {"shard": shard.index, "seed": shard.seed(seed), "examples": row.examples, "status": str(row.status),
            "worst_margin": row.worst_margin, "escalated_to_50_digits": row.escalated,
            "unconfirmed": row.unconfirmed, "seconds": round(row.seconds, 3), "message": row.message}


def merge_shards(rows: Sequence[ClaimResult], reproduce: str) -> ClaimResult:
    """One row of a claim from the rows of its shards, in shard order (the module docstring's rule).

    ``reproduce``: the command that reruns every shard; a refuted or violated row keeps
    the replay command of its counterexample's shard. One row is returned unchanged.
    """
    if len(rows) == 1:
        return rows[0]
    status = min((r.status for r in rows), key=STATUS_PRECEDENCE.index)
    found = [r for r in rows if r.worst_margin is not None]
    worst = min(found, key=lambda r: r.worst_margin) if found else None  # the first shard among equal minima
    witness = next((r for r in rows if r.counterexample is not None), None)
    shards = [r.shards for r in rows]
    if witness is not None and status in (ClaimStatus.REFUTED, ClaimStatus.VIOLATED_FLOAT64):
        reproduce = witness.reproduce
    messages = [f"shard {s['rows'][0]['shard']}/{s['count']}: {r.message}" for r, s in zip(rows, shards) if r.message]
    return ClaimResult(rows[0].id, rows[0].kind, status, sum(r.examples for r in rows),
                       None if worst is None else worst.worst_margin,
                       None if witness is None else witness.counterexample, reproduce,
                       sum(r.seconds for r in rows), rows[0].source, "; ".join(messages),
                       sum(r.escalated for r in rows), sum(r.unconfirmed for r in rows),
                       merge_coverage([r.coverage for r in rows]),
                       {"count": shards[0]["count"],
                        "worst_margin_shard": None if worst is None else worst.shards["worst_margin_shard"],
                        "counterexample_shard": None if witness is None else witness.shards["counterexample_shard"],
                        "rows": [summary for s in shards for summary in s["rows"]]})


class _Timeout(Exception):
    """The claim's --timeout passed."""


@contextlib.contextmanager
def _alarm(timeout: float | None) -> Iterator[_Deadline]:
    """A deadline; in the main thread also a SIGALRM that interrupts a margin running past it."""
    deadline = _Deadline(None if timeout is None else time.perf_counter() + timeout)
    use_signal = timeout is not None and hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()
    if not use_signal:
        yield deadline
        return

    def ring(signum: int, frame: Any) -> None:
        deadline.passed = True
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield deadline
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class _Deadline:
    at: float | None
    passed: bool = False

    def check(self) -> None:
        if self.passed or (self.at is not None and time.perf_counter() > self.at):
            self.passed = True
            raise _Timeout


def _planned(n_examples: int) -> int:
    """Evaluations a search of n examples plans: n (Hypothesis), n (coverage) and 2n (descent)."""
    return n_examples * (1 + COVERAGE_FACTOR + ADVERSARIAL_FACTOR)


def _verify_claim(claim: Claim, profile: str, run_seed: int, n_examples: int, shard: Shard, examples: int | None, *,
                  out_dir: str | Path, files: Sequence[str], progress: Callable[[int, int], None] | None,
                  deadline: _Deadline) -> ClaimResult:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hypothesis_seed
    from hypothesis.control import current_build_context

    from .profiles import register_profiles  # imports Hypothesis, which importing the engine must not

    register_profiles()
    start = time.perf_counter()
    state = _State()
    base = settings.get_profile(profile)
    seed = shard.seed(run_seed)
    planned = _planned(n_examples)
    run_settings = settings(base, max_examples=n_examples, database=None, verbosity=Verbosity.quiet,
                            deadline=None, report_multiple_bugs=False, print_blob=False,
                            phases=(Phase.explicit, Phase.generate, Phase.target),
                            suppress_health_check=list(HealthCheck))
    status, message, counterexample = ClaimStatus.VERIFIED, "", None
    reproduce = reproduce_command(claim, profile, run_seed, files, examples,
                                   None if shard == WHOLE else shard.label)

    def record(instance: Any, choices: tuple, escalate: bool = True) -> Evaluation:
        deadline.check()
        evaluation = evaluate(claim, instance, certify=False, escalate=escalate)
        if evaluation.status == Verdict.DOUBTFUL:
            state.doubtful.append((evaluation.float_margin, len(state.doubtful), instance))
        state.examples += 1
        state.escalated += evaluation.digits != "float64"
        state.unconfirmed += evaluation.status == Verdict.UNCONFIRMED
        if evaluation.status != Verdict.DOUBTFUL:  # a doubtful float64 margin is decided later, or not reported
            state.worst = min(state.worst, evaluation.margin)
        stratum = stratum_of(instance)
        state.coverage.add(stratum, evaluation.float_margin)
        state.candidates.append(Candidate(choices, evaluation.float_margin, stratum, None))
        if progress is not None:
            progress(state.examples, planned)
        if evaluation.status in (Verdict.REFUTED, Verdict.CANDIDATE):
            state.failure = (instance, evaluation)
        return evaluation

    def score(instance: Any, choices: tuple) -> float | None:
        evaluation = record(instance, choices, escalate=False)
        return None if state.failure is not None else evaluation.float_margin

    try:
        strategy = claim.search_strategy()

        @hypothesis_seed(seed)
        @run_settings
        @given(strategy)
        def check(instance: Any) -> None:
            evaluation = record(instance, tuple(current_build_context().data.choices))
            # one target per stratum: instances whose margin is exactly 0 (depth 1, 1 x 1 layers) cannot
            # capture the hill-climbing of the others
            target(-max(min(evaluation.float_margin, 1e300), -1e300), label=f"-margin {state.candidates[-1].stratum}")
            if evaluation.status in (Verdict.REFUTED, Verdict.CANDIDATE):
                raise _Refuted(f"{claim.id}: margin {evaluation.margin:.3g}")

        try:
            check()
        except _Refuted:
            pass
        else:
            _phases(strategy, state, n_examples, seed, score, costly=claim.examples_scale < 1)
            _escalate_doubtful(claim, state)
        if state.failure is not None and state.failure[1].status == Verdict.CANDIDATE:  # shrink it
            failing = Candidate(state.candidates[-1].choices, state.failure[1].float_margin, "", None)
            smallest = simplify(strategy, failing,
                                lambda x: record(x, ()).status in (Verdict.REFUTED, Verdict.CANDIDATE),
                                n_examples + 50)
            if smallest is not failing:
                state.failure = (smallest.instance, evaluate(claim, smallest.instance, certify=False))
        if state.failure is not None:
            status, message, counterexample, reproduce = _conclude(claim, state, profile, run_seed, shard, out_dir,
                                                                  files, reproduce)
    except _Timeout:
        status, message = ClaimStatus.TIMEOUT, _timeout_message(state.examples)
    except Exception as exc:  # a bug in the claim or strategy: report, never hide
        if deadline.passed:  # the alarm rang inside Hypothesis or the claim, which wrapped it
            status, message = ClaimStatus.TIMEOUT, _timeout_message(state.examples)
        else:
            status, message = ClaimStatus.ERROR, _one_line(exc)
    if status == ClaimStatus.VERIFIED and state.unconfirmed:
        status, message = ClaimStatus.INCONCLUSIVE, _unconfirmed_message(state.unconfirmed)
    worst = None if math.isinf(state.worst) else state.worst
    return ClaimResult(claim.id, claim.kind, status, state.examples, worst, counterexample, reproduce,
                       time.perf_counter() - start, claim.source, message, state.escalated, state.unconfirmed,
                       state.coverage.as_json())


def _conclude(claim: Claim, state: _State, profile: str, seed: int, shard: Shard, out_dir: str | Path,
              files: Sequence[str], reproduce: str) -> tuple[ClaimStatus, str, dict[str, Any] | None, str]:
    """Certify the failing instance: (status, message, counterexample record, reproduce command).

    A shard's record also names the shard and the command that reruns its search (``search``)."""
    instance, found = state.failure
    try:
        evaluation = evaluate(claim, instance, certify=True)
    except MarginTypeError:
        raise
    except Exception as exc:  # the exact re-evaluation failed (e.g. float-only code in an exact claim)
        return ClaimStatus.ERROR, _one_line(exc), None, reproduce
    state.worst = min(state.worst, evaluation.margin)
    if evaluation.status == Verdict.REFUTED:
        path = save_counterexample(claim, instance, evaluation, out_dir, profile, seed, shard)
        state.worst = evaluation.margin
        command = "wideminima verify" + "".join(f" {f}" for f in files) + f" --replay {path}"
        status = ClaimStatus.REFUTED if claim.exact else ClaimStatus.VIOLATED_FLOAT64
        record = _counterexample_record(claim, instance, evaluation, path)
        if shard != WHOLE:
            record = {**record, "shard": shard.label, "search": reproduce}
        return status, "", record, command
    # float64 was wrong by more than the claim's budget: a budget bug, never a refutation
    state.unconfirmed += 1
    return (ClaimStatus.ERROR, f"float64 margin {found.margin:.3g} is below -budget but exact arithmetic gives "
            f"{evaluation.margin:.3g} ({evaluation.status}): the claim's error budget is wrong", None, reproduce)


def verify(claims: Sequence[Claim], profile: str = "ci", seed: int = 0, *, out_dir: str | Path = "counterexamples",
           files: Sequence[str] = (), on_claim: Callable[[int, Claim], Callable[[int, int], None] | None] | None = None,
           on_result: Callable[[ClaimResult], None] | None = None, timeout: float | None = None,
           result: VerifyResult | None = None, examples: int | None = None,
           shards: Sequence[Shard] = (WHOLE,)) -> VerifyResult:
    """Run every claim; ``on_claim(i, claim)`` may return a per-example progress callback.

    ``shards``: the shards of each claim to search, one after the other, merged in this
    order (:func:`merge_shards`): ``[Shard(s, S) for s in range(S)]`` for ``--shards S``.
    Rows are appended to ``result`` (a new one if None) as claims finish, so a caller
    interrupted mid-run still holds every claim decided so far.
    """
    start = time.perf_counter()
    result = result if result is not None else VerifyResult(profile, seed, shards=tuple(shards), examples=examples)
    for i, c in enumerate(claims):
        progress = on_claim(i, c) if on_claim is not None else None
        shares = [shard_examples(c, profile, examples, shard) for shard in shards]
        total, rows = sum(_planned(n) for n in shares), []
        for j, shard in enumerate(shards):
            offset = sum(_planned(n) for n in shares[:j])
            rows.append(verify_claim(c, profile, seed, out_dir=out_dir, files=files, timeout=timeout,
                                     examples=examples, shard=shard, progress=None if progress is None else
                                     (lambda done, _, offset=offset: progress(offset + done, total))))
        row = merge_shards(rows, reproduce_command(c, profile, seed, files, examples, str(len(shards))))
        result.claims.append(row)
        result.seconds = time.perf_counter() - start
        if on_result is not None:
            on_result(row)
    result.seconds = time.perf_counter() - start
    return result


def replay(path: str | Path, claims: Sequence[Claim], *, files: Sequence[str] = ()) -> VerifyResult:
    """Re-decide the saved counterexample ``path`` with the claim of the same id among ``claims``."""
    start = time.perf_counter()
    meta, instance = load_counterexample(path)
    matches = [c for c in claims if c.id == meta.get("claim")]
    if not matches:
        raise InputError(f"--replay {path}: it is a counterexample to claim {meta.get('claim')!r}, "
                         "which none of the given claim files defines")
    c = matches[0]
    command = "wideminima verify" + "".join(f" {f}" for f in files) + f" --replay {path}"
    try:
        evaluation = evaluate(c, instance)
    except Exception as exc:  # e.g. the claim file was edited since: report it like verify does, no traceback
        row = ClaimResult(c.id, c.kind, ClaimStatus.ERROR, 1, None, None, command, time.perf_counter() - start,
                          c.source, _one_line(exc))
        return VerifyResult(str(meta.get("profile", "replay")), int(meta.get("seed", 0)), [row], row.seconds)
    refuted = ClaimStatus.REFUTED if c.exact else ClaimStatus.VIOLATED_FLOAT64
    status = {Verdict.REFUTED: refuted, Verdict.HOLDS: ClaimStatus.VERIFIED}.get(evaluation.status,
                                                                               ClaimStatus.INCONCLUSIVE)
    record = _counterexample_record(c, instance, evaluation, Path(path)) if status == refuted else None
    message = "" if evaluation.status != Verdict.UNCONFIRMED else _unconfirmed_message(1)
    row = ClaimResult(c.id, c.kind, status, 1, evaluation.margin, record, command,
                      time.perf_counter() - start, c.source, message, int(evaluation.digits != "float64"),
                      int(evaluation.status == "unconfirmed"))
    return VerifyResult(str(meta.get("profile", "replay")), int(meta.get("seed", 0)), [row], row.seconds)
