"""What the admins (``MEETBOT_ADMIN_IDS``) get: /stats, /reload, and notices of broken edits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from meetbot.errors import Problem
from meetbot.frontends.telegram.commands import help_command, is_admin
from meetbot.frontends.telegram.replies import Asked, esc, send_html, with_message
from meetbot.frontends.telegram.state import STATE_KEY, BotState
from meetbot.lang.catalog import DEFAULT_LANGUAGE

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def from_admin(asked: Asked) -> bool:
    """Whether an admin sent the command; anyone else gets the ordinary help."""
    if is_admin(asked.update, asked.state):
        return True
    await help_command(asked.update, asked.context)
    return False


@with_message
async def stats(asked: Asked) -> None:
    """Show the question statistics to an admin (others get the help)."""
    if not await from_admin(asked):
        return
    state = asked.state
    s = state.stats
    catalog = asked.catalog
    counts = (("stats.answered", s.answered), ("stats.declined", s.declined),
              ("stats.clarified", s.clarified), ("stats.invalid", s.invalid),
              ("stats.conversations", len(state.conversations)))
    lines = [f"<b>{esc(catalog.t('stats.title'))}</b>",
             *(esc(catalog.t(key, count=count)) for key, count in counts), "",
             f"<b>{esc(catalog.t('stats.misses'))}</b>"]
    top = s.misses.most_common(10)
    lines += ([f"{count}× {esc(question)}" for question, count in top]
              or [esc(catalog.t("stats.no_misses"))])
    await asked.reply("\n".join(lines))


@with_message
async def reload(asked: Asked) -> None:
    """Reload the knowledge base for an admin and report OK or the problems."""
    if not await from_admin(asked):
        return
    state = asked.state
    problems = state.settings.live.reload(force=True)
    # The admin reads the outcome here: no separate notice about this same state.
    state.reported = problem_lines(state, problems) if problems else None
    kb = state.engine.kb
    catalog = asked.catalog  # in the reloaded knowledge base's catalogues
    if problems:
        text = (f"<b>{esc(catalog.t('reload.failed'))}</b>\n"
                + "\n".join(esc(line) for line in problem_lines(state, problems)))
    else:
        text = esc(catalog.t("reload.ok", meetings=len(kb.meetings), people=len(kb.people),
                             sources=len(kb.sources)))
    await asked.reply(text)


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
