"""Replying: the user's language, sending HTML in pieces, and answering a question.

Every reply is in the user's language: the one chosen with ``/lang`` (any language with a
message catalogue), else the Telegram app's language if there is a catalogue for it, else
English. A question clearly written in another language is answered in its own language.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Final

from telegram import Bot, Chat, InlineKeyboardMarkup, Message, ReplyParameters, Update, User
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from meetbot.domain.answer import Answer
from meetbot.frontends.telegram.keyboards import ShownAnswer, answer_keyboard, ask_button
from meetbot.frontends.telegram.state import (
    BotState,
    LastQuestion,
    chat_key,
    state_of,
    user_language,
)
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog
from meetbot.render import TELEGRAM_LIMIT, split_message, to_telegram_html, utf16_len

logger = logging.getLogger(__name__)

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


def redacted(state: BotState, answer: Answer) -> Answer:
    """``answer`` without the bot's token or webhook secret in anything the user pasted.

    A token pasted as a question is echoed back ("I have no information about …"),
    lower-cased and in pieces; nor may it reach /stats or the misses log.
    """
    redact = state.redactor.redact
    question, text = redact(answer.question), redact(answer.text)
    suggestions = tuple(redact(s) for s in answer.suggestions)
    follow_ups = tuple(redact(s) for s in answer.follow_ups)
    if (question, text, suggestions, follow_ups) == (answer.question, answer.text,
                                                     answer.suggestions, answer.follow_ups):
        return answer
    return replace(answer, question=question, text=text, suggestions=suggestions,
                   follow_ups=follow_ups)


def esc(text: str) -> str:
    """Escape text for Telegram HTML (outside attributes)."""
    return html.escape(text, quote=False)


def message_in(state: BotState, language: str, key: str, default: str) -> str:
    """The catalogue's message ``key`` in ``language`` (``default`` if no catalogue has it)."""
    return state.engine.catalog(language).get(key) or default


def text_in(state: BotState, language: str, key: str, /, **values: Any) -> str:
    """The catalogue's message ``key`` in ``language`` (English if it lacks it), filled in."""
    return state.engine.catalog(language).t(key, **values)


def languages(state: BotState) -> list[Catalog]:
    """The catalogues, English first."""
    catalogs = state.engine.kb.catalogs
    return [catalogs[code] for code in sorted(catalogs, key=lambda c: (c != DEFAULT_LANGUAGE, c))]


def find_language(state: BotState, wanted: str) -> str | None:
    """The catalogue language ``wanted`` names ("ru", "RU", "pt-BR", "Русский"), or None."""
    wanted = wanted.strip().casefold()
    catalogs = state.engine.kb.catalogs
    for code, catalog in catalogs.items():
        if wanted in (code, catalog.name.casefold()):
            return code
    base = re.split(r"[-_]", wanted, maxsplit=1)[0]
    return base if base in catalogs else None


def is_group(chat: Chat) -> bool:
    """Whether ``chat`` is a group or a supergroup."""
    return chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def reply_in_groups(message: Message) -> Message | None:
    """``message`` in a group (a reply there says whom it is for), None in a private chat."""
    return message if is_group(message.chat) else None


def expired_text(state: BotState, user: User | None) -> str:
    """The "that button has expired" alert in ``user``'s language."""
    return message_in(state, user_language(state, user), "button_expired", EXPIRED)


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


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
"""A python-telegram-bot callback."""


@dataclass(frozen=True)
class Asked:
    """An update with a message to reply to (a command), and the bot's state."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    message: Message
    state: BotState

    @property
    def user(self) -> User | None:
        """Who sent the message."""
        return self.update.effective_user

    @property
    def lang(self) -> str:
        """The user's language as it is now (:func:`user_language`)."""
        return user_language(self.state, self.update.effective_user)

    @property
    def catalog(self) -> Catalog:
        """The message catalogue in the user's language as it is now."""
        return self.state.engine.catalog(self.lang)

    async def reply(self, text: str, *, reply_to: Message | None = None,
                    keyboard: InlineKeyboardMarkup | None = None) -> Message:
        """Send HTML ``text`` to the message's chat (:func:`send_html`)."""
        return await send_html(self.context.bot, self.message.chat_id, text,
                               reply_to=reply_to, keyboard=keyboard)


