"""The Telegram front end: python-telegram-bot 22.x handlers over the answering engine.

Every handler is registered in :func:`build_application`; :func:`run_bot` reads the token
and runs the bot with long polling (default) or a webhook. The handlers are thin: they call
:meth:`meetbot.answers.engine.Engine.ask` and render the
:class:`~meetbot.domain.answer.Answer` with :func:`meetbot.render.to_telegram_html`, so what
is tested in the console is what ships.

Decisions worth knowing:

* Conversation context (for follow-ups such as "what did they discuss?") is kept per private
  chat, and per member in groups (two people asking in one group do not share follow-ups);
  at most ``Settings.max_conversations`` of them, each forgotten after ``context_ttl``
  seconds without a question.
* Callback data never exceeds Telegram's 64 bytes: a question that fits is carried in the
  button itself (``a:<question>``); longer payloads (long questions, the answer to re-render
  with its quotes) are kept in a bounded store under a short random key (``q:<key>``,
  ``quote:<key>``, ``hide:<key>``). A key that has been evicted gets a polite "that button
  has expired" instead of an answer.
* In groups the bot answers only when mentioned, replied to, or commanded (``/ask``).
* Every reply is in the user's language: the one chosen with ``/lang`` (any language with a
  message catalogue; kept per user in a bounded store), else the Telegram app's language if
  there is a catalogue for it, else English. A question clearly written in another language
  is answered in its own language.
* Floods (:mod:`meetbot.frontends.telegram.flood`): one chat's updates are handled in order,
  different chats
  concurrently, so a user sending hundreds of messages never keeps the others waiting; each
  user gets at most ``Settings.flood_limit`` answers per ``flood_window`` seconds and, beyond
  that, one polite notice per window instead of answers.
* The token never reaches a log: httpx/httpcore (which log request URLs, and the token is
  in every URL) are set to WARNING, and a filter on the root handlers redacts it from any
  record that still contains it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import logging
import os
import re
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Generic, TypeVar
from urllib.parse import urlsplit

import httpx
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from meetbot.answers.engine import Engine
from meetbot.curation.misses import MissLog, miss_log_from_env
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.errors import MeetbotError, Problem, TokenError
from meetbot.files import FileRefused, read_regular
from meetbot.frontends.telegram.flood import ChatOrderedUpdateProcessor, FloodGuard, UserThrottle
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog, translated
from meetbot.render import split_message, to_telegram_html
from meetbot.store.live import LiveKnowledge

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

TOKEN_PATTERN: Final = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
SECRET_TOKEN_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
CALLBACK_LIMIT: Final = 64
"""Telegram's limit on ``callback_data``, in bytes."""
BUTTON_LABEL_LIMIT: Final = 60
STATE_KEY: Final = "meetbot"
LANGUAGE_CHOICES: Final = 100_000
"""How many users' /lang choices are remembered (the least recently active go first)."""

COMMANDS: Final = (
    ("start", "What I know, with example questions"),
    ("help", "How to ask, and the commands"),
    ("ask", "Ask a question (in groups: /ask who heads ODIHR?)"),
    ("meetings", "The meetings I know about"),
    ("people", "The people in the sources"),
    ("sources", "The documents my answers come from"),
    ("lang", "Choose the answer language"),
)
"""The command menu: names and English descriptions (catalogue keys ``command.<name>``)."""
ADMIN_COMMANDS: Final = (
    ("stats", "Questions answered, declined, top misses"),
    ("reload", "Reload the knowledge base now"),
)

TEXT_ONLY: Final = ("I can only answer text questions. Please type your question, for "
                    "example: Who is the OSCE Secretary General?")
EXPIRED: Final = "That button has expired. Please ask your question again."
APOLOGY: Final = ("Sorry, something went wrong on my side while answering that. "
                  "Please try again in a moment.")
ASK_USAGE: Final = "Put your question after the command, for example: /ask Who heads ODIHR?"
UNKNOWN_COMMAND: Final = "I don't know that command. Send /help to see what I can do."
NO_MEETING: Final = "That meeting is no longer in my knowledge base. Send /meetings for the list."
THROTTLED: Final = ("You're sending questions faster than I can answer — I've answered the "
                    "first {count}; please send the rest again in a minute.")

# -- small data structures ---------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringLRU(Generic[K, V]):
    """A mapping bounded in size (least recently used goes first) and in time (TTL).

    ``get`` returns None for a missing or expired key and marks a live key as recently used;
    ``put`` (re)starts the key's time to live. Not thread-safe: use it from the event loop.
    """

    def __init__(self, maxsize: int, ttl: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.ttl = ttl
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]

    def get(self, key: K) -> V | None:
        """Return the value for ``key``, or None if it is missing or has expired."""
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key``, evicting the least recently used if full."""
        expires = self._clock() + self.ttl if self.ttl is not None else float("inf")
        self._items[key] = (expires, value)
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Remove ``key`` and return its value (None if missing or expired)."""
        value = self.get(key)
        self._items.pop(key, None)
        return value


@dataclass(frozen=True, slots=True)
class ShownAnswer:
    """An answer as sent, kept so its "Show the quote" button can re-render it."""

    answer: Answer
    buttons: tuple[tuple[str, str], ...]
    """The other buttons under the answer: (label, callback data)."""
    in_place: bool
    """True when the quoted version fits in the one message and can replace it."""


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


# -- settings and state --------------------------------------------------------------------------


