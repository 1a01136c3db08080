"""Buttons: what each one does when pressed, and the keyboards under the bot's messages.

A button carries one of the small objects below as its callback data
(python-telegram-bot's ``arbitrary_callback_data``: Telegram only ever sees a 64-character
key, whatever the object holds). A press whose key the bot no longer has arrives as
:class:`telegram.ext.InvalidCallbackData` and gets a polite "that button has expired".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from meetbot.domain.answer import Answer

BUTTON_LABEL_LIMIT: Final = 60


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask ``question``, as if the user had typed it."""

    question: str


@dataclass(frozen=True, slots=True)
class OpenMeeting:
    """Send the summary of the meeting ``meeting``."""

    meeting: str


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """Switch the user who presses it to the catalogue language ``code``."""

    code: str


@dataclass(frozen=True, slots=True)
class ShownAnswer:
    """An answer as sent, kept so its "Show the quote" button can re-render it."""

    answer: Answer
    buttons: tuple[tuple[str, Ask], ...]
    """The other buttons under the answer: (label, what pressing it does)."""
    in_place: bool
    """True when the quoted version fits in the one message and can replace it."""


@dataclass(frozen=True, slots=True)
class ToggleQuotes:
    """Show (``quotes``) or hide the quotes of a shown answer."""

    shown: ShownAnswer
    quotes: bool


Press = Ask | OpenMeeting | ChooseLanguage | ToggleQuotes
"""Everything a button of this bot can do."""
Row = Sequence[tuple[str, Press]]


def label(text: str) -> str:
    """``text`` on one line, cut to fit on a button."""
    text = " ".join(text.split())
    return text if len(text) <= BUTTON_LABEL_LIMIT else text[:BUTTON_LABEL_LIMIT - 1] + "…"


def ask_button(question: str) -> tuple[str, Ask]:
    """A (label, press) pair that asks ``question`` when pressed."""
    return label(question), Ask(question)


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup | None:
    """An inline keyboard of ``rows`` of (label, press); None when there are no buttons."""
    buttons = [[InlineKeyboardButton(text, callback_data=press) for text, press in row]
               for row in rows if row]
    return InlineKeyboardMarkup(buttons) if buttons else None


def answer_keyboard(shown: ShownAnswer, quotes: bool, toggle_label: str
                    ) -> InlineKeyboardMarkup | None:
    """The buttons under an answer: show (or hide) the quotes, then the questions offered."""
    rows: list[list[tuple[str, Press]]] = []
    if shown.answer.citations:
        rows.append([(toggle_label, ToggleQuotes(shown, quotes=not quotes))])
    rows.extend([button] for button in shown.buttons)
    return keyboard(rows)
