"""Fast tests of what users see in replies: inline results, buttons and lists, edited and
captioned questions, long quotes and long messages, and the token kept out of everything.

Same harness as ``test_telegram_handlers``: real updates through ``process_update``, a fake
Bot API that records the calls.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest

from meetbot.answers.writer import Writer
from meetbot.errors import MeetbotError
from meetbot.frontends.telegram.app import allowed_updates
from meetbot.frontends.telegram.commands import meeting_label
from meetbot.frontends.telegram.replies import send_html
from meetbot.frontends.telegram.settings import Settings
from meetbot.render import TELEGRAM_LIMIT, utf16_len
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge
from test_telegram_handlers import (
    TOKEN,
    USER_ID,
    Harness,
    assert_safe_html,
    button_data,
    buttons,
    command,
    feed,
    make_harness,
    message,
    press,
    user,
)


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


async def inline(bot: Harness, text: str, language_code: str | None = None) -> dict[str, Any]:
    """Type ``@bot text``; return the answerInlineQuery call."""
    bot.api.clear()
    sender = user()
    if language_code:
        sender["language_code"] = language_code
    await feed(bot.app, {"id": "iq", "from": sender, "query": text, "offset": ""},
               "inline_query")
    [call] = bot.api.sent("answerInlineQuery")
    return call


# -- inline mode -------------------------------------------------------------------------------


async def test_inline_results_are_personal_and_their_title_leads_with_the_answer(
        bot: Harness) -> None:
    call = await inline(bot, "who heads ODIHR?")
    assert call["is_personal"] is True  # the results depend on the user's language
    [article] = call["results"]
    title = article["title"]
    assert title.startswith("Maria Telalian — ")
    assert title.endswith("…") and len(title) <= 80
    sentence = ("As of 6 December 2025, the Director of the OSCE Office for Democratic "
                "Institutions and Human Rights is Maria Telalian (the most recent source).")
    kept = title.removeprefix("Maria Telalian — ").removesuffix("…")
    assert sentence.startswith(kept) and sentence[len(kept)] == " ", "cut inside a word"
    assert "Kazakhstan Today" in article["description"]
    russian = await inline(bot, "Кто возглавляет БДИПЧ?", "ru")
    assert russian["is_personal"] is True
    assert russian["results"][0]["title"].startswith("Мария Телалян — ")


async def test_inline_query_the_bot_cannot_answer_offers_a_private_chat_instead(
        bot: Harness) -> None:
    for question in ("what is the weather in astana?", "hello", "x" * 600):
        call = await inline(bot, question)
        assert call["results"] == [], question  # nothing a user could post by mistake
        assert call["button"]["start_parameter"] == "inline"
        assert "private chat" in call["button"]["text"]
        assert call["is_personal"] is True


# -- buttons and lists -------------------------------------------------------------------------


async def test_meeting_buttons_lead_with_the_people_then_the_date(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command("/meetings"))
    labels = [label for label, _ in buttons(bot.reply())]
    assert labels[0] == "Kassym-Jomart Tokayev and Helga Schmid — 7 June 2023"
    assert "Yermek Kosherbayev and Feridun Sinirlioglu — 6 December 2025" in labels
    assert all(len(label) <= 60 and " — " in label for label in labels)
    assert len(set(labels)) == len(labels)
    writer = Writer(bot.state.engine.kb, bot.state.engine.catalog("en"))
    three = meeting_label(writer, ["kosherbayev", "sinirlioglu", "telalian"], "6 December 2025")
    assert three == "Kosherbayev, Sinirlioglu and Telalian — 6 December 2025"  # names too long


async def test_meeting_lists_have_a_space_before_the_dash(bot: Harness) -> None:
    for question in ("list the meetings", "Перечисли встречи"):
        sent = await bot.say(question)
        assert "Helga Schmid — Astana" in sent["text"] or "Шмид — Междунар" in sent["text"]
        assert not re.search(r"\w—", sent["text"]), sent["text"]


# -- the token ---------------------------------------------------------------------------------


async def test_the_token_in_any_letter_case_is_redacted_from_logs(
        live: LiveKnowledge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await make_harness(live)
    try:
        url = f"https://api.telegram.org/bot{TOKEN}/sendMessage".lower()  # as errors have it
        harness.api.fail("sendMessage", BadRequest(f"not found: {url}"))
        await feed(harness.app, message("when did tokaev meet shmid"))
        logging.getLogger("meetbot.test").warning("secret part: %s", TOKEN.split(":")[1].upper())
    finally:
        await harness.app.shutdown()
    text = caplog.text.lower()
    assert "[token]" in text
    assert TOKEN.split(":")[1].lower() not in text


async def test_a_pasted_token_is_not_echoed_back_in_the_reply(live: LiveKnowledge) -> None:
    token = "6183920457:AAHk3v9-QzT5wX2mN8_pL4rB6cD1eG7hJ0sUy"  # with a '-' and a '_'
    harness = await make_harness(live, token=token)
    try:
        for question in (f"is {token} your token?", f"who is {token.split(':')[1]}"):
            sent = await harness.say(question)
            text = sent["text"].lower()
            assert "[token]" in text
            for piece in re.split(r"[-_:]", token.lower()):
                assert piece == "6183920457" or piece not in text, piece
    finally:
        await harness.app.shutdown()


# -- the webhook -------------------------------------------------------------------------------


def test_the_webhook_secret_comes_from_the_environment_or_a_file(
        live: LiveKnowledge, tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "MEETBOT_WEBHOOK_SECRET": "from-the-env_1",
           "MEETBOT_STATE": "off"}
    assert Settings.from_env(live, environ=env).webhook_secret == "from-the-env_1"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file_2\n")
    assert Settings.from_env(live, secret_file=secret_file,
                             environ=env).webhook_secret == "from-a-file_2"
    assert Settings.from_env(live, secret="on-the-line", secret_file=secret_file,
                             environ=env).webhook_secret == "on-the-line"
    assert Settings.from_env(live, environ={"TELEGRAM_BOT_TOKEN": TOKEN}).webhook_secret is None
    secret_file.write_text("not allowed!")
    with pytest.raises(MeetbotError, match="letters, digits") as info:
        Settings.from_env(live, secret_file=secret_file, environ=env)
    assert "not allowed" not in str(info.value)


async def test_telegram_sends_only_the_updates_the_bot_handles(bot: Harness) -> None:
    assert allowed_updates(bot.app) == ["message", "edited_message", "inline_query",
                                        "callback_query"]


# -- messages people send ----------------------------------------------------------------------


async def test_an_edited_question_edits_the_earlier_answer(bot: Harness) -> None:
    asked = message("who heads ODIHR?")
    bot.api.clear()
    await feed(bot.app, asked)
    first = bot.api.messages[-1]
    assert "Maria Telalian" in first["text"]
    bot.api.clear()
    edited = {**asked, "text": "when did tokaev meet shmid", "edit_date": int(time.time())}
    await feed(bot.app, edited, "edited_message")
    assert not bot.replies()  # no second answer below the first
    [edit] = bot.api.sent("editMessageText")
    assert edit["message_id"] == first["message_id"] and edit["chat_id"] == USER_ID
    assert "7 June 2023" in edit["text"]
    assert_safe_html(edit["text"])
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID, "message_id": first["message_id"]},
                button_data(edit, "Show the quote"))
    assert "<blockquote>June 7, 2023</blockquote>" in bot.api.sent("editMessageText")[0]["text"]
    follow_up = await bot.say("what did they discuss?")
    assert "cooperation" in follow_up["text"]
    bot.api.clear()  # an answer Telegram will not let the bot edit: a new answer instead
    bot.api.fail("editMessageText", (400, "Bad Request: message to edit not found"))
    await feed(bot.app, {**edited, "text": "who heads ODIHR?"}, "edited_message")
    assert "Maria Telalian" in bot.reply()["text"]


async def test_a_photo_or_document_captioned_with_a_question_is_answered(bot: Harness) -> None:
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    document = {"file_id": "BQAD", "file_unique_id": "u2", "file_name": "notes.pdf"}
    for media in ({"photo": photo}, {"document": document}):
        bot.api.clear()
        await feed(bot.app, message(caption="who heads ODIHR?", **media))
        assert "Maria Telalian" in bot.reply()["text"]
    bot.api.clear()
    await feed(bot.app, message(photo=photo))  # no caption: still the kind reply
    assert "only answer text questions" in bot.reply()["text"]


async def test_a_long_set_of_quotes_is_collapsed_and_a_short_one_is_not(bot: Harness) -> None:
    short = await bot.say("when did tokaev meet shmid")
    long = await bot.say("whom did kosherbayev meet?")
    for sent, expandable in ((short, False), (long, True)):
        bot.api.clear()
        await press(bot.app, {"chat_id": USER_ID, "message_id": 900},
                    button_data(sent, "Show the quote"))
        shown = (bot.api.sent("editMessageText") or bot.replies())[-1]["text"]
        assert ("<blockquote expandable>" in shown) is expandable
        assert "<blockquote" in shown
        assert_safe_html(shown)


async def test_message_length_is_counted_in_utf16_code_units(bot: Harness) -> None:
    text = "🇰🇿 " * 1500  # 4,500 characters, 7,500 UTF-16 code units
    assert len(text) <= 2 * TELEGRAM_LIMIT
    await send_html(bot.app.bot, USER_ID, text)
    parts = [p["text"] for p in bot.replies()]
    assert len(parts) == 2
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(parts).split() == text.split()
