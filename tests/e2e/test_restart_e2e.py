"""A restart (or a redeploy) forgets nobody, end to end through the Bot API emulator.

The real Application polls the emulator in a background thread with a state directory; it
is stopped (which saves its state) and a new one, built afresh on the same directory and
token, carries on with the same user.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from meetbot.frontends.telegram.app import build_application
from meetbot.frontends.telegram.settings import Settings
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge

from .client import TelegramUser
from .conftest import Emulator
from .ptb_thread import BotThread

pytestmark = pytest.mark.e2e


def started(emulator: Emulator, token: str, live: LiveKnowledge, state: Path) -> BotThread:
    settings = Settings(token=token, live=live, base_url=emulator.url, state_dir=state)
    return BotThread(build_application(settings), poll_timeout=1).start()


def test_a_restart_keeps_the_language_the_buttons_and_the_conversation(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser,
        tmp_path: Path) -> None:
    live = LiveKnowledge(default_knowledge_dir())
    state = tmp_path / "state"
    bot = started(emulator, bot_token, live, state)
    try:
        telegram_user.send_command("/lang ru")
        [done] = telegram_user.wait_for_bot_messages(1)
        assert done.text == "Готово. Язык ответов: Русский."
        telegram_user.send_text("when did tokaev meet shmid")
        [answer] = telegram_user.wait_for_bot_messages(1)
        assert "7 June 2023" in (answer.text or "")
    finally:
        bot.stop()

    bot = started(emulator, bot_token, live, state)
    try:
        telegram_user.send_command("/help")
        [help_text] = telegram_user.wait_for_bot_messages(1)
        assert "Команды" in (help_text.text or "")  # the /lang choice survived

        query_id = telegram_user.press_button(answer, answer.button_data("Show the quote"))
        telegram_user.wait_for_callback_answer(query_id)
        [edit] = telegram_user.wait_for_bot_edits(1)  # a button sent before the restart
        assert edit["message_id"] == answer.message_id
        assert "<blockquote>June 7, 2023</blockquote>" in edit["text"]

        telegram_user.send_text("what did they discuss?")
        [follow_up] = telegram_user.wait_for_bot_messages(1)  # the conversation survived
        assert "cooperation" in (follow_up.text or "")
        assert "Helga Schmid" in (follow_up.text or "")
    finally:
        bot.stop()
