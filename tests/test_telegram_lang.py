"""Fast tests of the answer language in Telegram: /lang, and every reply in the user's language.

Same harness as ``test_telegram_handlers``: real updates through ``process_update``, a fake
Bot API that records the calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kbfactory import write_small_kb
from meetbot.errors import Problem
from meetbot.frontends.telegram.admin import notify_admins
from meetbot.frontends.telegram.app import post_init, post_shutdown
from meetbot.frontends.telegram.keyboards import ChooseLanguage, keyboard
from meetbot.frontends.telegram.replies import send_html
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge
from test_telegram_handlers import (
    ADMIN_ID,
    JSON,
    USER_ID,
    Harness,
    assert_safe_html,
    buttons,
    command,
    feed,
    make_harness,
    message,
    press,
)

QUOTE_ONLY = "“a unique platform for dialogue”"
"""A pasted English quotation: by the engine's detection, its language does not tell."""


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(default_knowledge_dir())


@pytest.fixture
async def bot(live: LiveKnowledge) -> AsyncIterator[Harness]:
    harness = await make_harness(live)
    try:
        yield harness
    finally:
        await harness.app.shutdown()


def speaking(payload: JSON, language_code: str | None) -> JSON:
    """``payload`` sent by a user whose Telegram app is in ``language_code``."""
    if language_code is not None:
        payload["from"]["language_code"] = language_code
    return payload


async def send(bot: Harness, text: str, language_code: str | None = None,
               **kwargs: Any) -> JSON:
    """Send ``text`` (a command when it starts with "/"); return the one reply."""
    bot.api.clear()
    payload = command(text, **kwargs) if text.startswith("/") else message(text, **kwargs)
    await feed(bot.app, speaking(payload, language_code))
    reply = bot.reply()
    assert_safe_html(reply["text"])
    return reply


def labels(params: JSON) -> list[str]:
    return [label for label, _ in buttons(params)]


# -- /lang -------------------------------------------------------------------------------------


async def test_lang_alone_shows_the_language_and_a_button_per_catalogue(bot: Harness) -> None:
    reply = await send(bot, "/lang")
    assert "Answer language: English." in reply["text"]
    assert labels(reply) == ["✓ English", "Қазақша", "Русский"]
    assert len({data for _, data in buttons(reply)}) == 3
    reply = await send(bot, "/lang", "ru")
    assert "Язык ответов: Русский." in reply["text"]
    assert labels(reply) == ["English", "Қазақша", "✓ Русский"]


async def test_lang_code_becomes_the_default_for_questions_that_do_not_tell(
        bot: Harness) -> None:
    before = await send(bot, QUOTE_ONLY, "ru")
    assert "Хельга Шмид" in before["text"]  # the Telegram app's language
    done = await send(bot, "/lang en", "ru")
    assert done["text"] == "Done. Answer language: English."
    after = await send(bot, QUOTE_ONLY, "ru")
    assert "That was Helga Schmid" in after["text"] and "Sources" in after["text"]
    own = await send(bot, "Кто возглавляет БДИПЧ?", "ru")
    assert "Телалян" in own["text"]  # clearly Russian: still answered in Russian
    start = await send(bot, "/start", "ru")
    assert "I know 5 meetings" in start["text"]
    back = await send(bot, "/lang RU", "ru")
    assert back["text"] == "Готово. Язык ответов: Русский."
    assert "Хельга Шмид" in (await send(bot, QUOTE_ONLY, "en"))["text"]


async def test_language_button_switches_and_redraws_the_menu(bot: Harness) -> None:
    menu = await send(bot, "/lang")
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID, "message_id": 321},
                dict(buttons(menu))["Русский"])
    [toast] = bot.api.sent("answerCallbackQuery")
    assert toast["text"] == "Готово. Язык ответов: Русский."
    [edit] = bot.api.sent("editMessageText")
    assert edit["message_id"] == 321
    assert "Язык ответов: Русский." in edit["text"]
    assert labels(edit) == ["English", "Қазақша", "✓ Русский"] != labels(menu)
    assert "Команды" in (await send(bot, "/help"))["text"]


async def test_unknown_language_gets_the_list_of_available_ones(bot: Harness) -> None:
    reply = await send(bot, "/lang xx")
    assert reply["text"] == ("I don't have the language “xx”. "
                             "Available: en (English), kk (Қазақша), ru (Русский).")
    assert "Answer language: English." in (await send(bot, "/lang"))["text"]
    reply = await send(bot, "/lang klingon", "ru")
    assert reply["text"].startswith("Языка «klingon» у меня нет.")
    # a button for a catalogue removed since the menu was sent
    await send_html(bot.app.bot, USER_ID, "Languages:",
                    keyboard=keyboard([[("Zz", ChooseLanguage("zz"))]]))
    gone = dict(buttons(bot.api.sent()[-1]))["Zz"]
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, gone)
    [alert] = bot.api.sent("answerCallbackQuery")
    assert "expired" in alert["text"] and not bot.replies()


