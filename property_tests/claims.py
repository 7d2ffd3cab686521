"""A claim: an id, a kind, a statement, a strategy of instances and a margin function.

The claim holds on an instance iff its margin is >= 0. Margins are relative where
that is the natural scale (e.g. lambda_max / (N s^(2-2/N)) - 1), so one error
budget speaks for every size of instance.

Write your own with :func:`claim` in a Python file and run ``wideminima verify FILE``::

    from wideminima.property_tests import claim
    from wideminima.property_tests.quantities import flattest_bound, sharpness
    from wideminima.strategies import global_minima

    @claim(id="sharpness-at-least-bound", kind="conjecture",
           statement="every global minimum has lambda_max >= N s^(2-2/N) (whitened)",
           strategy=global_minima(max_depth=4, max_width=3))
    def margin(m, ctx):
        return sharpness(m, ctx) / flattest_bound(m, ctx) - 1

The margin function receives the instance and an arithmetic ``ctx``
(:mod:`wideminima.property_tests.arithmetic`); written once, it runs in float64
during the search, at 50 digits when float64 cannot settle the sign, and in
interval arithmetic to certify a refutation.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from wideminima.errors import InputError

__all__ = ["Claim", "ClaimKind", "claim", "KINDS", "DEFAULT_BUDGET", "registered_claims", "forget_claims"]

ClaimKind = Literal["theorem", "empirical", "conjecture"]
KINDS: tuple[str, ...] = get_args(ClaimKind)

# Default float64 error budget of a margin, relative: a margin built from the
# eigenvalues of an n x n matrix (n <= 100) with entries of condition <= 1e4 is
# accurate to about n * 1e4 * eps ~ 2e-10; 1e-9 leaves a factor of five, and is
# far below the 1e-6 relative violations the checker must never miss.
DEFAULT_BUDGET = 1e-9

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")

# module name -> the claims @claim made while that module ran, in definition order
_REGISTRY: dict[str, list[Claim]] = {}


@dataclass(frozen=True)
class Claim:
    """One checkable statement.

    Attributes
    ----------
    id : lower-case words joined by hyphens (theory ids for the built-in claims).
    kind : "theorem", "empirical" or "conjecture".
    statement : the claim in words, with the margin it is checked through.
    strategy : a Hypothesis strategy of instances, or a function of no arguments
        returning one (built on first use, so importing claims stays fast).
    margin : ``margin(instance, ctx) -> number``; the claim holds iff it is >= 0.
    budget : bound on the float64 error of the margin (relative, like the margin);
        a float or a function of the instance. Margins below it are re-evaluated.
    exact : whether ``margin`` runs in 50-digit and interval arithmetic too (it
        uses only ctx operations). Required for a certified refutation; empirical
        claims whose margin needs float64-only code (training, SVD statistics)
        set it False and are reported as refuted on the float64 evidence, said so.
    certified_by : how a refutation of this claim is certified, in words.
    examples_scale : examples per run relative to the profile's (for costly claims).
    source : "builtin" or the file the claim was defined in.
    strict : the claim holds iff the margin is > 0 (not >= 0); an instance then counts as
        holding only when float64 clears the budget or an interval enclosure's lower end
        is > 0, and a margin proven <= 0 refutes it (e.g. a spectral gap lambda_1 - lambda_2 > 0).
    """

    id: str
    kind: ClaimKind
    statement: str
    strategy: Any
    margin: Callable[[Any, Any], Any]
    budget: float | Callable[[Any], float] = DEFAULT_BUDGET
    exact: bool = True
    certified_by: str = "interval evaluation of the margin at the saved float64 instance (mpmath.iv)"
    examples_scale: float = 1.0
    source: str = "builtin"
    strict: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise InputError(f"claim id={self.id!r} must be lower-case words joined by hyphens, e.g. 'my-bound'")
        if self.kind not in KINDS:
            raise InputError(f"claim {self.id}: kind={self.kind!r} must be one of {', '.join(KINDS)}")
        if not callable(self.margin):
            raise InputError(f"claim {self.id}: margin={self.margin!r} must be a function margin(instance, ctx)")
        if not (isinstance(self.examples_scale, (int, float)) and 0 < self.examples_scale <= 100):
            raise InputError(f"claim {self.id}: examples_scale={self.examples_scale!r} must be in (0, 100]")
        if not isinstance(self.strict, bool):
            raise InputError(f"claim {self.id}: strict={self.strict!r} must be True or False")
        if not callable(self.budget) and not (isinstance(self.budget, (int, float)) and 0 <= self.budget < 1):
            raise InputError(f"claim {self.id}: budget={self.budget!r} must be a number in [0, 1) or a function")

    def search_strategy(self) -> Any:
        """The Hypothesis strategy (calling the factory if one was given)."""
        from hypothesis.strategies import SearchStrategy

        strategy = self.strategy if isinstance(self.strategy, SearchStrategy) else self.strategy()
        if not isinstance(strategy, SearchStrategy):
            raise InputError(f"claim {self.id}: strategy must be a Hypothesis strategy, got {type(strategy).__name__}")
        return strategy

    def budget_for(self, instance: Any) -> float:
        """The float64 error budget of the margin at ``instance``."""
        return float(self.budget(instance) if callable(self.budget) else self.budget)


def claim(
    *,
    id: str,  # noqa: A002 - the claim's id is called id everywhere in the toolkit
    strategy: Any,
    statement: str = "",
    kind: ClaimKind = "conjecture",
    budget: float | Callable[[Any], float] = DEFAULT_BUDGET,
    exact: bool = True,
    certified_by: str | None = None,
    examples_scale: float = 1.0,
    strict: bool = False,
) -> Callable[[Callable[[Any, Any], Any]], Claim]:
    """Decorator turning a margin function ``margin(instance, ctx)`` into a :class:`Claim`.

    The decorated name is bound to the Claim, and the Claim is registered under the
    module where the decoration happens, in definition order (two functions with the
    same Python name both count): ``wideminima verify FILE`` runs the claims FILE
    registered, in that order (:func:`registered_claims`).
    """

    def wrap(margin: Callable[[Any, Any], Any]) -> Claim:
        extra = {} if certified_by is None else {"certified_by": certified_by}
        made = Claim(id=id, kind=kind, statement=statement or (margin.__doc__ or "").strip().split("\n")[0],
                     strategy=strategy, margin=margin, budget=budget, exact=exact,
                     examples_scale=examples_scale, source=getattr(margin, "__module__", "") or "", strict=strict,
                     **extra)
        module = sys._getframe(1).f_globals.get("__name__", "")  # where @claim is applied, not where margin lives
        _REGISTRY.setdefault(module, []).append(made)
        return made

    return wrap


def registered_claims(module: str) -> list[Claim]:
    """The claims ``@claim`` registered while the module named ``module`` ran, in definition order."""
    return list(_REGISTRY.get(module, ()))


def forget_claims(module: str) -> None:
    """Drop the registrations of ``module`` (before it is executed again, so nothing is counted twice)."""
    _REGISTRY.pop(module, None)