@dataclass
class Settings:
    """Everything :func:`build_application` needs."""

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
    button_ttl: float = 7 * 24 * 3600
    clock: Callable[[], float] = time.monotonic
    misses: MissLog | None = None
    """Where declined and "did you mean" questions go (a salted hash of the chat, no names)."""
    flood_limit: int = 20
    """Questions one user may ask in ``flood_window`` seconds; beyond, one polite notice."""
    flood_window: float = 60.0
    """The throttle window in seconds (the notice asks the user to wait "a minute")."""
    max_running: int = 16
    """Updates handled at once, each in a different chat (one chat's run in order)."""


ChatKey = tuple[int, int]


class BotState:
    """The bot's memory: conversations, stored button payloads, statistics."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conversations: ExpiringLRU[ChatKey, Context] = ExpiringLRU(
            settings.max_conversations, settings.context_ttl, settings.clock)
        self.buttons: ExpiringLRU[str, str | ShownAnswer] = ExpiringLRU(
            settings.max_buttons, settings.button_ttl, settings.clock)
        # The context after each answer sent, by (chat id, message id): a reply to an answer
        # follows up on that answer, whoever replies.
        self.answered: ExpiringLRU[tuple[int, int], Context] = ExpiringLRU(
            settings.max_conversations, settings.context_ttl, settings.clock)
        self.apologies: ExpiringLRU[int, bool] = ExpiringLRU(10_000, 30.0, settings.clock)
        self.throttle = UserThrottle(settings.flood_limit, settings.flood_window,
                                     max_users=settings.max_conversations, clock=settings.clock)
        self.stats = Stats()
        self.redactor = SecretRedactor(settings.token, settings.webhook_secret)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.reported: tuple[str, ...] | None = None
        # Each user's /lang choice, by user id: kept until pushed out by more recent users.
        self.languages: ExpiringLRU[int, str] = ExpiringLRU(LANGUAGE_CHOICES, None,
                                                            settings.clock)
        self._examples: tuple[Engine | None, dict[str, tuple[str, ...]]] = (None, {})

    @property
    def engine(self) -> Engine:
        """The engine serving now (it changes when the knowledge base is reloaded)."""
        return self.settings.live.engine

    def store(self, payload: str | ShownAnswer) -> str:
        """Keep ``payload`` for a button; return its short key."""
        while True:
            key = secrets.token_urlsafe(6)
            if self.buttons.get(key) is None:
                self.buttons.put(key, payload)
                return key

    def examples(self, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
        """Example questions the knowledge base answers, in ``language`` (once per engine)."""
        engine = self.engine
        if self._examples[0] is not engine:
            self._examples = (engine, {})
        cached = self._examples[1]
        if language not in cached:
            found = example_questions(engine, language=language)
            if not found and language != DEFAULT_LANGUAGE:
                found = list(self.examples())
            cached[language] = tuple(found)
        return cached[language]


def esc(text: str) -> str:
    """Escape text for Telegram HTML (outside attributes)."""
    return html.escape(text, quote=False)


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


def message_in(state: BotState, language: str, key: str, default: str) -> str:
    """The catalogue's message ``key`` in ``language`` (``default`` if no catalogue has it)."""
    return state.engine.catalog(language).get(key) or default


def text_in(state: BotState, language: str, key: str, /, **values: Any) -> str:
    """The catalogue's message ``key`` in ``language`` (English if it lacks it), filled in."""
    return state.engine.catalog(language).t(key, **values)


def find_language(state: BotState, wanted: str) -> str | None:
    """The catalogue language ``wanted`` names ("ru", "RU", "pt-BR", "Русский"), or None."""
    wanted = wanted.strip().casefold()
    catalogs = state.engine.kb.catalogs
    for code, catalog in catalogs.items():
        if wanted in (code, catalog.name.casefold()):
            return code
    base = re.split(r"[-_]", wanted, maxsplit=1)[0]
    return base if base in catalogs else None


def _languages(state: BotState) -> list[Catalog]:
    """The catalogues, English first."""
    catalogs = state.engine.kb.catalogs
    return [catalogs[code] for code in sorted(catalogs, key=lambda c: (c != DEFAULT_LANGUAGE, c))]


