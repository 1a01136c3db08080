"""Fast tests of the Telegram handlers, in the style of python-telegram-bot's own suite.

Real :class:`telegram.Update` objects go through ``application.process_update`` on an
Application whose bot talks to :class:`FakeBotApi`, a ``BaseRequest`` that records every
Bot API call and answers it with canned JSON; nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import logging
import re
import shutil
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from meetbot.answers.engine import Engine
from meetbot.domain.dialogue import Context
from meetbot.errors import TokenError
from meetbot.frontends.telegram.app import (
    AnyApplication,
    build_application,
    post_init,
    post_shutdown,
)
from meetbot.frontends.telegram.keyboards import ask_button, keyboard
from meetbot.frontends.telegram.replies import EXPIRED, send_html
from meetbot.frontends.telegram.security import QuietOutages, read_token
from meetbot.frontends.telegram.settings import Settings, parse_admin_ids
from meetbot.frontends.telegram.state import BotState
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge

TOKEN = "6183920457:AAHk3v9QzT5wX2mN8pL4rB6cD1eG7hJ0sUy"
BOT_ID = 6183920457
BOT_USERNAME = "meetbot_test_bot"
USER_ID = 424242
ADMIN_ID = 777001
GROUP_ID = -1001234567890
JSON = dict[str, Any]


def _bot_user() -> JSON:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Meetbot", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}


@dataclass
class FakeBotApi(BaseRequest):
    """A Bot API that never leaves the process: records calls, returns canned results."""

    calls: list[tuple[str, JSON]] = field(default_factory=list)
    messages: list[JSON] = field(default_factory=list)
    """Every Message the fake API returned (sent or edited), in order."""
    failures: dict[str, list[Exception | tuple[int, str]]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(500))

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def fail(self, method: str, error: Exception | tuple[int, str]) -> None:
        """Make the next call of ``method`` raise ``error`` or return (status, description)."""
        self.failures.setdefault(method, []).append(error)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None
                         ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params: JSON = dict(request_data.parameters) if request_data else {}
        self.calls.append((endpoint, params))
        pending = self.failures.get(endpoint)
        if pending:
            failure = pending.pop(0)
            if isinstance(failure, Exception):
                raise failure
            status, description = failure
            return status, json.dumps({"ok": False, "error_code": status,
                                       "description": description}).encode()
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, params)}).encode()

    def _result(self, endpoint: str, params: JSON) -> object:
        if endpoint == "getMe":
            return _bot_user()
        if endpoint in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            chat: JSON = ({"id": chat_id, "type": "private", "first_name": "Tess"} if chat_id > 0
                          else {"id": chat_id, "type": "supergroup", "title": "Group"})
            message: JSON = {"message_id": params.get("message_id") or next(self._ids),
                             "date": int(time.time()), "chat": chat, "from": _bot_user(),
                             "text": params["text"]}
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            self.messages.append(message)
            return message
        return True

    # -- reading back ----------------------------------------------------------------------
    def sent(self, method: str = "sendMessage") -> list[JSON]:
        return [params for name, params in self.calls if name == method]

    def clear(self) -> None:
        self.calls.clear()


def buttons(params: JSON) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", [])
            for b in row]


def button_data(params: JSON, label: str) -> str:
    for text, data in buttons(params):
        if text == label:
            return data
    raise AssertionError(f"no button {label!r} in {buttons(params)!r}")


ALLOWED_TAGS = {"b", "i", "a", "code", "blockquote"}


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.bad.append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(f"/{tag}")


def assert_safe_html(text: str) -> None:
    """Only Telegram's tags, balanced; no raw '<' that is not one of ours."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.bad and not checker.stack, (checker.bad, checker.stack, text)


# -- updates -----------------------------------------------------------------------------------

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user(user_id: int = USER_ID) -> JSON:
    return {"id": user_id, "is_bot": False, "first_name": "Tess", "username": f"u{user_id}"}


def chat(chat_type: str = "private", user_id: int = USER_ID) -> JSON:
    if chat_type == "private":
        return {"id": user_id, "type": "private", "first_name": "Tess"}
    return {"id": GROUP_ID, "type": chat_type, "title": "OSCE watchers"}


