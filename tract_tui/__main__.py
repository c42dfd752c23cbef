"""``python -m tract_tui``: the same as the ``tract-tui`` console script."""

import sys

from tract_tui.cli import main

sys.exit(main())
