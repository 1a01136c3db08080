"""Buttons: what each one does when pressed, and the keyboards under the bot's messages.

A button carries one of the small objects below as its callback data
(python-telegram-bot's ``arbitrary_callback_data``: Telegram only ever sees a 64-character
key, whatever the object holds). A press whose key the bot no longer has arrives as
:class:`telegram.ext.InvalidCallbackData` and gets a polite "that button has expired".
:func:`press_to_json` and :func:`press_from_json` write them as JSON and read them back, so
that the buttons of messages sent before a restart still work after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from meetbot.domain.answer import Answer, Citation

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
    """An answer as sent, kept so its "Show the quote" button can re-render it: its text,
    citations and language, and the other buttons under it."""

    text: str
    citations: tuple[Citation, ...]
    lang: str
    buttons: tuple[tuple[str, Ask], ...]
    """The other buttons under the answer: (label, what pressing it does)."""
    in_place: bool
    """True when the quoted version fits in the one message and can replace it."""

    @classmethod
    def of(cls, answer: Answer, buttons: tuple[tuple[str, Ask], ...],
           in_place: bool) -> ShownAnswer:
        """What of ``answer`` is needed to render it again."""
        return cls(answer.text, answer.citations, answer.lang, buttons, in_place)

    def as_answer(self) -> Answer:
        """An :class:`Answer` to render (with what the renderer reads)."""
        return Answer(question="", answered=True, text=self.text, intent=None, confidence=1.0,
                      citations=self.citations, lang=self.lang)


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
    if shown.citations:
        rows.append([(toggle_label, ToggleQuotes(shown, quotes=not quotes))])
    rows.extend([button] for button in shown.buttons)
    return keyboard(rows)


# -- as JSON -----------------------------------------------------------------------------------

CITATION_FIELDS: Final = tuple(f.name for f in fields(Citation))


def press_to_json(press: object) -> dict[str, Any] | None:
    """``press`` as a JSON object; None for anything that is not a :data:`Press`."""
    match press:
        case Ask(question):
            return {"ask": question}
        case OpenMeeting(meeting):
            return {"meeting": meeting}
        case ChooseLanguage(code):
            return {"lang": code}
        case ToggleQuotes(shown, quotes):
            return {"quotes": quotes, "text": shown.text, "lang": shown.lang,
                    "citations": [c.as_dict() for c in shown.citations],
                    "buttons": [[text, ask.question] for text, ask in shown.buttons],
                    "in_place": shown.in_place}
    return None


def press_from_json(data: object) -> Press | None:
    """The :data:`Press` :func:`press_to_json` wrote, or None when ``data`` is not one."""
    if not isinstance(data, dict):
        return None
    if len(data) == 1:
        ((kind, value),) = data.items()
        if not isinstance(value, str):
            return None
        if kind == "ask":
            return Ask(value)
        if kind == "meeting":
            return OpenMeeting(value)
        return ChooseLanguage(value) if kind == "lang" else None
    return _toggle_from_json(data)


def _toggle_from_json(data: dict[Any, Any]) -> ToggleQuotes | None:
    text, lang, cited, buttons = (data.get(k) for k in ("text", "lang", "citations", "buttons"))
    quotes, in_place = data.get("quotes"), data.get("in_place")
    if not (isinstance(text, str) and isinstance(lang, str) and isinstance(quotes, bool)
            and isinstance(in_place, bool) and isinstance(cited, list)
            and isinstance(buttons, list)):
        return None
    citations: list[Citation] = []
    for item in cited:
        if not (isinstance(item, dict) and set(item) == set(CITATION_FIELDS)
                and all(isinstance(v, str) for v in item.values())):
            return None
        citations.append(Citation(**item))
    asks: list[tuple[str, Ask]] = []
    for item in buttons:
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(v, str) for v in item)):
            return None
        asks.append((item[0], Ask(item[1])))
    shown = ShownAnswer(text, tuple(citations), lang, tuple(asks), in_place)
    return ToggleQuotes(shown, quotes)
