"""The tracking helper: rows every k steps of a user's torch loop, written as ``wideminima train``'s trajectory JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import MLP, hessian_extremes, hessian_trace, imbalance, path_gains
from wideminima.numeric.moments import Moments
from wideminima.numeric.tracking import Tracker

torch = pytest.importorskip("torch")


def test_linear_chain_rows_match_the_numeric_core_and_the_file_format(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4, bias=False), torch.nn.Linear(4, 2, bias=False)).double()
    x, y = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 2, dtype=torch.float64)
    tracker = Tracker(model, (x, y), every=3)
    for step in range(7):  # plain gradient descent (torch.optim's first step imports torch._dynamo: seconds)
        model.zero_grad()
        loss = 0.5 * ((model(x) - y) ** 2).sum() / 20
        loss.backward()
        tracker.record(step, loss=loss.item(), lr=0.05)
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.05 * p.grad
    assert [r["step"] for r in tracker.rows] == [0, 3, 6]
    moments = Moments.from_samples(x.numpy(), y.numpy())
    last = tracker.rows[-1]
    with torch.no_grad():  # step 6 was recorded before the last update: undo it to get the recorded point
        for m, g in zip(model, [m.weight.grad for m in model]):
            m.weight.add_(0.05 * g)
    weights = [m.weight.detach().numpy().copy() for m in model]
    ext = hessian_extremes(weights, moments)
    assert last["lambda_max"] == pytest.approx(ext.lambda_max, rel=1e-10)
    assert last["lambda_min"] == pytest.approx(ext.lambda_min, abs=1e-10 * ext.lambda_max)
    assert last["trace_method"] == "exact" and last["trace"] == pytest.approx(hessian_trace(weights, moments.sigma_x), rel=1e-13)
    assert last["imbalance"] == pytest.approx(imbalance(weights).tolist(), rel=1e-13)
    assert last["path_gains"] == pytest.approx(path_gains(weights).tolist(), rel=1e-13)
    tracker.write(tmp_path / "t.json", status="converged", config={"lr": 0.05})
    saved = json.loads((tmp_path / "t.json").read_text())
    assert set(saved) == {"config", "status", "rows"} and saved["status"] == "converged"
    assert saved["config"] == {"lr": 0.05, "every": 3} and len(saved["rows"]) == 3
    with pytest.raises(InputError, match="every must be an integer >= 1"):
        Tracker(model, (x, y), every=0)


def test_mlp_rows_agree_with_the_numeric_mlp() -> None:
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1)).double()
    x, y = torch.randn(15, 2, dtype=torch.float64), torch.randn(15, 1, dtype=torch.float64)
    row = Tracker(model, (x, y), every=1).record(0)
    net = MLP((2, 5, 1), activation="relu", bias=True)
    params = [m.weight.detach().numpy() for m in model[::2]] + [m.bias.detach().numpy() for m in model[::2]]
    ext = net.hessian_extremes(params, x.numpy(), y.numpy())
    assert row["lambda_max"] == pytest.approx(ext.lambda_max, rel=1e-10) and row["trace_method"] == "hutch++"
    assert row["gradient_norm"] is None and "path_gains" not in row and len(row["coupling"]) == 1
    np.testing.assert_allclose(row["imbalance"], imbalance([p for p in params[:2]]), rtol=1e-13)
