"""Flatness signatures of any chain of Linear layers, and the gauge-invariant flatness of a linear chain.

Per consecutive pair of layers (W_k, W_{k+1}) of any chain (linear, MLP, ResNet):
balance ||W_{k+1}^T W_{k+1} - W_k W_k^T||_F relative to the two terms (0 exactly when
balanced; :func:`~wideminima.numeric.metrics.imbalance`) and coupling (how much W_k's
outputs line up with W_{k+1}'s inputs, 1 at every flattest minimum, theory id
coupling-at-flattest; :func:`~wideminima.numeric.metrics.coupling`). Both read the
weight matrices only, so they are defined for nonlinear chains too, where the theorems
do not speak: there they are descriptions, not tests. Path gains g_k = ||W_{k:1} v||
(theory id near-balance) follow the linear map and are given for linear chains only.

Gauge-invariant flatness of a linear chain: lambda_max divided by the flattest value any
factorization of the chain's own end-to-end map P = W_{N:1} can have (theory ids
sharpness-lower-bound, balanced-attains-bound; whitened: N s^(2-2/N), s = ||P||_2;
otherwise F(P, Sigma_x, N) from :func:`~wideminima.numeric.flattest_bound`, theory id
flattest-value-general). It is >= 1 at every
global minimum of the data P fits, = 1 exactly at the flattest ones, and does not change
under the rescalings W_k -> G_k W_k G_{k-1}^{-1} that keep P, which change lambda_max itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wideminima.errors import InputError

from ._backend import to_numpy
from .flatness import flattest_bound
from .metrics import coupling, imbalance, path_gains
from .moments import Moments
from .network import check_weights, end_to_end

__all__ = ["Signatures", "signatures", "gauge_invariant_flatness"]


@dataclass(frozen=True)
class Signatures:
    """Balance and coupling per consecutive pair (N-1 entries each); path gains g_0..g_N (linear chains, else None)."""

    imbalance: np.ndarray
    coupling: np.ndarray
    path_gains: np.ndarray | None


def signatures(weights: Sequence[Any], *, linear: bool = True) -> Signatures:
    """The signatures of the chain with layers ``weights`` (W_1 first); ``linear`` False omits the path gains."""
    ws = [to_numpy(w) for w in check_weights(weights)]
    return Signatures(imbalance(ws), coupling(ws), path_gains(ws) if linear else None)


def gauge_invariant_flatness(weights: Sequence[Any], lambda_max: float, sigma_x: Any = None) -> float:
    """lambda_max / (flattest lambda_max over the factorizations of the chain's own W_{N:1}, data Sigma_x).

    ``sigma_x`` None: whitened inputs. Raises :class:`InputError` when W_{N:1} = 0
    (every factorization has lambda_max = 0 only if N = 1: the ratio is undefined).

    >>> gauge_invariant_flatness([np.diag([2.0, 1.0]), np.diag([2.0, 1.0])], 8.0)   # balanced: lambda_max = 2 * 4
    1.0
    """
    if not (isinstance(lambda_max, (int, float, np.floating)) and np.isfinite(lambda_max)):
        raise InputError(f"lambda_max must be a finite number, got {lambda_max!r}")
    ws = [to_numpy(w) for w in check_weights(weights)]
    product = end_to_end(ws)
    moments = None if sigma_x is None else Moments.from_target(product, to_numpy(sigma_x))
    bound = flattest_bound(ws, moments)
    if bound == 0:
        raise InputError("the chain's end-to-end map is 0: its flattest value is 0 and the ratio is undefined")
    return float(lambda_max) / bound
