"""``python -m wideminima``: the same as the ``wideminima`` console script."""

import sys

from wideminima.cli import main

sys.exit(main())
