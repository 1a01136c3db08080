"""End-to-end tests against the Telegram Bot API emulator (see conftest.py)."""
