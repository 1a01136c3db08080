"""Resource bounds: many chats do not make the bot's memory grow, and the misses log rotates.

10,000 private chats, each asking a question, go through the real handlers
(``application.process_update``: conversation context, the engine, rendering, the button
store, the throttle, the statistics, the misses log) with a fake Bot API that answers
instantly and keeps nothing. Once the stores are full, memory must stay flat: the number of
objects the garbage collector tracks and the process's resident memory after 10,000 chats
are compared with those after 2,000.
"""

from __future__ import annotations

import gc
import itertools
import json
from pathlib import Path
from typing import Any

import psutil
from telegram import Update
from telegram.request import BaseRequest, RequestData

from meetbot.curation.misses import MissLog
from meetbot.frontends.telegram.app import build_application
from meetbot.frontends.telegram.settings import Settings
from meetbot.frontends.telegram.state import BotState
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge

TOKEN = "6183920457:AAHk3v9QzT5wX2mN8pL4rB6cD1eG7hJ0sUy"
BOT = {"id": 6183920457, "is_bot": True, "first_name": "Meetbot",
       "username": "meetbot_test_bot"}
CHATS = 10_000
WARM = 2_000
CAP = 500
"""Conversations (and button payloads) kept: full long before the first measurement."""
MISSES_CAP = 200
LOG_BYTES = 16_384
DECLINES = 300
"""Distinct declined questions, so that statistics and misses see many different texts."""
OBJECTS_GROWTH = 1_000
"""Most new GC-tracked objects allowed over 8,000 more chats (leaking one per chat: 8,000)."""
RSS_GROWTH = 8 * 2**20
"""Most resident memory growth allowed over 8,000 more chats (unbounded stores: ~20 MB)."""


class InstantBotApi(BaseRequest):
    """A Bot API that answers every call at once with a minimal result and keeps nothing."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.sent = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        result: object = True
        if endpoint == "getMe":
            result = BOT
        elif endpoint == "sendMessage" and request_data is not None:
            self.sent += 1
            chat_id = int(str(request_data.parameters["chat_id"]))
            result = {"message_id": next(self._ids), "date": 0,
                      "chat": {"id": chat_id, "type": "private"}}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def question(number: int) -> str:
    """The question of chat ``number``: cited answers, a greeting, a follow-up, declines."""
    kind = number % 5
    if kind == 3:
        return f"what is the weather in town {number % DECLINES}?"
    return ("who heads ODIHR?", "what did they discuss?", "hi", "",
            "who is the OSCE Secretary General?")[kind]


def update(number: int, bot: Any) -> Update:
    chat_id = 50_000_000 + number
    sender = {"id": chat_id, "is_bot": False, "first_name": "Tess"}
    return Update.de_json({"update_id": number + 1, "message": {
        "message_id": 1, "date": 0, "text": question(number), "from": sender,
        "chat": {"id": chat_id, "type": "private"}}}, bot)


def memory() -> tuple[int, int]:
    """GC-tracked objects and resident bytes, after a full collection."""
    gc.collect()
    return len(gc.get_objects()), psutil.Process().memory_info().rss


async def test_ten_thousand_chats_keep_memory_flat_and_stores_capped(tmp_path: Path) -> None:
    api = InstantBotApi()
    log = tmp_path / "misses.jsonl"
    settings = Settings(token=TOKEN, live=LiveKnowledge(default_knowledge_dir()),
                        request=api, get_updates_request=InstantBotApi(), rate_limit=False,
                        max_conversations=CAP, max_buttons=CAP,
                        misses=MissLog(log, max_bytes=LOG_BYTES, backups=2, salt="test"))
    app = build_application(settings)
    state = app.bot_data["meetbot"]
    assert isinstance(state, BotState)
    state.stats.max_misses = MISSES_CAP
    await app.initialize()
    try:
        for number in range(WARM):
            await app.process_update(update(number, app.bot))
        objects_warm, rss_warm = memory()
        for number in range(WARM, CHATS):
            await app.process_update(update(number, app.bot))
        objects_end, rss_end = memory()
    finally:
        await app.shutdown()

    assert api.sent == CHATS  # every chat was answered
    assert len(state.conversations) == CAP
    assert len(state.answered) <= CAP and len(state.buttons) <= CAP
    assert len(state.throttle) <= CAP
    assert len(state.stats.misses) <= MISSES_CAP
    assert state.stats.answered + state.stats.declined + state.stats.clarified == CHATS
    grown = objects_end - objects_warm
    assert grown < OBJECTS_GROWTH, f"{grown} more objects after {CHATS - WARM} more chats"
    assert rss_end - rss_warm < RSS_GROWTH, (
        f"resident memory grew {(rss_end - rss_warm) / 2**20:.1f} MB")

    # the misses log rotated at its cap: the newest declines are kept, the oldest dropped
    files = sorted(log.parent.glob("misses.jsonl*"))
    assert [f.name for f in files] == ["misses.jsonl", "misses.jsonl.1", "misses.jsonl.2"]
    assert all(0 < f.stat().st_size <= LOG_BYTES for f in files)
    newest = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    last_decline = max(n for n in range(CHATS) if n % 5 == 3)
    assert newest["question"] == question(last_decline)
    kept = sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files)
    assert kept < CHATS // 5  # thousands of declines, a few hundred lines kept
