"""benchmarks/run.py: quick by default, --full states its expected cost; every benchmark follows the convention."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_module():
    spec = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_benchmark_has_a_quick_mode_and_a_full_cost() -> None:
    run = _run_module()
    scripts = run.discover(ROOT / "benchmarks")
    assert len(scripts) >= 4
    for script in scripts:
        assert '"--quick"' in script.read_text(), f"{script.name}: accept --quick (benchmarks/run.py passes it)"
        assert script.name in run.FULL_COST, f"{script.name}: add its full cost to FULL_COST in benchmarks/run.py"
    line = run.full_estimate(scripts)
    assert line.startswith("--full: expect about ") and "min on 2 cores" in line and "not estimated" not in line
