"""Floods: one chat's updates in order, other chats never kept waiting, a per-user throttle.

python-telegram-bot processes updates one after another by default, so a user who sends 200
messages in a few seconds makes everyone else wait until all 200 are answered. Two parts fix
that:

* :class:`ChatOrderedUpdateProcessor` (``ApplicationBuilder.concurrent_updates``) runs the
  updates of one chat strictly in arrival order — follow-ups depend on the previous answer —
  while different chats run concurrently, at most ``max_running`` handlers at a time.
* :class:`FloodGuard`, a handler in a group before all others, lets each user ask at most
  ``limit`` questions in any ``window`` seconds (:class:`UserThrottle`). Beyond that the user
  gets one polite notice per window and the extra questions are not answered: nothing is
  dropped without the user being told.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Message, ReplyParameters, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseUpdateProcessor, ContextTypes

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 20
"""Questions a user may ask in one window."""
DEFAULT_WINDOW = 60.0
"""The throttle window, in seconds (the notice tells the user to wait "a minute")."""
DEFAULT_MAX_RUNNING = 16
"""Handlers running at once (each in a different chat)."""
DEFAULT_MAX_PENDING = 100_000
"""Updates accepted at once, running or waiting for their chat's turn."""


# -- ordering ----------------------------------------------------------------------------------


def ordering_key(update: object) -> Hashable | None:
    """The key whose updates must run in order: the chat, else the user (inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


@dataclass(slots=True)
class _Turn:
    """The lock that orders one chat's updates, and how many updates hold or await it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Run one chat's updates in arrival order and different chats concurrently (bounded).

    The base class takes its semaphore *before* :meth:`do_process_update` is called, so if it
    bounded the running handlers, updates waiting for a busy chat's turn would hold every slot
    and a flood in one chat would stall all the others. Its bound is therefore only a backstop
    on the backlog (``max_pending``); the running handlers are bounded by a second semaphore
    taken after the update's turn in its chat has come. Each chat's lock lives only while that
    chat has updates in flight, so memory does not grow with the number of chats ever seen.
    """

    def __init__(self, max_running: int = DEFAULT_MAX_RUNNING,
                 max_pending: int = DEFAULT_MAX_PENDING) -> None:
        if max_running < 1:
            raise ValueError("max_running must be at least 1")
        super().__init__(max(max_pending, max_running, 2))
        self.max_running = max_running
        self._running = asyncio.Semaphore(max_running)
        self._turns: dict[Hashable, _Turn] = {}

    @property
    def chats_in_flight(self) -> int:
        """How many chats have updates running or waiting."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this chat's turn, then for a free slot, then process the update."""
        key = ordering_key(update)
        turn: _Turn | None = None
        if key is not None:
            turn = self._turns.get(key)
            if turn is None:
                turn = self._turns[key] = _Turn()
            turn.users += 1
        started = False
        try:
            order = turn.lock if turn is not None else contextlib.nullcontext()
            async with order, self._running:
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: no "never awaited" warning
            if turn is not None:
                turn.users -= 1
                if turn.users == 0 and self._turns.get(key) is turn:
                    del self._turns[key]

    async def initialize(self) -> None:
        """Start afresh on the running event loop."""
        self._running = asyncio.Semaphore(self.max_running)
        self._turns.clear()

    async def shutdown(self) -> None:
        """Nothing to release: the Application waits for the updates in flight."""


# -- throttle ----------------------------------------------------------------------------------


class Verdict(enum.Enum):
    """What to do with a user's question."""

    ANSWER = "answer"
    NOTIFY = "notify"
    """Over the limit: not answered; tell the user (first time in this window)."""
    IGNORE = "ignore"
    """Over the limit and already told in this window: not answered."""


@dataclass(slots=True)
class _Window:
    answered: deque[float]
    notified: float | None = None


