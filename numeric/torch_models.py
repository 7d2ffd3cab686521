"""PyTorch models as chains of Linear layers: state_dict / safetensors files and ``nn.Module`` adapters.

A *chain* is what ``nn.Sequential(Linear, act, Linear, act, ..., Linear)`` computes:
z_k = W_k h_{k-1} + b_k, h_k = phi(z_k) for k < N, output z_N (no activation on the
last layer), W_k of shape (d_k, d_{k-1}) (W_1 applied first, as everywhere in the
toolkit). With ``residual=True`` the stored matrices are the residual blocks R_k of a
linear ResNet and the layers are W_k = I + R_k (theory id resnet-zero-init-flattest).

Files (deliverable 1 of issue 11):

- ``.pt`` / ``.pth``: a state_dict saved with ``torch.save``, read with
  ``torch.load(weights_only=True)``: only tensors and plain containers are
  accepted, no object is ever unpickled (the ``torch`` extra).
- ``.safetensors``: read with ``safetensors.numpy`` (the ``safetensors`` extra; no
  torch needed). The format holds tensors only.

Keys are module paths such as ``0.weight``, ``2.weight``, ``2.bias`` (an optional
common prefix, e.g. ``net.0.weight``, is allowed); layers are ordered by module
index compared as integers (``10`` after ``2``), never as strings. A gap between
the indices of consecutive Linear layers means a parameterless module sits between
them (an activation): the file is then nonlinear and needs an activation named.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wideminima.errors import InputError
from wideminima.io import check_input_file
from wideminima.limits import check_memory, check_network

from ._backend import as_float_array

__all__ = ["ACTIVATION_NAMES", "Chain", "read_tensors", "chain_from_tensors", "load_chain", "load_model", "chain_from_module", "is_module"]

# Names on the command line (``identity``: a linear chain) -> the MLP class's names.
ACTIVATION_NAMES = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "identity": "linear"}
_KEY = re.compile(r"(?:(?P<prefix>.*)\.)?(?P<index>[0-9]+)\.(?P<kind>weight|bias)")


@dataclass(frozen=True)
class Chain:
    """A chain of Linear layers (module docstring), float64 NumPy arrays.

    Attributes
    ----------
    layers : [M_1, ..., M_N], M_k of shape (d_k, d_{k-1}); the weights W_k, or the
        residual blocks R_k when ``residual`` (then W_k = I + R_k).
    biases : [b_1, ..., b_N] (b_k of shape (d_k,)) or None.
    activation : ``"identity"``, ``"relu"``, ``"leaky_relu"`` or ``"tanh"``.
    negative_slope : leaky ReLU's slope below zero.
    residual : whether ``layers`` are residual blocks.
    """

    layers: list[np.ndarray]
    biases: list[np.ndarray] | None
    activation: str = "identity"
    negative_slope: float = 0.01
    residual: bool = False

    @property
    def is_linear(self) -> bool:
        """A deep linear network of theorems.md: identity activation and no biases."""
        return self.activation == "identity" and self.biases is None

    @property
    def weights(self) -> list[np.ndarray]:
        """[W_1, ..., W_N]: the layers, plus the identity for a residual chain."""
        if not self.residual:
            return list(self.layers)
        return [np.eye(m.shape[0]) + m for m in self.layers]

    @property
    def widths(self) -> list[int]:
        """[d_0, ..., d_N]."""
        return [int(self.layers[0].shape[1])] + [int(m.shape[0]) for m in self.layers]

    def mlp(self) -> tuple[Any, list[np.ndarray]]:
        """(``MLP`` architecture, parameters [W_1..W_N, b_1..b_N]) computing the same function."""
        from .mlp import MLP

        net = MLP(tuple(self.widths), activation=ACTIVATION_NAMES[self.activation], bias=self.biases is not None,
                  negative_slope=self.negative_slope)
        return net, self.weights + (list(self.biases) if self.biases is not None else [])


def _missing_extra(package: str, extra: str) -> InputError:
    return InputError(f"reading this file needs the {package} package: pip install 'wideminima[{extra}]'")


def read_tensors(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The named tensors of a ``.pt``/``.pth`` state_dict or a ``.safetensors`` file, as NumPy arrays.

    Never unpickles an object: ``torch.load(weights_only=True)`` refuses anything
    but tensors and plain containers, and safetensors holds tensors only.
    """
    p = check_input_file(path)
    check_memory(f"{p}: its tensors", p.stat().st_size)
    suffix = p.suffix.lower()
    if suffix == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError:
            raise _missing_extra("safetensors", "safetensors") from None
        try:
            loaded: Mapping[str, Any] = load_file(str(p))
        except Exception as exc:  # safetensors raises its own SafetensorError and others for corrupt files
            raise InputError(f"{p}: not a readable safetensors file ({type(exc).__name__}: {exc})") from None
        return {name: np.asarray(value) for name, value in loaded.items()}
    if suffix not in (".pt", ".pth"):
        raise InputError(f"{p}: unknown model file type {suffix!r}; use .npz, .pt, .pth or .safetensors")
    try:
        import torch
    except ImportError:
        raise _missing_extra("torch", "torch") from None
    try:
        loaded = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError for disallowed objects, RuntimeError/EOFError for corrupt files
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # torch colours its message
        first = text.splitlines()[0].split(". ")[0] if text else type(exc).__name__
        raise InputError(f"{p}: refused, not a plain state_dict of tensors (torch.load(weights_only=True): {first})") from None
    if not isinstance(loaded, Mapping):
        raise InputError(f"{p}: holds a {type(loaded).__name__}, not a state_dict (a mapping of names to tensors)")
    out = {}
    for name, value in loaded.items():
        if not isinstance(value, torch.Tensor):
            raise InputError(f"{p}: entry {name!r} is a {type(value).__name__}, not a tensor")
        out[str(name)] = value.detach().cpu().to(torch.float64).numpy() if value.is_floating_point() else value.numpy()
    return out