def message(text: str | None = None, *, chat_type: str = "private", user_id: int = USER_ID,
            entities: list[JSON] | None = None, reply_to: JSON | None = None,
            **extra: Any) -> JSON:
    data: JSON = {"message_id": next(_message_ids), "date": int(time.time()),
                  "chat": chat(chat_type, user_id), "from": user(user_id), **extra}
    if text is not None:
        data["text"] = text
    if entities:
        data["entities"] = entities
    if reply_to is not None:
        data["reply_to_message"] = reply_to
    return data


def command(text: str, **kwargs: Any) -> JSON:
    length = len(text.split(maxsplit=1)[0])
    return message(text, entities=[{"type": "bot_command", "offset": 0, "length": length}],
                   **kwargs)


async def feed(app: AnyApplication, payload: JSON, kind: str = "message") -> None:
    update = Update.de_json({"update_id": next(_update_ids), kind: payload}, app.bot)
    app.bot.insert_callback_data(update)  # as the Updater does with every update it fetches
    await app.process_update(update)


async def press(app: AnyApplication, sent: JSON, data: str, user_id: int = USER_ID) -> None:
    assert len(data.encode()) <= 64
    bot_message = {"message_id": sent.get("message_id", 1), "date": int(time.time()),
                   "chat": {"id": int(sent["chat_id"]), "type": "private", "first_name": "T"},
                   "from": _bot_user(), "text": "answer"}
    query = {"id": str(next(_update_ids)), "from": user(user_id), "chat_instance": "42",
             "data": data, "message": bot_message}
    await feed(app, query, "callback_query")


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(default_knowledge_dir())


@dataclass
class Harness:
    app: AnyApplication
    api: FakeBotApi

    @property
    def state(self) -> BotState:
        state = self.app.bot_data["meetbot"]
        assert isinstance(state, BotState)
        return state

    def replies(self) -> list[JSON]:
        return self.api.sent("sendMessage")

    def reply(self) -> JSON:
        sent = self.replies()
        assert len(sent) == 1, [s.get("text") for s in sent]
        return sent[0]

    async def say(self, text: str, **kwargs: Any) -> JSON:
        self.api.clear()
        await feed(self.app, message(text, **kwargs))
        return self.reply()


async def make_harness(live: LiveKnowledge, **overrides: Any) -> Harness:
    api = FakeBotApi()
    settings = Settings(token=TOKEN, live=live, admin_ids=frozenset({ADMIN_ID}), request=api,
                        get_updates_request=FakeBotApi(), rate_limit=False)
    for key, value in overrides.items():
        setattr(settings, key, value)
    app = build_application(settings)
    await app.initialize()
    api.clear()
    return Harness(app, api)


@pytest.fixture
async def bot(live: LiveKnowledge) -> AsyncIterator[Harness]:
    harness = await make_harness(live)
    try:
        yield harness
    finally:
        await harness.app.shutdown()


# -- answering ---------------------------------------------------------------------------------


async def test_question_gets_html_answer_with_cited_source(bot: Harness) -> None:
    sent = await bot.say("when did tokaev meet shmid")
    text = sent["text"]
    assert "7 June 2023" in text
    assert '<a href="https://akorda.kz/' in text
    assert "[1]" in text and "Official website of the President" in text
    assert text.index("7 June 2023") < text.index("Sources")  # the answer comes first
    assert sent["parse_mode"] == "HTML"
    assert sent["link_preview_options"] == {"is_disabled": True}
    assert_safe_html(text)
    labels = [label for label, _ in buttons(sent)]
    assert labels[0] == "Show the quote"
    assert "What did they discuss?" in labels


async def test_show_quote_edits_in_place_and_hide_toggles_back(bot: Harness) -> None:
    sent = await bot.say("when did tokaev meet shmid")
    assert "<blockquote>" not in sent["text"]
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID, "message_id": 900},
                button_data(sent, "Show the quote"))
    [edit] = bot.api.sent("editMessageText")
    assert edit["message_id"] == 900
    assert "<blockquote>June 7, 2023</blockquote>" in edit["text"]
    assert "7 June 2023" in edit["text"]
    assert_safe_html(edit["text"])
    assert bot.api.sent("answerCallbackQuery")
    assert not bot.replies()  # edited in place, nothing new sent
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID, "message_id": 900},
                button_data(edit, "Hide the quote"))
    [back] = bot.api.sent("editMessageText")
    assert back["text"] == sent["text"]
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID, "message_id": 900},
                button_data(back, "Show the quote"))
    [again] = bot.api.sent("editMessageText")
    assert again["text"] == edit["text"]