async def test_each_user_has_their_own_language(bot: Harness) -> None:
    await send(bot, "/lang ru", "en")
    assert "Здравствуйте" in (await send(bot, "/start", "en"))["text"]
    other = await send(bot, "/start", "en", user_id=USER_ID + 1)
    assert other["text"].startswith("<b>Hello!")


# -- every reply in the user's language ---------------------------------------------------------


async def test_russian_user_gets_russian_command_replies(bot: Harness) -> None:
    start = await send(bot, "/start", "ru")
    assert "Здравствуйте" in start["text"] and "5 встреч" in start["text"]
    assert "7 июня 2023 г." in start["text"] and "akorda.kz" in start["text"]
    assert "«Показать цитату»" in start["text"]
    examples = labels(start)
    assert len(examples) >= 3 and all(label.endswith("?") for label in examples)
    assert any("Хельга Шмид" in label for label in examples)  # curated translations
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, buttons(start)[0][1])
    assert "Источники" in bot.reply()["text"]

    help_text = (await send(bot, "/help", "ru"))["text"]
    assert "/lang — Выбрать язык ответов" in help_text and "/stats" not in help_text

    meetings = await send(bot, "/meetings", "ru")
    assert "Встречи, о которых я знаю (5)" in meetings["text"]
    assert ("7 июня 2023 г.: Президент Токаев встретился с Генеральным секретарём ОБСЕ Хельгой "
            "Шмид") in meetings["text"]
    assert labels(meetings)[0] == "Касым-Жомарт Токаев и Хельга Шмид — 7 июня 2023 г."

    sources = (await send(bot, "/sources", "ru"))["text"]
    assert "Мои ответы основаны на 2 опубликованных документах" in sources
    assert "6 декабря 2025 г." in sources and '<a href="https://www.kt.kz/' in sources

    people = (await send(bot, "/people", "ru"))["text"]
    assert "Хельга Шмид" in people and "Мария Телалян" in people

    assert "после команды" in (await send(bot, "/ask", "ru"))["text"]
    assert "не знаю такой команды" in (await send(bot, "/frobnicate", "ru"))["text"]
    too_long = await send(bot, "Когда встречались Токаев и Шмид? " + "ну " * 2000, "ru")
    assert "слишком длинное" in too_long["text"]


async def test_admin_replies_and_notices_are_in_the_admins_language(bot: Harness) -> None:
    stats = await send(bot, "/stats", "ru", user_id=ADMIN_ID)
    assert "Ответов: 0" in stats["text"] and "пока нет" in stats["text"]
    reload = await send(bot, "/reload", "ru", user_id=ADMIN_ID)
    assert reload["text"].startswith("ОК: база знаний перезагружена")
    await send(bot, "/lang ru", user_id=ADMIN_ID)
    bot.api.clear()
    problems = [Problem("people.yaml", n, "YAML error: something") for n in range(1, 13)]
    await notify_admins(bot.app, problems)
    [notice] = bot.replies()
    assert notice["chat_id"] == ADMIN_ID
    assert "Правка базы знаний отклонена" in notice["text"]
    assert "… и ещё 2: запустите <code>meetbot check</code>" in notice["text"]
    assert_safe_html(notice["text"])


async def test_command_menu_is_set_in_each_catalogue_language(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    write_small_kb(directory)
    harness = await make_harness(LiveKnowledge(directory))
    try:
        await post_init(harness.app)
        menus = {params.get("language_code", ""): params
                 for params in harness.api.sent("setMyCommands") if "scope" not in params}
    finally:
        await post_shutdown(harness.app)
        await harness.app.shutdown()
    assert set(menus) == {"", "kk", "ru"}
    english = {c["command"]: c["description"] for c in menus[""]["commands"]}
    russian = {c["command"]: c["description"] for c in menus["ru"]["commands"]}
    assert list(english) == list(russian) and "lang" in english
    assert english["lang"] == "Choose the answer language"
    assert russian["lang"] == "Выбрать язык ответов"


async def test_a_curators_catalogue_gets_a_button_and_a_menu(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    write_small_kb(directory)
    (directory / "messages").mkdir()
    (directory / "messages" / "sr.yaml").write_text(
        'language: sr\nname: "Српски"\nmessages:\n'
        '  lang.set: "Готово. Језик одговора: {name}."\n'
        '  command.lang: "Изабери језик одговора"\n', encoding="utf-8")
    harness = await make_harness(LiveKnowledge(directory))
    try:
        menu = await send(harness, "/lang")
        assert labels(menu) == ["✓ English", "Қазақша", "Русский", "Српски"]  # by code
        assert (await send(harness, "/lang sr"))["text"] == "Готово. Језик одговора: Српски."
        assert "Answer language: Српски." in (await send(harness, "/lang"))["text"]
        harness.api.clear()
        await post_init(harness.app)
        serbian = [p for p in harness.api.sent("setMyCommands")
                   if p.get("language_code") == "sr" and "scope" not in p]
        [only] = serbian
        assert {"command": "lang", "description": "Изабери језик одговора"} in only["commands"]
    finally:
        await post_shutdown(harness.app)
        await harness.app.shutdown()
