"""Path gains, balance and coupling of the layers of a linear network (host-side summaries, NumPy out).

Theory ids: near-balance (path gains g_k = ||W_{k:1} v||, layer gains r_k = g_k / g_{k-1})
and coupling-at-flattest (f_k = W_{k:1} v / s^(k/N) is a left singular vector of W_k and
a right singular vector of W_{k+1}, singular value s^(1/N), at every flattest minimum).
Inputs may come from any array namespace; they are copied to NumPy (these are
small SVDs and norms). v is the top right singular vector of W_{N:1} (= T at a
global minimum) unless given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import to_numpy
from .flatness import flattest_sharpness, near_balance_interval, top_singular_pair
from .network import check_weights, end_to_end

__all__ = ["path_gains", "layer_gains", "imbalance", "coupling", "path_residuals", "NearBalance", "near_balance"]

_EPS = float(np.finfo(np.float64).eps)
# Singular values within this relative distance form one cluster (their vectors are not individually defined).
_CLUSTER = 1e-8


def _numpy_weights(weights: Sequence[Array]) -> list[np.ndarray]:
    return [to_numpy(w) for w in check_weights(weights)]


def path_gains(weights: Sequence[Array], v: Array = None) -> np.ndarray:
    """[g_0, ..., g_N], g_k = ||W_{k:1} v|| (g_0 = 1; g_N = s when v is the top right singular vector).

    >>> path_gains([np.diag([2.0, 1.0]), np.diag([3.0, 1.0])]).tolist()
    [1.0, 2.0, 6.0]
    """
    ws = _numpy_weights(weights)
    if v is None:
        v = top_singular_pair(end_to_end(ws))[2]
    v = np.asarray(to_numpy(v), dtype=np.float64).reshape(-1)
    if v.shape[0] != ws[0].shape[1] or not np.all(np.isfinite(v)) or np.linalg.norm(v) == 0:
        raise InputError(f"v must be a finite nonzero vector of length d_0 = {ws[0].shape[1]}, got shape {v.shape}")
    x = v / np.linalg.norm(v)
    gains = [1.0]
    for w in ws:
        x = w @ x
        gains.append(float(np.linalg.norm(x)))
    return np.array(gains)


def layer_gains(weights: Sequence[Array], v: Array = None) -> np.ndarray:
    """[r_1, ..., r_N], r_k = g_k / g_{k-1} (theory id near-balance).

    Raises InputError when the path dies (some g_{k-1} = 0), where the ratios are undefined.

    >>> layer_gains([np.diag([2.0, 1.0]), np.diag([3.0, 1.0])]).tolist()
    [2.0, 3.0]
    """
    gains = path_gains(weights, v)
    if np.any(gains[:-1] == 0):
        raise InputError("the top path is annihilated (some g_k = 0): layer gains are undefined; is W_N...W_1 = 0?")
    return gains[1:] / gains[:-1]


def imbalance(weights: Sequence[Array]) -> np.ndarray:
    """[||W_{k+1}^T W_{k+1} - W_k W_k^T||_F / (||W_{k+1}^T W_{k+1}||_F + ||W_k W_k^T||_F)]_{k=1..N-1}, in [0, 1].

    Zero exactly at balanced points; scale-free (relative to the two layers' own size; 0 when both vanish).

    >>> imbalance([np.diag([2.0, 1.0]), np.diag([2.0, 1.0])]).tolist()
    [0.0]
    """
    ws = _numpy_weights(weights)
    out = []
    for lower, upper in zip(ws[:-1], ws[1:]):
        a, b = upper.T @ upper, lower @ lower.T
        scale = np.linalg.norm(a) + np.linalg.norm(b)
        out.append(float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0)
    return np.array(out)


def _clusters(sv: np.ndarray, floor: float) -> list[np.ndarray]:
    """Index groups of singular values above ``floor``, grouped when within _CLUSTER relatively."""
    groups: list[list[int]] = []
    for i, s in enumerate(sv):
        if s <= floor:
            break
        if groups and sv[groups[-1][-1]] - s <= _CLUSTER * sv[groups[-1][-1]]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [np.array(g) for g in groups]


def coupling(weights: Sequence[Array]) -> np.ndarray:
    """[c_1, ..., c_{N-1}] in [0, 1]: how much W_k's outputs line up with W_{k+1}'s inputs.

    c_k = max |<x, y>| over unit x in a left singular subspace of W_k and unit y in
    a right singular subspace of W_{k+1}, both with non-negligible singular values
    (> max(shape) eps sigma_1). Singular values equal to within 1e-8 relative form one
    subspace, so the number does not depend on an arbitrary choice of basis; for
    simple singular values it is max |<left vector of W_k, right vector of W_{k+1}>|.
    Equals 1 at every flattest minimum (theory id coupling-at-flattest).
    """
    ws = _numpy_weights(weights)
    svds = [np.linalg.svd(w) for w in ws]  # one SVD per layer
    out = []
    for lower, upper, (u_low, s_low, _), (_, s_up, vt_up) in zip(ws[:-1], ws[1:], svds[:-1], svds[1:]):
        groups_low = _clusters(s_low, max(lower.shape) * _EPS * (s_low[0] if s_low.size else 0.0))
        groups_up = _clusters(s_up, max(upper.shape) * _EPS * (s_up[0] if s_up.size else 0.0))
        if not groups_low or not groups_up:
            out.append(0.0)  # a zero layer: nothing passes between the two
            continue
        overlap = u_low[:, : groups_low[-1][-1] + 1].T @ vt_up[: groups_up[-1][-1] + 1].T
        best = float(np.max(np.abs(overlap)))  # all pairs of single vectors
        for group_low in groups_low:  # clusters: largest cosine between the two subspaces
            for group_up in groups_up:
                if len(group_low) > 1 or len(group_up) > 1:
                    best = max(best, float(np.linalg.norm(overlap[np.ix_(group_low, group_up)], 2)))
        out.append(min(best, 1.0))  # a cosine; rounding can put it a few ulps above 1
    return np.array(out)


def path_residuals(weights: Sequence[Array]) -> np.ndarray:
    """Residuals of the coupling-at-flattest relations, one per layer, scale-free.

    With (s, u, v) the top singular pair of W_{N:1} and f_k = W_{k:1} v / s^(k/N),
    entry k is max(| ||f_k|| - 1 |, ||W_k^T f_k - s^(1/N) f_{k-1}|| / s^(1/N)). (The
    relation W_k f_{k-1} = s^(1/N) f_k holds by the definition of f_k.) All entries
    are 0 at every flattest minimum; they measure how far a point is from it.

    >>> path_residuals([np.diag([2.0, 1.0]), np.diag([2.0, 1.0])]).tolist()
    [0.0, 0.0]
    """
    ws = _numpy_weights(weights)
    s, _, v = top_singular_pair(end_to_end(ws))
    if s == 0:
        raise InputError("W_N...W_1 = 0: there is no top path, so its relations are undefined")
    depth = len(ws)
    root = s ** (1.0 / depth)
    prev, x, out = v, v, []
    for k, w in enumerate(ws, start=1):
        x = w @ x
        f = x / s ** (k / depth)
        out.append(max(abs(float(np.linalg.norm(f)) - 1.0), float(np.linalg.norm(w.T @ f - root * prev)) / root))
        prev = f
    return np.array(out)


@dataclass(frozen=True)
class NearBalance:
    """rho_k = (s^(1/N) / r_k)^2, the band for the given sharpness, and whether every rho_k lies in it."""

    rho: np.ndarray
    interval: tuple[float, float]
    in_band: bool


def near_balance(weights: Sequence[Array], lambda_max: float) -> NearBalance:
    """Where the layer gains of a whitened global minimum sit in the near-balance band (theory id near-balance).

    delta = lambda_max / (N s^(2-2/N)) - 1 (clipped at 0) fixes the band
    :func:`near_balance_interval`; the theorem says every rho_k lies in it. The
    membership test allows 1e-9 relative for the rounding of rho_k and of the endpoints.
    """
    if not (isinstance(lambda_max, (int, float, np.floating, np.integer)) and np.isfinite(lambda_max) and lambda_max >= 0):
        raise InputError(f"lambda_max must be a finite number >= 0 (the Hessian is PSD at a minimum), got {lambda_max!r}")
    ws = _numpy_weights(weights)
    depth = len(ws)
    target = end_to_end(ws)
    flattest = flattest_sharpness(target, depth)
    if flattest == 0:
        raise InputError("W_N...W_1 = 0: the near-balance band is undefined")
    s = top_singular_pair(target)[0]
    rho = (s ** (1.0 / depth) / layer_gains(ws)) ** 2
    lo, hi = near_balance_interval(max(lambda_max / flattest - 1.0, 0.0), depth)
    inside = bool(np.all((rho >= lo * (1 - 1e-9)) & (rho <= hi * (1 + 1e-9))))
    return NearBalance(rho, (lo, hi), inside)