CLARIFY_CANDIDATES = ("wen tokaev mete", "tokaev hed", "shmid hed", "tokaev astana",
                      "wen did tokaev mete shmid", "shmid summit", "mete list")


def clarifying_question(engine: Engine) -> tuple[str, str]:
    """A garbled question the engine meets with "did you mean", and a suggestion it answers.

    Chosen at run time: the engine's thresholds and phrasings evolve, and which garbled
    question lands between "answer" and "decline" moves with them.
    """
    for question in CLARIFY_CANDIDATES:
        answer = engine.ask(question)
        if answer.kind != "clarify":
            continue
        for suggestion in answer.suggestions:
            if engine.ask(suggestion).kind == "answer":
                return question, suggestion
    pytest.fail("no candidate gets a 'did you mean' any more: add one to CLARIFY_CANDIDATES")


async def test_did_you_mean_offers_readable_questions_and_answers_a_press(bot: Harness) -> None:
    question, suggestion = clarifying_question(bot.state.engine)
    sent = await bot.say(question)
    assert "Did you mean" in sent["text"]
    labels = [label for label, _ in buttons(sent)]
    assert suggestion in labels
    assert not any("_" in label for label in labels)  # never intent ids
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, button_data(sent, suggestion))
    answer = bot.reply()
    expected = bot.state.engine.ask(suggestion).text.split("[")[0].strip()
    assert html.escape(expected, quote=False) in answer["text"]
    assert "<a href=" in answer["text"]


async def test_follow_up_uses_this_chats_context_only(bot: Harness) -> None:
    await bot.say("when did tokaev meet shmid")
    follow_up = await bot.say("what did they discuss?")
    assert "cooperation" in follow_up["text"]
    assert "Helga Schmid" in follow_up["text"]
    other = await bot.say("what did they discuss?", user_id=USER_ID + 1)
    assert "cooperation" not in other["text"]


async def test_russian_question_gets_russian_answer_and_buttons(bot: Harness) -> None:
    sent = await bot.say("когда Токаев встречался со Шмид?")
    text = sent["text"]
    assert "7 июня 2023" in text and "Источники" in text
    assert '<a href="https://akorda.kz/' in text
    assert_safe_html(text)
    assert buttons(sent)[0][0] == "Показать цитату"
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID, "message_id": 5}, buttons(sent)[0][1])
    [edit] = bot.api.sent("editMessageText")
    assert "<blockquote>" in edit["text"] and buttons(edit)[0][0] == "Скрыть цитату"


async def test_conversation_context_expires(live: LiveKnowledge) -> None:
    now = [1000.0]
    harness = await make_harness(live, clock=lambda: now[0], context_ttl=60.0)
    try:
        await harness.say("when did tokaev meet shmid")
        now[0] += 61
        later = await harness.say("what did they discuss?")
        assert "cooperation" not in later["text"]
    finally:
        await harness.app.shutdown()


async def test_edited_question_is_answered_again(bot: Harness) -> None:
    bot.api.clear()
    edited = message("who heads ODIHR?", edit_date=int(time.time()))
    await feed(bot.app, edited, "edited_message")
    assert "Maria Telalian" in bot.reply()["text"]


async def test_user_html_is_escaped(bot: Harness) -> None:
    sent = await bot.say("<b>hi</b> & <script>alert(1)</script> who is <i>Schmid</i>?")
    assert "<script" not in sent["text"]
    assert "<b>hi</b>" not in sent["text"]
    assert_safe_html(sent["text"])
    sent = await bot.say("<b>hi</b> & <script>")
    assert "<script" not in sent["text"] and "<b>hi" not in sent["text"]
    assert_safe_html(sent["text"])


async def test_overlong_question_gets_polite_shorten_reply(bot: Harness) -> None:
    sent = await bot.say("when did tokaev meet shmid " + "x" * 5000)
    assert "too long" in sent["text"]
    assert "500 characters" in sent["text"]
    assert len(sent["text"]) < 300


