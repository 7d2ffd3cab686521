"""The Markdown report: numbers formatted for reading, tables, figures with captions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .registry import Check, Figure, Section, Table

__all__ = ["format_value", "markdown_table", "figure_block", "checks_table", "render_report"]


def format_value(value: Any) -> str:
    """A number as a reader wants it: 4 significant digits, scientific when tiny or huge.

    >>> format_value(1.000012345), format_value(3.6e-06), format_value(12), format_value(None)
    ('1.00001', '3.600e-06', '12', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        text = f"{value:.6g}"
        return text
    return str(value).replace("|", "\\|")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table.

    >>> print(markdown_table(["N", "ratio"], [[2, 1.0], [3, 1.5]]))
    | N | ratio |
    | --- | --- |
    | 2 | 1 |
    | 3 | 1.5 |
    """
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(format_value(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def figure_block(figure: Figure, number: int, command: str) -> str:
    """The image link (PNG, with the SVG beside it) and its three-part caption."""
    return (
        f"![{figure.title}](figures/{figure.name}.png)\n\n"
        f"**Figure {number}. {figure.title}** {figure.shows} "
        f"*Theory:* {figure.theory} "
        f"*Made by:* `{command}` ([SVG](figures/{figure.name}.svg))"
    )


def table_block(table: Table, number: int) -> str:
    """A numbered table with its title, note and CSV link."""
    note = f"\n\n{table.note}" if table.note else ""
    return (
        f"**Table {number}. {table.title}** (CSV: `results/{table.name}.csv`)\n\n"
        f"{markdown_table(table.columns, table.rows)}{note}"
    )


def checks_table(checks: Sequence[Check]) -> str:
    """Every check of the report: what was compared, the measured value, the bound, the verdict."""
    rows = [[c.id, c.kind, c.statement, c.value, c.bound, str(c.verdict)] for c in checks]
    return markdown_table(["check", "kind", "statement", "measured", "theory", "verdict"], rows)


def render_report(sections: Sequence[Section], *, title: str, preamble: str, command: str, footer: str) -> str:
    """The whole report as Markdown: preamble, one section per experiment, then all checks."""
    parts = [f"# {title}", preamble]
    figure_no = table_no = 0
    all_checks: list[Check] = []
    for section in sections:
        parts.append(f"## {section.id}. {section.title}")
        parts.append(section.text)
        for table in section.tables:
            table_no += 1
            parts.append(table_block(table, table_no))
        for figure in section.figures:
            figure_no += 1
            parts.append(figure_block(figure, figure_no, command))
        all_checks += section.checks
    parts.append("## Checks against the theory")
    parts.append(
        "Each row compares a number measured above with what the theory says about it. "
        "A failed *theorem* check means a bug or a wrong theorem (the command exits 1); "
        "*empirical* rows are laws seen in practice, reported but not enforced."
    )
    parts.append(checks_table(all_checks))
    parts.append(footer)
    return "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"
