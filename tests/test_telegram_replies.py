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

from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge
from test_telegram_handlers import (
    Harness,
    feed,
    make_harness,
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








