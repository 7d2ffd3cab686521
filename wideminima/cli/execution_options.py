"""``--workers K`` and ``--scheduler ADDRESS``: where ``verify`` and ``report`` run their tasks.

``--workers K``: K local worker processes (standard library; no extra needed).
``--scheduler ADDRESS``: the workers of a Dask scheduler (the optional extra
``dask``). The two exclude each other; results are the same either way
(:mod:`wideminima.execution`).
"""

from __future__ import annotations

import argparse

from wideminima.execution import Backend

__all__ = ["add_execution_options", "backend_from"]


def add_execution_options(parser: argparse.ArgumentParser, default: str) -> None:
    """Add ``--workers`` and ``--scheduler``; ``default`` says in the help what runs without either."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="K",
                       help=f"run on K local worker processes (default: {default}); results do not depend on it")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on the workers of the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786 "
                            "(needs the extra: pip install 'wideminima[dask]'); same results as one process")


def backend_from(args: argparse.Namespace, default: Backend) -> Backend:
    """The backend the arguments ask for; ``default`` when neither option is given."""
    if args.scheduler is not None:
        return Backend.dask(args.scheduler)
    if args.workers is not None:
        return Backend.processes(args.workers)
    return default