def language_menu(state: BotState, current: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /lang reply in ``current``: the answer language, and a button for each catalogue."""
    catalog = state.engine.catalog(current)
    languages = _languages(state)
    lines = [f"<b>{esc(catalog.t('lang.current', name=catalog.name))}</b>",
             esc(catalog.t("lang.note")), "",
             esc(catalog.t("lang.choose", codes=", ".join(c.language for c in languages)))]
    labels = [(f"✓ {c.name}" if c.language == current else c.name, f"lang:{c.language}")
              for c in languages]
    rows = [labels[i:i + 3] for i in range(0, len(labels), 3)]
    return "\n".join(lines), _keyboard(rows)


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state = context.bot_data[STATE_KEY]
    assert isinstance(state, BotState)
    return state


# -- token handling --------------------------------------------------------------------------


MAX_TOKEN_FILE_BYTES = 4096
"""A token file holds one token (about 46 characters); anything larger is not one."""


def read_token(token_file: Path | None = None, environ: dict[str, str] | None = None) -> str:
    """Return the bot token from ``token_file`` or ``TELEGRAM_BOT_TOKEN``; check its shape.

    Raises :class:`TokenError` (whose message never contains the token) when it is missing,
    unreadable or malformed.
    """
    env = os.environ if environ is None else environ
    if token_file is not None:
        try:
            token = read_regular(token_file, MAX_TOKEN_FILE_BYTES).decode("utf-8").strip()
        except (OSError, UnicodeDecodeError, FileRefused) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                      if isinstance(exc, UnicodeDecodeError) else str(exc))
            raise TokenError(f"cannot read the token file {token_file}: {reason}") from None
        where = f"the token file {token_file}"
    else:
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        where = "TELEGRAM_BOT_TOKEN"
        if not token:
            raise TokenError("no bot token: set TELEGRAM_BOT_TOKEN (or use --token-file); "
                             "get one from @BotFather")
    if not TOKEN_PATTERN.fullmatch(token):
        raise TokenError(f"the bot token in {where} is malformed (expected digits, a colon "
                         "and at least 30 letters, digits, '_' or '-', as @BotFather gives it)")
    return token


class SecretRedactor(logging.Filter):
    """Replace the bot token (and the webhook secret) in any log record, traceback included."""

    def __init__(self, token: str, secret: str | None = None) -> None:
        super().__init__()
        self.secrets = tuple((value, label) for value, label in
                             ((token, "[token]"), (secret, "[secret]")) if value)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by its label."""
        for value, label in self.secrets:
            text = text.replace(value, label)
        return text

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
    :func:`run_bot` reports the same error in its one closing line. Other errors, bugs
    included, keep their tracebacks.
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


# -- example questions -------------------------------------------------------------------------


def example_questions(engine: Engine, limit: int = 4,
                      language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Fill the intents' suggestion templates from the knowledge base; keep what it answers.

    In another language the catalogue's ``suggest.<intent>`` templates are filled with the
    knowledge base's curated translations of the names (a name without one stays as written).
    """
    kb = engine.kb
    catalog = engine.catalog(language)
    lang = catalog.language
    meetings = sorted(kb.meetings.values(), key=lambda m: m.date)
    met = Counter(p for m in meetings for p in m.participants)

    def person(person_id: str) -> str:
        return translated(kb.people[person_id].name, kb.people[person_id].translations, lang)

    first = [person(p) for p in (meetings[0].participants if meetings else [])
             if p in kb.people]
    busiest = [person(p) for p, _ in met.most_common(1) if p in kb.people]
    held = [h.role for p in kb.people.values() for h in p.roles]
    roles = [translated(kb.roles[r].name, kb.roles[r].translations, lang)
             for r, _ in Counter(held).most_common() if r in kb.roles]
    orgs = [_acronym(o.acronyms, o.aliases, lang) for o in kb.organizations.values()
            if o.acronyms]
    plan: list[tuple[str, dict[str, list[str]]]] = [
        ("meeting_date", {"person": first}),
        ("role_holder", {"role": roles}),
        ("person_meetings", {"person": busiest}),
        ("meeting_topics", {"person": first}),
        ("org_head", {"org": orgs[1:] + orgs[:1]}),
        ("list_meetings", {}),
    ]
    out: list[str] = []
    for intent_id, pools in plan:
        intent = kb.intents.get(intent_id)
        if intent is None:
            continue
        template = intent.suggestion
        if lang != DEFAULT_LANGUAGE and catalog.has(f"suggest.{intent_id}"):
            template = catalog.get(f"suggest.{intent_id}") or template
        question = _fill(template, pools)
        if (question and question not in out
                and engine.ask(question, default_lang=lang).kind == "answer"):
            out.append(question)
        if len(out) == limit:
            break
    return out


def _acronym(acronyms: Sequence[str], aliases: Sequence[str], language: str) -> str:
    """An organisation's acronym; outside English, a curated one in another script if any."""
    if language != DEFAULT_LANGUAGE:
        native = [a for a in aliases if a.isupper() and not a.isascii()]
        if native:
            return native[0]
    return acronyms[0]


def _fill(template: str, pools: dict[str, list[str]]) -> str | None:
    used: Counter[str] = Counter()

    def sub(match: re.Match[str]) -> str:
        kind = match.group(1)
        pool = pools.get(kind, [])
        index = used[kind]
        used[kind] += 1
        if index >= len(pool):
            raise LookupError(kind)
        return pool[index]

    try:
        return re.sub(r"\{(\w+)\}", sub, template)
    except LookupError:
        return None


# -- buttons -----------------------------------------------------------------------------------


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BUTTON_LABEL_LIMIT else text[:BUTTON_LABEL_LIMIT - 1] + "…"


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= CALLBACK_LIMIT


def ask_button(state: BotState, question: str) -> tuple[str, str]:
    """A (label, callback data) pair that asks ``question`` when pressed."""
    data = f"a:{question}"
    if not _fits(data):
        data = f"q:{state.store(question)}"
    return _label(question), data


def _keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    buttons = [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
               for row in rows if row]
    return InlineKeyboardMarkup(buttons) if buttons else None


def _answer_keyboard(state: BotState, shown: ShownAnswer, key: str,
                     quotes: bool) -> InlineKeyboardMarkup | None:
    rows: list[list[tuple[str, str]]] = []
    if shown.answer.citations:
        lang = shown.answer.lang
        label = (message_in(state, lang, "hide_quote", "Hide the quote") if quotes
                 else message_in(state, lang, "show_quote", "Show the quote"))
        rows.append([(label, f"{'hide' if quotes else 'quote'}:{key}")])
    rows.extend([button] for button in shown.buttons)
    return _keyboard(rows)


# -- sending -----------------------------------------------------------------------------------


async def send_html(bot: Bot, chat_id: int, text: str, *,
                    reply_to: Message | None = None,
                    keyboard: InlineKeyboardMarkup | None = None) -> Message:
    """Send HTML ``text`` (split at 4,096 characters); the keyboard goes on the last part."""
    chunks = split_message(text) if text.strip() else ["…"]
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        reply = None
        if index == 0 and reply_to is not None:
            reply = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
        sent = await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML,
                                      reply_parameters=reply,
                                      reply_markup=keyboard if last else None)
    assert sent is not None
    return sent


async def send_answer(bot: Bot, state: BotState, chat_id: int, answer: Answer, *,
                      reply_to: Message | None = None) -> Message:
    """Send ``answer`` with its buttons: quotes, did-you-mean and follow-up questions."""
    buttons = tuple(ask_button(state, q)
                    for q in (*answer.suggestions, *answer.follow_ups[:3]))
    catalog = state.engine.catalog(answer.lang)
    text = to_telegram_html(answer, catalog=catalog)
    in_place = (len(split_message(text)) == 1
                and len(to_telegram_html(answer, quotes=True, catalog=catalog)) <= 4096)
    shown = ShownAnswer(answer, buttons, in_place)
    key = state.store(shown) if answer.citations else ""
    return await send_html(bot, chat_id, text, reply_to=reply_to,
                           keyboard=_answer_keyboard(state, shown, key, quotes=False))


def _chat_key(chat: Chat, user_id: int | None) -> ChatKey:
    if chat.type == ChatType.PRIVATE:
        return (chat.id, 0)
    return (chat.id, user_id or 0)


async def answer_question(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User | None,
                          question: str, *, asked: Message | None = None,
                          quote: bool = False) -> Answer:
    """Ask the engine in the light of the conversation; send and remember the answer.

    The conversation is this chat's (this member's, in a group), or, when ``asked`` replies to
    one of the bot's answers, that answer's. With ``quote`` the answer replies to ``asked``.
    The answer is in the question's language; when the text does not tell (a name, an
    acronym), in the user's Telegram language if there is a catalogue for it.
    """
    reply_to = asked if quote else None
    state = _state(context)
    key = _chat_key(chat, user.id if user else None)
    previous = state.conversations.get(key)
    replied = asked.reply_to_message if asked is not None else None
    if replied is not None:
        previous = state.answered.get((chat.id, replied.message_id)) or previous
    answer = state.engine.ask(question, previous, default_lang=user_language(state, user))
    # a user who pastes the bot's token must not make /stats or the misses log show it
    redacted = state.redactor.redact(answer.question)
    if redacted != answer.question:
        answer = replace(answer, question=redacted)
    state.stats.record(answer)
    if state.settings.misses is not None:
        state.settings.misses.record(answer, chat.id)
    state.conversations.put(key, answer.context)
    sent = await send_answer(context.bot, state, chat.id, answer, reply_to=reply_to)
    state.answered.put((chat.id, sent.message_id), answer.context)
    return answer


# -- who is the bot talking to -----------------------------------------------------------------


def _is_group(chat: Chat) -> bool:
    return chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(username)}\b", re.IGNORECASE)