def chain_from_tensors(
    tensors: Mapping[str, Any], *, activation: str | None = None, residual: bool = False, negative_slope: float = 0.01,
    source: str = "the model",
) -> Chain:
    """The chain held by a state_dict's tensors (module docstring), validated.

    Raises :class:`InputError` for keys that are not ``[prefix.]INDEX.weight|bias``,
    several prefixes, a weight that is not a matrix, a bias that does not match its
    weight, shapes that do not chain, an unknown activation, a nonlinear file
    (gaps between Linear indices) without ``activation``, and ``residual`` with a
    nonlinear activation or non-square layers.
    """
    if activation is not None and activation not in ACTIVATION_NAMES:
        raise InputError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATION_NAMES)}")
    if not tensors:
        raise InputError(f"{source}: holds no tensors")
    weights: dict[int, Any] = {}
    biases: dict[int, Any] = {}
    prefixes = set()
    for name, value in tensors.items():
        match = _KEY.fullmatch(name)
        if match is None:
            raise InputError(
                f"{source}: unexpected entry {name!r}; a chain of Linear layers has keys like 0.weight, 0.bias, 2.weight"
            )
        prefixes.add(match.group("prefix") or "")
        (weights if match.group("kind") == "weight" else biases)[int(match.group("index"))] = value
    if len(prefixes) > 1:
        raise InputError(f"{source}: keys under several modules {sorted(prefixes)}; expected one nn.Sequential")
    if set(biases) - set(weights):
        raise InputError(f"{source}: biases without weights at module indices {sorted(set(biases) - set(weights))}")
    if biases and set(biases) != set(weights):
        raise InputError(f"{source}: some Linear layers have biases and others not (indices {sorted(set(weights) - set(biases))} have none)")
    order = sorted(weights)  # integers: module 10 comes after module 2
    layers = [as_float_array(weights[i], f"{source}: {i}.weight", ndim=2) for i in order]
    bias_list = None
    if biases:
        bias_list = [as_float_array(biases[i], f"{source}: {i}.bias", ndim=1) for i in order]
        for i, w, b in zip(order, layers, bias_list):
            if b.shape[0] != w.shape[0]:
                raise InputError(f"{source}: {i}.bias has {b.shape[0]} entries but {i}.weight has {w.shape[0]} rows")
    for (i, prev), (j, cur) in zip(zip(order, layers), zip(order[1:], layers[1:])):
        if cur.shape[1] != prev.shape[0]:
            raise InputError(
                f"{source}: {j}.weight has shape {cur.shape} but {i}.weight has shape {prev.shape}: "
                f"{j}.weight needs {prev.shape[0]} columns"
            )
    gapped = any(b - a > 1 for a, b in zip(order, order[1:]))
    if activation is None:
        if gapped:
            raise InputError(
                f"{source}: modules sit between the Linear layers (indices {order}), so the chain is nonlinear; "
                "name its activation (--activation relu|leaky_relu|tanh|identity)"
            )
        activation = "identity"
    if residual:
        if activation != "identity":
            raise InputError(f"{source}: residual chains are linear ResNets; got activation {activation!r}")
        for i, m in zip(order, layers):
            if m.shape[0] != m.shape[1]:
                raise InputError(f"{source}: {i}.weight has shape {m.shape}; a residual block of a ResNet is square")
    if not np.isfinite(negative_slope):
        raise InputError(f"negative_slope must be finite, got {negative_slope}")
    return Chain(layers, bias_list, activation, float(negative_slope), bool(residual))


