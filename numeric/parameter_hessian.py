"""The Hessian of a model's loss as a symmetric operator on the flat parameter vector.

One view for every model the toolkit takes: a deep linear network (list of
weights), an :class:`~wideminima.numeric.mlp.MLP` with its parameters, a
:class:`~wideminima.numeric.torch_models.Chain` read from a file, or any
``torch.nn.Module`` (exact chains of Linear and activation modules go through the
closed-form products; any other module through autograd, double backward).
The operator has ``matvec``, ``dim``, ``namespace`` and ``dense()``: it is a
:class:`~wideminima.numeric.operator.SymmetricOperator`, taken by the eigensolvers as is, plus the parameter blocks (one per
tensor) for per-layer spectra.

Loss: the toolkit's one convention L = 1/(2n) sum_i ||y_i - f(x_i)||^2 (interfaces.md);
a ``torch.nn.Module`` may bring its own ``loss(output, target)`` (a batch mean),
weighted by batch size over a DataLoader so that L is the mean over the data set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wideminima.errors import InputError

from ._backend import array_namespace, device_of, to_numpy

__all__ = ["ParameterHessian", "hessian_of", "samples_of", "moments_of"]


@dataclass(frozen=True)
class ParameterHessian:
    """H as an operator on flat parameter vectors of length ``dim``.

    Attributes
    ----------
    matvec : vector (dim,) -> H vector, in ``namespace`` on ``like``'s device.
    dim : P, the number of parameters.
    namespace : the array namespace of the vectors.
    like : an array fixing namespace, dtype (float64) and device of new vectors.
    blocks : [(label, start, stop)], one per parameter tensor in flat order
        (``W1``.. then ``b1``.. for chains; the module's parameter names otherwise).
    kind : ``"linear"`` (deep linear network), ``"mlp"`` (chain with activation or
        biases) or ``"autograd"`` (any other module).
    unflatten : flat vector -> list of arrays shaped like the parameters.
    weights : the layers [W_1..W_N] of a chain (NumPy), None for ``"autograd"``.
    extra : what built the products: ``moments`` (linear); ``mlp``, ``params``, ``x``, ``y``
        (mlp; the checked arrays the products use); ``module`` (autograd: the float64 copy).
    """

    matvec: Callable[[Any], Any]
    dim: int
    namespace: Any
    like: Any
    blocks: list[tuple[str, int, int]]
    kind: str
    unflatten: Callable[[Any], list[Any]]
    weights: list[np.ndarray] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def dense(self) -> Any:
        """The (P, P) Hessian in the operator's namespace, one product per column, symmetrized. For small P."""
        from .operator import MatvecOperator

        return MatvecOperator(self.matvec, self.dim, self.like).dense()

    def block(self, label: str) -> "ParameterHessian":
        """The diagonal block H_bb of one parameter tensor, as an operator of its own."""
        found = [(start, stop) for name, start, stop in self.blocks if name == label]
        if not found:
            raise InputError(f"no parameter block {label!r}; blocks are {[b[0] for b in self.blocks]}")
        start, stop = found[0]
        xp, full = self.namespace, self.dim

        def matvec(vector: Any) -> Any:
            padded = xp.concat([xp.zeros((start,), dtype=vector.dtype, device=device_of(vector)), vector,
                                xp.zeros((full - stop,), dtype=vector.dtype, device=device_of(vector))])
            return self.matvec(padded)[start:stop]

        return ParameterHessian(matvec, stop - start, xp, self.like, [(label, 0, stop - start)], self.kind,
                                lambda v: [v], None)


def _blocks(labels: Sequence[str], shapes: Sequence[tuple[int, ...]]) -> list[tuple[str, int, int]]:
    out, start = [], 0
    for label, shape in zip(labels, shapes):
        size = int(np.prod(shape))
        out.append((label, start, start + size))
        start += size
    return out


def samples_of(data: Any) -> tuple[Any, Any]:
    """(X, Y) from a pair of arrays/tensors or from an iterable of (x, y) batches (a DataLoader), concatenated."""
    if isinstance(data, tuple) and len(data) == 2:
        return data
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, dict)):
        xs, ys = [], []
        for batch in data:
            if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                raise InputError("a DataLoader for the Hessian must yield (x, y) batches")
            xs.append(batch[0])
            ys.append(batch[1])
        if not xs:
            raise InputError("the DataLoader yielded no batches")
        xp = array_namespace(*xs)
        return xp.concat(xs, axis=0), xp.concat(ys, axis=0)
    raise InputError(f"data must be (X, Y) or a DataLoader of (x, y) batches, got {type(data).__name__}")


