"""What users set survives a restart, and a state file is read only when it can be trusted.

Same harness as ``test_telegram_handlers``: real updates through ``process_update``, a fake
Bot API that records the calls. A restart is the application shut down (which saves its
state) and a new one built on the same state directory.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from meetbot.frontends.telegram.persistence import state_file_name
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge
from test_telegram_handlers import (
    TOKEN,
    USER_ID,
    Harness,
    button_data,
    command,
    feed,
    make_harness,
    message,
    press,
)


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(default_knowledge_dir())


async def started(live: LiveKnowledge, state: Path, **overrides: Any) -> Harness:
    return await make_harness(live, state_dir=state, **overrides)


async def say(bot: Harness, text: str, **kwargs: Any) -> dict[str, Any]:
    bot.api.clear()
    await feed(bot.app, command(text, **kwargs) if text.startswith("/") else message(text))
    return bot.reply()


def state_file(state: Path) -> Path:
    return state / state_file_name(TOKEN)


async def test_language_conversation_and_buttons_survive_a_restart(
        live: LiveKnowledge, tmp_path: Path) -> None:
    state = tmp_path / "state"
    before = await started(live, state)
    try:
        assert (await say(before, "/lang ru"))["text"] == "Готово. Язык ответов: Русский."
        answer = await say(before, "when did tokaev meet shmid")
        assert "7 June 2023" in answer["text"]
    finally:
        await before.app.shutdown()

    after = await started(live, state)
    try:
        assert "Команды" in (await say(after, "/help"))["text"]  # /lang kept
        after.api.clear()
        await press(after.app, {"chat_id": USER_ID, "message_id": 900},
                    button_data(answer, "Show the quote"))  # a button sent before
        [edit] = after.api.sent("editMessageText")
        assert "<blockquote>June 7, 2023</blockquote>" in edit["text"]
        follow_up = await say(after, "what did they discuss?")  # the conversation kept
        assert "cooperation" in follow_up["text"] and "Helga Schmid" in follow_up["text"]
    finally:
        await after.app.shutdown()


async def test_the_state_is_saved_as_json_in_a_private_folder(
        live: LiveKnowledge, tmp_path: Path) -> None:
    state = tmp_path / "state"
    bot = await started(live, state)
    try:
        await say(bot, "/lang ru")
        await say(bot, "who heads ODIHR?")
    finally:
        await bot.app.shutdown()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE(state_file(state).stat().st_mode) == 0o600
    saved = json.loads(state_file(state).read_text(encoding="utf-8"))
    assert saved["users"] == {str(USER_ID): {"lang": "ru"}}
    assert saved["chats"][str(USER_ID)]["talks"]["0"][0]["people"] == ["telalian"]
    assert TOKEN not in state_file(state).read_text(encoding="utf-8")


async def test_a_conversation_saved_before_a_restart_expires_when_it_would_have(
        live: LiveKnowledge, tmp_path: Path) -> None:
    now = [1_000_000.0]
    state = tmp_path / "state"

    async def follow_up_after(seconds: float) -> str:
        now[0] += seconds
        bot = await started(live, state, clock=lambda: now[0], context_ttl=60.0)
        try:
            text: str = (await say(bot, "what did they discuss?"))["text"]
            return text
        finally:
            await bot.app.shutdown()

    bot = await started(live, state, clock=lambda: now[0], context_ttl=60.0)
    try:
        await say(bot, "when did tokaev meet shmid")
    finally:
        await bot.app.shutdown()
    assert "cooperation" in await follow_up_after(59)  # restarted within the minute
    assert "cooperation" not in await follow_up_after(61)  # a minute after that follow-up


async def test_a_corrupt_state_file_is_logged_and_replaced(
        live: LiveKnowledge, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    state_file(state).write_text('{"format": "meetbot telegram state 1", "users": {', "utf-8")
    state_file(state).chmod(0o600)
    caplog.set_level(logging.WARNING)
    bot = await started(live, state)
    try:
        assert "Maria Telalian" in (await say(bot, "who heads ODIHR?"))["text"]
        await say(bot, "/lang ru")
    finally:
        await bot.app.shutdown()
    [warning] = [r for r in caplog.records if "state file" in r.getMessage()]
    assert str(state_file(state)) in warning.getMessage()
    assert "not JSON" in warning.getMessage() and "starting afresh" in warning.getMessage()
    assert json.loads(state_file(state).read_text("utf-8"))["users"] == {
        str(USER_ID): {"lang": "ru"}}


def _planted(state: Path) -> None:
    """A state file giving the user Russian, as someone else might have written it."""
    state.mkdir(mode=0o700, exist_ok=True)
    state_file(state).write_text(json.dumps({
        "format": "meetbot telegram state 1", "users": {str(USER_ID): {"lang": "ru"}},
        "chats": {}, "keyboards": []}), "utf-8")


async def test_a_state_file_others_could_write_is_not_read(
        live: LiveKnowledge, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    _planted(state)
    state_file(state).chmod(0o666)
    caplog.set_level(logging.WARNING)
    bot = await started(live, state)
    try:
        assert "Answer language: English." in (await say(bot, "/lang"))["text"]
    finally:
        await bot.app.shutdown()
    assert any("lets others change it" in r.getMessage() for r in caplog.records)
    _planted(state)  # the same file, private: it is read
    state_file(state).chmod(0o600)
    bot = await started(live, state)
    try:
        assert "Язык ответов: Русский." in (await say(bot, "/lang"))["text"]
    finally:
        await bot.app.shutdown()


async def test_a_state_folder_others_could_write_keeps_the_state_in_memory(
        live: LiveKnowledge, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    _planted(state)
    state_file(state).chmod(0o600)
    state.chmod(0o777)
    caplog.set_level(logging.WARNING)
    bot = await started(live, state)
    try:
        assert "Answer language: English." in (await say(bot, "/lang"))["text"]
        await say(bot, "/lang en")  # answered, and nothing written there
    finally:
        await bot.app.shutdown()
    assert any("not keeping the bot's state" in r.getMessage() for r in caplog.records)
    assert json.loads(state_file(state).read_text("utf-8"))["users"] == {
        str(USER_ID): {"lang": "ru"}}


async def test_a_fifo_as_the_state_file_is_refused_without_waiting(
        live: LiveKnowledge, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.mkfifo(state_file(state), 0o600)
    caplog.set_level(logging.WARNING)
    bot = await started(live, state)
    try:
        assert "Maria Telalian" in (await say(bot, "who heads ODIHR?"))["text"]
    finally:
        await bot.app.shutdown()
    assert any("not a regular file" in r.getMessage() for r in caplog.records)
    assert json.loads(state_file(state).read_text("utf-8"))["format"]  # replaced by a file
