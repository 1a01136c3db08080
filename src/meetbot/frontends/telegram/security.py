"""Secrets: reading the bot token and the webhook secret, keeping both out of every log.

The token never reaches a log: httpx/httpcore (which log request URLs, and the token is in
every URL) are set to WARNING, and a :class:`SecretRedactor` on the root handlers redacts it
from any record that still contains it — in any letter case, since libraries lower-case error
texts. The same redactor cleans every answer before it is sent: a token pasted as a question
comes back lower-cased and cut at its ``-`` and ``_``. Below DEBUG, :class:`QuietOutages`
shortens a network failure to one line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import httpx
from telegram.error import InvalidToken, NetworkError

from meetbot.environment import Environment, environment
from meetbot.errors import MeetbotError, TokenError
from meetbot.files import FileRefused, read_regular

TOKEN_PATTERN: Final = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
SECRET_TOKEN_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_TOKEN_FILE_BYTES: Final = 4096
"""A token file holds one token (about 46 characters); anything larger is not one."""
SHORTEST_PIECE: Final = 4
"""Pieces of a secret (between its ``-`` and ``_``) shorter than this are not redacted on
their own: they would match ordinary words, and alone they give nothing away."""


class WebhookSecretError(MeetbotError):
    """The webhook secret token is unusable."""


def read_token(token_file: Path | None = None,
               environ: Mapping[str, str] | None = None) -> str:
    """Return the bot token from ``token_file`` or ``TELEGRAM_BOT_TOKEN``; check its shape.

    Raises :class:`TokenError` (whose message never contains the token) when it is missing,
    unreadable or malformed.
    """
    env = environment() if environ is None else Environment.read(environ)
    if token_file is not None:
        token = _read_small(token_file, "token file", TokenError)
        where = f"the token file {token_file}"
    else:
        token = env.token
        where = "TELEGRAM_BOT_TOKEN"
        if not token:
            raise TokenError("no bot token: set TELEGRAM_BOT_TOKEN (or use --token-file); "
                             "get one from @BotFather")
    if not TOKEN_PATTERN.fullmatch(token):
        raise TokenError(f"the bot token in {where} is malformed (expected digits, a colon "
                         "and at least 30 letters, digits, '_' or '-', as @BotFather gives it)")
    return token


def read_webhook_secret(secret: str | None = None, secret_file: Path | None = None,
                        environ: Mapping[str, str] | None = None) -> str | None:
    """The webhook secret token: ``secret`` (``--secret-token``), else the contents of
    ``secret_file`` (``--secret-token-file``), else ``MEETBOT_WEBHOOK_SECRET``; None if none.

    The file and the variable keep the secret out of the process list (``ps``). Raises
    :class:`WebhookSecretError` (without the secret) when it is not 1-256 letters, digits,
    ``_`` or ``-``, as Telegram requires.
    """
    env = environment() if environ is None else Environment.read(environ)
    if secret is not None:
        where = "--secret-token"
    elif secret_file is not None:
        secret = _read_small(secret_file, "secret token file", WebhookSecretError)
        where = f"the secret token file {secret_file}"
    else:
        secret = env.webhook_secret or None
        where = "MEETBOT_WEBHOOK_SECRET"
        if secret is None:
            return None
    if not SECRET_TOKEN_PATTERN.fullmatch(secret):
        raise WebhookSecretError(f"the webhook secret in {where} must be 1-256 letters, "
                                 "digits, '_' or '-'")
    return secret


def _read_small(path: Path, what: str, error: type[Exception]) -> str:
    """The stripped text of a small secret file; ``error`` (without its content) if not."""
    try:
        return read_regular(path, MAX_TOKEN_FILE_BYTES).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError, FileRefused) as exc:
        reason = (exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                  if isinstance(exc, UnicodeDecodeError) else str(exc))
        raise error(f"cannot read the {what} {path}: {reason}") from None


class SecretRedactor(logging.Filter):
    """Replace the bot token (and the webhook secret) in any log record, traceback included.

    Matched in any letter case; the secret part of the token (after the colon) is redacted
    on its own too, and so is each of its pieces between ``-`` and ``_`` of at least
    :data:`SHORTEST_PIECE` characters (the webhook secret, chosen by a person and perhaps
    made of words, only whole).
    """

    def __init__(self, token: str, secret: str | None = None) -> None:
        super().__init__()
        self.secrets = tuple((value, label) for value, label in
                             ((token, "[token]"), (secret, "[secret]")) if value)
        alternatives = [(value, label) for value, label in self.secrets]
        hidden = token.partition(":")[2]  # random letters: its pieces are no one's words
        pieces = [p for p in re.split(r"[-_]", hidden) if len(p) >= SHORTEST_PIECE]
        alternatives += [(v, "[token]") for v in dict.fromkeys((hidden, *pieces)) if v]
        alternatives.sort(key=lambda item: -len(item[0]))  # the whole before its pieces
        self._labels = {v.casefold(): label for v, label in alternatives}
        self._pattern = (re.compile("|".join(re.escape(v) for v, _ in alternatives),
                                    re.IGNORECASE) if alternatives else None)

    def redact(self, text: str) -> str:
        """``text`` with every secret (in any case, or a piece of one) replaced by its label."""
        if self._pattern is None:
            return text
        return self._pattern.sub(
            lambda m: self._labels.get(m.group(0).casefold(), "[token]"), text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drop it."""
        try:
            message = record.getMessage()
            redacted = self.redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
            if record.stack_info:
                record.stack_info = self.redact(record.stack_info)
        except Exception:  # a broken record must not break logging
            return True
        return True


OUTAGES: Final = (NetworkError, InvalidToken, httpx.TransportError)
"""Failures of the network or of the token, not of meetbot: a traceback tells nothing more."""


class QuietOutages(logging.Filter):
    """Below DEBUG, log a network (or token) failure as one line, without its traceback.

    python-telegram-bot logs every failed Bot API call with the chained tracebacks of httpx,
    httpcore and itself (about a hundred lines for "connection refused"). Unless DEBUG is on,
    such a record keeps its message, gains the error's own words, and loses the traceback;
    a failed start-up ("Network Retry Loop (Bootstrap ...) ... Aborting.") is dropped, since
    :func:`~meetbot.frontends.telegram.app.run_bot` reports the same error in its one closing
    line. Other errors, bugs included, keep their tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Shorten or drop ``record`` as described; keep every other record as it is."""
        if not record.exc_info or logging.getLogger().isEnabledFor(logging.DEBUG):
            return True
        error = record.exc_info[1]
        if not isinstance(error, OUTAGES):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken record must not break logging
            return True
        if message.startswith("Network Retry Loop (Bootstrap") and "Aborting" in message:
            return False
        record.msg, record.args = f"{message} ({error})", None
        record.exc_info, record.exc_text = None, None
        return True


def quiet_outages() -> None:
    """Put a :class:`QuietOutages` on every root handler (before the token redactor)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, QuietOutages) for f in handler.filters):
            handler.filters.insert(0, QuietOutages())


def protect_logs(token: str, secret: str | None = None) -> None:
    """Keep the token (and webhook secret) out of the logs on every root handler.

    httpx and httpcore, which log request URLs (and the token is in every URL), are set to
    WARNING; a :class:`SecretRedactor` on each handler catches whatever else carries it (at
    DEBUG, python-telegram-bot itself logs the API URL and the setWebhook parameters).
    """
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    redactor = SecretRedactor(token, secret)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretRedactor) and f.secrets == redactor.secrets
                   for f in handler.filters):
            handler.addFilter(redactor)
