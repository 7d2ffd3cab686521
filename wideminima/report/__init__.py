"""Experiments on which minima training reaches, and the report that shows them (``wideminima report``).

``build_report(out, mode="quick"|"full", seed=0, workers=2)`` runs experiments E1-E7
(:data:`~wideminima.report.registry.EXPERIMENT_MODULES`) and writes ``out/report.md``,
``out/figures/*.png|svg`` and ``out/results/*.json|csv``. The fixed-projection bound of
Marion & Chizat's model is in :mod:`wideminima.report.fixed_projection`.
"""

from .build import ReportResult, build_report
from .fixed_projection import fixed_projection_bound, fixed_projection_sharpness

__all__ = ["ReportResult", "build_report", "fixed_projection_bound", "fixed_projection_sharpness"]