def load_chain(
    path: str | os.PathLike[str], *, activation: str | None = None, residual: bool = False, negative_slope: float = 0.01
) -> Chain:
    """The chain stored in a ``.pt``/``.pth``/``.safetensors`` file (see :func:`chain_from_tensors`)."""
    return chain_from_tensors(read_tensors(path), activation=activation, residual=residual,
                              negative_slope=negative_slope, source=str(path))


def load_model(
    path: str | os.PathLike[str], *, activation: str | None = None, residual: bool = False, negative_slope: float = 0.01
) -> Chain:
    """The chain in any model file: ``.npz`` (W1..WN, interfaces.md) or a PyTorch/safetensors state_dict.

    For ``.npz`` the layers are W1..WN (or the residual blocks with ``residual``) without
    biases; ``activation`` None means a linear chain.
    """
    if Path(path).suffix.lower() != ".npz":
        chain = load_chain(path, activation=activation, residual=residual, negative_slope=negative_slope)
        check_network([int(d) for d in chain.widths])  # the size limits .npz files get in numeric.files
        return chain
    from .files import load_weights

    layers = load_weights(path)
    for k, layer in enumerate(layers, start=1):  # name the layer as the file does (W1..WN), not by module index
        if residual and layer.shape[0] != layer.shape[1]:
            raise InputError(f"{path}: W{k} has shape {layer.shape}; a residual block of a ResNet is square")
    return chain_from_tensors({f"{k}.weight": w for k, w in enumerate(layers)}, activation=activation,
                              residual=residual, negative_slope=negative_slope, source=str(path))


def is_module(value: Any) -> bool:
    """Whether ``value`` is a ``torch.nn.Module`` (False without importing torch when it is not loaded)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.nn.Module)


def chain_from_module(module: Any) -> Chain | None:
    """The chain an ``nn.Module`` computes, when it is exactly one; else None (use the generic path).

    Exactly a chain: an ``nn.Sequential`` of ``nn.Linear`` layers, the first and
    last Linear, with between consecutive Linears either nothing or one activation
    module (``ReLU``, ``LeakyReLU``, ``Tanh``, ``Identity``), the same kind and slope
    everywhere, and biases on all Linears or on none. Weights are copied to float64.
    """
    import torch
    from torch import nn

    if not isinstance(module, nn.Sequential) or len(module) == 0:
        return None
    kinds = {nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.Tanh: "tanh", nn.Identity: "identity"}
    linears, between, slope, gap = [], set(), 0.01, []
    for child in module:
        if isinstance(child, nn.Linear):
            linears.append(child)
            gap.append(0)
        elif type(child) in kinds and linears:
            between.add(kinds[type(child)])
            gap[-1] += 1
            if isinstance(child, nn.LeakyReLU):
                slope = float(child.negative_slope)
        else:
            return None
    if not linears or gap[-1] != 0 or any(g > 1 for g in gap) or len(between) > 1:
        return None
    # Linears next to each other with no module between: only consistent with a linear chain.
    activation = between.pop() if between else "identity"
    if activation != "identity" and any(g == 0 for g in gap[:-1]):
        return None
    if len({m.bias is None for m in linears}) > 1:
        return None
    with torch.no_grad():
        layers = [m.weight.detach().cpu().to(torch.float64).numpy().copy() for m in linears]
        biases = None if linears[0].bias is None else [m.bias.detach().cpu().to(torch.float64).numpy().copy() for m in linears]
    return Chain(layers, biases, activation, slope, False)
