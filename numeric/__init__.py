"""Numeric engine: deep linear networks, exact Hessian spectra, minima, training, metrics.

Arrays from any array-API namespace are accepted (NumPy by default); results come
back in the caller's namespace and on its device. float64 throughout.
"""

from .density import Density, exact_density, slq_density
from .hessian_spectrum import block_extremes, exact_spectrum, extremes_of, hessian_density, hessian_eigenpairs, hessian_trace_of
from .parameter_hessian import ParameterHessian, hessian_of
from .signatures import Signatures, gauge_invariant_flatness, signatures
from .torch_models import Chain, chain_from_module, load_model
from .trace import TraceEstimate, hutchpp_trace
from .data import linear_teacher_data, mlp_teacher_data, population_data, random_covariance, sample_data, whitened_data
from .flatness import balanced_sharpness, flattest_bound, flattest_sharpness, near_balance_interval, numerical_rank, top_singular_pair
from .gram import GramFactors, gram_factors, hessian_trace, output_gram
from .hessian import dense_hessian, flatten, gauss_newton_vector_product, hessian_operator, hessian_vector_product, unflatten
from .inits import balanced_init, gaussian_init, he_init, init_weights, xavier_init
from .mlp import MLP
from .lanczos import EigenResult, hutchinson_trace, top_eigenpairs
from .operator import MatvecOperator, SymmetricOperator
from .metrics import NearBalance, coupling, flattest_path, imbalance, layer_gains, near_balance, path_gains, path_residuals
from .flattest_general import FlattestValue, carrier_sharpness, flattest_value
from .minima import (
    balanced_minimum,
    carrier_minimum,
    diagonal_sharpness,
    flattest_minimum,
    flattest_unbalanced_minimum,
    gauge_minimum,
    near_flattest_minimum,
)
from .moments import Moments
from .network import check_weights, end_to_end, excess_loss, gradient, loss, products_after, products_before, widths
from .resnet import resnet_residuals, resnet_weights, zero_resnet_init
from .entry_points import hessian_extremes, sharpness
from .spectra import Eigenpair, Extremes, MinimumTest, Spectrum, global_minimum_test, sharpness_ratio
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
    "FlattestValue",
    "balanced_sharpness",
    "carrier_minimum",
    "carrier_sharpness",
    "flattest_bound",
    "flattest_minimum",
    "flattest_path",
    "flattest_sharpness",
    "flattest_value",
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
    # any model, PyTorch included (issue 11): operators, spectra beyond lambda_max, signatures
    "Chain",
    "Density",
    "ParameterHessian",
    "Signatures",
    "TraceEstimate",
    "block_extremes",
    "chain_from_module",
    "exact_density",
    "exact_spectrum",
    "extremes_of",
    "gauge_invariant_flatness",
    "hessian_density",
    "hessian_eigenpairs",
    "hessian_of",
    "hessian_trace_of",
    "hutchpp_trace",
    "load_model",
    "signatures",
    "slq_density",
]
