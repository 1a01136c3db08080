"""The misses log: one JSON line per declined question or "did you mean", privately kept.

:class:`MissLog` appends one JSON line per declined or low-confidence answer
(``kind`` ``decline`` or ``clarify``) to ``misses.jsonl``::

    {"ts": "2026-03-14T09:30:00Z", "question": "who funds the osce", "kind": "decline",
     "confidence": 0.31, "nearest": "org_info", "nearest_example": "what is the {org}",
     "nearest_score": 0.58, "suggestions": [], "chat": "3f9c0d1e2a4b5c6d"}

What is stored: the time (to the second), the question as asked, at most 500 characters,
with private data redacted (below), how it was answered (kind, confidence, the knowledge
base's nearest phrasing and the suggestions offered, all from the knowledge base) and
``chat``. No user names or ids are written: ``chat`` is a keyed (salted) BLAKE2b hash of the
chat id, enough to tell "one person asked ten times" from "ten people asked", and nothing
more. The salt comes from ``$MEETBOT_MISSES_SALT`` or a random salt kept next to the log
(mode 0600).

What is redacted (:func:`meetbot.privacy.redact`, before anything is written): e-mail
addresses become ``[email]``, phone numbers ``[phone]``, and passwords (the word after
"password", "пароль" ...), bot tokens, API keys and long hex or base64 secrets ``[secret]``;
the rest of the question is kept as asked, so the questions still group in the report.

How long it is kept: the log is rotated when the next line would take it past ``max_bytes``
(5 MB) to ``misses.jsonl.1`` ... ``.N`` (3 backups), the oldest file deleted, so at most
``max_bytes x (backups + 1)`` = 20 MB of the newest misses are kept on disk: about the last
70,000 (a line takes about 300 bytes). Nothing is deleted by age.

Several processes (the bot, consoles) may write one log at once: "check the size, rotate,
append" runs under a cross-process lock (``filelock``'s ``flock``, on a hidden
``.misses.jsonl.lock`` next to the log), the size is checked under the lock, and the log is
opened afresh for every line, so no line is lost or split and every rotated file is full.
Writing never raises: an I/O error, or the lock not had within :data:`LOCK_TIMEOUT` seconds,
is logged as a warning (once) and the answer is served as usual.

The log's place and salt are settings of :mod:`meetbot.environment` (``MEETBOT_MISSES``,
``MEETBOT_DATA``, ``MEETBOT_MISSES_SALT``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import lock_descriptor, unlock_descriptor

from meetbot.domain.answer import Answer
from meetbot.environment import Environment, environment
from meetbot.lang.normalize import MAX_QUESTION_CHARS, clean
from meetbot.privacy import redact

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[4]
RECORDED_KINDS = frozenset({"decline", "clarify"})
"""Answer kinds that are logged as misses."""
LOCK_TIMEOUT = 2.0
"""Seconds a writer waits for another process's write or rotation before it gives up."""
_LOCK_POLL = 0.001
"""Seconds between attempts at the lock while another process holds it."""


def default_log_path() -> Path:
    """Return ``$MEETBOT_MISSES``, else ``$MEETBOT_DATA/misses.jsonl``, else ``data/misses.jsonl``.

    The project's ``data/`` directory is git-ignored.
    """
    env = environment()
    if env.misses and not Environment.is_off(env.misses):
        return Path(env.misses)
    if env.data:
        return Path(env.data) / "misses.jsonl"
    return PROJECT_DIR / "data" / "misses.jsonl"


def miss_log_from_env() -> MissLog | None:
    """Return a :class:`MissLog` at :func:`default_log_path`, or None when logging is off.

    Set ``MEETBOT_MISSES=off`` (or ``none``/``0``/``no``) to disable the log.
    """
    if Environment.is_off(environment().misses):
        return None
    return MissLog(default_log_path())


