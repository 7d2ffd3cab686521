"""Strata of instances: depth x widths x spectrum shape of T x Sigma_x kind, for coverage and targeting.

The verify search guarantees that every stratum its strategy reaches is evaluated a
minimum number of times, steers Hypothesis's targeting per stratum (so trivial
instances whose margin is exactly 0, such as depth 1 with 1 x 1 layers, cannot
capture the search), and reports examples and worst margin per stratum (``--coverage``).

The stratum of an instance is read from the first
:class:`~wideminima.property_tests.instances.Minimum` in it (the instance itself,
or a value of a dict instance); instances without one (user strategies of
numbers, trained-network dicts) are one stratum, ``"-"``.

- depth ``N=k``;
- widths ``d<=2`` or ``d>=3`` (the largest of d_0..d_N; theorems.md's width
  effects need d >= 3 somewhere);
- spectrum shape of T from its float64 singular values s_1 >= ... >= s_n
  (n = min(d_0, d_N)): ``single`` (n = 1), ``zero`` (rank-deficient: s_n <= 1e-9 s_1),
  ``repeated`` (s_1 - s_2 <= 1e-9 s_1), ``clustered`` (s_2 >= 0.9 s_1), else ``spread``;
- Sigma_x: ``white``, ``general`` (condition <= 100) or ``ill`` (condition > 100).

>>> import numpy as np
>>> from wideminima.property_tests.instances import Minimum
>>> stratum_of(Minimum([np.diag([2.0, 2.0]), np.eye(2)]))
'N=2 d<=2 repeated white'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .instances import Minimum

__all__ = ["stratum_of", "Coverage", "NO_STRATUM", "merge_coverage"]

NO_STRATUM = "-"
# relative thresholds of the spectrum shapes: 1e-9 is far above the float64 rounding of a
# constructed repeated or zero singular value (~1e-15 s_1) and far below any generic gap
_DEGENERATE = 1e-9
_CLUSTER = 0.9
_ILL = 100.0


def _minimum_in(instance: Any) -> Minimum | None:
    if isinstance(instance, Minimum):
        return instance
    if isinstance(instance, dict):
        return next((v for v in instance.values() if isinstance(v, Minimum)), None)
    return None


def _spectrum_shape(t: np.ndarray) -> str:
    s = np.linalg.svd(t, compute_uv=False)
    if s.size == 1:
        return "single"
    if not np.isfinite(s).all() or s[0] == 0 or s[-1] <= _DEGENERATE * s[0]:
        return "zero"
    if s[0] - s[1] <= _DEGENERATE * s[0]:
        return "repeated"
    return "clustered" if s[1] >= _CLUSTER * s[0] else "spread"


def _sigma_kind(m: Minimum) -> str:
    if m.sigma_x_factor is None:
        return "white"
    s = np.linalg.svd(m.sigma_x_factor, compute_uv=False)
    return "ill" if s[-1] == 0 or (s[0] / s[-1]) ** 2 > _ILL else "general"


def stratum_of(instance: Any) -> str:
    """``"N=3 d>=3 spread white"``-style name of the instance's stratum (see the module docstring)."""
    m = _minimum_in(instance)
    if m is None:
        return NO_STRATUM
    try:
        width = "d>=3" if max(m.widths) >= 3 else "d<=2"
        return f"N={m.depth} {width} {_spectrum_shape(m.target)} {_sigma_kind(m)}"
    except (ValueError, np.linalg.LinAlgError):  # a malformed instance: the claim's margin will say so
        return NO_STRATUM


@dataclass
class Coverage:
    """Examples and worst float64 margin per stratum (JSON ``coverage`` of a claim)."""

    examples: dict[str, int] = field(default_factory=dict)
    worst: dict[str, float] = field(default_factory=dict)

    def add(self, stratum: str, margin: float) -> None:
        self.examples[stratum] = self.examples.get(stratum, 0) + 1
        self.worst[stratum] = min(self.worst.get(stratum, np.inf), margin)

    def count(self, stratum: str) -> int:
        return self.examples.get(stratum, 0)

    def as_json(self) -> list[dict[str, Any]]:
        """One record per stratum, sorted by name: stratum, examples, worst_margin."""
        return [{"stratum": s, "examples": self.examples[s], "worst_margin": float(self.worst[s])}
                for s in sorted(self.examples)]


def merge_coverage(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The coverage of several searches of one claim (seed shards) from theirs (:meth:`Coverage.as_json`):
    examples summed and the worst margin the minimum, per stratum."""
    merged = Coverage()
    for part in parts:
        for record in part:
            s = record["stratum"]
            merged.examples[s] = merged.count(s) + record["examples"]
            merged.worst[s] = min(merged.worst.get(s, np.inf), record["worst_margin"])
    return merged.as_json()
