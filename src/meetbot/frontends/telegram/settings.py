"""What the Telegram front end is configured with, read from the environment in one place."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from telegram.request import BaseRequest

from meetbot.curation.misses import MissLog, miss_log_from_env
from meetbot.errors import MeetbotError
from meetbot.frontends.telegram.security import read_token
from meetbot.store.live import LiveKnowledge


@dataclass
class Settings:
    """Everything :func:`~meetbot.frontends.telegram.app.build_application` needs."""

    token: str
    live: LiveKnowledge
    admin_ids: frozenset[int] = frozenset()
    base_url: str | None = None
    """Base URL of a Bot API server (tests: ``http://127.0.0.1:PORT``); None for Telegram."""
    request: BaseRequest | None = None
    """A request object for API calls (tests use one that never leaves the process)."""
    get_updates_request: BaseRequest | None = None
    webhook_secret: str | None = None
    """Kept out of the logs like the token."""
    rate_limit: bool = True
    context_ttl: float = 30 * 60
    max_conversations: int = 10_000
    max_buttons: int = 20_000
    """Messages whose buttons are remembered (the least recently pressed go first)."""
    button_ttl: float = 7 * 24 * 3600
    """Buttons not pressed for this many seconds are forgotten."""
    clock: Callable[[], float] = time.monotonic
    misses: MissLog | None = None
    """Where declined and "did you mean" questions go (a salted hash of the chat, no names)."""
    flood_limit: int = 20
    """Questions one user may ask in ``flood_window`` seconds; beyond, one polite notice."""
    flood_window: float = 60.0
    """The throttle window in seconds (the notice asks the user to wait "a minute")."""
    max_running: int = 16
    """Updates handled at once, each in a different chat (one chat's run in order)."""

    @classmethod
    def from_env(cls, live: LiveKnowledge, *, token_file: Path | None = None,
                 secret: str | None = None, base_url: str | None = None,
                 environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of a running bot: command-line values first, then the environment.

        ``TELEGRAM_BOT_TOKEN`` (unless ``token_file``), ``MEETBOT_ADMIN_IDS``,
        ``MEETBOT_BOT_API_URL`` (unless ``base_url``) and ``MEETBOT_MISSES``.
        """
        env = os.environ if environ is None else environ
        return cls(token=read_token(token_file, env), live=live, webhook_secret=secret,
                   admin_ids=parse_admin_ids(env.get("MEETBOT_ADMIN_IDS")),
                   base_url=base_url or env.get("MEETBOT_BOT_API_URL") or None,
                   misses=miss_log_from_env())


def parse_admin_ids(value: str | None) -> frozenset[int]:
    """Parse ``MEETBOT_ADMIN_IDS`` ("123, 456") into user ids."""
    ids: set[int] = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise MeetbotError(f"MEETBOT_ADMIN_IDS must be comma-separated numeric Telegram "
                               f"user ids; {part!r} is not one")
        ids.add(int(part))
    return frozenset(ids)
