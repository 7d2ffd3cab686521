"""Run every benchmark in this folder, one after the other: ``python benchmarks/run.py [NAME ...]``.

Discovers ``bench_*.py`` (and any other ``*.py`` here except this file and ``_*.py``),
runs each as its own process so that one failure does not stop the others, and
prints their tables. Give names (e.g. ``sharpness``) to run only those.
Exit status: 0 if every benchmark ran, 1 otherwise.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def discover(folder: Path) -> list[Path]:
    """The benchmark scripts in ``folder``, ``bench_*.py`` first, then the others, each sorted."""
    scripts = [p for p in folder.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_")]
    return sorted(scripts, key=lambda p: (not p.name.startswith("bench_"), p.name))


def main(argv: list[str]) -> int:
    folder = Path(__file__).resolve().parent
    scripts = discover(folder)
    if argv:
        scripts = [p for p in scripts if p.stem in argv or p.stem.removeprefix("bench_") in argv]
    failed = []
    for script in scripts:
        print(f"== {script.name} ==", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)], check=False)
        print(f"== {script.name}: exit {done.returncode}, {time.perf_counter() - start:.0f} s ==\n", flush=True)
        if done.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
