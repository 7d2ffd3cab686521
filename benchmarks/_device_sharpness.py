"""One row per (N, d) of ``sharpness`` on a device: ``python benchmarks/_device_sharpness.py --device cuda|cpu``.

Helper of benchmarks/device_check.sh (the leading underscore keeps benchmarks/run.py from
running it on machines without a GPU). The instances are bench_sharpness.py's
gauge-transformed minima (whitened data, all widths d): N >= 3 runs Lanczos on G, N = 2 the
Kronecker reduction. ``cpu``: NumPy float64 with the toolkit's default threads; ``cuda``:
torch float64 tensors on the GPU (one warm-up call first, so CUDA initialisation is not timed).
Prints one JSON object per case: depth, width, device, seconds (median), products, method, lambda_max.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from wideminima.numeric import gauge_minimum, sharpness


def _instance(depth: int, width: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    target = rng.standard_normal((width, width)) / np.sqrt(width)
    return gauge_minimum(target, [width] * (depth + 1), rng, condition=10.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), required=True)
    parser.add_argument("--cases", default="8x256,4x1024,2x4096")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    convert = lambda ws: ws  # noqa: E731 - NumPy on the CPU
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("device_sharpness: torch sees no CUDA device")
        convert = lambda ws: [torch.as_tensor(w, dtype=torch.float64, device="cuda") for w in ws]  # noqa: E731
        sharpness(convert([np.eye(30), np.eye(30)]))  # warm up CUDA and cuBLAS
    for case in args.cases.split(","):
        depth, width = (int(x) for x in case.lower().split("x"))
        weights = convert(_instance(depth, width))
        times, spec = [], None
        for _ in range(args.repeats):
            start = time.perf_counter()
            spec = sharpness(weights)  # returns Python floats: the device work has finished
            times.append(time.perf_counter() - start)
        print(json.dumps({"depth": depth, "width": width, "device": args.device, "seconds": statistics.median(times),
                          "products": spec.products, "method": spec.method, "lambda_max": spec.lambda_max}), flush=True)


if __name__ == "__main__":
    main()
