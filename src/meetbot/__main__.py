"""``python -m meetbot``: the same entry point as the ``meetbot`` command."""

import sys

from .cli import main

sys.exit(main())