class UserThrottle:
    """At most ``limit`` answered questions per user in any ``window`` seconds.

    A sliding window of the times of the user's last ``limit`` answered questions: a question
    is answered when fewer than ``limit`` were answered in the last ``window`` seconds. Questions
    refused do not count, so a user who slows down is answered again as soon as the oldest of
    those answers is ``window`` seconds old. This is exactly "the first N, then wait", which a
    leaky bucket such as ``aiolimiter`` (already installed for python-telegram-bot's outgoing
    rate limiter) does not give: its capacity refills continuously, and it is built to make a
    caller wait rather than to refuse. The windows are kept in a bounded, least-recently-used
    order; a user idle for a whole window is forgotten, since there is nothing to remember.
    Not thread-safe: use it from the event loop.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW, *,
                 max_users: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0 or max_users < 1:
            raise ValueError("limit, window and max_users must be positive")
        self.limit = limit
        self.window = window
        self.max_users = max_users
        self._clock = clock
        self._users: OrderedDict[int, _Window] = OrderedDict()

    def __len__(self) -> int:
        return len(self._users)

    def check(self, user_id: int) -> Verdict:
        """Count a question from ``user_id`` and say whether to answer it."""
        now = self._clock()
        self._forget_idle(now)
        window = self._users.get(user_id)
        if window is None:
            window = self._users[user_id] = _Window(deque(maxlen=self.limit))
            while len(self._users) > self.max_users:
                self._users.popitem(last=False)
        else:
            self._users.move_to_end(user_id)
        answered = window.answered
        if len(answered) < self.limit or now - answered[0] >= self.window:
            answered.append(now)
            return Verdict.ANSWER
        if window.notified is None or now - window.notified >= self.window:
            window.notified = now
            return Verdict.NOTIFY
        return Verdict.IGNORE

    def _forget_idle(self, now: float) -> None:
        while self._users:
            user_id, window = next(iter(self._users.items()))
            last = max(window.answered[-1] if window.answered else -float("inf"),
                       window.notified if window.notified is not None else -float("inf"))
            if now - last < self.window:
                return
            del self._users[user_id]


# -- the guard ---------------------------------------------------------------------------------

AddressedCheck = Callable[[Message, Bot], bool]
NoticeText = Callable[[Update, ContextTypes.DEFAULT_TYPE, int], str]


class FloodGuard:
    """A handler callback, run before all others, that throttles each user's questions.

    Counted: messages (new or edited) meant for the bot — every message in a private chat; in
    groups only those ``addressed`` to it — and button presses. Inline queries are not counted:
    Telegram sends one per keystroke and nothing is posted to a chat. A refused update stops
    all further handlers; the first refusal in a window sends the ``notice`` (HTML).
    """

    def __init__(self, throttle: UserThrottle, addressed: AddressedCheck,
                 notice: NoticeText) -> None:
        self.throttle = throttle
        self.addressed = addressed
        self.notice = notice

    def counts(self, update: Update, bot: Bot) -> bool:
        """Whether ``update`` is a question (or a press) that counts towards the limit."""
        if update.callback_query is not None:
            return True
        message = update.message or update.edited_message
        return message is not None and self.addressed(message, bot)

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Let the update through, or refuse it (telling the user once per window)."""
        if not isinstance(update, Update) or update.effective_user is None:
            return
        if not self.counts(update, context.bot):
            return
        user = update.effective_user
        verdict = self.throttle.check(user.id)
        if verdict is Verdict.ANSWER:
            return
        try:  # whatever happens while telling the user, the question is not answered
            if update.callback_query is not None:
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer()
            chat = update.effective_chat
            if verdict is Verdict.NOTIFY and chat is not None:
                logger.info("throttling a user: over %s questions in %s s",
                            self.throttle.limit, self.throttle.window)
                asked = update.message or update.edited_message
                reply = None
                if asked is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
                    reply = ReplyParameters(asked.message_id, allow_sending_without_reply=True)
                await context.bot.send_message(
                    chat.id, self.notice(update, context, self.throttle.limit),
                    parse_mode=ParseMode.HTML, reply_parameters=reply)
        except TelegramError as exc:
            logger.warning("could not tell a user they are sending too fast: %s", exc)
        except Exception:
            logger.exception("could not tell a user they are sending too fast")
        raise ApplicationHandlerStop
