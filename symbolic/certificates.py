"""Interval-arithmetic certificates for the largest eigenvalue of a concrete symmetric matrix.

The verify engine uses these to confirm every refutation it reports: a float64
eigenvalue computation says "lambda_max is above (or below) the bound", and a
certificate proves it with rigorous outward rounding (``mpmath.iv``, 50 digits by
default). The matrix is the float64 matrix given; each entry is converted to
mpmath exactly (``mpf(float)`` is exact), so the certificate is a statement about
exactly that matrix.

Symmetry: a float64 output gram ``G`` is symmetric only up to rounding. Both
certificates speak about the symmetric part ``S = (G + G^T)/2``, enclosed in
interval arithmetic (for a symmetric input ``S = G`` exactly); an input further than
``64 eps max|G|`` from symmetric is rejected, since it is not a rounding artefact.

- :func:`certify_lambda_max_above`: lambda_max(S) >= v^T S v / v^T v for every
  nonzero v (Courant-Fischer), so an interval enclosure of the Rayleigh quotient
  whose lower end is >= the bound proves lambda_max(S) >= bound.
- :func:`certify_lambda_max_below`: if interval Cholesky of ``b I - S`` succeeds
  with every pivot's lower end > 0, then every symmetric matrix in the interval
  matrix, ``b I - S`` included, is positive definite, so lambda_max(S) < b.

Both return a :class:`Certificate` whose ``enclosure`` is an interval proven to
contain lambda_max(S): its lower end from a Rayleigh quotient, its upper end from
a successful interval Cholesky (at the bound, or just above the float64 top
eigenvalue) or, when none succeeds, from Gershgorin's theorem.
Cost: O(n^3) interval operations in mpmath for an n x n matrix (n = d_N d_0 for an
output gram): fine for n up to about 100.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import numpy.typing as npt

from wideminima.errors import InputError

from ._checks import check_dps

__all__ = ["Certificate", "certify_lambda_max_above", "certify_lambda_max_below", "lambda_max_enclosure"]

DEFAULT_DPS = 50
# A float64 gram built by sums of products is symmetric to within a few ulps of its
# largest entry; 64 eps leaves room for long sums and still rejects real asymmetry.
_SYMMETRY_ULPS = 64


@dataclass(frozen=True)
class Certificate:
    """The outcome of an interval-arithmetic proof about lambda_max of a symmetric matrix.

    Attributes
    ----------
    holds : True when the claim (lambda_max >= bound, or lambda_max < bound) is proven;
        False means the proof did not go through (the claim may still be true).
    enclosure : an ``mpmath.iv.mpf`` interval proven to contain lambda_max.
    method : how it was proven ("interval Rayleigh quotient", "interval Cholesky of b*I - G").
    dps : the decimal digits of the interval arithmetic.
    bound : the bound the claim is about, as given.
    claim : the claim in words, e.g. ``"lambda_max >= 3"``.
    """

    holds: bool
    enclosure: Any
    method: str
    dps: int
    bound: Any
    claim: str


@contextlib.contextmanager
def _interval_digits(dps: int) -> Iterator[Any]:
    """mpmath.iv with ``dps`` digits, restoring the previous precision afterwards."""
    iv = mpmath.iv
    saved = iv.prec
    iv.dps = dps
    try:
        yield iv
    finally:
        iv.prec = saved


def _check_gram(gram: npt.ArrayLike) -> np.ndarray:
    g = np.asarray(gram)
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] == 0:
        raise InputError(f"gram must be a non-empty square matrix, got shape {g.shape}")
    if not np.issubdtype(g.dtype, np.floating) and not np.issubdtype(g.dtype, np.integer):
        raise InputError(f"gram must hold real numbers, got dtype {g.dtype}")
    g = g.astype(np.float64)
    if not np.all(np.isfinite(g)):
        raise InputError("gram has non-finite entries (NaN or inf)")
    scale = float(np.max(np.abs(g)))
    asym = float(np.max(np.abs(g - g.T)))
    if asym > _SYMMETRY_ULPS * np.finfo(np.float64).eps * scale:
        raise InputError(f"gram is not symmetric: max |G - G^T| = {asym:.3g} with max |G| = {scale:.3g}")
    return g


def _check_bound(bound: Any) -> Any:
    """The bound as an mpmath number; an ``iv.mpf`` interval is kept (its safe end is used)."""
    if isinstance(bound, type(mpmath.iv.mpf(0))):
        if not (mpmath.isfinite(mpmath.mpf(bound.a)) and mpmath.isfinite(mpmath.mpf(bound.b))):
            raise InputError(f"bound must be a finite real number, got {bound!r}")
        return bound
    try:
        b = mpmath.mpmathify(bound)
    except (TypeError, ValueError) as exc:
        raise InputError(f"bound must be a real number, got {bound!r}") from exc
    if not isinstance(b, mpmath.mpf) or not mpmath.isfinite(b):
        raise InputError(f"bound must be a finite real number, got {bound!r}")
    return b


def _symmetric_part(iv: Any, g: np.ndarray) -> list[list[Any]]:
    """S = (G + G^T)/2 as rigorous intervals (point intervals, i.e. exact, unless two
    mirrored entries differ in magnitude by more than the working precision allows)."""
    n = g.shape[0]
    return [[(iv.mpf(float(g[i, j])) + iv.mpf(float(g[j, i]))) / 2 for j in range(n)] for i in range(n)]


def _rayleigh_quotient(iv: Any, s: list[list[Any]], vector: np.ndarray) -> Any:
    v = [iv.mpf(float(x)) for x in vector]
    n = len(v)
    numerator = iv.mpf(0)
    for i in range(n):
        row = iv.mpf(0)
        for j in range(n):
            row += s[i][j] * v[j]
        numerator += v[i] * row
    denominator = iv.mpf(0)
    for x in v:
        denominator += x**2
    return numerator / denominator


def _cholesky_succeeds(iv: Any, s: list[list[Any]], b: Any) -> bool:
    """Interval Cholesky of b I - S; True when every pivot is provably positive."""
    n = len(s)
    m = [[(b if i == j else 0) - s[i][j] for j in range(n)] for i in range(n)]
    low: list[list[Any]] = [[iv.mpf(0)] * n for _ in range(n)]
    for j in range(n):
        pivot = m[j][j]
        for k in range(j):
            pivot -= low[j][k] ** 2
        if not pivot.a > 0:
            return False
        low[j][j] = iv.sqrt(pivot)
        for i in range(j + 1, n):
            entry = m[i][j]
            for k in range(j):
                entry -= low[i][k] * low[j][k]
            low[i][j] = entry / low[j][j]
    return True


def _gershgorin_upper(s: list[list[Any]]) -> Any:
    """Upper end of max_i (S_ii + sum_{j != i} |S_ij|), an upper bound of lambda_max(S)."""
    ends = []
    for i, row in enumerate(s):
        radius = row[i]
        for j, x in enumerate(row):
            if j != i:
                radius += abs(x)
        ends.append(radius.b)
    return max(ends)


def _top_eigen(g: np.ndarray) -> tuple[float, np.ndarray]:
    eig, vec = np.linalg.eigh((g + g.T) / 2)
    return float(eig[-1]), vec[:, -1]


def _enclosure(iv: Any, s: list[list[Any]], g: np.ndarray, vector: np.ndarray, proven_upper: Any | None) -> Any:
    """[Rayleigh lower end, proven upper end] containing lambda_max(S)."""
    lower = _rayleigh_quotient(iv, s, vector).a
    if proven_upper is None:
        top, _ = _top_eigen(g)
        # Just above the float64 top eigenvalue: eigh is backward stable, so its error is
        # a modest multiple of n eps ||G||; try margins from tight to comfortable.
        unit = g.shape[0] * np.finfo(np.float64).eps * max(float(np.max(np.abs(g))) * g.shape[0], 1e-300)
        proven_upper = _gershgorin_upper(s)
        for factor in (4.0, 64.0, 1024.0):
            trial = (iv.mpf(top) + iv.mpf(factor * unit)).b
            if _cholesky_succeeds(iv, s, trial):
                proven_upper = trial
                break
    return iv.mpf([lower, proven_upper])


def lambda_max_enclosure(gram: npt.ArrayLike, *, dps: int = DEFAULT_DPS) -> Any:
    """An ``mpmath.iv`` interval proven to contain lambda_max of the symmetric matrix ``gram``.

    Lower end: interval Rayleigh quotient at the float64 top eigenvector; upper end:
    interval Cholesky just above the float64 top eigenvalue (Gershgorin if that fails).

    >>> import numpy as np
    >>> box = lambda_max_enclosure(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> bool(box.a <= 3 <= box.b), float(box.b - box.a) < 1e-11
    (True, True)
    """
    g = _check_gram(gram)
    dps = check_dps(dps)
    with _interval_digits(dps) as iv:
        s = _symmetric_part(iv, g)
        return _enclosure(iv, s, g, _top_eigen(g)[1], None)


def certify_lambda_max_above(
    gram: npt.ArrayLike, bound: Any, vector: npt.ArrayLike | None = None, *, dps: int = DEFAULT_DPS
) -> Certificate:
    """Prove lambda_max(gram) >= bound by an interval Rayleigh quotient.

    Parameters
    ----------
    gram : (n, n) float64 symmetric matrix (e.g. the output gram of theory id
        output-gram-spectrum, whose lambda_max is the Hessian's at a global minimum).
    bound : float, mpmath number or mpmath interval (then its upper end is used).
    vector : optional (n,) trial vector; default the float64 top eigenvector of gram.
    dps : decimal digits of the interval arithmetic.

    ``holds`` is True exactly when the enclosure of v^T G v / v^T v has lower end >= bound.

    >>> import numpy as np
    >>> g = np.array([[2.0, 1.0], [1.0, 2.0]])   # eigenvalues 1 and 3
    >>> certify_lambda_max_above(g, 3.0).holds, certify_lambda_max_above(g, 3.0 + 1e-12).holds
    (True, False)
    """
    g = _check_gram(gram)
    b = _check_bound(bound)
    dps = check_dps(dps)
    if vector is None:
        v = _top_eigen(g)[1]
    else:
        v = np.asarray(vector, dtype=np.float64).reshape(-1)
        if v.shape != (g.shape[0],) or not np.all(np.isfinite(v)):
            raise InputError(f"vector must be {g.shape[0]} finite numbers, got shape {np.shape(vector)}")
        if not np.any(v):
            raise InputError("vector has zero norm: a Rayleigh quotient needs a nonzero vector")
    with _interval_digits(dps) as iv:
        s = _symmetric_part(iv, g)
        quotient = _rayleigh_quotient(iv, s, v)
        b_iv = iv.mpf(b)
        holds = bool(quotient.a >= b_iv.b)
        enclosure = _enclosure(iv, s, g, v, None)
    return Certificate(holds, enclosure, "interval Rayleigh quotient", dps, bound, f"lambda_max >= {bound}")


def certify_lambda_max_below(gram: npt.ArrayLike, bound: Any, *, dps: int = DEFAULT_DPS) -> Certificate:
    """Prove lambda_max(gram) < bound by interval Cholesky of bound*I - gram.

    ``holds`` is True exactly when the interval Cholesky factorization succeeds with
    every pivot's lower end > 0.

    >>> import numpy as np
    >>> g = np.array([[2.0, 1.0], [1.0, 2.0]])   # eigenvalues 1 and 3
    >>> certify_lambda_max_below(g, 3.0 + 1e-12).holds, certify_lambda_max_below(g, 3.0).holds
    (True, False)
    """
    g = _check_gram(gram)
    b = _check_bound(bound)
    dps = check_dps(dps)
    with _interval_digits(dps) as iv:
        s = _symmetric_part(iv, g)
        b_low = iv.mpf(b).a
        holds = _cholesky_succeeds(iv, s, b_low)
        enclosure = _enclosure(iv, s, g, _top_eigen(g)[1], b_low if holds else None)
    return Certificate(holds, enclosure, "interval Cholesky of b*I - G", dps, bound, f"lambda_max < {bound}")
