"""``python -m cchc``: the same command as ``cchc`` (tests run it this way from a checkout)."""

import sys

from cchc.cli import main

sys.exit(main())
