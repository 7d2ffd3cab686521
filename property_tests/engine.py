"""The verify engine: search each claim with Hypothesis, settle doubtful margins exactly, certify refutations.

For every instance Hypothesis draws, the margin m is computed in float64 and
compared with the claim's error budget b (relative, documented per claim):

1. m >= b: the claim holds on the instance (m's float64 error is below b).
2. m < b: m is re-evaluated at 50 digits (mpmath, :class:`MultiPrecision`). If
   that value is >= -MP_ACCURACY the claim holds (float64 noise, never reported
   as a refutation); the 50-digit value is what the report shows.
3. Otherwise the margin is evaluated in interval arithmetic (:class:`Interval`),
   which proves an enclosure of the exact margin of the saved float64 instance.
   Only if its upper end is < 0 is the instance a refutation; Hypothesis then
   shrinks it to a minimal one, which is saved (.npz, atomically) with a command
   that replays it. A negative 50-digit margin that intervals cannot confirm is
   counted as "unconfirmed": not called a refutation, and the claim is not
   called verified either (status "error", with the count). A float64
   margin below -budget that exact arithmetic contradicts means the budget is
   wrong: the claim gets status "error" (never "refuted") with that message.

Claims whose margin cannot run outside float64 (``exact=False``, empirical laws
measured on training runs) skip steps 2-3: they are refuted when m < -b, and the
report says the evidence is float64.

``hypothesis.target(-m)`` steers the search towards small margins, so the worst
margin reported is the result of a search, not of luck.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wideminima.errors import InputError

from .arithmetic import FLOAT64, Interval, MultiPrecision, upper_end
from .claims import Claim
from .instances import decode, encode
from .strata import Coverage

__all__ = ["Evaluation", "ClaimResult", "VerifyResult", "evaluate", "verify", "verify_claim", "replay", "MP_ACCURACY"]

# A 50-digit evaluation of a margin of condition <= 1e15 is accurate to ~1e-35;
# a 50-digit margin above -1e-30 is treated as zero (float64 noise), one below as a
# candidate refutation that intervals must confirm.
MP_ACCURACY = 1e-30


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one instance: ``holds``, ``refuted`` (certified) or ``unconfirmed``."""

    status: str
    margin: float
    float_margin: float
    budget: float
    digits: str = "float64"
    enclosure: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The evidence as JSON-ready numbers (saved in a counterexample and shown in the report)."""
        return {"margin": self.margin, "float64_margin": self.float_margin, "budget": self.budget,
                "evaluated_in": self.digits, "enclosure": list(self.enclosure) if self.enclosure else None}


def _finite(claim: Claim, value: Any, where: str) -> float:
    f = float(value)
    if not math.isfinite(f):
        raise ArithmeticError(f"claim {claim.id}: the margin is {f} in {where}")
    return f


def _exact_margin(claim: Claim, instance: Any, ctx: Any) -> Any:
    """The margin in 50-digit or interval arithmetic; a failure there names the likely cause."""
    try:
        return claim.margin(instance, ctx)
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
        return Evaluation("holds", m, m, b)
    if not claim.exact:
        return Evaluation("refuted" if m < -b else "holds", m, m, b)
    if m < -b and not certify:
        return Evaluation("candidate", m, m, b)
    if not escalate and m >= -b:
        return Evaluation("doubtful", m, m, b)
    mp = MultiPrecision()
    with mp.active():
        m50 = _finite(claim, _exact_margin(claim, instance, mp), "50-digit arithmetic")
    if m50 >= -MP_ACCURACY:
        return Evaluation("holds", m50, m, b, digits="mp50")
    iv = Interval()
    with iv.active():
        box = iv.iv.mpf(_exact_margin(claim, instance, iv))
        enclosure = (float(box.a), upper_end(box))
    status = "refuted" if enclosure[1] < 0 else "unconfirmed"
    return Evaluation(status, m50, m, b, digits="mp50", enclosure=enclosure)


@dataclass
class ClaimResult:
    """One row of the report (and of the JSON ``claims`` list).

    ``examples`` counts the instances evaluated, shrinking included (so a refuted
    claim usually shows more than the profile's number); ``escalated`` those
    re-evaluated at 50 digits; ``unconfirmed`` negative 50-digit margins that
    intervals could not certify (never counted as refutations).
    """

    id: str
    kind: str
    status: str  # verified | refuted | error
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

    def as_json(self) -> dict[str, Any]:
        """This row as in the ``claims`` list of the verify JSON (interfaces.md)."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "examples": self.examples,
                "worst_margin": self.worst_margin, "counterexample": self.counterexample,
                "reproduce": self.reproduce, "seconds": round(self.seconds, 3), "source": self.source,
                "message": self.message, "escalated_to_50_digits": self.escalated, "unconfirmed": self.unconfirmed,
                "coverage": self.coverage}


