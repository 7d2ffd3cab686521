"""The verify report as text: one row per claim (the progress line is :mod:`wideminima.progress`)."""

from __future__ import annotations

from .engine import ClaimResult, ClaimStatus, VerifyResult

__all__ = ["format_row", "format_header", "format_summary"]

_COLUMNS = ("claim", "kind", "examples", "worst margin", "status", "seconds")
_WIDTHS = (28, 10, 8, 12, 9, 7)


def format_header() -> str:
    """The column titles of the verify table (claim, kind, examples, worst margin, status, seconds)."""
    return "  ".join(f"{name:<{w}}" if i < 2 or i == 4 else f"{name:>{w}}"
                     for i, (name, w) in enumerate(zip(_COLUMNS, _WIDTHS)))


def format_row(row: ClaimResult) -> str:
    """id, kind, examples, worst margin, status, seconds; refutations and errors get a second line."""
    worst = "-" if row.worst_margin is None else f"{row.worst_margin:.3g}"
    cells = (row.id, row.kind, str(row.examples), worst, row.status, f"{row.seconds:.2f}")
    line = "  ".join(f"{c:<{w}}" if i < 2 or i == 4 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, _WIDTHS)))
    if row.status == ClaimStatus.REFUTED and row.counterexample:
        line += f"\n    counterexample: {row.counterexample['file']}; reproduce: {row.reproduce}"
    elif row.status == ClaimStatus.ERROR:
        line += f"\n    {row.message}"
    if row.unconfirmed:
        line += f"\n    {row.unconfirmed} negative 50-digit margin(s) could not be certified in intervals"
    return line


def format_summary(result: VerifyResult) -> str:
    """The last line: counts by status, profile, seed and total seconds."""
    s = result.summary
    return (f"{s['verified']} verified, {s['refuted']} refuted, {s['error']} error "
            f"(profile {result.profile}, seed {result.seed}, {result.seconds:.1f} s)")