def with_message(body: Callable[[Asked], Awaitable[None]]) -> Handler:
    """A callback that hands ``body`` the update as :class:`Asked`; an update without a
    message is ignored."""

    @functools.wraps(body)
    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        await body(Asked(update, context, message, state_of(context)))

    return handle


def toggle_label(state: BotState, lang: str, quotes: bool) -> str:
    """The label of the button that hides the quotes (``quotes`` shown) or shows them."""
    if quotes:
        return message_in(state, lang, "hide_quote", "Hide the quote")
    return message_in(state, lang, "show_quote", "Show the quote")


def shown_keyboard(state: BotState, shown: ShownAnswer,
                   quotes: bool) -> InlineKeyboardMarkup | None:
    """The keyboard under ``shown`` with its quotes shown or not; counted as one sent."""
    state.keyboard_sent()
    return answer_keyboard(shown, quotes, toggle_label(state, shown.lang, quotes))


def _shown(state: BotState, answer: Answer) -> tuple[str, InlineKeyboardMarkup | None]:
    """The HTML of ``answer`` and its buttons: quotes, did-you-mean and follow-up questions."""
    buttons = tuple(ask_button(q) for q in (*answer.suggestions, *answer.follow_ups[:3]))
    catalog = state.engine.catalog(answer.lang)
    text = to_telegram_html(answer, catalog=catalog)
    in_place = (len(split_message(text)) == 1
                and utf16_len(to_telegram_html(answer, quotes=True, catalog=catalog))
                <= TELEGRAM_LIMIT)
    shown = ShownAnswer.of(answer, buttons, in_place)
    return text, shown_keyboard(state, shown, quotes=False)


async def send_answer(bot: Bot, state: BotState, chat_id: int, answer: Answer, *,
                      reply_to: Message | None = None) -> Message:
    """Send ``answer`` with its buttons: quotes, did-you-mean and follow-up questions."""
    text, keyboard = _shown(state, answer)
    return await send_html(bot, chat_id, text, reply_to=reply_to, keyboard=keyboard)


async def edit_answer(bot: Bot, state: BotState, chat_id: int, message_id: int,
                      answer: Answer) -> bool:
    """Put ``answer`` in place of the bot's message ``message_id``; False when it cannot be
    (it needs more than one message, or Telegram refuses: too old, deleted)."""
    text, keyboard = _shown(state, answer)
    if len(split_message(text)) > 1:
        return False
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                    parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True
        logger.info("could not edit an earlier answer (%s); sending a new one", exc)
        return False
    return True


async def answer_question(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User | None,
                          question: str, *, asked: Message | None = None,
                          quote: bool = False, edited: bool = False) -> Answer:
    """Ask the engine in the light of the conversation; send and remember the answer.

    The conversation is this chat's (this member's, in a group), or, when ``asked`` replies to
    one of the bot's answers, that answer's. With ``quote`` the answer replies to ``asked``.
    When ``asked`` was ``edited``, the answer replaces the one sent to it before, if it can.
    The answer is in the question's language; when the text does not tell (a name, an
    acronym), in the user's Telegram language if there is a catalogue for it.
    """
    reply_to = asked if quote else None
    state = state_of(context)
    key = chat_key(chat, user.id if user else None)
    previous = state.conversations.get(key)
    replied = asked.reply_to_message if asked is not None else None
    if replied is not None:
        previous = state.answered.get((chat.id, replied.message_id)) or previous
    default_lang = user_language(state, user)
    answer = redacted(state, state.engine.ask(question, previous, default_lang=default_lang))
    state.questions[key] = LastQuestion.of(answer.question, previous, default_lang)
    state.stats.record(answer)
    if state.settings.misses is not None:
        state.settings.misses.record(answer, chat.id)
    state.conversations[key] = answer.context
    earlier = (state.replies.get((chat.id, asked.message_id))
               if edited and asked is not None else None)
    if earlier is not None and await edit_answer(context.bot, state, chat.id, earlier, answer):
        sent_id = earlier
    else:
        sent = await send_answer(context.bot, state, chat.id, answer, reply_to=reply_to)
        sent_id = sent.message_id
    state.answered[(chat.id, sent_id)] = answer.context
    if asked is not None:
        state.replies[(chat.id, asked.message_id)] = sent_id
    return answer
