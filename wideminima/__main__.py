"""``python -m wideminima``: the same as the ``wideminima`` console script."""

import sys

from wideminima._cli import main

sys.exit(main())
