"""Messages people send: questions (in groups only those addressed to the bot), the rest,
and inline queries (``@bot question`` typed in any chat)."""

from __future__ import annotations

import logging
import re

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
    reply_in_groups,
    send_html,
)
from meetbot.frontends.telegram.state import BotState, state_of, user_language
from meetbot.render import TELEGRAM_LIMIT, split_message, to_telegram_html

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
    """Answer a text question (in groups only when mentioned or replied to)."""
    message = update.effective_message
    if message is None or message.text is None or _from_us_or_bot(message, context.bot.id):
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    quote = is_group(message.chat) or update.edited_message is not None
    await answer_question(context, message.chat, update.effective_user, question,
                          asked=message, quote=quote)


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
    if len(text) > TELEGRAM_LIMIT:
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
    state = state_of(context)
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
