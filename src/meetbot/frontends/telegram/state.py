"""What the bot remembers: conversations, each user's language, buttons, statistics.

* Conversation context (for follow-ups such as "what did they discuss?") is kept per private
  chat, and per member in groups (two people asking in one group do not share follow-ups);
  at most ``Settings.max_conversations`` of them, each forgotten ``context_ttl`` seconds
  after the question that set it. The context after each answer sent is kept too, by
  message, so that a reply to an answer follows up on that answer; which message answered
  which question, so that an edited question edits its answer; and each conversation's
  last question with the context it was asked in, which ``/why`` explains.
* Each user's ``/lang`` choice, the least recently active forgotten first.
* Buttons carry Python objects (python-telegram-bot's ``arbitrary_callback_data``); its
  cache keeps the last ``Settings.max_buttons`` keyboards, and those not pressed for
  ``button_ttl`` seconds are dropped.

Each of these but the buttons is a :class:`Remembered` (a :class:`cachetools.TLRUCache`).
With a state directory (``Settings.state_dir``) it is written through to
python-telegram-bot's ``chat_data`` (contexts, answers, last questions) and ``user_data``
(the language), which the application's persistence
(:mod:`~meetbot.frontends.telegram.persistence`) saves with the buttons, and is read back
from them the first time it is needed after a restart. The statistics, the flood throttle
and the apologies are kept in memory only.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import Any, Final, Generic, Protocol, TypeVar

from cachetools import TLRUCache, TTLCache
from telegram import Chat, User
from telegram.constants import ChatType
from telegram.ext import Application, CallbackDataCache, ContextTypes

from meetbot.answers.engine import Engine
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.frontends.telegram.flood import UserThrottle
from meetbot.frontends.telegram.security import SecretRedactor
from meetbot.frontends.telegram.settings import Settings
from meetbot.lang.catalog import DEFAULT_LANGUAGE
from meetbot.lang.normalize import MAX_QUESTION_CHARS

STATE_KEY: Final = "meetbot"
"""Where the :class:`BotState` lives in ``bot_data``."""
LANGUAGE_CHOICES: Final = 100_000
"""How many users' /lang choices are remembered (the least recently active go first)."""
EXAMPLES: Final = 4
"""Example questions offered under /start and /help."""
TIDY_EVERY: Final = 500
"""Keyboards sent between two sweeps of old buttons and of empty chat and user data."""

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
ChatKey = tuple[int, int]
"""(chat id, member id or message id): the member is 0 in a private chat."""


def chat_key(chat: Chat, user_id: int | None) -> ChatKey:
    """Whose conversation a message belongs to: the private chat's, or the group member's."""
    if chat.type == ChatType.PRIVATE:
        return (chat.id, 0)
    return (chat.id, user_id or 0)


# -- bounded memory, written through to what python-telegram-bot persists --------------------


class Place(Protocol[K, V]):
    """Where a :class:`Remembered` keeps a copy of its entries for the persistence to save."""

    def store(self, key: K, value: V, at: float) -> None:
        """Keep ``value`` (stored at time ``at``) under ``key``."""

    def remove(self, key: K) -> None:
        """Forget ``key`` (nothing happens when it is not there)."""

    def stored(self) -> list[tuple[K, V, float]]:
        """Every entry kept, as (key, value, time stored); unreadable ones are dropped."""


class _Watched(TLRUCache[K, tuple[V, float]]):
    """A :class:`~cachetools.TLRUCache` of (value, time stored) that reports each key it
    evicts or lets expire; an entry lives ``ttl`` seconds from the time it was stored."""

    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float],
                 gone: Callable[[K], None]) -> None:
        super().__init__(maxsize, lambda _key, item, _now: item[1] + ttl, timer=timer)
        self._gone = gone

    def expire(self, time: float | None = None) -> list[tuple[K, tuple[V, float]]]:
        expired = super().expire(time)
        for key, _ in expired:
            self._gone(key)
        return expired

    def popitem(self) -> tuple[K, tuple[V, float]]:
        key, item = super().popitem()
        self._gone(key)
        return key, item


