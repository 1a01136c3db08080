"""What the Telegram front end is configured with, read from the environment in one place.

:meth:`Settings.from_env` reads ``TELEGRAM_BOT_TOKEN``, ``MEETBOT_ADMIN_IDS``,
``MEETBOT_BOT_API_URL``, ``MEETBOT_STATE``, ``MEETBOT_WEBHOOK_SECRET`` and (through
:func:`~meetbot.curation.misses.miss_log_from_env`) ``MEETBOT_MISSES``; a value given on the
command line comes first.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from telegram.request import BaseRequest

from meetbot.curation.misses import MissLog, miss_log_from_env
from meetbot.environment import Environment, environment
from meetbot.errors import MeetbotError
from meetbot.frontends.telegram.security import read_token, read_webhook_secret
from meetbot.store.live import LiveKnowledge

"""Values of ``MEETBOT_STATE`` that keep the bot's state in memory only."""


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
    clock: Callable[[], float] = time.time
    """Wall-clock time: conversations saved before a restart expire when they would have."""
    state_dir: Path | None = None
    """Where users' languages, conversations and buttons are saved across restarts (a
    private folder of this user's); None keeps them in memory only."""
    save_interval: float = 60.0
    """Seconds between two saves of the state (it is saved on shutdown too)."""
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
                 secret: str | None = None, secret_file: Path | None = None,
                 base_url: str | None = None,
                 environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of a running bot: command-line values first, then the environment.

        The token from ``token_file``, else ``TELEGRAM_BOT_TOKEN``; the webhook secret from
        ``secret``, else ``secret_file``, else ``MEETBOT_WEBHOOK_SECRET``; the Bot API from
        ``base_url``, else ``MEETBOT_BOT_API_URL``; the admins from ``MEETBOT_ADMIN_IDS``;
        the state directory from ``MEETBOT_STATE`` (:func:`state_dir`).
        """
        env = environment() if environ is None else Environment.read(environ)
        return cls(token=read_token(token_file, environ), live=live,
                   webhook_secret=read_webhook_secret(secret, secret_file, environ),
                   admin_ids=parse_admin_ids(env.admin_ids),
                   base_url=base_url or env.bot_api_url or None,
                   misses=miss_log_from_env(), state_dir=state_dir(environ))


def state_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the bot keeps its state: ``$MEETBOT_STATE``, else the platform's user state
    directory for meetbot (``~/.local/state/meetbot`` on Linux); None when it is ``off`` or
    the system is not POSIX (the folder's owner and mode cannot be checked there)."""
    configured = (environment() if environ is None else Environment.read(environ)).state
    if Environment.is_off(configured) or os.name != "posix":
        return None
    return Path(configured) if configured else Path(platformdirs.user_state_dir("meetbot"))


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
