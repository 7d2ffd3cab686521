"""Training throughput: GD/SGD steps per second (median of repeats) for the report's workloads.

Run: ``python benchmarks/training.py`` (prints a table). Steps/s counts updates,
with the per-step loss and gradient-norm checks and no trajectory logging.
"""

from __future__ import annotations

import platform
import statistics

import numpy as np

from wideminima.numeric import MLP, Moments, train
from wideminima.cli.train import synthetic_target

REPEATS = 5
NEVER = 1e-300  # a tolerance no run reaches: every run does all its steps


def _cases():
    resnet = Moments.whitened(synthetic_target("margin", 3, 3, 0))
    wide = Moments.whitened(synthetic_target("margin", 10, 10, 0))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 3))
    y = np.tanh(x @ synthetic_target("gaussian", 3, 3, 1).T)
    mlp = MLP((3, 16, 3), activation="tanh", bias=True)
    yield "linear GD, d=3 N=3 (resnet, population)", 20000, lambda: train("resnet", resnet, widths=[3] * 4, lr=0.02, steps=20000, tol=NEVER)
    yield "linear GD, d=10 N=5 (resnet, population)", 5000, lambda: train("resnet", wide, widths=[10] * 6, lr=0.02, steps=5000, tol=NEVER)
    yield "linear SGD, d=3 N=3, n=256, batch 32", 5000, lambda: train("resnet", (x, x @ resnet.target.T), widths=[3] * 4, optimizer="sgd", batch_size=32, lr=0.02, steps=5000, tol=NEVER)
    yield "MLP GD, 3-16-3 tanh+bias, n=256", 5000, lambda: train(mlp, (x, y), lr=0.05, steps=5000, tol=NEVER)
    yield "MLP SGD, 3-16-3 tanh+bias, batch 32", 5000, lambda: train(mlp, (x, y), optimizer="sgd", batch_size=32, lr=0.05, steps=5000, tol=NEVER)


def main() -> None:
    print(f"training throughput ({platform.processor() or platform.machine()}, numpy {np.__version__}), median of {REPEATS}")
    print(f"{'workload':48s} {'steps':>7s} {'steps/s':>10s}")
    for name, steps, run in _cases():
        rates = []
        for _ in range(REPEATS):
            result = run()
            assert result.steps == steps, (name, result.status)
            rates.append(result.steps_per_second)
        print(f"{name:48s} {steps:7d} {statistics.median(rates):10.0f}")


if __name__ == "__main__":
    main()
