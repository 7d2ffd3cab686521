"""Second moments of the data: everything the quadratic loss of a linear network sees.

Conventions (theorems.md, "Setting"): samples are rows, X (n, d_0) and
Y (n, d_N); Sigma_x = X^T X / n (d_0, d_0), Sigma_yx = Y^T X / n (d_N, d_0);
T = Sigma_yx Sigma_x^{-1} (d_N, d_0) is the least-squares target; the loss is
L(W) = 1/2 E||y - W_{N:1} x||^2, whose minimum value L* = 1/2 (E||y||^2 - tr(T Sigma_x T^T)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import as_float_array

__all__ = ["Moments"]

# Sigma_x is treated as singular when its condition number exceeds 1/(eps * 1e3):
# T = Sigma_yx Sigma_x^{-1} then carries no correct digit beyond ~1e-3 relative.
_MAX_CONDITION = 1.0 / (np.finfo(np.float64).eps * 1e3)


@dataclass(frozen=True)
class Moments:
    """Population or empirical second moments of (x, y), as float64 NumPy arrays.

    Attributes
    ----------
    sigma_x : (d_0, d_0) symmetric positive definite input covariance E[x x^T].
    sigma_yx : (d_N, d_0) cross covariance E[y x^T].
    y_energy : E||y||^2, or ``None`` for population data given through T, in which
        case y = T x exactly (noise free) and the minimum loss is 0.
    """

    sigma_x: np.ndarray
    sigma_yx: np.ndarray
    y_energy: float | None = None

    def __post_init__(self) -> None:
        sx = as_float_array(self.sigma_x, "Sigma_x", ndim=2)
        syx = as_float_array(self.sigma_yx, "Sigma_yx", ndim=2)
        if sx.shape[0] != sx.shape[1]:
            raise InputError(f"Sigma_x must be square, got shape {sx.shape}")
        if syx.shape[1] != sx.shape[0]:
            raise InputError(f"Sigma_yx has shape {syx.shape}; its columns must match Sigma_x's size {sx.shape[0]}")
        scale = max(float(np.max(np.abs(sx))), np.finfo(np.float64).tiny)
        if float(np.max(np.abs(sx - sx.T))) > 64 * np.finfo(np.float64).eps * scale:
            raise InputError("Sigma_x is not symmetric")
        sx = (sx + sx.T) / 2
        eig = np.linalg.eigvalsh(sx)
        if eig[0] <= eig[-1] / _MAX_CONDITION:
            raise InputError(
                f"Sigma_x is singular or nearly so (eigenvalues from {eig[0]:.3g} to {eig[-1]:.3g}); "
                "the target T = Sigma_yx Sigma_x^-1 is not defined"
            )
        object.__setattr__(self, "sigma_x", sx)
        object.__setattr__(self, "sigma_yx", syx)
        if self.y_energy is not None and not np.isfinite(self.y_energy):
            raise InputError(f"E||y||^2 must be finite, got {self.y_energy}")

    @classmethod
    def whitened(cls, target: Array) -> "Moments":
        """Sigma_x = I and y = T x: the whitened, noise-free population setting."""
        t = as_float_array(target, "T", ndim=2)
        return cls(np.eye(t.shape[1]), t.copy())

    @classmethod
    def from_target(cls, target: Array, sigma_x: Array) -> "Moments":
        """Population moments of y = T x with E[x x^T] = Sigma_x."""
        t = as_float_array(target, "T", ndim=2)
        sx = as_float_array(sigma_x, "Sigma_x", ndim=2)
        if sx.shape[0] != t.shape[1]:
            raise InputError(f"T has shape {t.shape}; its columns must match Sigma_x's size {sx.shape[0]}")
        return cls(sx, t @ sx)

    @classmethod
    def from_samples(cls, x: Array, y: Array) -> "Moments":
        """Empirical moments of samples stored as rows: X (n, d_0), Y (n, d_N)."""
        xs = as_float_array(x, "X", ndim=2)
        ys = as_float_array(y, "Y", ndim=2)
        if xs.shape[0] != ys.shape[0]:
            raise InputError(f"X has {xs.shape[0]} samples but Y has {ys.shape[0]}")
        n = xs.shape[0]
        return cls(xs.T @ xs / n, ys.T @ xs / n, float(np.sum(ys * ys)) / n)

    @property
    def input_dim(self) -> int:
        """d_0."""
        return int(self.sigma_x.shape[0])

    @property
    def output_dim(self) -> int:
        """d_N."""
        return int(self.sigma_yx.shape[0])

    @property
    def target(self) -> np.ndarray:
        """T = Sigma_yx Sigma_x^{-1}, shape (d_N, d_0)."""
        return np.linalg.solve(self.sigma_x, self.sigma_yx.T).T

    @property
    def is_whitened(self) -> bool:
        """Whether Sigma_x is exactly the identity."""
        return bool(np.array_equal(self.sigma_x, np.eye(self.input_dim)))

    @property
    def sigma_x_sqrt(self) -> np.ndarray:
        """The symmetric square root Sigma_x^{1/2}."""
        eig, vec = np.linalg.eigh(self.sigma_x)
        return (vec * np.sqrt(eig)) @ vec.T

    @property
    def minimum_loss(self) -> float:
        """L* = 1/2 (E||y||^2 - tr(T Sigma_x T^T)); 0 in the noise-free population setting."""
        if self.y_energy is None:
            return 0.0
        t = self.target
        return 0.5 * (self.y_energy - float(np.sum((t @ self.sigma_x) * t)))
