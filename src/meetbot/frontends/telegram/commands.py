"""The commands everyone has: /start /help /ask /meetings /people /sources /lang /why."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Final

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from meetbot.answers.explain import Explanation, explain
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
    Asked,
    answer_question,
    esc,
    find_language,
    is_group,
    languages,
    message_in,
    reply_in_groups,
    send_answer,
    text_in,
    with_message,
)
from meetbot.frontends.telegram.state import BotState, chat_key
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
    ("why", "How I understood your last question"),
)
"""The command menu: names and English descriptions (catalogue keys ``command.<name>``)."""
NOTHING_ASKED: Final = ("You have not asked me anything yet. Ask a question, then send /why "
                        "to see how I understood it.")
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


@with_message
async def start(asked: Asked) -> None:
    """Say what the bot knows and offer example questions as buttons."""
    state, lang = asked.state, asked.lang
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
    await asked.reply("\n".join(lines), keyboard=examples_keyboard(state, lang))


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


@with_message
async def help_command(asked: Asked) -> None:
    """Explain how to ask and list the commands."""
    state, lang = asked.state, asked.lang
    text = help_text(state, is_admin(asked.update, state), asked.context.bot.username or "bot",
                     lang)
    await asked.reply(text, keyboard=examples_keyboard(state, lang))


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


@with_message
async def lang_command(asked: Asked) -> None:
    """Show the answer language with a button per language, or switch to the one named."""
    user = asked.user
    if user is None:
        return
    state = asked.state
    reply_to = reply_in_groups(asked.message)
    wanted = " ".join(asked.context.args or [])
    if not wanted:
        text, menu = language_menu(state, asked.lang)
        await asked.reply(text, reply_to=reply_to, keyboard=menu)
        return
    code = find_language(state, wanted)
    if code is None:
        available = ", ".join(f"{c.language} ({c.name})" for c in languages(state))
        text = text_in(state, asked.lang, "lang.unknown", code=label(wanted)[:20],
                       available=available)
        await asked.reply(esc(text), reply_to=reply_to)
        return
    state.languages[user.id] = code
    text = text_in(state, code, "lang.set", name=state.engine.catalog(code).name)
    await asked.reply(esc(text), reply_to=reply_to)


@with_message
async def meetings(asked: Asked) -> None:
    """List the meetings, each a button that opens its summary."""
    state, catalog = asked.state, asked.catalog
    items = sorted(state.engine.kb.meetings.values(), key=lambda m: (m.date, m.title))
    if not items:
        await asked.reply(esc(catalog.t("meetings.none")))
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
    await asked.reply("\n".join(lines), keyboard=keyboard(rows))


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


@with_message
async def people(asked: Asked) -> None:
    """List the people in the sources, with their roles and citations."""
    state, lang = asked.state, asked.lang
    intent = state.engine.kb.intents.get("list_people")
    answer = state.engine.ask(intent.suggestion, lang=lang) if intent else None
    if answer is not None and answer.kind == "answer":
        await send_answer(asked.context.bot, state, asked.message.chat_id, answer)
        return
    names = sorted(translated(p.name, p.translations, lang)
                   for p in state.engine.kb.people.values())
    text = (f"<b>{esc(text_in(state, lang, 'people.title'))}</b>\n"
            + "\n".join(f"• {esc(n)}" for n in names))
    await asked.reply(text)


@with_message
async def sources(asked: Asked) -> None:
    """List the documents the answers come from, with publisher, date and link."""
    catalog = asked.catalog
    docs = sorted(asked.state.engine.kb.sources.values(), key=lambda d: d.meta.published)
    lines = [f"<b>{esc(catalog.t('sources.title', count=len(docs)))}</b>", ""]
    for number, doc in enumerate(docs, start=1):
        meta = doc.meta
        lines.append(f'{number}. <a href="{html.escape(meta.url, quote=True)}">'
                     f"{esc(meta.title)}</a>\n   {esc(meta.publisher)}, "
                     f"{esc(catalog.date(meta.published))}")
    await asked.reply("\n".join(lines))


@with_message
async def ask(asked: Asked) -> None:
    """Answer the question after /ask (the way to ask in groups)."""
    message = asked.message
    if message.text is None:
        return
    parts = message.text.split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    if not question and message.reply_to_message and message.reply_to_message.text:
        question = message.reply_to_message.text
    if not question:
        usage = message_in(asked.state, asked.lang, "ask_usage", ASK_USAGE)
        await asked.reply(esc(usage), reply_to=reply_in_groups(message))
        return
    await answer_question(asked.context, message.chat, asked.user, question,
                          asked=message, quote=is_group(message.chat),
                          edited=asked.update.edited_message is not None)


def explanation_html(state: BotState, explanation: Explanation) -> str:
    """``explanation`` as Telegram HTML: the decision, then each stage under its name (in
    English, like the console's and the command line's); the bot's secrets redacted."""
    redact = state.redactor.redact
    blocks = [f"<b>{esc(redact(explanation.question))}</b>\n"
              f"decision: {esc(explanation.choice)} ({esc(explanation.intent or 'no intent')})"]
    blocks += [f"<b>{esc(stage.name)}</b>\n" + esc(redact("\n".join(stage.lines)))
               for stage in explanation.stages]
    return "\n\n".join(blocks)


@with_message
async def why(asked: Asked) -> None:
    """Explain, stage by stage, how the last question of this conversation was understood
    (the member's own, in a group), in the context it was asked in."""
    state, message = asked.state, asked.message
    user = asked.user
    last = state.questions.get(chat_key(message.chat, user.id if user else None))
    reply_to = reply_in_groups(message)
    if last is None:
        text = message_in(state, asked.lang, "why_nothing_asked", NOTHING_ASKED)
        await asked.reply(esc(text), reply_to=reply_to)
        return
    explanation = explain(state.engine, last.question, last.context,
                          default_lang=last.default_lang)
    await asked.reply(explanation_html(state, explanation), reply_to=reply_to)


@with_message
async def unknown_command(asked: Asked) -> None:
    """Point to /help when a command meant for this bot is not one it has."""
    message = asked.message
    if message.text is None:
        return
    if is_group(message.chat):
        command = message.text.split(maxsplit=1)[0]
        username = asked.context.bot.username or ""
        if not command.lower().endswith(f"@{username.lower()}"):
            return  # addressed to every bot in the group, or to another one: stay quiet
    elif message.chat.type != ChatType.PRIVATE:
        return
    text = message_in(asked.state, asked.lang, "unknown_command", UNKNOWN_COMMAND)
    await asked.reply(esc(text), reply_to=reply_in_groups(message))
