"""Fast tests of what users see in replies: inline results, buttons and lists, edited and
captioned questions, long quotes and long messages, and the token kept out of everything.

Same harness as ``test_telegram_handlers``: real updates through ``process_update``, a fake
Bot API that records the calls.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from meetbot.frontends.telegram.replies import send_html
from meetbot.render import TELEGRAM_LIMIT, utf16_len
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge
from test_telegram_handlers import (
    USER_ID,
    Harness,
    assert_safe_html,
    button_data,
    feed,
    make_harness,
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






# -- buttons and lists -------------------------------------------------------------------------




async def test_meeting_lists_have_a_space_before_the_dash(bot: Harness) -> None:
    for question in ("list the meetings", "Перечисли встречи"):
        sent = await bot.say(question)
        assert "Helga Schmid — Astana" in sent["text"] or "Шмид — Междунар" in sent["text"]
        assert not re.search(r"\w—", sent["text"]), sent["text"]


# -- the token ---------------------------------------------------------------------------------






# -- the webhook -------------------------------------------------------------------------------






# -- messages people send ----------------------------------------------------------------------






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
