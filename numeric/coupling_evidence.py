"""The coupling statistic of theory id nonlinear-evidence, shared by its claim and report E5.

Do consecutive layers of a trained network share a singular direction? Per pair
(W_k, W_{k+1}) the **coupling score** c_k is :func:`wideminima.numeric.coupling`:
the largest cosine between a left singular vector (subspace, for clustered singular
values) of W_k and a right singular vector of W_{k+1}, in [0, 1]; it is 1 at every
flattest minimum of a linear network (coupling-at-flattest). The **null** is the
same score for matrices with the same singular values and Haar-random singular
vectors (:func:`scrambled`, frames from :func:`wideminima.random.haar_orthogonal`),
drawn independently per pair. The **effect** is Cohen's d of the scores against the
null scores (:func:`cohens_d`). Shapes: weights W_k of shape (d_k, d_{k-1}),
k = 1..N; scores (N-1,), null (N-1, draws).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wideminima.random import haar_orthogonal

from .metrics import coupling

__all__ = ["CouplingEvidence", "cohens_d", "coupling_evidence", "null_coupling", "scrambled"]


def scrambled(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """U' diag(s) V'^T: the singular values of ``w`` (m x n) with Haar-random frames U' (m x m), V' (n x n).

    >>> w = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> np.round(np.linalg.svd(scrambled(w, np.random.default_rng(0)), compute_uv=False), 12)
    array([3., 1.])
    """
    return _with_random_frames(np.linalg.svd(w, compute_uv=False), w.shape, rng)


def _with_random_frames(s: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    m, n = shape
    core = np.zeros((m, n))
    core[: s.size, : s.size] = np.diag(s)
    return haar_orthogonal(rng, m) @ core @ haar_orthogonal(rng, n).T


def null_coupling(w_k: np.ndarray, w_next: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
    """``draws`` coupling scores of (scrambled(W_k), scrambled(W_{k+1})): the null of one layer pair, shape (draws,)."""
    s_k, s_next = np.linalg.svd(w_k, compute_uv=False), np.linalg.svd(w_next, compute_uv=False)  # once per pair
    return np.array([float(coupling([_with_random_frames(s_k, w_k.shape, rng),
                                     _with_random_frames(s_next, w_next.shape, rng)])[0]) for _ in range(draws)])


@dataclass(frozen=True)
class CouplingEvidence:
    """Coupling scores c_k of a network's consecutive layers, shape (N-1,), and their null draws, (N-1, draws)."""

    scores: np.ndarray
    null: np.ndarray

    @property
    def effect(self) -> float:
        """Cohen's d of the scores against all null draws of this network."""
        return cohens_d(self.scores, self.null.ravel())


def coupling_evidence(weights: Sequence[np.ndarray], rng: np.random.Generator, draws: int) -> CouplingEvidence:
    """The scores of ``weights`` (N >= 2 layers) and ``draws`` null scores per pair, pairs in order k = 1..N-1."""
    ws = [np.asarray(w, dtype=np.float64) for w in weights]
    null = [null_coupling(ws[k], ws[k + 1], rng, draws) for k in range(len(ws) - 1)]
    return CouplingEvidence(np.asarray(coupling(ws), dtype=np.float64), np.array(null).reshape(len(ws) - 1, draws))


def cohens_d(scores: np.ndarray, null: np.ndarray) -> float:
    """(mean(scores) - mean(null)) / pooled standard deviation (ddof 1; each group of size >= 2).

    >>> round(cohens_d(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0])), 12)
    1.0
    """
    scores, null = np.asarray(scores, dtype=np.float64).ravel(), np.asarray(null, dtype=np.float64).ravel()
    pooled = np.sqrt((np.var(scores, ddof=1) * (scores.size - 1) + np.var(null, ddof=1) * (null.size - 1))
                     / (scores.size + null.size - 2))
    return float((scores.mean() - null.mean()) / pooled)