def _linear(weights: Sequence[Any], moments: Any) -> ParameterHessian:
    from .hessian import flatten, hessian_operator, parameter_count, resolve_network, unflatten

    weights, moments = resolve_network(weights, moments)
    operator = hessian_operator(weights, moments)

    def matvec(vector: Any) -> Any:
        return flatten(operator(unflatten(vector, weights)))

    labels = [f"W{k}" for k in range(1, len(weights) + 1)]
    return ParameterHessian(
        matvec, parameter_count(weights), array_namespace(*weights), weights[0],
        _blocks(labels, [tuple(int(s) for s in w.shape) for w in weights]), "linear",
        lambda v: unflatten(v, weights), [to_numpy(w) for w in weights], {"moments": moments},
    )


def _mlp(net: Any, params: Sequence[Any], x: Any, y: Any) -> ParameterHessian:
    xp, checked, xs, ys = net._prepared(params, x, y)
    labels = [f"W{k}" for k in range(1, net.depth + 1)] + ([f"b{k}" for k in range(1, net.depth + 1)] if net.bias else [])
    return ParameterHessian(
        net._matvec(xp, checked, xs, ys), net.parameter_count, xp, checked[0],
        _blocks(labels, net.parameter_shapes()), "mlp", net.unflatten,
        [to_numpy(w) for w in checked[: net.depth]], {"mlp": net, "params": checked, "x": xs, "y": ys},
    )


def moments_of(data: Any) -> Any:
    """``data`` as ``Moments``: given Moments or None pass through; (X, Y) or a DataLoader become sample moments."""
    from .moments import Moments

    if data is None or isinstance(data, Moments):
        return data
    x, y = samples_of(data)
    return Moments.from_samples(to_numpy(x), to_numpy(y))


def _chain(chain: Any, data: Any) -> ParameterHessian:
    if chain.is_linear:
        return _linear(chain.weights, moments_of(data))
    if data is None:
        raise InputError("a nonlinear chain (activation or biases) needs samples X, Y: its Hessian depends on more than Sigma_x")
    from .moments import Moments

    if isinstance(data, Moments):
        raise InputError("a nonlinear chain (activation or biases) needs samples X, Y, not population moments")
    net, params = chain.mlp()
    x, y = samples_of(data)
    return _mlp(net, params, to_numpy(x), to_numpy(y))