@dataclass
class VerifyResult:
    """The outcome of a verify run (interfaces.md's JSON via :meth:`as_json`)."""

    profile: str
    seed: int
    claims: list[ClaimResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> dict[str, int]:
        """Number of claims per status: verified, refuted, error."""
        return {s: sum(r.status == s for r in self.claims) for s in ("verified", "refuted", "error")}

    @property
    def exit_code(self) -> int:
        """0 nothing refuted, 1 some claim refuted, 2 a claim could not be checked (error)."""
        summary = self.summary
        return 1 if summary["refuted"] else 2 if summary["error"] else 0

    def as_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "seed": self.seed, "claims": [r.as_json() for r in self.claims],
                "summary": self.summary, "seconds": round(self.seconds, 3)}


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


def _reproduce_command(claim: Claim, profile: str, seed: int, files: Sequence[str]) -> str:
    head = "wideminima verify" + "".join(f" {f}" for f in files)
    return f"{head} --claim {claim.id} --profile {profile} --seed {seed}"


def save_counterexample(claim: Claim, instance: Any, evaluation: Evaluation, out_dir: str | Path,
                        profile: str, seed: int) -> Path:
    """Write the instance and its evidence to ``out_dir/ID-seedS.npz`` atomically; return the path."""
    from wideminima.io import save_npz

    layout, arrays = encode(instance)
    meta = {"claim": claim.id, "kind": claim.kind, "source": claim.source, "profile": profile, "seed": seed,
            **evaluation.as_dict(), "certified_by": claim.certified_by}
    path = Path(out_dir) / f"{claim.id}-seed{seed}.npz"
    return save_npz(path, {**arrays, "__layout__": np.array(layout), "__meta__": np.array(json.dumps(meta))})


