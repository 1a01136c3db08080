"""A Russian-speaking user's conversation with meetbot, end to end through the emulator.

The real Application polls the Bot API emulator in a background thread (as in
``test_bot_e2e``); the user's Telegram app is set to Russian (``language_code: ru``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from meetbot.frontends.telegram.app import build_application, post_init, post_shutdown
from meetbot.frontends.telegram.commands import COMMANDS
from meetbot.frontends.telegram.settings import Settings
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge

from .client import BotMessage, TelegramUser
from .conftest import Emulator
from .ptb_thread import AnyApplication, BotThread

pytestmark = pytest.mark.e2e

AKORDA = 'href="https://akorda.kz/'
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
QUOTE_ONLY = "“a unique platform for dialogue”"
"""A pasted English quotation: by the engine's detection, its language does not tell."""


@pytest.fixture
def bot(emulator: Emulator, bot_token: str) -> Iterator[BotThread]:
    """The real meetbot Application polling the emulator, with post_init run as in production."""
    settings = Settings(token=bot_token, live=LiveKnowledge(default_knowledge_dir()),
                        base_url=emulator.url)
    app: AnyApplication = build_application(settings)
    with BotThread(app, poll_timeout=5) as running:
        running.call(post_init(app))
        try:
            yield running
        finally:
            running.call(post_shutdown(app))


@pytest.fixture
def russian_user(emulator: Emulator, bot_token: str) -> Iterator[TelegramUser]:
    user = TelegramUser(emulator.url, bot_token, language_code="ru", first_name="Айгерим",
                        last_name=None)
    try:
        yield user
    finally:
        user.close()


def _labels(message: BotMessage) -> list[str]:
    return [str(button.get("text", "")) for button in message.buttons()]


def test_russian_conversation(bot: BotThread, russian_user: TelegramUser) -> None:
    user = russian_user
    menu = user.my_commands(language_code="ru")
    assert [c["command"] for c in menu] == [name for name, _ in COMMANDS]
    assert {"command": "lang", "description": "Выбрать язык ответов"} in menu

    user.send_command("/start")
    [start] = user.wait_for_bot_messages(1)
    text = start.text or ""
    assert "Здравствуйте" in text and "5 встреч" in text and "7 июня 2023 г." in text
    examples = _labels(start)
    assert len(examples) >= 3
    assert all(CYRILLIC.search(label) and label.endswith("?") for label in examples)

    user.send_text("Когда Токаев встретился с Хельгой Шмид?")
    [answer] = user.wait_for_bot_messages(1)
    text = answer.text or ""
    assert "Касым-Жомарт Токаев и Хельга Шмид" in text
    assert re.search(r"датировано 7 июня 2023 г\. <a href=\"https://akorda\.kz/[^\"]+\">\[1\]</a>",
                     text)
    assert "<b>Источники</b>" in text and AKORDA in text
    assert "President Tokayev meets with OSCE Secretary General Helga Schmid" in text
    assert _labels(answer) == ["Показать цитату", "Что они обсуждали?"]

    user.send_text("О чём они говорили?")
    [follow_up] = user.wait_for_bot_messages(1)
    text = follow_up.text or ""
    assert "Хельга Шмид" in text and "сотрудничества Казахстана и ОБСЕ" in text
    assert AKORDA in text

    query = user.press_button(answer, answer.button_data("Показать цитату"))
    user.wait_for_callback_answer(query)
    [edit] = user.wait_for_bot_edits(1)
    assert edit["message_id"] == answer.message_id
    assert "<blockquote>June 7, 2023</blockquote>" in edit["text"]  # verbatim, in English
    assert "7 июня 2023 г." in edit["text"]
    [shown] = [m for m in user.bot_messages() if m.message_id == answer.message_id]
    assert "Скрыть цитату" in _labels(shown)

    user.send_text(QUOTE_ONLY)
    [russian] = user.wait_for_bot_messages(1)
    assert "Это слова: Хельга Шмид" in (russian.text or "")
    user.send_command("/lang en")
    [done] = user.wait_for_bot_messages(1)
    assert done.text == "Done. Answer language: English."
    user.send_text(QUOTE_ONLY)
    [english] = user.wait_for_bot_messages(1)
    assert "That was Helga Schmid" in (english.text or "")
    assert "<b>Sources</b>" in (english.text or "")

    user.send_text("Какая погода в Астане?")  # clearly Russian: declined in Russian
    [declined] = user.wait_for_bot_messages(1)
    text = declined.text or ""
    assert "Извините, это вне моей темы" in text and "/help" in text
    assert "<a href=" not in text
    user.assert_no_bot_messages(wait=0.2)