def addressed_text(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in ``message`` if it is meant for the bot, else None.

    Private chats: every text. Groups: only a message that mentions the bot (``@username``
    or a text mention) or replies to one of its messages; the mention is removed.
    """
    text = message.text if message.text is not None else message.caption
    if text is None:
        return None
    if not _is_group(message.chat):
        return text if message.chat.type == ChatType.PRIVATE else None
    replied = message.reply_to_message
    to_bot = (replied is not None and replied.from_user is not None
              and replied.from_user.id == bot_id)
    mentioned = False
    entities = (message.parse_entities([MessageEntity.TEXT_MENTION]) if message.text is not None
                else message.parse_caption_entities([MessageEntity.TEXT_MENTION]))
    for entity, piece in entities.items():
        if entity.user is not None and entity.user.id == bot_id:
            mentioned = True
            text = text.replace(piece, " ", 1)
    if username:
        pattern = _mention_pattern(username)
        if pattern.search(text):
            mentioned = True
            text = pattern.sub(" ", text)
    if not (mentioned or to_bot):
        return None
    return text.strip().lstrip(",:;").strip()


# -- command handlers ------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot knows and offer example questions as buttons."""
    message = update.effective_message
    if message is None:
        return
    state = _state(context)
    lang = user_language(state, update.effective_user)
    catalog = state.engine.catalog(lang)
    kb = state.engine.kb
    docs = sorted(kb.sources.values(), key=lambda d: d.meta.published)
    years = sorted({m.date[:4] for m in kb.meetings.values()})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else "".join(years)
    known = catalog.t("start.known", span=f" ({span})" if span else "",
                      meetings=catalog.t("start.meetings", count=len(kb.meetings)),
                      people=catalog.t("start.people", count=len(kb.people)),
                      documents=catalog.t("start.documents", count=len(docs)))
    lines = [
        f"<b>{esc(catalog.t('start.title'))}</b>",
        "",
        esc(known),
        *(f"• {esc(d.meta.title)} — {esc(d.meta.publisher)}, "
          f"{esc(catalog.date(d.meta.published))}" for d in docs),
        "",
        esc(catalog.t("start.footer", show_quote=catalog.t("show_quote"))),
    ]
    rows = [[ask_button(state, q)] for q in state.examples(lang)]
    await send_html(context.bot, message.chat_id, "\n".join(lines), keyboard=_keyboard(rows))


def command_menu(state: BotState, language: str,
                 table: Sequence[tuple[str, str]] = COMMANDS) -> list[BotCommand]:
    """The commands of ``table`` with their descriptions in ``language``."""
    catalog = state.engine.catalog(language)
    return [BotCommand(name, catalog.get(f"command.{name}") or default)
            for name, default in table]


def _help_text(state: BotState, admin: bool, username: str, lang: str) -> str:
    kb = state.engine.kb
    catalog = state.engine.catalog(lang)
    intro = kb.intents["help"].reply if "help" in kb.intents else None
    if catalog.language != DEFAULT_LANGUAGE and catalog.has("reply.help"):
        intro = catalog.get("reply.help")
    lines = [esc(intro or catalog.t("help.intro")), "",
             f"<b>{esc(catalog.t('help.commands'))}</b>"]
    lines += [f"/{c.command} — {esc(c.description)}" for c in command_menu(state, lang)]
    if admin:
        lines += [f"/{c.command} — "
                  f"{esc(catalog.t('help.admin_command', description=c.description))}"
                  for c in command_menu(state, lang, ADMIN_COMMANDS)]
    lines += ["", esc(catalog.t("help.groups", me=f"@{username}"))]
    return "\n".join(lines)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask and list the commands."""
    message = update.effective_message
    if message is None:
        return
    state = _state(context)
    lang = user_language(state, update.effective_user)
    text = _help_text(state, _is_admin(update, state), context.bot.username or "bot", lang)
    rows = [[ask_button(state, q)] for q in state.examples(lang)]
    await send_html(context.bot, message.chat_id, text, keyboard=_keyboard(rows))


async def lang_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the answer language with a button per language, or switch to the one named."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    state = _state(context)
    reply_to = message if _is_group(message.chat) else None
    wanted = " ".join(context.args or [])
    if not wanted:
        text, keyboard = language_menu(state, user_language(state, user))
        await send_html(context.bot, message.chat_id, text, reply_to=reply_to,
                        keyboard=keyboard)
        return
    code = find_language(state, wanted)
    if code is None:
        available = ", ".join(f"{c.language} ({c.name})" for c in _languages(state))
        text = text_in(state, user_language(state, user), "lang.unknown",
                       code=_label(wanted)[:20], available=available)
        await send_html(context.bot, message.chat_id, esc(text), reply_to=reply_to)
        return
    state.languages.put(user.id, code)
    text = text_in(state, code, "lang.set", name=state.engine.catalog(code).name)
    await send_html(context.bot, message.chat_id, esc(text), reply_to=reply_to)


async def meetings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the meetings, each a button that opens its summary."""
    message = update.effective_message
    if message is None:
        return
    state = _state(context)
    catalog = _catalog(state, update)
    items = sorted(state.engine.kb.meetings.values(), key=lambda m: (m.date, m.title))
    if not items:
        await send_html(context.bot, message.chat_id, esc(catalog.t("meetings.none")))
        return
    lines = [f"<b>{esc(catalog.t('meetings.title', count=len(items)))}</b>", ""]
    rows: list[list[tuple[str, str]]] = []
    for meeting in items:
        when = catalog.date(meeting.date)
        title = translated(meeting.title, meeting.translations, catalog.language)
        lines.append(f"• {esc(when)}: {esc(title)}")
        data = f"m:{meeting.id}"
        if not _fits(data):
            data = f"M:{state.store(meeting.id)}"
        rows.append([(_label(f"{when}: {title}"), data)])
    lines += ["", esc(catalog.t("meetings.tap"))]
    await send_html(context.bot, message.chat_id, "\n".join(lines), keyboard=_keyboard(rows))


async def people(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the people in the sources, with their roles and citations."""
    message = update.effective_message
    if message is None:
        return
    state = _state(context)
    lang = user_language(state, update.effective_user)
    intent = state.engine.kb.intents.get("list_people")
    answer = state.engine.ask(intent.suggestion, lang=lang) if intent else None
    if answer is not None and answer.kind == "answer":
        await send_answer(context.bot, state, message.chat_id, answer)
        return
    names = sorted(translated(p.name, p.translations, lang)
                   for p in state.engine.kb.people.values())
    text = (f"<b>{esc(text_in(state, lang, 'people.title'))}</b>\n"
            + "\n".join(f"• {esc(n)}" for n in names))
    await send_html(context.bot, message.chat_id, text)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the documents the answers come from, with publisher, date and link."""
    message = update.effective_message
    if message is None:
        return
    state = _state(context)
    catalog = _catalog(state, update)
    docs = sorted(state.engine.kb.sources.values(), key=lambda d: d.meta.published)
    lines = [f"<b>{esc(catalog.t('sources.title', count=len(docs)))}</b>", ""]
    for number, doc in enumerate(docs, start=1):
        meta = doc.meta
        lines.append(f'{number}. <a href="{html.escape(meta.url, quote=True)}">'
                     f"{esc(meta.title)}</a>\n   {esc(meta.publisher)}, "
                     f"{esc(catalog.date(meta.published))}")
    await send_html(context.bot, message.chat_id, "\n".join(lines))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the question after /ask (the way to ask in groups)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    parts = message.text.split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    if not question and message.reply_to_message and message.reply_to_message.text:
        question = message.reply_to_message.text
    if not question:
        state = _state(context)
        usage = message_in(state, user_language(state, update.effective_user), "ask_usage",
                           ASK_USAGE)
        await send_html(context.bot, message.chat_id, esc(usage),
                        reply_to=message if _is_group(message.chat) else None)
        return
    await answer_question(context, message.chat, update.effective_user, question,
                          asked=message, quote=_is_group(message.chat))


async def _from_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Message | None:
    """The command's message when an admin sent it; anyone else gets the ordinary help."""
    message = update.effective_message
    if message is None:
        return None
    if not _is_admin(update, _state(context)):
        await help_command(update, context)
        return None
    return message


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the question statistics to an admin (others get the help)."""
    message = await _from_admin(update, context)
    if message is None:
        return
    state = _state(context)
    s = state.stats
    catalog = _catalog(state, update)
    counts = (("stats.answered", s.answered), ("stats.declined", s.declined),
              ("stats.clarified", s.clarified), ("stats.invalid", s.invalid),
              ("stats.conversations", len(state.conversations)))
    lines = [f"<b>{esc(catalog.t('stats.title'))}</b>",
             *(esc(catalog.t(key, count=count)) for key, count in counts), "",
             f"<b>{esc(catalog.t('stats.misses'))}</b>"]
    top = s.misses.most_common(10)
    lines += ([f"{count}× {esc(question)}" for question, count in top]
              or [esc(catalog.t("stats.no_misses"))])
    await send_html(context.bot, message.chat_id, "\n".join(lines))


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload the knowledge base for an admin and report OK or the problems."""
    message = await _from_admin(update, context)
    if message is None:
        return
    state = _state(context)
    problems = state.settings.live.reload(force=True)
    # The admin reads the outcome here: no separate notice about this same state.
    state.reported = problem_lines(state, problems) if problems else None
    kb = state.engine.kb
    catalog = _catalog(state, update)
    if problems:
        text = (f"<b>{esc(catalog.t('reload.failed'))}</b>\n"
                + "\n".join(esc(line) for line in problem_lines(state, problems)))
    else:
        text = esc(catalog.t("reload.ok", meetings=len(kb.meetings), people=len(kb.people),
                             sources=len(kb.sources)))
    await send_html(context.bot, message.chat_id, text)


def problem_lines(state: BotState, problems: Sequence[Problem]) -> tuple[str, ...]:
    """``file:line: message`` for each problem, paths relative to the knowledge directory."""
    root = state.settings.live.directory.resolve()
    return tuple(str(Problem(_relative(p.file, root), p.line, p.message, p.severity))
                 for p in problems)


def _relative(file: str, root: Path) -> str:
    """``file`` (named relative to the working directory, or absolute) relative to ``root``."""
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except ValueError:  # outside the knowledge directory: keep it as the loader named it
        return file


def _catalog(state: BotState, update: Update) -> Catalog:
    """The message catalogue in the language of the user behind ``update``."""
    return state.engine.catalog(user_language(state, update.effective_user))


def _is_admin(update: Update, state: BotState) -> bool:
    user = update.effective_user
    return user is not None and user.id in state.settings.admin_ids


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help when a command meant for this bot is not one it has."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if _is_group(message.chat):
        command = message.text.split(maxsplit=1)[0]
        username = context.bot.username or ""
        if not command.lower().endswith(f"@{username.lower()}"):
            return  # addressed to every bot in the group, or to another one: stay quiet
    elif message.chat.type != ChatType.PRIVATE:
        return
    state = _state(context)
    text = message_in(state, user_language(state, update.effective_user), "unknown_command",
                      UNKNOWN_COMMAND)
    await send_html(context.bot, message.chat_id, esc(text),
                    reply_to=message if _is_group(message.chat) else None)


# -- messages ----------------------------------------------------------------------------------


def _from_us_or_bot(message: Message, bot_id: int) -> bool:
    sender = message.from_user
    if sender is not None and sender.is_bot:
        return True
    return message.via_bot is not None and message.via_bot.id == bot_id


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text question (in groups only when mentioned or replied to)."""
    message = update.effective_message
    if message is None or message.text is None or _from_us_or_bot(message, context.bot.id):
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    quote = _is_group(message.chat) or update.edited_message is not None
    await answer_question(context, message.chat, update.effective_user, question,
                          asked=message, quote=quote)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the user, kindly, that only text questions can be answered."""
    message = update.effective_message
    if message is None or _from_us_or_bot(message, context.bot.id):
        return
    if _is_group(message.chat):
        replied = message.reply_to_message
        to_bot = (replied is not None and replied.from_user is not None
                  and replied.from_user.id == context.bot.id)
        if not to_bot and addressed_text(message, context.bot.id, context.bot.username) is None:
            return
    elif message.chat.type != ChatType.PRIVATE:
        return
    state = _state(context)
    text = message_in(state, user_language(state, update.effective_user), "text_only", TEXT_ONLY)
    await send_html(context.bot, message.chat_id, esc(text),
                    reply_to=message if _is_group(message.chat) else None)


# -- buttons -----------------------------------------------------------------------------------


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: ask a question, open a meeting, or show/hide the quotes."""
    query = update.callback_query
    if query is None:
        return
    state = _state(context)
    action, _, payload = (query.data or "").partition(":")
    if action in ("quote", "hide"):
        await _toggle_quotes(query, context, state, payload, quotes=action == "quote")
        return
    if action == "lang":
        await _choose_language(query, state, payload)
        return
    chat = query.message.chat if query.message is not None else None
    if chat is None:
        await query.answer(message_in(state, user_language(state, query.from_user),
                                      "ask_in_chat", "Please ask me in a chat."))
        return
    if action == "a":
        question: str | None = payload
    elif action == "q":
        stored = state.buttons.get(payload)
        question = stored if isinstance(stored, str) else None
    elif action in ("m", "M"):
        meeting_id = payload if action == "m" else state.buttons.get(payload)
        await query.answer()
        await _send_meeting(context, state, chat, query.from_user, meeting_id)
        return
    else:
        question = None
    if not question:
        await query.answer(_expired(state, query), show_alert=True)
        return
    await query.answer()
    await answer_question(context, chat, query.from_user, question)


def _expired(state: BotState, query: CallbackQuery) -> str:
    return message_in(state, user_language(state, query.from_user), "button_expired", EXPIRED)


async def _choose_language(query: CallbackQuery, state: BotState, code: str) -> None:
    """Switch the user who pressed a /lang button; redraw the menu in the new language."""
    if code not in state.engine.kb.catalogs:  # a catalogue removed since the menu was sent
        await query.answer(_expired(state, query), show_alert=True)
        return
    state.languages.put(query.from_user.id, code)
    await query.answer(text_in(state, code, "lang.set", name=state.engine.catalog(code).name))
    text, keyboard = language_menu(state, code)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            logger.info("could not redraw the language menu: %s", exc)


async def _send_meeting(context: ContextTypes.DEFAULT_TYPE, state: BotState, chat: Chat,
                        user: User, meeting_id: object) -> None:
    engine = state.engine
    lang = user_language(state, user)
    if not isinstance(meeting_id, str) or meeting_id not in engine.kb.meetings:
        await send_html(context.bot, chat.id, esc(message_in(state, lang, "meeting_gone",
                                                             NO_MEETING)))
        return
    answer = engine.meeting_summary(meeting_id, lang=lang)
    state.conversations.put(_chat_key(chat, user.id), answer.context)
    sent = await send_answer(context.bot, state, chat.id, answer)
    state.answered.put((chat.id, sent.message_id), answer.context)


async def _toggle_quotes(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE,
                         state: BotState, key: str, *, quotes: bool) -> None:
    stored = state.buttons.get(key)
    if not isinstance(stored, ShownAnswer):
        await query.answer(_expired(state, query), show_alert=True)
        return
    await query.answer()
    text = to_telegram_html(stored.answer, quotes=quotes,
                            catalog=state.engine.catalog(stored.answer.lang))
    keyboard = _answer_keyboard(state, stored, key, quotes)
    if stored.in_place:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            logger.info("could not edit the answer in place (%s); sending the quotes", exc)
    if not quotes or query.message is None:
        return
    await send_html(context.bot, query.message.chat.id, text)


# -- inline mode -------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(re.sub(r"\s*\[\d+\]", "", text).split())


def _article(state: BotState, index: int, answer: Answer) -> InlineQueryResultArticle:
    body = _plain(answer.text)
    title = body if len(body) <= 80 else body[:79] + "…"
    catalog = state.engine.catalog(answer.lang)
    if answer.citations:
        first = answer.citations[0]
        description = f"{first.publisher}, {catalog.date(first.date)}"
    else:
        description = answer.question
    text = to_telegram_html(answer, catalog=catalog)
    if len(text) > 4096:
        text = split_message(text)[0]
    return InlineQueryResultArticle(
        id=str(index), title=title or answer.question, description=description[:200],
        input_message_content=InputTextMessageContent(
            text, parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True)))


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer ``@bot question`` typed in any chat with articles that cite the source."""
    query = update.inline_query
    if query is None:
        return
    state = _state(context)
    text = query.query.strip()
    lang = user_language(state, query.from_user)
    if not text:
        hint = message_in(state, lang, "inline_hint", "Type a question, e.g. who heads ODIHR?")
        await query.answer([], cache_time=60, button=InlineQueryResultsButton(
            hint, start_parameter="inline"))
        return
    engine = state.engine
    answer = engine.ask(text, default_lang=lang)  # not counted: it arrives per keystroke
    answers = [answer]
    if answer.kind == "clarify":
        answers = [a for a in (engine.ask(s, lang=answer.lang) for s in answer.suggestions)
                   if a.answered] or [answer]
    results = [_article(state, i, a) for i, a in enumerate(answers)]
    await query.answer(results, cache_time=30, is_personal=False)


# -- faults, start-up, shutdown ----------------------------------------------------------------


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and apologise, once, in the chat where it happened."""
    error = context.error
    if isinstance(error, Forbidden):
        logger.info("not allowed to write to a chat (blocked or removed): %s", error)
        return
    if isinstance(error, TimedOut) and isinstance(error.__cause__, httpx.ReadTimeout):
        # The request reached Telegram and only its confirmation was late: the message has
        # most likely arrived, and an apology after it would invite the question again.
        logger.warning("Telegram did not confirm a request in time (it was sent): %s", error)
        return
    kind = "an update" if isinstance(update, Update) else "a job"
    logger.error("error while handling %s", kind, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    state = _state(context)
    chat_id = update.effective_chat.id
    if state.apologies.get(chat_id):
        return
    state.apologies.put(chat_id, True)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    text = message_in(state, user_language(state, update.effective_user), "error_apology",
                      APOLOGY)
    try:
        await context.bot.send_message(chat_id, esc(text),
                                       parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        logger.warning("could not apologise in a chat: %s", exc)


def asks_the_bot(message: Message, bot: Bot) -> bool:
    """Whether ``message`` is for the bot (private: all; groups: commands, mentions, replies)."""
    if not _is_group(message.chat):
        return message.chat.type == ChatType.PRIVATE
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    if (message.text or "").startswith("/"):
        return True
    return addressed_text(message, bot.id, bot.username) is not None


def throttle_notice(update: Update, context: ContextTypes.DEFAULT_TYPE, count: int) -> str:
    """The "you're sending questions too fast" notice (HTML) in the user's language."""
    state = _state(context)
    language = user_language(state, update.effective_user)
    try:
        text = text_in(state, language, "throttled", count=count)
    except KeyError:  # no catalogue has the key
        text = THROTTLED.format(count=count)
    return esc(text)


async def post_init(application: AnyApplication) -> None:
    """Set the command menu, start watching the knowledge files, listen for broken edits."""
    state: BotState = application.bot_data[STATE_KEY]
    state.loop = asyncio.get_running_loop()
    protect_logs(state.settings.token, state.settings.webhook_secret)
    bot = application.bot
    await bot.set_my_commands(command_menu(state, DEFAULT_LANGUAGE))
    # Telegram shows a user the menu in their app's language when there is one for it.
    translated_menus = [c.language for c in _languages(state)
                        if any(c.has(f"command.{name}") for name, _ in COMMANDS)
                        and c.language != DEFAULT_LANGUAGE]
    for language in translated_menus:
        try:
            await bot.set_my_commands(command_menu(state, language), language_code=language)
        except TelegramError as exc:  # e.g. a language code Telegram does not know
            logger.warning("could not set the %s command menu: %s", language, exc)
    everything = (*COMMANDS, *ADMIN_COMMANDS)
    for admin in sorted(state.settings.admin_ids):
        try:
            await bot.set_my_commands(command_menu(state, DEFAULT_LANGUAGE, everything),
                                      scope=BotCommandScopeChat(admin))
            for language in translated_menus:
                await bot.set_my_commands(command_menu(state, language, everything),
                                          scope=BotCommandScopeChat(admin),
                                          language_code=language)
        except TelegramError as exc:  # e.g. the admin never started a chat with the bot
            logger.warning("could not set the admin command menu for %s: %s", admin, exc)
    live = state.settings.live

    def on_reload(problems: list[Problem] | None) -> None:
        loop = state.loop
        if loop is None or loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(notify_admins(application, problems), loop)

    live.subscribe(on_reload)
    live.watch()
    logger.info("meetbot is running as @%s", bot.username)


async def post_shutdown(application: AnyApplication) -> None:
    """Stop watching the knowledge files."""
    state: BotState = application.bot_data[STATE_KEY]
    state.loop = None
    state.settings.live.stop()


async def notify_admins(application: AnyApplication, problems: list[Problem] | None) -> None:
    """Tell the admins, once per broken state, that a knowledge edit was rejected (or fixed)."""
    state: BotState = application.bot_data[STATE_KEY]
    if problems:
        signature = problem_lines(state, problems)
        if signature == state.reported:
            return
        state.reported = signature
    else:
        if state.reported is None:
            return
        state.reported = None
    for admin in sorted(state.settings.admin_ids):
        # In the language the admin chose with /lang (their app's is not known here).
        catalog = state.engine.catalog(state.languages.get(admin) or DEFAULT_LANGUAGE)
        if problems:
            text = (f"<b>{esc(catalog.t('admin.rejected'))}</b>\n"
                    + "\n".join(esc(line) for line in signature[:10]))
            if len(signature) > 10:
                command = "meetbot check"
                more = esc(catalog.t("admin.more", count=len(signature) - 10, command=command))
                text += "\n" + more.replace(command, f"<code>{command}</code>")
        else:
            text = esc(catalog.t("admin.fixed"))
        try:
            await send_html(application.bot, admin, text)
        except TelegramError as exc:
            logger.warning("could not tell admin %s about the knowledge base: %s", admin, exc)


# -- building and running ----------------------------------------------------------------------


def build_application(settings: Settings) -> AnyApplication:
    """Build the Application with every handler and the error handler registered."""
    protect_logs(settings.token, settings.webhook_secret)
    defaults = Defaults(parse_mode=ParseMode.HTML,
                        link_preview_options=LinkPreviewOptions(is_disabled=True))
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder().token(settings.token).defaults(defaults)
        .post_init(post_init).post_shutdown(post_shutdown))
    if settings.rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    if settings.base_url:
        base = settings.base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if settings.request is not None:
        builder = builder.request(settings.request)
    if settings.get_updates_request is not None:
        builder = builder.get_updates_request(settings.get_updates_request)
    builder = builder.concurrent_updates(ChatOrderedUpdateProcessor(settings.max_running))
    application: AnyApplication = builder.build()
    state = application.bot_data[STATE_KEY] = BotState(settings)

    application.add_handler(
        TypeHandler(Update, FloodGuard(state.throttle, asks_the_bot, throttle_notice)), group=-1)
    new = filters.UpdateType.MESSAGE
    messages = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
    for name, callback in (("start", start), ("help", help_command), ("meetings", meetings),
                           ("people", people), ("sources", sources), ("lang", lang_command),
                           ("stats", stats), ("reload", reload)):
        application.add_handler(CommandHandler(name, callback, filters=new))
    application.add_handler(CommandHandler("ask", ask, filters=messages))
    application.add_handler(MessageHandler(filters.COMMAND & new, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & messages,
                                           text_message))
    application.add_handler(MessageHandler(
        ~filters.TEXT & ~filters.StatusUpdate.ALL & filters.UpdateType.MESSAGE, non_text))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(error_handler)
    return application


def run_bot(live: LiveKnowledge, args: argparse.Namespace) -> int:
    """Run the Telegram bot until SIGINT/SIGTERM; return the exit status.

    The token comes from ``--token-file`` or ``TELEGRAM_BOT_TOKEN``; the Bot API base URL
    from ``--base-url`` or ``MEETBOT_BOT_API_URL`` (tests), else Telegram's.
    """
    token = read_token(getattr(args, "token_file", None))
    secret: str | None = getattr(args, "secret_token", None)
    quiet_outages()
    protect_logs(token, secret)
    settings = Settings(
        token=token, live=live, webhook_secret=secret,
        admin_ids=parse_admin_ids(os.environ.get("MEETBOT_ADMIN_IDS")),
        base_url=getattr(args, "base_url", None) or os.environ.get("MEETBOT_BOT_API_URL")
        or None, misses=miss_log_from_env())
    application = build_application(settings)
    webhook_url: str | None = getattr(args, "webhook_url", None)
    try:
        if webhook_url:
            if secret is not None and not SECRET_TOKEN_PATTERN.fullmatch(secret):
                raise MeetbotError("--secret-token must be 1-256 letters, digits, '_' or '-'")
            if secret is None:
                logger.warning("webhook without --secret-token: anyone who finds the URL can "
                               "send the bot fake updates")
            application.run_webhook(
                listen=args.listen, port=args.port,
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url, secret_token=secret,
                allowed_updates=Update.ALL_TYPES)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise TokenError("Telegram rejected the bot token; check it with @BotFather") from None
    except NetworkError as exc:
        message = str(exc).replace(token, "[token]")
        host = urlsplit(settings.base_url or "https://api.telegram.org").netloc
        raise MeetbotError(f"cannot reach the Telegram Bot API at {host} ({message}): check "
                           "the network and try again") from None
    return 0
