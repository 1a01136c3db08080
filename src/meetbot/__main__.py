"""``python -m meetbot``: the same entry point as the ``meetbot`` command."""

import sys

from meetbot.frontends.cli import main

sys.exit(main())