class Remembered(Generic[K, V]):
    """Entries bounded in number (the least recently used go first) and, with a ``ttl``, in
    time since they were stored; written through to a :class:`Place` once :meth:`keep_in`
    one, and read back from it the first time they are needed."""

    def __init__(self, maxsize: int, ttl: float = math.inf,
                 clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self._clock = clock
        self._cache: _Watched[K, V] = _Watched(maxsize, ttl, clock, self._gone)
        self._place: Place[K, V] | None = None
        self._pending = False

    def keep_in(self, place: Place[K, V]) -> None:
        """Write every entry through to ``place``; read what it holds when first needed."""
        self._place = place
        self._pending = True

    def get(self, key: K) -> V | None:
        """The value of ``key``, or None when it is missing or has expired."""
        self._restore()
        item = self._cache.get(key)
        return None if item is None else item[0]

    def __setitem__(self, key: K, value: V) -> None:
        self._restore()
        at = self._clock()
        self._cache[key] = (value, at)
        if self._place is not None:
            if key in self._cache:
                self._place.store(key, value, at)
            else:  # expired as soon as stored (a ttl of 0)
                self._place.remove(key)

    def __len__(self) -> int:
        self._restore()
        self._cache.expire()
        return len(self._cache)

    def _gone(self, key: K) -> None:
        if self._place is not None:
            self._place.remove(key)

    def _restore(self) -> None:
        if not self._pending or self._place is None:
            return
        self._pending = False
        now = self._clock()
        for key, value, at in sorted(self._place.stored(), key=lambda entry: entry[2]):
            if at + self.ttl <= now:
                self._place.remove(key)
            else:
                self._cache[key] = (value, at)  # one pushed out beyond maxsize is removed


def context_to_json(ctx: Context) -> dict[str, Any]:
    """``ctx`` as a JSON object (what it does not hold is left out)."""
    out: dict[str, Any] = {}
    for item in fields(Context):
        value = getattr(ctx, item.name)
        if value not in ((), None):
            out[item.name] = list(value) if isinstance(value, tuple) else value
    return out


def context_from_json(data: object) -> Context | None:
    """The :class:`Context` :func:`context_to_json` wrote, or None when ``data`` is not one."""
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for item in fields(Context):
        if item.name not in data:
            continue
        value = data[item.name]
        if isinstance(item.default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None
            values[item.name] = tuple(value)
        elif value is None or isinstance(value, str | int | float | bool):
            values[item.name] = value
        else:
            return None
    return Context(**values)


@dataclass(frozen=True, slots=True)
class LastQuestion:
    """A conversation's last question as it was asked: what ``/why`` explains."""

    question: str
    """As answered (cleaned, the bot's secrets redacted), cut just beyond the longest
    question read, so that a question too long to read is still one."""
    context: Context
    """The conversation it was asked in."""
    default_lang: str
    """The language it is answered in when its text does not tell."""

    @classmethod
    def of(cls, question: str, context: Context | None, default_lang: str) -> LastQuestion:
        """The question kept, no longer than it needs to be."""
        return cls(question[:MAX_QUESTION_CHARS + 1], context or Context(), default_lang)


def question_to_json(last: LastQuestion) -> dict[str, Any]:
    """``last`` as a JSON object."""
    return {"question": last.question, "context": context_to_json(last.context),
            "lang": last.default_lang}


def question_from_json(data: object) -> LastQuestion | None:
    """The :class:`LastQuestion` :func:`question_to_json` wrote, or None when ``data`` is
    not one."""
    if not isinstance(data, dict):
        return None
    question, lang = data.get("question"), data.get("lang")
    context = context_from_json(data.get("context"))
    if not isinstance(question, str) or not isinstance(lang, str) or context is None:
        return None
    return LastQuestion.of(question, context, lang)


class ChatPlace(Generic[V]):
    """Entries keyed (chat id, n), kept in that chat's ``chat_data[name][str(n)]`` as
    ``[value as JSON, time stored]``."""

    def __init__(self, application: AnyApplication, name: str,
                 encode: Callable[[V], Any], decode: Callable[[object], V | None]) -> None:
        self.application = application
        self.name = name
        self.encode = encode
        self.decode = decode

    def store(self, key: ChatKey, value: V, at: float) -> None:
        """Keep ``value`` in the chat's data and mark the chat for the persistence."""
        chat_id, number = key
        data = self.application.chat_data[chat_id]
        data.setdefault(self.name, {})[str(number)] = [self.encode(value), at]
        self.application.mark_data_for_update_persistence(chat_ids=chat_id)

    def remove(self, key: ChatKey) -> None:
        """Forget ``key``; a chat left with no data is dropped."""
        chat_id, number = key
        data = self.application.chat_data.get(chat_id)
        entries = data.get(self.name) if data is not None else None
        if data is None or not isinstance(entries, dict) or entries.pop(str(number), None) is None:
            return
        if not entries:
            del data[self.name]
        if data:
            self.application.mark_data_for_update_persistence(chat_ids=chat_id)
        else:
            self.application.drop_chat_data(chat_id)

    def stored(self) -> list[tuple[ChatKey, V, float]]:
        """Every entry of every chat; one that does not read back is removed."""
        found: list[tuple[ChatKey, V, float]] = []
        bad: list[ChatKey] = []
        for chat_id, data in self.application.chat_data.items():
            entries = data.get(self.name) if isinstance(data, dict) else None
            for number, entry in (entries.items() if isinstance(entries, dict) else ()):
                value = (self.decode(entry[0]) if isinstance(entry, list) and len(entry) == 2
                         and isinstance(entry[1], int | float) else None)
                if value is not None and number.lstrip("-").isdigit():
                    found.append(((chat_id, int(number)), value, float(entry[1])))
                elif number.lstrip("-").isdigit():
                    bad.append((chat_id, int(number)))
        for key in bad:
            self.remove(key)
        return found


class LanguagePlace:
    """Each user's language, kept in ``user_data["lang"]``."""

    def __init__(self, application: AnyApplication) -> None:
        self.application = application

    def store(self, key: int, value: str, at: float) -> None:
        """Keep the user's language and mark the user for the persistence."""
        self.application.user_data[key]["lang"] = value
        self.application.mark_data_for_update_persistence(user_ids=key)

    def remove(self, key: int) -> None:
        """Forget the user's language; a user left with no data is dropped."""
        data = self.application.user_data.get(key)
        if data is None or data.pop("lang", None) is None:
            return
        if data:
            self.application.mark_data_for_update_persistence(user_ids=key)
        else:
            self.application.drop_user_data(key)

    def stored(self) -> list[tuple[int, str, float]]:
        """Every user's language (a value that is not a language code is ignored)."""
        return [(user_id, data["lang"], 0.0) for user_id, data in
                self.application.user_data.items()
                if isinstance(data, dict) and isinstance(data.get("lang"), str)]


def _int_or_none(data: object) -> int | None:
    return data if isinstance(data, int) and not isinstance(data, bool) else None


# -- the state ---------------------------------------------------------------------------------


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
    """The keyboards python-telegram-bot keeps for this bot's buttons, as a count."""

    def __init__(self) -> None:
        self.cache: CallbackDataCache | None = None

    def __len__(self) -> int:
        return len(self.cache.persistence_data[0]) if self.cache is not None else 0


class BotState:
    """The bot's memory: conversations, languages, buttons, statistics."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        clock = settings.clock
        self.conversations: Remembered[ChatKey, Context] = Remembered(
            settings.max_conversations, settings.context_ttl, clock)
        # The context after each answer sent, by (chat id, message id): a reply to an answer
        # follows up on that answer, whoever replies.
        self.answered: Remembered[ChatKey, Context] = Remembered(
            settings.max_conversations, settings.context_ttl, clock)
        # The answer sent to each question, by (chat id, question's message id): an edited
        # question edits it.
        self.replies: Remembered[ChatKey, int] = Remembered(
            settings.max_conversations, settings.context_ttl, clock)
        # The last question of each conversation, as asked: what /why explains.
        self.questions: Remembered[ChatKey, LastQuestion] = Remembered(
            settings.max_conversations, settings.context_ttl, clock)
        # Each user's /lang choice, by user id: kept until pushed out by more recent users.
        self.languages: Remembered[int, str] = Remembered(LANGUAGE_CHOICES, clock=clock)
        self.apologies: TTLCache[int, bool] = TTLCache(10_000, 30.0, timer=clock)
        self.buttons = KeptButtons()
        self.throttle = UserThrottle(settings.flood_limit, settings.flood_window,
                                     max_users=settings.max_conversations, clock=clock)
        self.stats = Stats()
        self.redactor = SecretRedactor(settings.token, settings.webhook_secret)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.reported: tuple[str, ...] | None = None
        self.application: AnyApplication | None = None
        self._keyboards = 0
        self._examples: tuple[Engine | None, dict[str, tuple[str, ...]]] = (None, {})

    def attach(self, application: AnyApplication) -> None:
        """Serve ``application``: its buttons, and (with a persistence) its saved data."""
        self.application = application
        self.buttons.cache = application.bot.callback_data_cache
        if application.persistence is None:
            return
        self.conversations.keep_in(ChatPlace(application, "talks", context_to_json,
                                             context_from_json))
        self.answered.keep_in(ChatPlace(application, "answers", context_to_json,
                                        context_from_json))
        self.replies.keep_in(ChatPlace(application, "replies", int, _int_or_none))
        self.questions.keep_in(ChatPlace(application, "questions", question_to_json,
                                         question_from_json))
        self.languages.keep_in(LanguagePlace(application))

    @property
    def engine(self) -> Engine:
        """The engine serving now (it changes when the knowledge base is reloaded)."""
        return self.settings.live.engine

    def keyboard_sent(self) -> None:
        """Count a keyboard sent; now and then forget buttons not pressed for
        ``button_ttl`` and the empty data python-telegram-bot keeps for every chat seen."""
        self._keyboards += 1
        if self._keyboards % TIDY_EVERY or self.application is None:
            return
        application = self.application
        if self.buttons.cache is not None:
            self.buttons.cache.clear_callback_data(
                time_cutoff=time.time() - self.settings.button_ttl)
        if application.persistence is not None:
            for chat_id in [c for c, data in application.chat_data.items() if not data]:
                application.drop_chat_data(chat_id)
            for user_id in [u for u, data in application.user_data.items() if not data]:
                application.drop_user_data(user_id)

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
