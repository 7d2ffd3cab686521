"""``sharpness`` and ``hessian_extremes`` as exported by ``wideminima.numeric``: also for torch modules and Chains.

The package's two main entry points take, besides a list of weights, a model object:
a ``torch.nn.Module`` or a :class:`~wideminima.numeric.torch_models.Chain`, with its data
as ``Moments``, (X, Y) arrays or tensors, or a DataLoader. They return the same dataclasses
(``Spectrum``, ``Extremes``). Data may be (X, Y) or a DataLoader for a list of weights
too (turned into sample ``Moments``). The computations stay in :mod:`wideminima.numeric.spectra`
(weights only); this module sits above it and above the model adapters, so that the
engine's import graph keeps no circle (spectra <- mlp <- parameter_hessian).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wideminima.errors import InputError
from wideminima.types import Array

from . import spectra
from .hessian_spectrum import extremes_of
from .parameter_hessian import moments_of
from .torch_models import Chain, chain_from_module, is_module

__all__ = ["sharpness", "hessian_extremes"]


def _is_model(value: Any) -> bool:
    return isinstance(value, Chain) or is_module(value)


def sharpness(weights: Sequence[Array] | Any, moments: Any = None, **options: Any) -> spectra.Spectrum:
    """:func:`wideminima.numeric.spectra.sharpness`; ``weights`` may also be a linear chain as a module or Chain.

    A linear chain is an ``nn.Sequential`` of bias-free Linear layers (``Identity`` between
    them allowed); anything else raises :class:`InputError`, since lambda_max at a global
    minimum through the output gram is a statement about deep linear networks.
    ``options``: ``seed``, ``tol``, ``rtol``, ``method`` as for the weights.
    """
    if _is_model(weights):
        chain = weights if isinstance(weights, Chain) else chain_from_module(weights)
        if chain is None or not chain.is_linear:
            raise InputError("sharpness at a global minimum is for deep linear networks; use extremes_of for other models")
        weights = chain.weights
    return spectra.sharpness(weights, moments_of(moments), **options)


def hessian_extremes(weights: Sequence[Array] | Any, moments: Any = None, **options: Any) -> spectra.Extremes:
    """:func:`wideminima.numeric.spectra.hessian_extremes`; ``weights`` may also be any torch module or Chain.

    For a model, ``moments`` is its data ((X, Y) or a DataLoader; a linear chain also takes
    Moments) and :func:`~wideminima.numeric.hessian_spectrum.extremes_of` answers (``seed``,
    ``tol`` as options).
    """
    if _is_model(weights):
        return extremes_of(weights, moments, **options)
    return spectra.hessian_extremes(weights, moments_of(moments), **options)
