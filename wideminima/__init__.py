"""wideminima: proof-checking and symbolic verification of the theory of flat minima.

Source: Mulayoff & Michaeli, "Unique Properties of Flat (Wide) Minima in Deep
Networks", ICML 2020. The results it checks, with their ids, are in theorems.md.

Layers (docs/architecture.md), each importing only those below it; subpackages
are imported on demand, so ``import wideminima`` is fast:

- applications: :mod:`wideminima.cli` (the ``wideminima`` command, one module per
  subcommand) and :mod:`wideminima.report` (experiments and figures);
- engines: :mod:`wideminima.property_tests` (claims and the ``verify`` engine),
  :mod:`wideminima.symbolic` (exact derivations with SymPy, mpmath certificates),
  :mod:`wideminima.numeric` (networks, Hessian spectra, minima, training, metrics);
- base: :mod:`wideminima.errors`, :mod:`wideminima.io`, :mod:`wideminima.atomic`,
  :mod:`wideminima.progress`, :mod:`wideminima.random`, :mod:`wideminima.types`.
"""

from wideminima.errors import InputError, WideMinimaError

__version__ = "0.1.0"

__all__ = ["InputError", "WideMinimaError", "__version__"]
