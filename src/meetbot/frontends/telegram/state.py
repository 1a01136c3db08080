"""What the bot remembers: conversations, each user's language, buttons, statistics.

* Conversation context (for follow-ups such as "what did they discuss?") is kept per private
  chat, and per member in groups (two people asking in one group do not share follow-ups);
  at most ``Settings.max_conversations`` of them, each forgotten after ``context_ttl``
  seconds without a question (:class:`cachetools.TTLCache`). The context after each answer
  sent is kept too, by message, so that a reply to an answer follows up on that answer.
* Each user's ``/lang`` choice, the least recently active forgotten first
  (:class:`cachetools.LRUCache`).
* Buttons carry Python objects (python-telegram-bot's ``arbitrary_callback_data``); its
  cache keeps the last ``Settings.max_buttons`` keyboards, and those not pressed for
  ``button_ttl`` seconds are dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Final

from cachetools import LRUCache, TTLCache
from telegram import Chat, User
from telegram.constants import ChatType
from telegram.ext import CallbackDataCache, ContextTypes

from meetbot.answers.engine import Engine
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.frontends.telegram.flood import UserThrottle
from meetbot.frontends.telegram.security import SecretRedactor
from meetbot.frontends.telegram.settings import Settings
from meetbot.lang.catalog import DEFAULT_LANGUAGE

STATE_KEY: Final = "meetbot"
"""Where the :class:`BotState` lives in ``bot_data``."""
LANGUAGE_CHOICES: Final = 100_000
"""How many users' /lang choices are remembered (the least recently active go first)."""
EXAMPLES: Final = 4
"""Example questions offered under /start and /help."""
SWEEP_EVERY: Final = 500
"""Keyboards sent between two sweeps of the buttons not pressed for ``button_ttl``."""

ChatKey = tuple[int, int]
"""(chat id, member id): the member is 0 in a private chat."""


def chat_key(chat: Chat, user_id: int | None) -> ChatKey:
    """Whose conversation a message belongs to: the private chat's, or the group member's."""
    if chat.type == ChatType.PRIVATE:
        return (chat.id, 0)
    return (chat.id, user_id or 0)


@dataclass
class Stats:
    """What the bot has been asked since it started (kept in memory only)."""

    answered: int = 0
    declined: int = 0
    clarified: int = 0
    invalid: int = 0
    misses: Counter[str] = field(default_factory=Counter)
    max_misses: int = 5000

    def record(self, answer: Answer) -> None:
        """Count ``answer``; remember the question when the bot could not answer it."""
        if answer.answered:
            self.answered += 1
            return
        if answer.kind == "invalid":
            self.invalid += 1
            return
        if answer.kind == "clarify":
            self.clarified += 1
        else:
            self.declined += 1
        self.misses[" ".join(answer.question.lower().split())[:120]] += 1
        if len(self.misses) > self.max_misses:
            self.misses = Counter(dict(self.misses.most_common(self.max_misses // 2)))


class KeptButtons:
    """The keyboards python-telegram-bot keeps for this bot's buttons, as a count and a sweep."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.cache: CallbackDataCache | None = None
        self._sent = 0

    def __len__(self) -> int:
        return len(self.cache.persistence_data[0]) if self.cache is not None else 0

    def sent(self) -> None:
        """Count a keyboard sent; now and then forget those not pressed for ``ttl``."""
        self._sent += 1
        if self._sent % SWEEP_EVERY == 0 and self.cache is not None:
            self.cache.clear_callback_data(time_cutoff=time.time() - self.ttl)


class BotState:
    """The bot's memory: conversations, languages, buttons, statistics."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conversations: TTLCache[ChatKey, Context] = TTLCache(
            settings.max_conversations, settings.context_ttl, timer=settings.clock)
        # The context after each answer sent, by (chat id, message id): a reply to an answer
        # follows up on that answer, whoever replies.
        self.answered: TTLCache[tuple[int, int], Context] = TTLCache(
            settings.max_conversations, settings.context_ttl, timer=settings.clock)
        self.apologies: TTLCache[int, bool] = TTLCache(10_000, 30.0, timer=settings.clock)
        self.buttons = KeptButtons(settings.button_ttl)
        self.throttle = UserThrottle(settings.flood_limit, settings.flood_window,
                                     max_users=settings.max_conversations, clock=settings.clock)
        self.stats = Stats()
        self.redactor = SecretRedactor(settings.token, settings.webhook_secret)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.reported: tuple[str, ...] | None = None
        # Each user's /lang choice, by user id: kept until pushed out by more recent users.
        self.languages: LRUCache[int, str] = LRUCache(LANGUAGE_CHOICES)
        self._examples: tuple[Engine | None, dict[str, tuple[str, ...]]] = (None, {})

    @property
    def engine(self) -> Engine:
        """The engine serving now (it changes when the knowledge base is reloaded)."""
        return self.settings.live.engine

    def examples(self, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
        """Example questions the knowledge base answers, in ``language`` (once per engine).

        The engine's :meth:`~meetbot.answers.suggestions.Suggester.examples`, kept when the
        engine answers them; English ones when none in ``language`` is answered.
        """
        engine = self.engine
        if self._examples[0] is not engine:
            self._examples = (engine, {})
        cached = self._examples[1]
        if language not in cached:
            catalog = engine.catalog(language)
            found: list[str] = []
            for question in engine.suggester.examples(catalog):
                if engine.ask(question, default_lang=catalog.language).kind == "answer":
                    found.append(question)
                if len(found) == EXAMPLES:
                    break
            if not found and language != DEFAULT_LANGUAGE:
                found = list(self.examples())
            cached[language] = tuple(found)
        return cached[language]


def state_of(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The :class:`BotState` of the application handling ``context``."""
    state = context.bot_data[STATE_KEY]
    assert isinstance(state, BotState)
    return state


def user_language(state: BotState, user: User | None) -> str:
    """The user's language: their /lang choice, else their Telegram app's, else "en".

    Only a language the knowledge base has a message catalogue for counts.
    """
    catalogs = state.engine.kb.catalogs
    chosen = state.languages.get(user.id) if user is not None else None
    if chosen is not None and chosen in catalogs:
        return chosen
    code = ((user.language_code if user else None) or DEFAULT_LANGUAGE).split("-")[0].lower()
    return code if code in catalogs else DEFAULT_LANGUAGE
