"""Three arithmetics in which a claim's margin function is evaluated: float64, 50 digits, intervals.

A margin function ``margin(instance, ctx)`` is written once, with NumPy operators
(``@``, ``+``, ``*``, ``.T``, ``np.sum``, ``np.kron``) on arrays made by
``ctx.array`` and with the few non-polynomial operations taken from ``ctx``
(``sqrt``, ``power``, ``lambda_max``, ``top_singular_value``, ...). The engine
runs it in

- :data:`FLOAT64` (``ctx.name == "float64"``): plain NumPy float64 arrays, the
  fast search arithmetic; eigenvalues from LAPACK;
- :class:`MultiPrecision` (``"mp50"``): NumPy object arrays of ``mpmath.mpf`` at
  50 digits, eigenvalues from ``mpmath.eigsy``, singular vectors from
  ``mpmath.svd_r``; used to re-evaluate a margin that float64 cannot settle;
- :class:`Interval` (``"interval"``): NumPy object arrays of ``mpmath.iv``
  intervals with outward rounding; ``lambda_max`` returns an interval proven to
  contain the exact eigenvalue (interval Rayleigh quotient below, interval
  Cholesky above, from :mod:`wideminima.symbolic.certificates`, widened by a
  proven bound on the rounding of the interval matrix to float64). The result of
  a margin is then an interval containing the exact margin of the instance, and a
  refutation is certified when its upper end is negative.

Every float64 number of an instance converts to mpmath exactly, so the 50-digit
and interval evaluations are about exactly the instance that float64 saw.

Singular vectors are witnesses, not exact objects: ``top_singular_pair`` gives
unit vectors (u, v) that are a top pair to the context's accuracy. Margins use
them only in statements that hold for every unit pair with t = u^T T v > 0 (the
theory's bounds all do), so an interval evaluation with a float64 witness is
still a rigorous statement about the instance.

>>> import numpy as np
>>> g = np.array([[2.0, 1.0], [1.0, 2.0]])
>>> float(FLOAT64.lambda_max(FLOAT64.array(g)))
3.0
>>> box = Interval().lambda_max(Interval().array(g))
>>> bool(box.a <= 3 <= box.b)
True
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import numpy.typing as npt

from wideminima.numeric.gram import column_major, gram_matrix
from wideminima.numeric.network import products_after, products_before
from wideminima.symbolic.certificates import lambda_max_enclosure
from wideminima.symbolic.multiprecision import mp_lambda_max, mp_matrix

__all__ = ["Arithmetic", "Float64", "MultiPrecision", "Interval", "FLOAT64", "MP_DIGITS"]

MP_DIGITS = 50


class Arithmetic:
    """Operations a margin function may use besides NumPy operators; see the module docstring."""

    name = "abstract"

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Set mpmath's working precision for this arithmetic while a margin is evaluated."""
        yield

    # --- conversion -------------------------------------------------------------------
    def array(self, value: npt.ArrayLike) -> np.ndarray:
        """``value`` (float64 array or list of numbers) as an array of this arithmetic, exactly."""
        raise NotImplementedError

    def scalar(self, value: Any) -> Any:
        """A Python number (int, float or Fraction) as a number of this arithmetic, exactly."""
        raise NotImplementedError

    def matrices(self, arrays: Sequence[npt.ArrayLike]) -> list[np.ndarray]:
        """A list of float64 arrays (e.g. the layers) converted with :meth:`array`."""
        return [self.array(a) for a in arrays]

    # --- elementary functions ---------------------------------------------------------
    def sqrt(self, x: Any) -> Any:
        raise NotImplementedError

    def power(self, x: Any, exponent: int | Fraction) -> Any:
        """x ** exponent for x >= 0 and a rational exponent (kept exact as a Fraction)."""
        raise NotImplementedError

    def absolute(self, x: Any) -> Any:
        return abs(x)

    def minimum(self, values: Any) -> Any:
        """The smallest of ``values`` (for intervals: an interval containing the minimum)."""
        return min(values)

    def maximum(self, values: Any) -> Any:
        return max(values)

    def norm(self, x: Any) -> Any:
        """Euclidean norm of a vector, Frobenius norm of a matrix."""
        return self.sqrt(np.sum(np.asarray(x) * np.asarray(x)))

    # --- spectra ----------------------------------------------------------------------
    def lambda_max(self, symmetric: np.ndarray) -> Any:
        """The largest eigenvalue of a symmetric matrix of this arithmetic."""
        raise NotImplementedError

    def top_singular_pair(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors (u, v) with u^T M v = sigma_1(M) to this arithmetic's accuracy."""
        raise NotImplementedError

    def top_singular_value(self, matrix: np.ndarray) -> Any:
        """sigma_1(M) = sqrt(lambda_max(M^T M))."""
        m = np.asarray(matrix)
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        return self.sqrt(self.lambda_max(gram))

    # --- linear-network quantities ----------------------------------------------------
    def output_gram(self, weights: list[np.ndarray], sigma_x_factor: np.ndarray | None = None) -> np.ndarray:
        """G = sum_k (F^T B_k^T B_k F) kron (A_k A_k^T), column-major vec (theory id output-gram-spectrum).

        Formed by :func:`wideminima.numeric.gram.gram_matrix`, the one implementation of G,
        in this arithmetic's arrays, and re-indexed by :func:`~wideminima.numeric.gram.column_major`:
        the margins' float64 eigenvalues (LAPACK on this exact arrangement) stay bit for bit
        what they were before G had one implementation. ``F`` is any factor with F F^T = Sigma_x (None: the
        identity). F = Sigma_x^{1/2} Q for an orthogonal Q, so G is orthogonally similar to
        the gram of theorems.md and has the same spectrum; a factor keeps G exactly
        computable from the instance.
        """
        before = products_before(weights)
        if sigma_x_factor is not None:
            before = [b @ sigma_x_factor for b in before]
        return column_major(gram_matrix(products_after(weights), before), int(weights[-1].shape[0]), int(weights[0].shape[1]))

    def value(self, x: Any) -> float:
        """A float for reports (the midpoint of an interval)."""
        return float(x)


class Float64(Arithmetic):
    """NumPy float64: the search arithmetic."""

    name = "float64"

    def array(self, value: npt.ArrayLike) -> np.ndarray:
        return np.array(value, dtype=np.float64)

    def scalar(self, value: Any) -> float:
        return float(value)

    def sqrt(self, x: Any) -> Any:
        return np.sqrt(x)

    def power(self, x: Any, exponent: int | Fraction) -> Any:
        return float(x) ** float(exponent)

    def lambda_max(self, symmetric: np.ndarray) -> float:
        s = np.asarray(symmetric, dtype=np.float64)
        return float(np.linalg.eigvalsh((s + s.T) / 2)[-1])

    def top_singular_pair(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u, _, vt = np.linalg.svd(np.asarray(matrix, dtype=np.float64))
        return u[:, 0], vt[0]

    def top_singular_value(self, matrix: np.ndarray) -> float:
        return float(np.linalg.norm(np.asarray(matrix, dtype=np.float64), 2))


FLOAT64 = Float64()


class _Mpmath(Arithmetic):
    """Numbers of an mpmath context (``self.ctx``: mp or iv) at ``dps`` digits, in NumPy object arrays."""

    def __init__(self, ctx: Any, dps: int) -> None:
        self.ctx = ctx
        self.dps = dps

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        saved = self.ctx.prec
        self.ctx.dps = self.dps
        try:
            yield
        finally:
            self.ctx.prec = saved

    def array(self, value: npt.ArrayLike) -> np.ndarray:
        a = np.asarray(value, dtype=np.float64)
        out = np.empty(a.shape, dtype=object)
        for index, x in np.ndenumerate(a):
            out[index] = self.ctx.mpf(float(x))
        return out

    def scalar(self, value: Any) -> Any:
        if isinstance(value, Fraction):
            return self.ctx.mpf(value.numerator) / value.denominator
        return self.ctx.mpf(value)

    def sqrt(self, x: Any) -> Any:
        return self.ctx.sqrt(x)


class MultiPrecision(_Mpmath):
    """mpmath at ``dps`` decimal digits (default 50) in NumPy object arrays."""

    name = "mp50"

    def __init__(self, dps: int = MP_DIGITS) -> None:
        super().__init__(mpmath.mp, dps)
        self.mp = mpmath.mp

    def power(self, x: Any, exponent: int | Fraction) -> Any:
        return self.mp.power(x, self.scalar(Fraction(exponent)))

    def lambda_max(self, symmetric: np.ndarray) -> Any:
        """``mpmath.eigsy`` at 50 digits through :func:`wideminima.symbolic.multiprecision.mp_lambda_max`."""
        return mp_lambda_max(symmetric)

    def top_singular_pair(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u, sv, v = self.mp.svd_r(mp_matrix(matrix), compute_uv=True)
        top = max(range(len(sv)), key=lambda i: sv[i])
        rows, cols = np.asarray(matrix).shape
        return (np.array([u[i, top] for i in range(rows)], dtype=object),
                np.array([v[top, j] for j in range(cols)], dtype=object))

    def top_singular_value(self, matrix: np.ndarray) -> Any:
        return max(self.mp.svd_r(mp_matrix(matrix), compute_uv=False))


class Interval(_Mpmath):
    """mpmath.iv intervals (outward rounding) at ``dps`` digits in NumPy object arrays."""

    name = "interval"

    def __init__(self, dps: int = MP_DIGITS) -> None:
        super().__init__(mpmath.iv, dps)
        self.iv = mpmath.iv

    def _endpoint_power(self, y: Any, e: Fraction) -> Any:
        """An interval containing y ** e for a real y > 0."""
        iv = self.iv
        return iv.exp(iv.log(iv.mpf(y)) * (iv.mpf(e.numerator) / e.denominator))

    def power(self, x: Any, exponent: int | Fraction) -> Any:
        e = Fraction(exponent)
        iv = self.iv
        if e.denominator == 1:
            return x ** int(e)
        if x.b < 0:
            raise ValueError(f"a fractional power of a negative number: {x}")
        low, high = max(x.a, 0), x.b  # x is a norm or an eigenvalue, so its exact value is >= 0
        if e > 0:
            bottom = iv.mpf(0) if low == 0 else self._endpoint_power(low, e)
            return iv.mpf([bottom.a, self._endpoint_power(high, e).b])
        if low == 0:
            raise ValueError(f"a negative power of an interval containing 0: {x}")
        return iv.mpf([self._endpoint_power(high, e).a, self._endpoint_power(low, e).b])

    def norm(self, x: Any) -> Any:
        """Euclidean / Frobenius norm with interval squares ``v ** 2``: unlike ``v * v`` they never go below 0,
        so a vector whose entries all straddle 0 (an exactly zero residual) gets [0, r], not a sqrt error."""
        total = self.iv.mpf(0)
        for v in np.asarray(x).flat:
            total += self.iv.mpf(v) ** 2
        return self.iv.sqrt(total)

    def minimum(self, values: Any) -> Any:
        vals = [self.iv.mpf(v) for v in values]
        return self.iv.mpf([min(v.a for v in vals), min(v.b for v in vals)])

    def maximum(self, values: Any) -> Any:
        vals = [self.iv.mpf(v) for v in values]
        return self.iv.mpf([max(v.a for v in vals), max(v.b for v in vals)])

    def _float_and_radius(self, box: np.ndarray) -> tuple[np.ndarray, Any]:
        """A float64 symmetric matrix S and r >= ||G - S||_F for every matrix G in the box."""
        iv = self.iv
        b = np.asarray(box)
        mid = np.vectorize(lambda x: float(iv.mpf(x).mid), otypes=[np.float64])(b)
        mid = (mid + mid.T) / 2
        square = iv.mpf(0)
        for index, x in np.ndenumerate(b):
            gap = abs(iv.mpf(x) - iv.mpf(float(mid[index]))).b  # every |G_ij - S_ij| is at most this
            square += iv.mpf(gap) ** 2
        return mid, iv.sqrt(square).b

    def lambda_max(self, symmetric: np.ndarray) -> Any:
        """An interval proven to contain lambda_max of every symmetric matrix in the box.

        With S the float64 midpoint and r >= ||G - S||_F >= ||G - S||_2, Weyl's
        inequality puts lambda_max(G) in lambda_max_enclosure(S) widened by r.
        """
        mid, radius = self._float_and_radius(symmetric)
        box = lambda_max_enclosure(mid, dps=self.dps)
        iv = self.iv
        return iv.mpf([(iv.mpf(box.a) - radius).a, (iv.mpf(box.b) + radius).b])

    def top_singular_pair(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Float64 top singular vectors (a witness), normalized in interval arithmetic."""
        mid = np.vectorize(lambda x: float(self.iv.mpf(x).mid), otypes=[np.float64])(np.asarray(matrix))
        u, v = FLOAT64.top_singular_pair(mid)
        uu, vv = self.array(u), self.array(v)
        return uu / self.norm(uu), vv / self.norm(vv)

    def value(self, x: Any) -> float:
        return float(self.iv.mpf(x).mid)


def upper_end(x: Any) -> float:
    """The upper end of an interval, rounded up to a float (a float is returned as is)."""
    if hasattr(x, "b"):
        b = x.b
        f = float(b)
        return f if f >= b else math.nextafter(f, math.inf)
    return float(x)