async def test_non_text_messages_get_a_text_only_reply(bot: Harness) -> None:
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    sticker = {"file_id": "CAAD", "file_unique_id": "u2", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False}
    voice = {"file_id": "AwAD", "file_unique_id": "u3", "duration": 2}
    for extra in ({"photo": photo}, {"sticker": sticker}, {"voice": voice}):
        bot.api.clear()
        await feed(bot.app, message(**extra))
        assert "only answer text questions" in bot.reply()["text"]


async def test_service_messages_are_ignored(bot: Harness) -> None:
    await feed(bot.app, message(chat_type="supergroup", new_chat_members=[user(5)]))
    await feed(bot.app, message(chat_type="supergroup", photo=[
        {"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]))
    assert not bot.replies()


# -- groups ------------------------------------------------------------------------------------


async def test_group_message_without_mention_is_ignored(bot: Harness) -> None:
    await feed(bot.app, message("when did tokaev meet shmid", chat_type="supergroup"))
    await feed(bot.app, message("hello everyone", chat_type="group"))
    assert not bot.replies()


async def test_group_mention_is_answered_as_a_reply(bot: Harness) -> None:
    text = f"@{BOT_USERNAME} when did tokaev meet shmid"
    incoming = message(text, chat_type="supergroup", entities=[
        {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}])
    await feed(bot.app, incoming)
    sent = bot.reply()
    assert "7 June 2023" in sent["text"]
    assert sent["chat_id"] == GROUP_ID
    assert sent["reply_parameters"]["message_id"] == incoming["message_id"]


async def test_group_mention_in_the_middle_without_entity(bot: Harness) -> None:
    sent = await bot.say(f"hey @{BOT_USERNAME.upper()}, who heads ODIHR?",
                         chat_type="supergroup")
    assert "Maria Telalian" in sent["text"]


async def test_group_reply_to_bot_is_answered(bot: Harness) -> None:
    ours = {"message_id": 77, "date": int(time.time()), "chat": chat("supergroup"),
            "from": _bot_user(), "text": "Kassym-Jomart Tokayev and Helga Schmid met"}
    sent = await bot.say("who heads ODIHR?", chat_type="supergroup", reply_to=ours)
    assert "Maria Telalian" in sent["text"]
    someone = {**ours, "from": user(99)}
    bot.api.clear()
    await feed(bot.app, message("who heads ODIHR?", chat_type="supergroup", reply_to=someone))
    assert not bot.replies()


async def test_reply_to_an_answer_follows_up_on_that_answer(bot: Harness) -> None:
    text = f"@{BOT_USERNAME} when did tokaev meet shmid"
    await bot.say(text, chat_type="supergroup")
    answer = bot.api.messages[-1]
    assert "7 June 2023" in answer["text"]
    # another member replies to that answer: the follow-up is about the same meeting
    follow_up = await bot.say("what did they discuss?", chat_type="supergroup",
                              user_id=USER_ID + 7, reply_to=answer)
    assert "cooperation" in follow_up["text"]


async def test_ask_command_in_group(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command(f"/ask@{BOT_USERNAME} who heads ODIHR?",
                                chat_type="supergroup"))
    assert "Maria Telalian" in bot.reply()["text"]
    bot.api.clear()
    await feed(bot.app, command("/ask@some_other_bot who heads ODIHR?", chat_type="supergroup"))
    await feed(bot.app, command("/frobnicate", chat_type="supergroup"))
    assert not bot.replies()
    await feed(bot.app, command("/ask", chat_type="supergroup"))
    assert "after the command" in bot.reply()["text"]


# -- commands ----------------------------------------------------------------------------------


async def test_start_offers_example_questions_that_answer(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command("/start"))
    sent = bot.reply()
    assert "meetings" in sent["text"] and "akorda.kz" in sent["text"]
    options = buttons(sent)
    assert len(options) >= 3
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, options[0][1])
    answer = bot.reply()
    assert "<a href=" in answer["text"]  # an example gets a cited answer


async def test_meetings_buttons_open_summaries(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command("/meetings"))
    sent = bot.reply()
    options = buttons(sent)
    assert len(options) == 5
    assert all(len(data.encode()) <= 64 for _, data in options)
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, options[0][1])
    summary = bot.reply()
    assert "Tokayev" in summary["text"] and "akorda.kz" in summary["text"]
    follow_up = await bot.say("what did they discuss?")
    assert "cooperation" in follow_up["text"]


async def test_sources_and_people(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command("/sources"))
    text = bot.reply()["text"]
    assert '<a href="https://akorda.kz/' in text and "Kazakhstan Today" in text
    assert "7 June 2023" in text and "6 December 2025" in text
    bot.api.clear()
    await feed(bot.app, command("/people"))
    text = bot.reply()["text"]
    assert "Helga Schmid" in text and "Maria Telalian" in text


async def test_why_explains_this_chats_last_question_in_its_context(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command("/why"))
    assert "not asked me anything yet" in bot.reply()["text"]
    await bot.say("when did tokaev meet shmid")
    await bot.say("what did they discuss?")
    bot.api.clear()
    await feed(bot.app, command("/why"))
    text = bot.reply()["text"]
    assert_safe_html(text)
    assert "what did they discuss?" in text  # the follow-up, not the first question
    assert "from context" in text  # read with the people the first answer named
    assert "tokayev" in text and "schmid" in text
    bot.api.clear()
    await feed(bot.app, command("/why", user_id=USER_ID + 1))
    assert "not asked me anything yet" in bot.reply()["text"]  # another chat asked nothing


async def test_help_and_unknown_command(bot: Harness) -> None:
    bot.api.clear()
    await feed(bot.app, command("/help"))
    text = bot.reply()["text"]
    assert "/meetings" in text and "/stats" not in text
    bot.api.clear()
    await feed(bot.app, command("/frobnicate"))
    assert "/help" in bot.reply()["text"]


async def test_stats_and_reload_only_for_admins(bot: Harness) -> None:
    await bot.say("when did tokaev meet shmid")
    await bot.say("what is the weather in paris")
    bot.api.clear()
    await feed(bot.app, command("/stats"))
    assert "Answered" not in bot.reply()["text"]  # the ordinary help instead
    bot.api.clear()
    await feed(bot.app, command("/stats", user_id=ADMIN_ID))
    text = bot.reply()["text"]
    assert "Answered: 1" in text and "Declined: 1" in text
    assert "what is the weather in paris" in text
    bot.api.clear()
    await feed(bot.app, command("/reload"))
    assert "OK" not in bot.reply()["text"]
    bot.api.clear()
    await feed(bot.app, command("/reload", user_id=ADMIN_ID))
    assert bot.reply()["text"].startswith("OK")


# -- buttons -----------------------------------------------------------------------------------


async def test_callback_data_never_exceeds_64_bytes(bot: Harness) -> None:
    for text in ("/start", "/help", "/meetings", "/people"):
        await feed(bot.app, command(text))
    for question in (*CLARIFY_CANDIDATES, "when did tokaev meet shmid",
                     "who is kosherbayev", "hello"):
        await feed(bot.app, message(question))
    markups = [buttons(params) for params in bot.replies()]
    assert sum(len(m) for m in markups) > 10
    for markup in markups:
        for _, data in markup:
            assert len(data.encode("utf-8")) <= 64, data


async def test_long_question_button_is_stored_and_can_expire(bot: Harness) -> None:
    long_question = ("Whom did Yermek Kosherbayev, the Minister of Foreign Affairs of "
                     "Kazakhstan, meet?")
    label, press_data = ask_button(long_question)
    assert label.endswith("…") and len(label) <= 60
    await send_html(bot.app.bot, USER_ID, "Try:", keyboard=keyboard([[(label, press_data)]]))
    data = button_data(bot.reply(), label)
    assert len(data.encode()) <= 64
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, data)
    assert "Maria Telalian" in bot.reply()["text"]
    bot.api.clear()
    await press(bot.app, {"chat_id": USER_ID}, "f" * 64)
    await press(bot.app, {"chat_id": USER_ID}, "quote:gone1234")
    answers = bot.api.sent("answerCallbackQuery")
    assert [a["text"] for a in answers] == [EXPIRED, EXPIRED]
    assert not bot.replies()


# -- inline mode -------------------------------------------------------------------------------


async def test_inline_query_answers_with_cited_article(bot: Harness) -> None:
    query = {"id": "iq1", "from": user(), "query": "who heads ODIHR?", "offset": ""}
    await feed(bot.app, query, "inline_query")
    [call] = bot.api.sent("answerInlineQuery")
    [article] = call["results"]
    assert article["type"] == "article"
    assert "Director of the OSCE Office" in article["title"]
    assert "Kazakhstan Today" in article["description"]
    content = article["input_message_content"]
    assert "Maria Telalian" in content["message_text"]
    assert content["parse_mode"] == "HTML"
    assert '<a href="https://www.kt.kz/' in content["message_text"]
    bot.api.clear()
    await feed(bot.app, {**query, "id": "iq2", "query": ""}, "inline_query")
    [empty] = bot.api.sent("answerInlineQuery")
    assert empty["results"] == []


# -- splitting ---------------------------------------------------------------------------------


async def test_long_html_is_split_with_keyboard_on_last_part(bot: Harness) -> None:
    paragraph = "<b>Sources</b> " + "word &amp; " * 60
    text = "\n\n".join([paragraph] * 20)
    await send_html(bot.app.bot, USER_ID, text,
                    keyboard=keyboard([[ask_button("who heads ODIHR?")]]))
    parts = bot.replies()
    assert len(parts) > 1
    assert all(len(p["text"]) <= 4096 for p in parts)
    for part in parts:
        assert_safe_html(part["text"])
    assert [bool(buttons(p)) for p in parts] == [False] * (len(parts) - 1) + [True]


# -- faults and logs ---------------------------------------------------------------------------


async def test_token_never_logged_even_when_an_error_carries_it(
        live: LiveKnowledge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await make_harness(live)
    try:
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING
        url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
        harness.api.fail("sendMessage", NetworkError(f"httpx.ConnectError: {url} refused"))
        await feed(harness.app, message("when did tokaev meet shmid"))
        _failed, apology = harness.replies()  # the answer failed; the apology went through
        assert "Sorry, something went wrong" in apology["text"]
        harness.api.clear()
        harness.api.fail("sendMessage", NetworkError(f"again {url}"))
        await feed(harness.app, message("who heads ODIHR?"))
        assert len(harness.replies()) == 1  # the failed answer: no second apology
        logging.getLogger("meetbot.test").warning("about to use %s", url)
        await feed(harness.app, message("who heads ODIHR?"))
    finally:
        await harness.app.shutdown()
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert "[token]" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


async def test_forbidden_is_ignored_quietly(bot: Harness,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    bot.api.fail("sendMessage", (403, "Forbidden: bot was blocked by the user"))
    await feed(bot.app, message("who heads ODIHR?"))
    assert len(bot.replies()) == 1  # the failed answer, and no apology
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_broken_knowledge_edit_is_reported_to_admins_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), directory)
    live = LiveKnowledge(directory)
    harness = await make_harness(live)
    app = harness.app
    try:
        await post_init(app)
        assert harness.api.sent("setMyCommands")
        people = directory / "people.yaml"
        people.write_text(people.read_text() + "\n  - id: [broken\n")
        for _ in range(2):  # the watcher thread reloads; a second report must not repeat
            thread = threading.Thread(target=live.reload, kwargs={"force": True})
            thread.start()
            thread.join()
        deadline = time.monotonic() + 5
        while not harness.api.sent("sendMessage") and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        notes = [p for p in harness.api.sent("sendMessage") if p["chat_id"] == ADMIN_ID]
        assert len(notes) == 1, notes
        assert re.search(r"^people\.yaml:\d+: ", notes[0]["text"], re.MULTILINE)
        assert str(directory) not in notes[0]["text"]
        sent = await harness.say("who heads ODIHR?")  # still serving the last good base
        assert "Maria Telalian" in sent["text"]
        reply = await harness.say("/reload", user_id=ADMIN_ID, entities=[
            {"type": "bot_command", "offset": 0, "length": 7}])
        assert "still serving the last good one" in reply["text"]
        assert "people.yaml:" in reply["text"]
        await asyncio.sleep(0.1)
        assert len(harness.replies()) == 1  # the reply, and no second notice of the same state
    finally:
        await post_shutdown(app)
        await app.shutdown()


# -- small parts -------------------------------------------------------------------------------


def test_conversations_are_bounded_in_number_and_time(live: LiveKnowledge) -> None:
    now = [0.0]
    state = BotState(Settings(token=TOKEN, live=live, max_conversations=3, context_ttl=10,
                              clock=lambda: now[0]))
    cache = state.conversations
    for i in range(4):
        cache[(i, 0)] = Context(people=(str(i),))
    assert cache.get((0, 0)) is None and len(cache) == 3
    assert cache.get((1, 0)) == Context(people=("1",))  # now the most recently used
    cache[(4, 0)] = Context()
    assert cache.get((2, 0)) is None and cache.get((1, 0)) is not None
    now[0] = 10.5
    assert cache.get((1, 0)) is None and len(cache) == 0


def test_read_token(tmp_path: Path) -> None:
    assert read_token(environ={"TELEGRAM_BOT_TOKEN": f" {TOKEN}\n"}) == TOKEN
    with pytest.raises(TokenError, match="TELEGRAM_BOT_TOKEN"):
        read_token(environ={})
    bad = "12345:short"
    with pytest.raises(TokenError, match="malformed") as info:
        read_token(environ={"TELEGRAM_BOT_TOKEN": bad})
    assert bad not in str(info.value)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    assert read_token(token_file, environ={}) == TOKEN
    with pytest.raises(TokenError, match="cannot read"):
        read_token(tmp_path / "missing", environ={})


def _record(error: BaseException,
            message: str = "Exception happened while polling") -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        return logging.getLogger("telegram.ext").makeRecord(
            "telegram.ext", logging.ERROR, __file__, 1, message, (), sys.exc_info())


def test_network_failures_lose_their_traceback_but_bugs_keep_theirs(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    quiet = QuietOutages()
    outage = _record(NetworkError("httpx.ConnectError: All connection attempts failed"))
    assert quiet.filter(outage)
    assert outage.exc_info is None
    assert logging.Formatter("%(message)s").format(outage) == (
        "Exception happened while polling (httpx.ConnectError: All connection attempts failed)")
    aborted = "Network Retry Loop (Bootstrap Initialize Application): Failed run number 0 of 0."
    start_up = _record(NetworkError("refused"), aborted + " Aborting.")
    assert not quiet.filter(start_up), "run_bot reports a failed start-up itself"
    bug = _record(ValueError("a bug"))
    assert quiet.filter(bug)
    assert "Traceback" in logging.Formatter().format(bug)
    caplog.set_level(logging.DEBUG)
    at_debug = _record(NetworkError("refused"))
    assert quiet.filter(at_debug) and at_debug.exc_info is not None


def test_parse_admin_ids() -> None:
    assert parse_admin_ids(" 1, 22 ,,333") == frozenset({1, 22, 333})
    assert parse_admin_ids(None) == frozenset()
    with pytest.raises(Exception, match="numeric"):
        parse_admin_ids("1,@admin")


async def test_declined_questions_go_to_the_misses_log_without_ids(
        live: LiveKnowledge, tmp_path: Path) -> None:
    from meetbot.curation.misses import MissLog

    log = tmp_path / "misses.jsonl"
    harness = await make_harness(live, misses=MissLog(log, salt="test-salt"))
    try:
        await harness.say("what is the price of bitcoin today?")
        await harness.say("when did tokaev meet shmid")  # answered: not a miss
    finally:
        await harness.app.shutdown()
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [entry["question"] for entry in lines] == ["what is the price of bitcoin today?"]
    raw = log.read_text(encoding="utf-8")
    assert str(USER_ID) not in raw and "Tess" not in raw
    assert lines[0]["chat"] and len(lines[0]["chat"]) == 16


async def test_a_pasted_token_never_reaches_stats_or_the_misses_log(
        live: LiveKnowledge, tmp_path: Path) -> None:
    from meetbot.curation.misses import MissLog

    log = tmp_path / "misses.jsonl"
    harness = await make_harness(live, misses=MissLog(log, salt="test-salt"))
    try:
        await harness.say(f"is {TOKEN} your token?")
        harness.api.clear()
        await feed(harness.app, command("/stats", user_id=ADMIN_ID))
        stats = harness.reply()["text"]
    finally:
        await harness.app.shutdown()
    assert "[token]" in stats
    for text in (stats, log.read_text(encoding="utf-8")):
        assert TOKEN not in text and TOKEN.split(":")[1] not in text
