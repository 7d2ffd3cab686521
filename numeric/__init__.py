"""Numeric engine: deep linear networks, exact Hessian spectra, minima, training, metrics.

Arrays from any array-API namespace are accepted (NumPy by default); results come
back in the caller's namespace and on its device. float64 throughout.
"""

from .data import linear_teacher_data, mlp_teacher_data, population_data, random_covariance, sample_data, whitened_data
from .flatness import flattest_bound, flattest_sharpness, near_balance_interval, numerical_rank, top_singular_pair
from .gram import GramFactors, gram_factors, hessian_trace, output_gram
from .hessian import dense_hessian, flatten, gauss_newton_vector_product, hessian_operator, hessian_vector_product, unflatten
from .inits import balanced_init, gaussian_init, he_init, init_weights, xavier_init
from .mlp import MLP
from .lanczos import EigenResult, hutchinson_trace, top_eigenpairs
from .operator import MatvecOperator, SymmetricOperator
from .metrics import NearBalance, coupling, imbalance, layer_gains, near_balance, path_gains, path_residuals
from .minima import balanced_minimum, diagonal_sharpness, flattest_unbalanced_minimum, gauge_minimum, near_flattest_minimum
from .moments import Moments
from .network import check_weights, end_to_end, excess_loss, gradient, loss, products_after, products_before, widths
from .resnet import resnet_residuals, resnet_weights, zero_resnet_init
from .spectra import Eigenpair, Extremes, MinimumTest, Spectrum, global_minimum_test, hessian_extremes, sharpness, sharpness_ratio
from .training import Schedule, TrainResult, TrainStatus, train

__all__ = [
    "MLP",
    "Schedule",
    "TrainResult",
    "TrainStatus",
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
    # numeric core: derivatives, spectra, minima, data, metrics
    "EigenResult",
    "Eigenpair",
    "Extremes",
    "GramFactors",
    "MinimumTest",
    "Spectrum",
    "balanced_minimum",
    "coupling",
    "dense_hessian",
    "diagonal_sharpness",
    "flatten",
    "flattest_bound",
    "flattest_sharpness",
    "flattest_unbalanced_minimum",
    "gauge_minimum",
    "gauss_newton_vector_product",
    "global_minimum_test",
    "gram_factors",
    "hessian_extremes",
    "hessian_operator",
    "hessian_trace",
    "hessian_vector_product",
    "hutchinson_trace",
    "MatvecOperator",
    "SymmetricOperator",
    "imbalance",
    "layer_gains",
    "linear_teacher_data",
    "mlp_teacher_data",
    "NearBalance",
    "near_balance",
    "near_balance_interval",
    "near_flattest_minimum",
    "numerical_rank",
    "output_gram",
    "path_gains",
    "path_residuals",
    "population_data",
    "random_covariance",
    "sample_data",
    "sharpness",
    "sharpness_ratio",
    "top_eigenpairs",
    "top_singular_pair",
    "unflatten",
    "whitened_data",
]
