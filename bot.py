#!/usr/bin/env python3
"""Run meetbot: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the console.

The same entry point as ``meetbot`` and ``python -m meetbot``; arguments are passed on
(``python bot.py ask "who heads ODIHR?"``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from meetbot.frontends.cli import main

if __name__ == "__main__":
    sys.exit(main())
