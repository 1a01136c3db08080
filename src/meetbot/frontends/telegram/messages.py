"""Messages people send: questions (in groups only those addressed to the bot), the rest,
and inline queries (``@bot question`` typed in any chat).

A question is a text, or the caption of a photo or a document. An edited question edits the
bot's answer to it (a new answer when that one cannot be edited). Inline results depend on
the user's language, so Telegram is told they are personal; only answers that state what
the sources say are offered for posting, and a question the bot cannot answer gets an empty
list with a button to ask it in a private chat instead.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from telegram import (
    Bot,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from meetbot.domain.answer import Answer
from meetbot.frontends.telegram.replies import (
    TEXT_ONLY,
    answer_question,
    esc,
    is_group,
    message_in,
    redacted,
    reply_in_groups,
    send_html,
)
from meetbot.frontends.telegram.state import BotState, state_of, user_language
from meetbot.lang.catalog import translated
from meetbot.render import TELEGRAM_LIMIT, shorten, split_message, to_telegram_html, utf16_len

logger = logging.getLogger(__name__)


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
    if not is_group(message.chat):
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


def asks_the_bot(message: Message, bot: Bot) -> bool:
    """Whether ``message`` is for the bot (private: all; groups: commands, mentions, replies)."""
    if not is_group(message.chat):
        return message.chat.type == ChatType.PRIVATE
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    if (message.text or "").startswith("/"):
        return True
    return addressed_text(message, bot.id, bot.username) is not None


def _from_us_or_bot(message: Message, bot_id: int) -> bool:
    sender = message.from_user
    if sender is not None and sender.is_bot:
        return True
    return message.via_bot is not None and message.via_bot.id == bot_id


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a question, or a caption (in groups only when mentioned or replied to)."""
    message = update.effective_message
    if (message is None or (message.text is None and message.caption is None)
            or _from_us_or_bot(message, context.bot.id)):
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    edited = update.edited_message is not None
    await answer_question(context, message.chat, update.effective_user, question,
                          asked=message, quote=is_group(message.chat) or edited,
                          edited=edited)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the user, kindly, that only text questions can be answered."""
    message = update.effective_message
    if message is None or _from_us_or_bot(message, context.bot.id):
        return
    if is_group(message.chat):
        replied = message.reply_to_message
        to_bot = (replied is not None and replied.from_user is not None
                  and replied.from_user.id == context.bot.id)
        if not to_bot and addressed_text(message, context.bot.id, context.bot.username) is None:
            return
    elif message.chat.type != ChatType.PRIVATE:
        return
    state = state_of(context)
    text = message_in(state, user_language(state, update.effective_user), "text_only", TEXT_ONLY)
    await send_html(context.bot, message.chat_id, esc(text), reply_to=reply_in_groups(message))


# -- inline mode -------------------------------------------------------------------------------


TITLE_LIMIT = 80
"""The longest inline result title: Telegram shows about one line of it."""
POSTABLE: Final = ("answer", "negative")
"""The kinds of answer offered for posting: what the sources say (or do not record)."""


def _plain(text: str) -> str:
    return " ".join(re.sub(r"\s*\[\d+\]", "", text).split())


def title(state: BotState, answer: Answer) -> str:
    """The inline result's title: the answer's first sentence, cut on a word boundary,
    led by the names of the people it names ("Maria Telalian — As of 6 December …")."""
    first = answer.text.strip().split("\n", 1)[0]
    sentence = _plain(re.split(r"(?<=[.!?])\s+(?=\W*[A-ZА-ЯЁ])", first, maxsplit=1)[0])
    kb = state.engine.kb
    found = sorted((sentence.find(name), name) for name in
                   (translated(p.name, p.translations, answer.lang) for p in kb.people.values())
                   if name in sentence)
    names = [name for _, name in found]
    if names and not sentence.startswith(names[0]):
        sentence = f"{', '.join(names)} — {sentence}"
    return shorten(sentence, TITLE_LIMIT) or shorten(answer.question, TITLE_LIMIT)


def _article(state: BotState, index: int, answer: Answer) -> InlineQueryResultArticle:
    catalog = state.engine.catalog(answer.lang)
    if answer.citations:
        first = answer.citations[0]
        description = f"{first.publisher}, {catalog.date(first.date)}"
    else:
        description = answer.question
    text = to_telegram_html(answer, catalog=catalog)
    if utf16_len(text) > TELEGRAM_LIMIT:
        text = split_message(text)[0]
    return InlineQueryResultArticle(
        id=str(index), title=title(state, answer), description=description[:200],
        input_message_content=InputTextMessageContent(
            text, parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True)))


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer ``@bot question`` typed in any chat with articles that cite the source."""
    query = update.inline_query
    if query is None:
        return
    state = state_of(context)
    text = query.query.strip()
    lang = user_language(state, query.from_user)
    if not text:
        hint = message_in(state, lang, "inline_hint", "Type a question, e.g. who heads ODIHR?")
        await query.answer([], cache_time=60, is_personal=True,
                           button=InlineQueryResultsButton(hint, start_parameter="inline"))
        return
    engine = state.engine
    # not counted in the statistics: an inline query arrives per keystroke
    answer = redacted(state, engine.ask(text, default_lang=lang))
    answers = [answer]
    if answer.kind == "clarify":
        answers = [redacted(state, engine.ask(s, lang=answer.lang)) for s in answer.suggestions]
    postable = [a for a in answers if a.kind in POSTABLE]
    if not postable:
        private = message_in(state, lang, "inline_private",
                             "No sourced answer to that: ask me in a private chat")
        await query.answer([], cache_time=30, is_personal=True,
                           button=InlineQueryResultsButton(private, start_parameter="inline"))
        return
    results = [_article(state, i, a) for i, a in enumerate(postable)]
    await query.answer(results, cache_time=30, is_personal=True)
