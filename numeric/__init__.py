"""Numeric engine: deep linear networks, exact Hessian spectra, minima, training, metrics.

Arrays from any array-API namespace are accepted (NumPy by default); results come
back in the caller's namespace and on its device. float64 throughout.
"""

from .mlp import MLP
from .moments import Moments
from .network import check_weights, end_to_end, excess_loss, gradient, loss, products_after, products_before, widths

__all__ = [
    "MLP",
    "Moments",
    "check_weights",
    "end_to_end",
    "excess_loss",
    "gradient",
    "loss",
    "products_after",
    "products_before",
    "widths",
]
