"""Make the example files the README's commands read: ``python examples/make_files.py [DIR]``.

Writes into DIR (default: the current folder), each file atomically:

- ``gauge.npz``: a gauge-transformed global minimum of T = diag(4, 1, 0.5), widths
  3-5-5-3 (``numeric.gauge_minimum`` with ``np.random.default_rng(0)``): a minimum,
  but far from the flattest one (sharpness ratio about 9);
- ``weights.npz``: Gaussian weights (std 0.5, seed 1) of the same widths, not trained;
- ``data.npz``: ``X`` (200 x 3 standard Gaussian samples, seed 2) and
  ``Y = X T^T + 0.1 noise`` for the same T (samples are rows).

A file that already exists is left alone (and said so): nothing you had is overwritten.
Exit status 0; 2 when DIR is not a folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from wideminima.io import save_npz
from wideminima.numeric import gauge_minimum
from wideminima.numeric.files import save_weights

TARGET = np.diag([4.0, 1.0, 0.5])
WIDTHS = [3, 5, 5, 3]
SAMPLES, NOISE = 200, 0.1


def example_arrays() -> dict[str, dict[str, np.ndarray]]:
    """File name -> the arrays it holds (deterministic: fixed seeds)."""
    gauge = gauge_minimum(TARGET, WIDTHS, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    weights = [0.5 * rng.standard_normal((WIDTHS[k + 1], WIDTHS[k])) for k in range(len(WIDTHS) - 1)]
    rng = np.random.default_rng(2)
    x = rng.standard_normal((SAMPLES, WIDTHS[0]))
    y = x @ TARGET.T + NOISE * rng.standard_normal((SAMPLES, WIDTHS[-1]))
    return {
        "gauge.npz": {f"W{k}": w for k, w in enumerate(gauge, start=1)},
        "weights.npz": {f"W{k}": w for k, w in enumerate(weights, start=1)},
        "data.npz": {"X": x, "Y": y},
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(".")
    if len(argv) > 1 or not folder.is_dir():
        print(f"make_files.py: {folder}: not a folder (usage: python examples/make_files.py [DIR])", file=sys.stderr)
        return 2
    for name, arrays in example_arrays().items():
        path = folder / name
        if path.exists():
            print(f"{path}: exists, left alone")
            continue
        if name == "data.npz":
            save_npz(path, arrays)
        else:
            save_weights(path, list(arrays.values()))
        print(f"{path}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
