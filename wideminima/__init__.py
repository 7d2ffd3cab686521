"""wideminima: proof-checking and symbolic verification of the theory of flat minima.

Source: Mulayoff & Michaeli, "Unique Properties of Flat (Wide) Minima in Deep
Networks", ICML 2020. The results it checks, with their ids, are in theorems.md.

Subpackages (imported on demand, so ``import wideminima`` is fast):

- :mod:`wideminima.symbolic`: exact derivations with SymPy and mpmath certificates.
- :mod:`wideminima.numeric`: networks, Hessian spectra, minima, training, metrics.
- :mod:`wideminima.property_tests`: Hypothesis suites and the ``verify`` engine.
- :mod:`wideminima.report`: experiments and figures.
"""

from wideminima.errors import InputError, WideMinimaError

__version__ = "0.1.0"

__all__ = ["InputError", "WideMinimaError", "__version__"]