def load_counterexample(path: str | Path) -> tuple[dict[str, Any], Any]:
    """(metadata, instance) of a file written by :func:`save_counterexample`."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--replay {p}: no such file")
    try:
        with np.load(p, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
        meta = json.loads(str(arrays.pop("__meta__")))
        layout = str(arrays.pop("__layout__"))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"--replay {p}: not a counterexample file written by wideminima verify ({exc})") from None
    return meta, decode(layout, arrays)


def _counterexample_record(claim: Claim, instance: Any, evaluation: Evaluation, path: Path) -> dict[str, Any]:
    record = {"file": str(path), **evaluation.as_dict(), "certified_by": claim.certified_by if claim.exact
              else "float64 evidence only (empirical claim; not interval-certified)"}
    return record


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _unconfirmed_message(count: int) -> str:
    return (f"{count} instance(s) with a 50-digit margin below -{MP_ACCURACY:g} that interval arithmetic could not "
            "certify: neither verified nor refuted")


# Search phases after Hypothesis's run, relative to the profile's examples n (see the module docstring):
# coverage evaluates up to n instances from a pool of 3n draws, every stratum of the pool at least
# max(1, n // 50) times; the adversarial descent spends 2n evaluations from the worst instances of up
# to ADVERSARIAL_STARTS distinct strata (a descent that stalls hands its budget to the next start);
# a refutation is simplified with up to n + 50 tries.
COVERAGE_FACTOR = 1
POOL_FACTOR = 3
ADVERSARIAL_FACTOR = 2
ADVERSARIAL_STARTS = 8


def _phases(claim: Claim, strategy: Any, state: _State, n_examples: int, seed: int,
            score: Callable[[Any, tuple], float | None]) -> None:
    """Coverage, then adversarial descent from the worst instances of distinct strata."""
    from .adversary import Candidate, descend, explore
    from .strata import NO_STRATUM

    counts = state.coverage.examples
    if any(s != NO_STRATUM for s in counts):
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
                 files: Sequence[str] = (), progress: Callable[[int, int], None] | None = None) -> ClaimResult:
    """Search ``claim`` under the Hypothesis ``profile`` with ``seed``; see the module docstring."""
    from .adversary import no_local_constants

    with no_local_constants():
        return _verify_claim(claim, profile, seed, out_dir=out_dir, files=files, progress=progress)


def _verify_claim(claim: Claim, profile: str, seed: int, *, out_dir: str | Path, files: Sequence[str],
                  progress: Callable[[int, int], None] | None) -> ClaimResult:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hypothesis_seed
    from hypothesis.control import current_build_context
    from hypothesis.errors import HypothesisException

    from .adversary import Candidate, simplify
    from .profiles import register_profiles
    from .strata import stratum_of

    register_profiles()
    start = time.perf_counter()
    state = _State()
    base = settings.get_profile(profile)
    n_examples = max(1, round(base.max_examples * claim.examples_scale))
    planned = n_examples * (1 + COVERAGE_FACTOR + ADVERSARIAL_FACTOR)
    run_settings = settings(base, max_examples=n_examples, database=None, verbosity=Verbosity.quiet,
                            deadline=None, report_multiple_bugs=False, print_blob=False,
                            phases=(Phase.explicit, Phase.generate, Phase.target),
                            suppress_health_check=list(HealthCheck))
    status, message, counterexample = "verified", "", None
    reproduce = _reproduce_command(claim, profile, seed, files)

    def record(instance: Any, choices: tuple, escalate: bool = True) -> Evaluation:
        evaluation = evaluate(claim, instance, certify=False, escalate=escalate)
        if evaluation.status == "doubtful":
            state.doubtful.append((evaluation.float_margin, len(state.doubtful), instance))
        state.examples += 1
        state.escalated += evaluation.digits != "float64"
        state.unconfirmed += evaluation.status == "unconfirmed"
        if evaluation.status != "doubtful":  # a doubtful float64 margin is decided later, or not reported
            state.worst = min(state.worst, evaluation.margin)
        stratum = stratum_of(instance)
        state.coverage.add(stratum, evaluation.float_margin)
        state.candidates.append(Candidate(choices, evaluation.float_margin, stratum, None))
        if progress is not None:
            progress(state.examples, planned)
        if evaluation.status in ("refuted", "candidate"):
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
            if evaluation.status in ("refuted", "candidate"):
                raise _Refuted(f"{claim.id}: margin {evaluation.margin:.3g}")

        try:
            check()
        except _Refuted:
            pass
        else:
            _phases(claim, strategy, state, n_examples, seed, score)
            _escalate_doubtful(claim, state)
        if state.failure is not None and state.failure[1].status == "candidate":  # shrink it (Hypothesis's own shrinker is off: its cost is unbounded)
            failing = Candidate(state.candidates[-1].choices, state.failure[1].float_margin, "", None)
            smallest = simplify(strategy, failing, lambda x: record(x, ()).status in ("refuted", "candidate"),
                                n_examples + 50)
            if smallest is not failing:
                state.failure = (smallest.instance, evaluate(claim, smallest.instance, certify=False))
        if state.failure is not None:
            instance, _ = state.failure  # Hypothesis's minimal example, or the simplified one of a phase
            try:
                evaluation = evaluate(claim, instance, certify=True)
            except Exception as exc:  # the exact re-evaluation failed (e.g. float-only code in an exact claim)
                status, message = "error", _one_line(exc)
            else:
                state.worst = min(state.worst, evaluation.margin)
                if evaluation.status == "refuted":
                    path = save_counterexample(claim, instance, evaluation, out_dir, profile, seed)
                    status, counterexample = "refuted", _counterexample_record(claim, instance, evaluation, path)
                    state.worst = evaluation.margin
                    reproduce = "wideminima verify" + "".join(f" {f}" for f in files) + f" --replay {path}"
                else:  # float64 was wrong by more than the claim's budget: a budget bug, never a refutation;
                    # the search stopped at this instance, so the claim is not verified either
                    state.unconfirmed += 1
                    status = "error"
                    message = (f"float64 margin {state.failure[1].margin:.3g} is below -budget but exact arithmetic "
                               f"gives {evaluation.margin:.3g} ({evaluation.status}): the claim's error budget is wrong")
    except (HypothesisException, Exception) as exc:  # a bug in the claim or strategy: report, never hide
        status, message = "error", _one_line(exc)
    if status == "verified" and state.unconfirmed:
        status, message = "error", _unconfirmed_message(state.unconfirmed)
    worst = None if math.isinf(state.worst) else state.worst
    return ClaimResult(claim.id, claim.kind, status, state.examples, worst, counterexample, reproduce,
                       time.perf_counter() - start, claim.source, message, state.escalated, state.unconfirmed,
                       state.coverage.as_json())


def verify(claims: Sequence[Claim], profile: str = "ci", seed: int = 0, *, out_dir: str | Path = "counterexamples",
           files: Sequence[str] = (), on_claim: Callable[[int, Claim], Callable[[int, int], None] | None] | None = None,
           on_result: Callable[[ClaimResult], None] | None = None) -> VerifyResult:
    """Run every claim; ``on_claim(i, claim)`` may return a per-example progress callback."""
    start = time.perf_counter()
    result = VerifyResult(profile, seed)
    for i, c in enumerate(claims):
        progress = on_claim(i, c) if on_claim is not None else None
        row = verify_claim(c, profile, seed, out_dir=out_dir, files=files, progress=progress)
        result.claims.append(row)
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
        row = ClaimResult(c.id, c.kind, "error", 1, None, None, command, time.perf_counter() - start, c.source,
                          _one_line(exc))
        return VerifyResult(str(meta.get("profile", "replay")), int(meta.get("seed", 0)), [row], row.seconds)
    status = {"refuted": "refuted", "holds": "verified"}.get(evaluation.status, "error")
    record = _counterexample_record(c, instance, evaluation, Path(path)) if status == "refuted" else None
    message = "" if evaluation.status != "unconfirmed" else _unconfirmed_message(1)
    row = ClaimResult(c.id, c.kind, status, 1, evaluation.margin, record, command,
                      time.perf_counter() - start, c.source, message, int(evaluation.digits != "float64"),
                      int(evaluation.status == "unconfirmed"))
    return VerifyResult(str(meta.get("profile", "replay")), int(meta.get("seed", 0)), [row], row.seconds)