class MissLog:
    """Append-only, size-capped, thread- and process-safe JSON Lines log of missed questions."""

    def __init__(self, path: Path, *, max_bytes: int = 5_000_000, backups: int = 3,
                 salt: str | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = max(1024, max_bytes)
        self.backups = max(0, backups)
        self._salt: bytes | None = salt.encode() if salt else None
        self._lock = threading.Lock()
        self._lock_path = str(self.path.with_name(f".{self.path.name}.lock"))
        self._warned: set[str] = set()

    # -- public ------------------------------------------------------------------------
    def record(self, answer: Answer, chat: str | int | None = None) -> bool:
        """Log ``answer`` if it is a decline or a "did you mean"; return True if written.

        Never raises: on an I/O error a warning is logged and False returned.
        """
        if answer.kind not in RECORDED_KINDS:
            return False
        try:
            line = json.dumps(self._entry(answer, chat), ensure_ascii=False) + "\n"
        except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
            self._warn("encode", f"cannot encode a missed question: {exc}")
            return False
        data = line.encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._append_locked(data)
            except _LockTimeoutError:
                self._warn("lock", f"the misses log {self.path} stayed locked for "
                           f"{LOCK_TIMEOUT:g} s; a missed question was not logged")
                return False
            except OSError as exc:
                self._warn("write", f"cannot write the misses log {self.path}: {exc}")
                return False
        return True

    def chat_hash(self, chat: str | int) -> str:
        """Return the salted hash (16 hex digits) that stands for ``chat`` in the log."""
        digest = hashlib.blake2b(str(chat).encode("utf-8"), key=self._salt_bytes()[:64],
                                 digest_size=8)
        return digest.hexdigest()

    # -- internals ---------------------------------------------------------------------
    def _entry(self, answer: Answer, chat: str | int | None) -> dict[str, Any]:
        route = answer.route
        top = route.candidates[0] if route is not None and route.candidates else None
        # redacted before it is cut, so that a secret across the cut is still seen whole
        question = redact(clean(answer.question)[: 2 * MAX_QUESTION_CHARS])
        question = question[:MAX_QUESTION_CHARS]
        return {
            "ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "question": question,
            "kind": answer.kind,
            "confidence": round(float(answer.confidence), 3),
            "nearest": top.intent if top else None,
            "nearest_example": top.example if top else None,
            "nearest_score": round(float(top.score), 3) if top else None,
            "suggestions": list(answer.suggestions),
            "chat": None if chat is None else self.chat_hash(chat),
        }

    def _salt_bytes(self) -> bytes:
        if self._salt is None:
            salt = environment().misses_salt
            self._salt = salt.encode() if salt else self._persisted_salt()
        return self._salt

    def _persisted_salt(self) -> bytes:
        """Read the salt kept next to the log, creating it (mode 0600) on first use."""
        salt_path = self.path.with_name(self.path.name + ".salt")
        fresh = secrets.token_hex(32).encode()
        for _attempt in range(2):
            try:
                existing = salt_path.read_bytes().strip()
            except FileNotFoundError:
                existing = b""
            except OSError as exc:
                self._warn("salt", f"cannot read the salt {salt_path}: {exc}; chat hashes "
                           "will differ after a restart")
                return fresh
            if existing:
                return existing
            try:
                salt_path.parent.mkdir(parents=True, exist_ok=True)
                flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if salt_path.exists()
                                                    else os.O_EXCL)
                fd = os.open(salt_path, flags, 0o600)
                try:
                    os.write(fd, fresh + b"\n")
                finally:
                    os.close(fd)
                return fresh
            except FileExistsError:
                continue  # another process created it just now: read theirs
            except OSError as exc:
                self._warn("salt", f"cannot keep the salt in {salt_path}: {exc}; chat "
                           "hashes will differ after a restart")
                return fresh
        return fresh

    def _append_locked(self, data: bytes) -> None:
        """Append ``data`` holding the lock every process writing this log shares.

        The lock is ``filelock``'s primitive (``flock`` on a hidden ``.<log>.lock``, opened for
        each line so that a forked child never shares a parent's lock), taken without
        blocking and retried every :data:`_LOCK_POLL` seconds for :data:`LOCK_TIMEOUT`
        seconds. ``filelock.FileLock`` does the same with a timeout but costs some 0.2-0.3 ms a
        line in bookkeeping, several times the rest of :meth:`record`.
        """
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while not lock_descriptor(fd, blocking=False):
                if time.monotonic() >= deadline:
                    raise _LockTimeoutError
                time.sleep(_LOCK_POLL)
            try:
                self._append(data)
            finally:
                unlock_descriptor(fd)
        finally:
            os.close(fd)

    def _append(self, data: bytes) -> None:
        """Rotate if ``data`` would not fit, then append it; only under the process lock."""
        self._rotate_if_needed(len(data))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + incoming <= self.max_bytes:
            return
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
            return
        self._backup(self.backups).unlink(missing_ok=True)
        for number in range(self.backups - 1, 0, -1):
            try:
                os.replace(self._backup(number), self._backup(number + 1))
            except FileNotFoundError:
                continue  # a gap (a backup removed by hand) is no reason to lose a miss
        os.replace(self.path, self._backup(1))

    def _backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")

    def _warn(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.warning("%s", message)


class _LockTimeoutError(Exception):
    """Another process held the misses log's lock for longer than ``LOCK_TIMEOUT``."""

