"""The verify search beyond Hypothesis's own run: coverage of strata and a local adversarial descent.

Both phases work on Hypothesis *choice sequences*: an instance is rebuilt from its
strategy by replaying a sequence of primitive choices (integers, floats, booleans)
through ``ConjectureData.for_choices``, so every instance the phases evaluate is one
the claim's strategy can produce, with all its structure (balanced layers stay
balanced, Sigma_x factors stay factors). Nothing here is specific to the theory's
strategies.

- :func:`explore`: draws a pool of instances from a seeded random source (cheap:
  building an instance costs far less than deciding a margin on it) and evaluates
  them stratum by stratum, least-covered first, so every stratum the pool reaches
  (:mod:`~wideminima.property_tests.strata`) gets a minimum number of evaluations.
- :func:`descend`: a (1+1) evolution strategy with the one-fifth success rule on the
  continuous (float) choices of an instance, plus occasional integer moves, that
  lowers the float64 margin; started from the worst instances of distinct strata.
- :func:`simplify`: a greedy shrink of a failing choice sequence (choices set to
  simpler values while the float64 margin stays below -budget), so a refutation
  found by these phases is small like one Hypothesis shrinks.

Hypothesis's internal choice API (``ConjectureData``, ``BuildContext``) is used
through the three functions :func:`draw` and :func:`no_local_constants`; a
Hypothesis release that changes it makes these fail loudly, never silently.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

from .strata import stratum_of

__all__ = ["Candidate", "draw", "explore", "descend", "simplify", "no_local_constants"]


@dataclass(frozen=True)
class Candidate:
    """An evaluated instance: its choice sequence, float64 margin and stratum."""

    choices: tuple[Any, ...]
    margin: float
    stratum: str
    instance: Any


class _Invalid(Exception):
    """The choices do not build an instance (filtered draw, overrun)."""


def draw(strategy: Any, *, random: Random | None = None,
         choices: Sequence[Any] | None = None) -> tuple[Any, tuple, tuple]:
    """(instance, choices, nodes) drawn from ``strategy`` with a random source or by replaying ``choices``."""
    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest, UnsatisfiedAssumption
    from hypothesis.internal.conjecture.data import ConjectureData, Status

    data = ConjectureData.for_choices(list(choices)) if choices is not None else ConjectureData(random=random)
    try:
        with BuildContext(data, is_final=False, wrapped_test=lambda: None):
            instance = data.draw(strategy)
    except (StopTest, UnsatisfiedAssumption):
        raise _Invalid from None
    data.freeze()
    if data.status < Status.VALID:
        raise _Invalid
    return instance, tuple(data.choices), tuple(data.nodes)


@contextlib.contextmanager
def no_local_constants() -> Iterator[None]:
    """Stop Hypothesis from drawing literal constants harvested from "local" modules while inside.

    Hypothesis (6.1xx) collects the numeric literals of every imported module it
    considers local (not in site-packages) and draws them now and then. Which modules
    those are depends on the install (editable or wheel) and on what was imported
    before, so the same claim, profile and seed could search different instances.
    Inside this block the local pool is empty, for every install and import order.
    """
    from hypothesis.internal.conjecture import providers

    empty = providers.Constants()
    saved = providers._get_local_constants
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()


def explore(strategy: Any, score: Callable[[Any, tuple], float | None], seed: int, evaluations: int,
            pool: int, counts: dict[str, int], minimum: int) -> None:
    """Evaluate up to ``evaluations`` instances of a ``pool`` drawn with ``seed``, covering strata.

    ``counts`` holds the evaluations per stratum so far (updated by ``score``'s
    caller); strata below ``minimum`` are served first, then the least covered.
    ``score(instance, choices)`` evaluates one instance; it returns None to stop.
    """
    rng = Random(seed)
    drawn: dict[str, list[tuple[Any, tuple]]] = {}
    for _ in range(pool):
        try:
            instance, choices, _ = draw(strategy, random=Random(rng.getrandbits(64)))
        except _Invalid:
            continue
        drawn.setdefault(stratum_of(instance), []).append((instance, choices))
    done = 0
    while done < evaluations and any(drawn.values()):
        stratum = min((s for s in drawn if drawn[s]), key=lambda s: (counts.get(s, 0) >= minimum, counts.get(s, 0), s))
        instance, choices = drawn[stratum].pop(0)
        done += 1
        if score(instance, choices) is None:
            return


def _mutate(nodes: tuple, values: list[Any], rng: Random, step: float) -> list[Any]:
    """A neighbour of ``values``: Gaussian moves of some floats (scaled to their range), rarely an integer move."""
    out = list(values)
    floats = [i for i, n in enumerate(nodes) if n.type == "float" and not n.was_forced]
    integers = [i for i, n in enumerate(nodes) if n.type == "integer" and not n.was_forced]
    if floats and (not integers or rng.random() < 0.85):
        rate = max(1.0 / len(floats), 0.25)
        for i in floats:
            if rng.random() < rate:
                c = nodes[i].constraints
                low, high = c["min_value"], c["max_value"]
                span = high - low if math.isfinite(low) and math.isfinite(high) else max(abs(out[i]), 1.0)
                x = out[i] + step * span * rng.gauss(0.0, 1.0)
                out[i] = min(max(x, low), high) if math.isfinite(x) else out[i]
    elif integers:
        i = rng.choice(integers)
        c = nodes[i].constraints
        low = c["min_value"] if c["min_value"] is not None else out[i] - 2
        high = c["max_value"] if c["max_value"] is not None else out[i] + 2
        if high - low > 64:  # a seed-like integer: resample it (a jump within the same structure)
            out[i] = rng.randint(low, high)
        else:
            out[i] = min(max(out[i] + rng.choice((-1, 1)), low), high)
    return out


def descend(strategy: Any, start: Candidate, score: Callable[[Any, tuple], float | None], seed: int,
            evaluations: int, patience: int = 12) -> tuple[Candidate, int]:
    """(1+1)-ES on ``start``'s choices lowering ``score``: (best, evaluations used).

    Stops after ``evaluations``, after ``patience`` evaluations in a row without
    progress (a local minimum of the margin: the budget is better spent elsewhere),
    or when ``score`` returns None (a refutation candidate).
    """
    rng = Random(seed)
    best = start
    try:
        _, _, nodes = draw(strategy, choices=best.choices)
    except _Invalid:
        return best, 0
    step, used, stalled = 0.1, 0, 0
    while used < evaluations and stalled < patience:
        trial = _mutate(nodes, list(best.choices), rng, step)
        try:
            instance, choices, trial_nodes = draw(strategy, choices=trial)
        except _Invalid:
            step, stalled = step * 1.5 ** -0.25, stalled + 1
            continue
        used += 1
        margin = score(instance, choices)
        if margin is None:
            return Candidate(choices, -math.inf, stratum_of(instance), instance), used
        if margin < best.margin:
            best, nodes, step, stalled = Candidate(choices, margin, stratum_of(instance), instance), trial_nodes, \
                step * 1.5, 0
        else:
            step, stalled = max(step * 1.5 ** -0.25, 1e-9), stalled + 1
    return best, used


def _simpler(node: Any, value: Any) -> list[Any]:
    """Simpler values for one choice, simplest first."""
    c = node.constraints
    if node.type == "boolean":
        return [False] if value else []
    if node.type == "integer":
        towards = c.get("shrink_towards", 0) or 0
        low, high = c.get("min_value"), c.get("max_value")
        target = min(max(towards, low if low is not None else towards), high if high is not None else towards)
        out = [target, target + (value - target) // 2] if value != target else []
        return [v for v in out if v != value]
    if node.type == "float":
        low, high = c["min_value"], c["max_value"]
        out = [min(max(0.0, low), high), float(round(value))]
        out += [float(f"{value:.{d}g}") for d in (1, 2, 3, 6)]
        return [v for v in dict.fromkeys(out) if v != value and low <= v <= high]
    return []


def simplify(strategy: Any, failing: Candidate, fails: Callable[[Any], bool], budget: int) -> Candidate:
    """Greedy shrink: set each choice to a simpler value while the instance still ``fails`` (<= budget tries)."""
    best = failing
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        try:
            _, _, nodes = draw(strategy, choices=best.choices)
        except _Invalid:
            return best
        for i, node in enumerate(nodes):
            if node.was_forced or i >= len(best.choices):
                continue
            for value in _simpler(node, best.choices[i]):
                if tries >= budget:
                    return best
                tries += 1
                trial = list(best.choices)
                trial[i] = value
                try:
                    instance, choices, _ = draw(strategy, choices=trial)
                except _Invalid:
                    continue
                if fails(instance):
                    best = Candidate(choices, best.margin, stratum_of(instance), instance)
                    improved = True
                    break
    return best
