"""The settings meetbot reads from the environment, all in one place.

| variable | what it sets |
| --- | --- |
| ``TELEGRAM_BOT_TOKEN`` | the bot token; with none, the main command starts the console |
| ``MEETBOT_KNOWLEDGE`` | the knowledge directory (default: the project's ``knowledge/``) |
| ``MEETBOT_CACHE`` | where built engines are cached; ``off`` disables the cache |
| ``MEETBOT_MISSES`` | the log of questions the bot could not answer; ``off`` disables it |
| ``MEETBOT_DATA`` | the folder of that log when ``MEETBOT_MISSES`` is not set |
| ``MEETBOT_MISSES_SALT`` | the key that hashes chat ids in that log |
| ``MEETBOT_ADMIN_IDS`` | Telegram user ids allowed ``/stats`` and ``/reload`` |
| ``MEETBOT_BOT_API_URL`` | another Bot API server (an emulator in tests) |
| ``MEETBOT_WEBHOOK_SECRET`` | the webhook's secret token (kept out of the process list) |
| ``MEETBOT_STATE`` | where the bot keeps what users set; ``off`` keeps it in memory |
| ``MEETBOT_LOG_LEVEL`` | ``DEBUG``, ``INFO`` (default), ``WARNING`` or ``ERROR`` |

Values are read when asked for (:func:`environment`), so a test or a long-running process
sees the environment as it is then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

OFF = frozenset({"off", "0", "none", "no"})
"""Values that switch an optional file (the cache, the misses log) off."""


@dataclass(frozen=True)
class Environment:
    """The ``MEETBOT_*`` and ``TELEGRAM_BOT_TOKEN`` variables, as given (stripped)."""

    token: str
    knowledge: str
    cache: str
    misses: str
    data: str
    misses_salt: str
    admin_ids: str
    bot_api_url: str
    log_level: str
    webhook_secret: str = ""
    state: str = ""

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> Environment:
        """The settings in ``environ``."""

        def get(name: str) -> str:
            return environ.get(name, "").strip()

        return cls(token=get("TELEGRAM_BOT_TOKEN"), knowledge=get("MEETBOT_KNOWLEDGE"),
                   cache=get("MEETBOT_CACHE"), misses=get("MEETBOT_MISSES"),
                   data=get("MEETBOT_DATA"), misses_salt=get("MEETBOT_MISSES_SALT"),
                   admin_ids=get("MEETBOT_ADMIN_IDS"), bot_api_url=get("MEETBOT_BOT_API_URL"),
                   log_level=get("MEETBOT_LOG_LEVEL"),
                   webhook_secret=get("MEETBOT_WEBHOOK_SECRET"), state=get("MEETBOT_STATE"))

    @staticmethod
    def is_off(value: str) -> bool:
        """True when ``value`` switches an optional file off."""
        return value.lower() in OFF

    def cache_dir(self) -> Path | None:
        """Where built engines are cached (platformdirs' user cache folder by default), or
        None when caching is off."""
        if self.is_off(self.cache):
            return None
        if self.cache:
            return Path(self.cache)
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("meetbot", appauthor=False))


def environment() -> Environment:
    """The settings in the process's environment now."""
    return Environment.read(os.environ)
