"""Random draws shared by every layer of the toolkit (base layer: imports only NumPy).

One implementation per distribution, so that "Haar-random" means the same thing
in the minima generators, the claim strategies and the report's null models.
"""

from __future__ import annotations

import numpy as np

__all__ = ["haar_orthogonal"]


def haar_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-distributed ``(n, n)`` orthogonal matrix.

    QR of an ``n x n`` standard Gaussian matrix with the signs of R's diagonal moved
    into Q (Mezzadri, "How to generate random matrices from the classical compact
    groups", 2007): without that sign fix, Q is not Haar-uniform.

    >>> q = haar_orthogonal(np.random.default_rng(0), 3)
    >>> bool(np.allclose(q.T @ q, np.eye(3), rtol=0, atol=1e-15))
    True
    """
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))