def _autograd(module: Any, data: Any, loss: Callable[[Any, Any], Any] | None) -> ParameterHessian:
    """Reverse-over-reverse Hessian-vector products of any module (double backward), summed over batches.

    The Hessian is that of a float64 copy of the module in eval mode (dropout off, batch
    norm on its running statistics): a deterministic function of the parameters; the
    user's module is not touched. With one batch the gradient's graph is built once and kept (each product is then
    one backward pass through it, ~10x faster than torch.func's jvp of grad on small
    CPU models); with several batches it is rebuilt per batch and product, so memory
    stays that of one batch.
    """
    import copy

    import array_api_compat.torch as xp_torch
    import torch
    from torch.func import functional_call

    model = copy.deepcopy(module).to(torch.float64).eval()  # deterministic: dropout off, BatchNorm on its running statistics
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise InputError("the module has no trainable parameters")
    names = [name for name, _ in named]
    params = [p.detach().requires_grad_(True) for _, p in named]
    shapes = [tuple(p.shape) for p in params]
    device = params[0].device
    if isinstance(data, tuple) and len(data) == 2:
        batches = [data]
    elif isinstance(data, Iterable) and not isinstance(data, (str, bytes, dict)):
        batches = list(data)
    else:
        raise InputError(f"data must be (X, Y) or a DataLoader of (x, y) batches, got {type(data).__name__}")
    def as_float64(value: Any) -> Any:  # class labels (integer targets of a custom loss) keep their dtype
        tensor = torch.as_tensor(value, device=device)
        return tensor.to(torch.float64) if tensor.is_floating_point() else tensor

    batches = [(as_float64(bx), as_float64(by)) for bx, by in batches]
    total = sum(int(bx.shape[0]) for bx, _ in batches)
    if total == 0:
        raise InputError("the data holds no samples")

    def batch_gradient(bx: Any, by: Any) -> tuple[Any, ...]:
        out = functional_call(model, dict(zip(names, params)), (bx,))
        if loss is None:
            value = 0.5 * torch.sum((out - by) ** 2) / total  # this batch's share of 1/(2n) sum ||y - f||^2
        else:
            value = loss(out, by) * (int(bx.shape[0]) / total)
        return torch.autograd.grad(value, params, create_graph=True)

    kept = batch_gradient(*batches[0]) if len(batches) == 1 else None

    def unflatten(vector: Any) -> list[Any]:
        out, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            out.append(torch.reshape(vector[start : start + size], shape))
            start += size
        return out

    def matvec(vector: Any) -> Any:
        tangent = unflatten(vector)
        result = None
        for bx, by in batches:
            gradient = kept if kept is not None else batch_gradient(bx, by)
            hv = torch.autograd.grad(gradient, params, grad_outputs=tangent, retain_graph=kept is not None, allow_unused=True)
            flat = torch.cat([torch.reshape(h if h is not None else torch.zeros_like(p), (-1,)) for h, p in zip(hv, params)])
            result = flat if result is None else result + flat
        return result.detach()

    return ParameterHessian(matvec, int(sum(int(np.prod(s)) for s in shapes)), xp_torch, params[0].detach(),
                            _blocks(names, shapes), "autograd", unflatten, None, {"module": model})


def hessian_of(model: Any, data: Any = None, *, loss: Callable[[Any, Any], Any] | None = None) -> ParameterHessian:
    """The Hessian operator of ``model`` on ``data``.

    ``model``: a list of weights [W_1..W_N] (deep linear network; ``data`` a
    ``Moments``, (X, Y), a DataLoader, or None for whitened data with T = the
    product), a :class:`~wideminima.numeric.torch_models.Chain`, a pair
    (``MLP``, params), or a ``torch.nn.Module`` (``data`` (X, Y) or a DataLoader).
    ``loss`` (modules only): a batch-mean loss ``loss(output, target)`` replacing the
    toolkit's 1/2 mean squared error; it forces the autograd path.
    """
    from .mlp import MLP
    from .torch_models import Chain, chain_from_module, is_module

    if is_module(model):
        chain = chain_from_module(model) if loss is None else None
        if chain is None:
            if data is None:
                raise InputError("a torch module needs data: (X, Y) tensors or a DataLoader")
            return _autograd(model, data, loss)
        model = chain
    elif loss is not None:
        raise InputError("a custom loss is for torch modules; the toolkit's models use 1/2 mean squared error")
    if isinstance(model, Chain):
        return _chain(model, data)
    if isinstance(model, tuple) and len(model) == 2 and isinstance(model[0], MLP):
        x, y = samples_of(data)
        return _mlp(model[0], model[1], x, y)
    return _linear(model, moments_of(data))
