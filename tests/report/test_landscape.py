"""Landscape pictures: the exact width is the loss's own crossing, the quadratic one matches at a minimum, files are written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.report.landscape import compute_landscape, draw_landscape
from wideminima.numeric import gauge_minimum, loss, sharpness
from wideminima.numeric.moments import Moments
from wideminima.numeric.torch_models import Chain

pytest.importorskip("matplotlib")


def test_linear_minimum_widths_and_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = gauge_minimum(np.diag([2.0, 1.0]), [2, 3, 2], rng)
    pictures = compute_landscape(weights, None, delta=1e-6, points=21)
    assert pictures.lambda_1 == pytest.approx(sharpness(weights).lambda_max, rel=1e-10)
    assert abs(pictures.slope) <= 1e-8  # a critical point (central difference of step 1e-6: rounding ~1e-10 / 1e-6)
    # The exact width is where the loss itself rises by delta: check it on the loss (bisection to 1e-12 in t).
    v1 = pictures.v1
    flat = np.concatenate([w.reshape(-1) for w in weights])
    shapes = [w.shape for w in weights]

    def excess(t: float) -> float:
        point, start = [], 0
        for shape in shapes:
            size = shape[0] * shape[1]
            point.append((flat + t * v1)[start : start + size].reshape(shape))
            start += size
        return loss(point, Moments.whitened(weights[1] @ weights[0])) - pictures.base_loss

    w = pictures.exact_width
    assert excess(w) >= 1e-6 > excess(w * (1 - 1e-9))
    # Small delta: the quadratic model is accurate to first order in the width (cubic term / quadratic ~ t).
    assert w == pytest.approx(pictures.quadratic_width, rel=1e-2)
    paths = draw_landscape(pictures, tmp_path, "lin")
    assert sorted(p.name for p in paths) == sorted(f"lin-{k}.{e}" for k in ("1d", "2d", "density") for e in ("png", "svg"))
    assert all(p.stat().st_size > 0 for p in paths)


def test_mlp_landscape_and_bad_input() -> None:
    rng = np.random.default_rng(1)
    chain = Chain([rng.standard_normal((4, 2)), rng.standard_normal((1, 4))], None, "tanh")
    x, y = rng.standard_normal((20, 2)), rng.standard_normal((20, 1))
    pictures = compute_landscape(chain, (x, y), points=11)
    assert pictures.density.method == "slq" and pictures.loss_2d.shape == (5, 5)
    assert pictures.loss_1d[5] == 0.0  # t = 0 is the point itself
    with pytest.raises(InputError, match="delta must be a positive"):
        compute_landscape(chain, (x, y), delta=0.0)


def test_landscape_command_writes_six_figures_and_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from wideminima.cli import main
    from wideminima.io import save_npz
    from wideminima.numeric.files import save_weights

    rng = np.random.default_rng(2)
    save_weights(tmp_path / "w.npz", [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))])
    save_npz(tmp_path / "d.npz", {"X": rng.standard_normal((20, 2)), "Y": rng.standard_normal((20, 1))})
    argv = [str(tmp_path / "w.npz"), "--data", str(tmp_path / "d.npz"), "--activation", "tanh", "--points", "9"]
    assert main(["landscape", *argv, "--out", str(tmp_path / "pics"), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["density"] == "slq" and len(got["files"]) == 6 and all(Path(f).is_file() for f in got["files"])
    assert got["lambda_1"] >= got["lambda_2"]
    (tmp_path / "file").write_text("")
    for extra, message in [(["--out", str(tmp_path / "file")], "is not a folder"), (["--delta", "-1"], "delta must be a positive"),
                           (["--name", "a/b"], "plain file name")]:
        assert main(["landscape", *argv, *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
