"""Numeric engine: deep linear networks, exact Hessian spectra, minima, training, metrics.

Arrays from any array-API namespace are accepted (NumPy by default); results come
back in the caller's namespace and on its device. float64 throughout.
"""

from .inits import balanced_init, gaussian_init, he_init, init_weights, xavier_init
from .mlp import MLP
from .moments import Moments
from .network import check_weights, end_to_end, excess_loss, gradient, loss, products_after, products_before, widths
from .resnet import resnet_residuals, resnet_weights, zero_resnet_init
from .training import Schedule, TrainResult, train

__all__ = [
    "MLP",
    "Schedule",
    "TrainResult",
    "balanced_init",
    "gaussian_init",
    "he_init",
    "init_weights",
    "resnet_residuals",
    "resnet_weights",
    "train",
    "xavier_init",
    "zero_resnet_init",
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
