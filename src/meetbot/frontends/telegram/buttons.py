"""Button presses: ask a question, open a meeting, show or hide the quotes, choose a language."""

from __future__ import annotations

import contextlib
import logging

from telegram import CallbackQuery, Chat, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from meetbot.frontends.telegram.commands import language_menu
from meetbot.frontends.telegram.keyboards import (
    Ask,
    ChooseLanguage,
    OpenMeeting,
    ToggleQuotes,
)
from meetbot.frontends.telegram.replies import (
    NO_MEETING,
    answer_question,
    esc,
    expired_text,
    message_in,
    send_answer,
    send_html,
    shown_keyboard,
    text_in,
)
from meetbot.frontends.telegram.state import BotState, chat_key, state_of, user_language
from meetbot.render import to_telegram_html

logger = logging.getLogger(__name__)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: ask a question, open a meeting, or show/hide the quotes."""
    query = update.callback_query
    if query is None:
        return
    state = state_of(context)
    press = query.data
    if isinstance(press, ToggleQuotes):
        await _toggle_quotes(query, context, state, press)
        return
    if isinstance(press, ChooseLanguage):
        await _choose_language(query, context, state, press.code)
        return
    if not isinstance(press, Ask | OpenMeeting):
        await expired_button(update, context)
        return
    chat = query.message.chat if query.message is not None else None
    if chat is None:
        await query.answer(message_in(state, user_language(state, query.from_user),
                                      "ask_in_chat", "Please ask me in a chat."))
        return
    await query.answer()
    if isinstance(press, OpenMeeting):
        await _send_meeting(context, state, chat, query.from_user, press.meeting)
    else:
        await answer_question(context, chat, query.from_user, press.question)


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say that the button pressed has expired (the bot no longer knows what it was for)."""
    query = update.callback_query
    if query is None:
        return
    await query.answer(expired_text(state_of(context), query.from_user), show_alert=True)


async def _send_meeting(context: ContextTypes.DEFAULT_TYPE, state: BotState, chat: Chat,
                        user: User, meeting_id: str) -> None:
    engine = state.engine
    lang = user_language(state, user)
    if meeting_id not in engine.kb.meetings:
        await send_html(context.bot, chat.id, esc(message_in(state, lang, "meeting_gone",
                                                             NO_MEETING)))
        return
    answer = engine.meeting_summary(meeting_id, lang=lang)
    state.conversations[chat_key(chat, user.id)] = answer.context
    sent = await send_answer(context.bot, state, chat.id, answer)
    state.answered[(chat.id, sent.message_id)] = answer.context


async def _toggle_quotes(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE,
                         state: BotState, press: ToggleQuotes) -> None:
    await query.answer()
    shown = press.shown
    text = to_telegram_html(shown.as_answer(), quotes=press.quotes,
                            catalog=state.engine.catalog(shown.lang))
    if shown.in_place:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML,
                                          reply_markup=shown_keyboard(state, shown, press.quotes))
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            logger.info("could not edit the answer in place (%s); sending the quotes", exc)
        else:
            _forget_keyboard(context, query)  # the edit replaced it with a new one
            return
    if not press.quotes or query.message is None:
        return
    await send_html(context.bot, query.message.chat.id, text)


def _forget_keyboard(context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery) -> None:
    """Drop the pressed keyboard's buttons: the message no longer shows them."""
    with contextlib.suppress(KeyError, RuntimeError):  # not in the cache (or no cache)
        context.drop_callback_data(query)


async def _choose_language(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE,
                           state: BotState, code: str) -> None:
    """Switch the user who pressed a /lang button; redraw the menu in the new language."""
    if code not in state.engine.kb.catalogs:  # a catalogue removed since the menu was sent
        await query.answer(expired_text(state, query.from_user), show_alert=True)
        return
    state.languages[query.from_user.id] = code
    await query.answer(text_in(state, code, "lang.set", name=state.engine.catalog(code).name))
    text, menu = language_menu(state, code)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=menu)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            logger.info("could not redraw the language menu: %s", exc)
    else:
        _forget_keyboard(context, query)
