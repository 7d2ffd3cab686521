"""PyTorch models as chains: state_dict and safetensors files, nn.Module adapters, the sharpness command on them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wideminima.cli import main
from wideminima.errors import InputError
from wideminima.io import save_npz
from wideminima.numeric.torch_models import chain_from_module, chain_from_tensors, load_chain, load_model

torch = pytest.importorskip("torch")
nn = torch.nn


def _mlp(bias: bool = True) -> "torch.nn.Module":
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5, bias=bias), nn.Tanh(), nn.Linear(5, 4, bias=bias), nn.Tanh(),
                         nn.Linear(4, 2, bias=bias)).double()


def test_module_order_is_numeric_not_lexicographic() -> None:
    # Twelve linear layers: '10.weight' and '11.weight' sort before '2.weight' as strings.
    torch.manual_seed(1)
    net = nn.Sequential(*[nn.Linear(2 + k % 2, 2 + (k + 1) % 2, bias=False) for k in range(12)])
    chain = chain_from_tensors({k: v.numpy() for k, v in net.state_dict().items()})
    assert chain.is_linear and len(chain.layers) == 12
    for layer, module in zip(chain.layers, net):
        np.testing.assert_array_equal(layer, module.weight.detach().double().numpy())


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".safetensors"])
def test_files_round_trip_a_biased_tanh_chain(tmp_path: Path, suffix: str) -> None:
    net = _mlp()
    path = tmp_path / f"m{suffix}"
    if suffix == ".safetensors":
        save_file = pytest.importorskip("safetensors.torch").save_file

        save_file(net.state_dict(), str(path))
    else:
        torch.save(net.state_dict(), path)
    chain = load_chain(path, activation="tanh")
    reference = chain_from_module(net)
    assert chain.activation == "tanh" and chain.widths == [3, 5, 4, 2]
    for a, b in zip(chain.layers + chain.biases, reference.layers + reference.biases):
        np.testing.assert_array_equal(a, b)
    mlp, params = chain.mlp()
    x = torch.randn(7, 3, dtype=torch.float64)
    # Same function as the module (rounding of the two float64 evaluation orders only).
    np.testing.assert_allclose(mlp.forward(params, x.numpy()), net(x).detach().numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    ("tensors", "kwargs", "message"),
    [
        ({"0.weight": np.ones((2, 3)), "2.weight": np.ones((1, 2))}, {}, "chain is nonlinear; name its activation"),
        ({"0.weight": np.ones((2, 3)), "1.weight": np.ones((1, 3))}, {}, "1.weight needs 2 columns"),
        ({"0.weight": np.ones((2, 3)), "running_mean": np.ones(2)}, {}, "unexpected entry 'running_mean'"),
        ({"0.weight": np.ones((2, 3)), "0.bias": np.ones(3)}, {}, "0.bias has 3 entries"),
        ({"0.weight": np.ones((2, 3)), "1.weight": np.ones((1, 2)), "1.bias": np.ones(1)}, {}, "some Linear layers have biases"),
        ({"a.0.weight": np.ones((2, 2)), "b.1.weight": np.ones((2, 2))}, {}, "several modules"),
        ({"0.weight": np.ones(3)}, {}, "must have 2 dimensions"),
        ({"0.weight": np.full((2, 2), np.nan)}, {}, "NaN"),
        ({"0.weight": np.ones((2, 3))}, {"residual": True}, "residual block of a ResNet is square"),
        ({"0.weight": np.ones((2, 2))}, {"residual": True, "activation": "relu"}, "linear ResNets"),
        ({"0.weight": np.ones((2, 2))}, {"activation": "gelu"}, "unknown activation 'gelu'"),
    ],
)
def test_bad_state_dicts_are_one_line_input_errors(tensors: dict, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        chain_from_tensors(tensors, **kwargs)
    assert "\n" not in str(info.value)


def test_pickled_objects_are_refused_and_never_run(tmp_path: Path) -> None:
    ran = tmp_path / "ran"

    class Payload:
        def __reduce__(self):  # what an attacker's file would run on unpickling
            return (Path.touch, (ran,))

    torch.save({"0.weight": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(InputError, match="refused, not a plain state_dict"):
        load_chain(tmp_path / "evil.pt")
    assert not ran.exists()
    torch.save({"0.weight": [1, 2]}, tmp_path / "list.pt")
    with pytest.raises(InputError, match="'0.weight' is a list, not a tensor"):
        load_chain(tmp_path / "list.pt")
    (tmp_path / "x.onnx").write_bytes(b"")
    with pytest.raises(InputError, match="unknown model file type"):
        load_model(tmp_path / "x.onnx")


def test_a_missing_extra_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.safetensors").write_bytes(b"")
    torch.save({"0.weight": torch.eye(2)}, tmp_path / "m.pt")
    monkeypatch.setitem(__import__("sys").modules, "safetensors.numpy", None)  # import fails
    with pytest.raises(InputError, match=r"pip install 'wideminima\[safetensors\]'"):
        load_chain(tmp_path / "m.safetensors")
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(InputError, match=r"pip install 'wideminima\[torch\]'"):
        load_chain(tmp_path / "m.pt")


def test_residual_chain_adds_the_identity(tmp_path: Path) -> None:
    blocks = {"0.weight": 0.1 * np.eye(2), "1.weight": np.array([[0.0, 0.2], [0.0, 0.0]])}
    save_npz(tmp_path / "r.npz", {"W1": blocks["0.weight"], "W2": blocks["1.weight"]})
    save_npz(tmp_path / "bad.npz", {"W1": np.ones((2, 3))})
    with pytest.raises(InputError, match="W1 has shape \\(2, 3\\); a residual block"):
        load_model(tmp_path / "bad.npz", residual=True)
    for chain in (chain_from_tensors(blocks, residual=True), load_model(tmp_path / "r.npz", residual=True)):
        np.testing.assert_array_equal(chain.weights[0], 1.1 * np.eye(2))
        np.testing.assert_array_equal(chain.weights[1], np.array([[1.0, 0.2], [0.0, 1.0]]))


def test_module_adapter_recognizes_exact_chains_only() -> None:
    assert chain_from_module(_mlp()).activation == "tanh"
    assert chain_from_module(nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(0.2), nn.Linear(2, 1))).negative_slope == 0.2
    assert chain_from_module(nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 1, bias=False))).is_linear
    others = [
        nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)),  # mixed activations
        nn.Sequential(nn.Linear(2, 2), nn.ReLU()),  # activation on the output
        nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.Linear(2, 1)),  # activation missing once
        nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1)),  # an activation the chain does not know
        nn.Linear(2, 2),
    ]
    assert all(chain_from_module(m) is None for m in others)


def test_sharpness_command_on_pytorch_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = _mlp()
    torch.save(net.state_dict(), tmp_path / "m.pt")
    rng = np.random.default_rng(0)
    save_npz(tmp_path / "d.npz", {"X": rng.standard_normal((40, 3)), "Y": rng.standard_normal((40, 2))})
    assert main(["sharpness", str(tmp_path / "m.pt"), "--data", str(tmp_path / "d.npz"), "--activation", "tanh", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["activation"] == "tanh" and got["biases"] is True and got["converged"] is True
    assert got["lambda_min"] < got["lambda_max"] and got["trace_method"] == "hutch++" and got["trace_standard_error"] > 0
    assert got["at_global_minimum"] is None and len(got["coupling"]) == 2
    # Errors: exit 2, one line.
    for argv, message in [
        ([str(tmp_path / "m.pt"), "--data", str(tmp_path / "d.npz")], "name its activation"),
        ([str(tmp_path / "m.pt"), "--activation", "relu"], "needs --data with samples X and Y"),
    ]:
        assert main(["sharpness", *argv]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


def test_sharpness_command_on_a_linear_state_dict_matches_the_npz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wideminima.numeric.files import save_weights

    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Linear(4, 3, bias=False)).double()
    torch.save(net.state_dict(), tmp_path / "w.pt")
    save_weights(tmp_path / "w.npz", [m.weight.detach().numpy() for m in net])
    outs = []
    for name in ("w.pt", "w.npz"):
        assert main(["sharpness", str(tmp_path / name), "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1]
    assert outs[0]["gauge_invariant_flatness"] == pytest.approx(outs[0]["sharpness_ratio"], rel=1e-15)
