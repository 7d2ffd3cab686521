"""The verify report as text: one row per claim (the progress line is :mod:`wideminima.progress`)."""

from __future__ import annotations

from .engine import ClaimResult, ClaimStatus, VerifyResult

__all__ = ["format_row", "format_header", "format_summary", "format_coverage"]

_COLUMNS = ("claim", "kind", "examples", "worst margin", "status", "seconds")
_WIDTHS = (28, 10, 8, 12, 16, 7)


def format_header() -> str:
    """The column titles of the verify table (claim, kind, examples, worst margin, status, seconds)."""
    return "  ".join(f"{name:<{w}}" if i < 2 or i == 4 else f"{name:>{w}}"
                     for i, (name, w) in enumerate(zip(_COLUMNS, _WIDTHS)))


def format_row(row: ClaimResult) -> str:
    """id, kind, examples, worst margin, status, seconds; a second line says what a non-verified status rests on."""
    worst = "-" if row.worst_margin is None else f"{row.worst_margin:.3g}"
    cells = (row.id, row.kind, str(row.examples), worst, str(row.status), f"{row.seconds:.2f}")
    line = "  ".join(f"{c:<{w}}" if i < 2 or i == 4 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, _WIDTHS)))
    if row.status == ClaimStatus.REFUTED and row.counterexample:
        line += f"\n    counterexample (interval-certified): {row.counterexample['file']}; reproduce: {row.reproduce}"
    elif row.status == ClaimStatus.VIOLATED_FLOAT64 and row.counterexample:
        line += (f"\n    float64 evidence only (not certified): {row.counterexample['file']}; "
                 f"reproduce: {row.reproduce}")
    elif row.message:
        line += f"\n    {row.message}"
    if row.status in (ClaimStatus.REFUTED, ClaimStatus.VIOLATED_FLOAT64) and row.counterexample \
            and "shard" in row.counterexample:
        line += f"\n    found by shard {row.counterexample['shard']}; its search alone: {row.counterexample['search']}"
    return line


def format_coverage(row: ClaimResult) -> str:
    """The claim's coverage: one line per stratum reached, with its examples and worst float64 margin."""
    lines = [f"    {'stratum':<28} {'examples':>8} {'worst margin':>12}"]
    lines += [f"    {c['stratum']:<28} {c['examples']:>8} {c['worst_margin']:>12.3g}" for c in row.coverage]
    return "\n".join(lines)


def format_summary(result: VerifyResult) -> str:
    """The last line: counts of the statuses present, profile, seed, total seconds and exit status."""
    s = result.summary
    counts = ", ".join(f"{s[str(status)]} {status}" for status in ClaimStatus
                       if s[str(status)] or status in (ClaimStatus.VERIFIED, ClaimStatus.REFUTED))
    run = f"profile {result.profile}, seed {result.seed}"
    if result.examples is not None:
        run += f", --examples {result.examples}"
    shards = tuple(result.shards)
    if len(shards) > 1:
        run += f", {len(shards)} seed shards per claim"
    elif shards[0].count > 1:
        run += f", shard {shards[0].label} only"
    return f"{counts} ({run}, {result.seconds:.1f} s, exit {result.exit_code})"
