"""The commands everyone has: /start /help /ask /meetings /people /sources /lang."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Final

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from meetbot.answers.writer import Writer
from meetbot.frontends.telegram.keyboards import (
    BUTTON_LABEL_LIMIT,
    ChooseLanguage,
    OpenMeeting,
    Press,
    ask_button,
    keyboard,
    label,
)
from meetbot.frontends.telegram.replies import (
    ASK_USAGE,
    UNKNOWN_COMMAND,
    answer_question,
    catalog_for,
    esc,
    find_language,
    is_group,
    languages,
    message_in,
    reply_in_groups,
    send_answer,
    send_html,
    text_in,
)
from meetbot.frontends.telegram.state import BotState, state_of, user_language
from meetbot.lang.catalog import DEFAULT_LANGUAGE, translated
from meetbot.render import shorten

logger = logging.getLogger(__name__)

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


def command_menu(state: BotState, language: str,
                 table: Sequence[tuple[str, str]] = COMMANDS) -> list[BotCommand]:
    """The commands of ``table`` with their descriptions in ``language``."""
    catalog = state.engine.catalog(language)
    return [BotCommand(name, catalog.get(f"command.{name}") or default)
            for name, default in table]


def is_admin(update: Update, state: BotState) -> bool:
    """Whether the user behind ``update`` is one of ``Settings.admin_ids``."""
    user = update.effective_user
    return user is not None and user.id in state.settings.admin_ids


def examples_keyboard(state: BotState, lang: str) -> InlineKeyboardMarkup | None:
    """A button for each example question in ``lang``."""
    return keyboard([[ask_button(q)] for q in state.examples(lang)])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot knows and offer example questions as buttons."""
    message = update.effective_message
    if message is None:
        return
    state = state_of(context)
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
    await send_html(context.bot, message.chat_id, "\n".join(lines),
                    keyboard=examples_keyboard(state, lang))


def help_text(state: BotState, admin: bool, username: str, lang: str) -> str:
    """The /help text in ``lang``: how to ask, the commands (an admin's too), groups."""
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
    state = state_of(context)
    lang = user_language(state, update.effective_user)
    text = help_text(state, is_admin(update, state), context.bot.username or "bot", lang)
    await send_html(context.bot, message.chat_id, text,
                    keyboard=examples_keyboard(state, lang))


def language_menu(state: BotState, current: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /lang reply in ``current``: the answer language, and a button for each catalogue."""
    catalog = state.engine.catalog(current)
    catalogs = languages(state)
    lines = [f"<b>{esc(catalog.t('lang.current', name=catalog.name))}</b>",
             esc(catalog.t("lang.note")), "",
             esc(catalog.t("lang.choose", codes=", ".join(c.language for c in catalogs)))]
    buttons: list[tuple[str, Press]] = [
        (f"✓ {c.name}" if c.language == current else c.name, ChooseLanguage(c.language))
        for c in catalogs]
    return "\n".join(lines), keyboard([buttons[i:i + 3] for i in range(0, len(buttons), 3)])


async def lang_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the answer language with a button per language, or switch to the one named."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    state = state_of(context)
    reply_to = reply_in_groups(message)
    wanted = " ".join(context.args or [])
    if not wanted:
        text, menu = language_menu(state, user_language(state, user))
        await send_html(context.bot, message.chat_id, text, reply_to=reply_to, keyboard=menu)
        return
    code = find_language(state, wanted)
    if code is None:
        available = ", ".join(f"{c.language} ({c.name})" for c in languages(state))
        text = text_in(state, user_language(state, user), "lang.unknown",
                       code=label(wanted)[:20], available=available)
        await send_html(context.bot, message.chat_id, esc(text), reply_to=reply_to)
        return
    state.languages[user.id] = code
    text = text_in(state, code, "lang.set", name=state.engine.catalog(code).name)
    await send_html(context.bot, message.chat_id, esc(text), reply_to=reply_to)


async def meetings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the meetings, each a button that opens its summary."""
    message = update.effective_message
    if message is None:
        return
    state = state_of(context)
    catalog = catalog_for(state, update.effective_user)
    items = sorted(state.engine.kb.meetings.values(), key=lambda m: (m.date, m.title))
    if not items:
        await send_html(context.bot, message.chat_id, esc(catalog.t("meetings.none")))
        return
    lines = [f"<b>{esc(catalog.t('meetings.title', count=len(items)))}</b>", ""]
    writer = Writer(state.engine.kb, catalog)
    rows: list[list[tuple[str, Press]]] = []
    for meeting in items:
        when = catalog.date(meeting.date)
        title = translated(meeting.title, meeting.translations, catalog.language)
        lines.append(f"• {esc(when)}: {esc(title)}")
        rows.append([(meeting_label(writer, meeting.participants, when),
                      OpenMeeting(meeting.id))])
    lines += ["", esc(catalog.t("meetings.tap"))]
    await send_html(context.bot, message.chat_id, "\n".join(lines), keyboard=keyboard(rows))


def meeting_label(writer: Writer, participants: Sequence[str], when: str) -> str:
    """A meeting's button: the people, then the date ("Tokayev and Schmid — 7 June 2023").

    Full names when they fit on the button, else surnames, else surnames cut short: the
    date is always shown whole.
    """
    suffix = f" — {when}"
    for people in (writer.people(participants),
                   writer.join([writer.surname(p) for p in participants])):
        if len(people) + len(suffix) <= BUTTON_LABEL_LIMIT:
            return people + suffix
    return shorten(people, max(BUTTON_LABEL_LIMIT - len(suffix), 10)) + suffix


async def people(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the people in the sources, with their roles and citations."""
    message = update.effective_message
    if message is None:
        return
    state = state_of(context)
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
    state = state_of(context)
    catalog = catalog_for(state, update.effective_user)
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
        state = state_of(context)
        usage = message_in(state, user_language(state, update.effective_user), "ask_usage",
                           ASK_USAGE)
        await send_html(context.bot, message.chat_id, esc(usage),
                        reply_to=reply_in_groups(message))
        return
    await answer_question(context, message.chat, update.effective_user, question,
                          asked=message, quote=is_group(message.chat),
                          edited=update.edited_message is not None)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help when a command meant for this bot is not one it has."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if is_group(message.chat):
        command = message.text.split(maxsplit=1)[0]
        username = context.bot.username or ""
        if not command.lower().endswith(f"@{username.lower()}"):
            return  # addressed to every bot in the group, or to another one: stay quiet
    elif message.chat.type != ChatType.PRIVATE:
        return
    state = state_of(context)
    text = message_in(state, user_language(state, update.effective_user), "unknown_command",
                      UNKNOWN_COMMAND)
    await send_html(context.bot, message.chat_id, esc(text), reply_to=reply_in_groups(message))
