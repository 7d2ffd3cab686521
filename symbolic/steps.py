"""Checked derivation steps: the Step and Derivation types, the step constructors and the exact zero test.

A :class:`Step` is made by one of the constructors below, which run the check when
the step is built and record the outcome; nothing else can set ``checked``:

- :func:`identity_step` : claim ``lhs = rhs``; checked when ``expand(lhs - rhs)`` is
  exactly 0 (every entry, for matrices), falling back to ``simplify`` once.
- :func:`fact_step` : a claim decided by an exact SymPy computation the caller ran
  (a ``bool`` that is exactly ``True``; SymPy's ``None`` "cannot decide" is not).
- :func:`cited_step` : a claim SymPy does not check (a cited theorem, a definition):
  ``checked`` is False and the reason is printed.

A :class:`Derivation` renders as text, LaTeX and JSON; in JSON each step has
``"checked": true|false``.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", ("x real",), (identity_step("square", "binomial formula", (x + 1) ** 2, x**2 + 2 * x + 1),
...                                      identity_step("wrong", "typo", (x + 1) ** 2, x**2 + 1)))
>>> [s.checked for s in d.steps], d.all_checked
([True, False], False)
>>> print(d.to_text().splitlines()[2])
1. [checked] square: (x + 1)**2 = x**2 + 2*x + 1
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = ["Derivation", "Step", "cited_step", "fact_step", "identity_step", "is_zero"]


@dataclass(frozen=True)
class Step:
    """One step: ``claim`` (words), ``formula`` (text) and ``latex`` (the same in LaTeX),
    ``justification`` (why it holds), ``check`` (what the machine did) and ``checked``."""

    claim: str
    formula: str
    latex: str
    justification: str
    check: str
    checked: bool

    def to_dict(self) -> dict[str, Any]:
        """The step as a JSON-ready dict (the fields above)."""
        return {
            "claim": self.claim,
            "formula": self.formula,
            "latex": self.latex,
            "justification": self.justification,
            "check": self.check,
            "checked": self.checked,
        }


def _entries(expr: Any) -> list[Any]:
    return list(expr) if isinstance(expr, sp.MatrixBase) else [expr]


def _polynomial_is_zero(entries: list[Any]) -> bool | None:
    """Decide entries == 0 in the sparse polynomial ring QQ[symbols] (fast, exact); None if not polynomials."""
    from sympy.polys.polyerrors import CoercionFailed, GeneratorsNeeded, PolynomialError
    from sympy.polys.rings import ring

    gens = sorted(set().union(*(sp.sympify(e).free_symbols for e in entries)), key=sp.default_sort_key)
    if not gens:
        return None
    try:
        poly_ring = ring(gens, sp.QQ)[0]
        return all(poly_ring.from_expr(e) == 0 for e in entries)
    except (CoercionFailed, GeneratorsNeeded, PolynomialError, ValueError):
        return None


def is_zero(expr: Any) -> bool:
    """True when ``expr`` (expression or matrix) is exactly zero.

    Polynomials with rational coefficients are decided exactly in the ring QQ[symbols];
    anything else (radicals, logarithms, absolute values) by ``expand``, then ``simplify``
    as a fallback. Never True on a numerical coincidence: only an exact 0 counts, and an
    entry holding a SymPy Float (rounded arithmetic) is never declared zero. Build claims
    from exact numbers: SymPy already rounds Float arithmetic when an expression is built.
    """
    entries = _entries(expr)
    if any(sp.sympify(e).has(sp.Float) for e in entries):
        return False
    decided = _polynomial_is_zero(entries)
    if decided is not None:
        return decided
    for entry in entries:
        value = sp.expand(entry)
        if value != 0 and sp.simplify(value) != 0:
            return False
    return True


def identity_step(
    claim: str, justification: str, lhs: Any, rhs: Any, *, formula: str | None = None, shown: tuple[Any, Any] | None = None
) -> Step:
    """A step claiming ``lhs = rhs``, checked by exact simplification of the difference.

    ``shown`` replaces the two sides in the LaTeX rendering (e.g. an unevaluated
    ``Derivative`` on the left instead of its value); the check always uses lhs and rhs.
    """
    if isinstance(lhs, sp.MatrixBase) != isinstance(rhs, sp.MatrixBase) or (
        isinstance(lhs, sp.MatrixBase) and lhs.shape != rhs.shape
    ):
        ok, how = False, "not checked: the two sides have different shapes"
    else:
        ok = is_zero(lhs - rhs)
        size = f" in all {lhs.rows}x{lhs.cols} entries" if isinstance(lhs, sp.MatrixBase) else ""
        how = "SymPy: lhs - rhs " + ("simplifies to 0" if ok else "did NOT simplify to 0") + size
    text = formula if formula is not None else f"{sp.sstr(lhs)} = {sp.sstr(rhs)}"
    if shown is not None:
        latex = f"{sp.latex(shown[0])} = {sp.latex(shown[1])}"
    elif formula is not None and not (_small(lhs) and _small(rhs)):
        latex = r"\text{" + _escape_latex(formula) + "}"  # a large expression: print the formula, not the terms
    else:
        latex = f"{sp.latex(lhs)} = {sp.latex(rhs)}"
    return Step(claim, text, latex, justification, how, ok)


# Expressions with more nodes than this are rendered in LaTeX by their formula, not term by term.
_LATEX_MAX_NODES = 120


def _small(expr: Any) -> bool:
    budget = _LATEX_MAX_NODES
    for entry in _entries(expr):
        budget -= sum(1 for _ in itertools.islice(sp.preorder_traversal(entry), budget + 1))
        if budget < 0:
            return False
    return True


def _escape_latex(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#"), ("^", r"\^{}")):
        text = text.replace(a, b)
    return text


def fact_step(claim: str, justification: str, holds: Any, check: str, *, formula: str = "", latex: str = "") -> Step:
    """A step decided by an exact computation whose outcome is ``holds`` (checked only if it is ``True``)."""
    ok = holds is True or holds is sp.true
    how = f"SymPy: {check}" + ("" if ok else " (did NOT hold or could not be decided)")
    return Step(claim, formula, latex, justification, how, ok)


def cited_step(claim: str, justification: str, reason: str, *, formula: str = "", latex: str = "") -> Step:
    """A step the machine does not check; ``reason`` says why."""
    return Step(claim, formula, latex, justification, f"not machine-checked: {reason}", False)


@dataclass(frozen=True)
class Derivation:
    """A titled list of steps under stated assumptions."""

    title: str
    assumptions: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def all_checked(self) -> bool:
        """Whether every step was machine-checked."""
        return all(step.checked for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """Title, assumptions, ``all_checked`` and the numbered steps, JSON-ready."""
        return {
            "title": self.title,
            "assumptions": list(self.assumptions),
            "all_checked": self.all_checked,
            "steps": [dict(number=n, **step.to_dict()) for n, step in enumerate(self.steps, 1)],
        }

    def to_json(self) -> str:
        """One JSON object (``"checked": true|false`` per step)."""
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        """Plain text: one numbered step per block, [checked] or [NOT CHECKED], and a count at the end."""
        lines = [self.title, "Assumptions: " + "; ".join(self.assumptions)]
        for n, step in enumerate(self.steps, 1):
            mark = "checked" if step.checked else "NOT CHECKED"
            lines.append(f"{n}. [{mark}] {step.claim}: {step.formula}" if step.formula else f"{n}. [{mark}] {step.claim}")
            lines.append(f"   because: {step.justification}")
            lines.append(f"   check:   {step.check}")
        checked = sum(step.checked for step in self.steps)
        lines.append(f"{checked} of {len(self.steps)} steps machine-checked.")
        return "\n".join(lines)

    def to_latex(self) -> str:
        """A LaTeX fragment (an enumerate environment; needs amsmath)."""

        out = [f"\\section*{{{_escape_latex(self.title)}}}", "Assumptions: " + _escape_latex("; ".join(self.assumptions)) + ".", "\\begin{enumerate}"]
        for step in self.steps:
            mark = "checked" if step.checked else "\\textbf{not checked}"
            out.append(f"  \\item {_escape_latex(step.claim)} [{mark}]")
            if step.latex:
                out.append(f"  \\[ {step.latex} \\]")
            out.append(f"  Because: {_escape_latex(step.justification)}. Check: {_escape_latex(step.check)}.")
        out.append("\\end{enumerate}")
        return "\n".join(out)
