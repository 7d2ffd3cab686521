"""``wideminima report``: run the experiments and write a report with figures and raw results.

Exit status: 0 when every theorem check in the report passes, 1 when one fails
(the report is written either way), 2 for bad usage (e.g. ``--out`` names a
non-empty folder that is not a previous report).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from wideminima.errors import InputError
from wideminima.report.build import build_report

__all__ = ["configure", "run"]


def _experiment_list(text: str) -> list[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``report`` arguments to ``parser``."""
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes, well under a minute on 2 cores (default)")
    size.add_argument("--full", dest="mode", action="store_const", const="full", help="the real sizes, a few minutes on 2 cores (3 min measured), with a progress bar and ETA")
    parser.add_argument("--out", type=Path, default=Path("wideminima-report"), metavar="DIR", help="output folder (default: wideminima-report); replaced only if empty or a previous report")
    parser.add_argument("--seed", type=int, default=0, help="report seed; same seed, same results (default 0)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default: min(2, cores)); results do not depend on it")
    parser.add_argument("--only", type=_experiment_list, default=None, metavar="E1,E2,...", help="run only these experiments")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.set_defaults(run=run, mode="quick")


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM as an exception: the staging folder is removed and the workers stopped on the way out.
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace) -> int:
    """Build the report; 1 if a theorem check failed."""
    if args.workers < 1:
        raise InputError(f"--workers {args.workers}: must be at least 1")
    if args.seed < 0:
        raise InputError(f"--seed {args.seed}: must be >= 0")
    signal.signal(signal.SIGTERM, _terminate)
    command = f"wideminima report --{args.mode} --seed {args.seed}" + (f" --only {','.join(args.only)}" if args.only else "")
    result = build_report(
        args.out,
        mode=args.mode,
        seed=args.seed,
        workers=args.workers,
        only=args.only,
        show_progress=not args.quiet,
        command=command,
    )
    failed = result.failed_theorems
    if args.json:
        summary = {
            "out": str(result.path),
            "mode": args.mode,
            "seed": args.seed,
            "seconds": round(result.seconds, 2),
            "checks": {"passed": sum(c.passed for c in result.checks), "failed": [c.id for c in result.checks if not c.passed]},
        }
        print(json.dumps(summary))
    else:
        print(f"wrote {result.path / 'report.md'} ({len(result.checks)} checks, {len(failed)} theorem check(s) failed) in {result.seconds:.0f} s", file=sys.stderr)
    for check in failed:
        print(f"wideminima report: theorem check failed: {check.id}: {check.statement} (measured {check.value}, theory {check.bound})", file=sys.stderr)
    return 1 if failed else 0
