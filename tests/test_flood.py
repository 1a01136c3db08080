"""Fast tests of flood handling: the per-user throttle and the per-chat update processor.

The throttle is tested through the real handlers (same harness as ``test_telegram_handlers``:
real updates through ``process_update``, a fake Bot API recording the calls) with a clock the
test moves; the processor with coroutines the test holds and releases.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from telegram import Update

from meetbot.frontends.telegram.flood import ChatOrderedUpdateProcessor, UserThrottle, Verdict
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge
from test_telegram_handlers import (
    JSON,
    USER_ID,
    Harness,
    feed,
    make_harness,
    message,
    press,
)

THROTTLED = "You're sending questions faster than I can answer"
QUESTION = "who heads ODIHR?"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(default_knowledge_dir())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(live: LiveKnowledge, clock: Clock) -> AsyncIterator[Harness]:
    harness = await make_harness(live, flood_limit=3, flood_window=60.0, clock=clock)
    try:
        yield harness
    finally:
        await harness.app.shutdown()


async def ask(bot: Harness, text: str = QUESTION, **kwargs: Any) -> list[str]:
    """Send ``text``; return the texts of the messages the bot sent in reply."""
    bot.api.clear()
    await feed(bot.app, message(text, **kwargs))
    return [params["text"] for params in bot.replies()]


# -- the throttle through the handlers -----------------------------------------------------------


async def test_beyond_the_limit_one_notice_then_silence_until_the_window_passes(
        bot: Harness, clock: Clock) -> None:
    for _ in range(3):
        [answer] = await ask(bot)
        assert "Maria Telalian" in answer
        clock.now += 1
    [notice] = await ask(bot)
    assert THROTTLED in notice and "the first 3;" in notice
    for _ in range(5):
        assert await ask(bot) == []  # told once: the rest of the window stays quiet
    clock.now += 57  # the first answer is now 60 s old: one more question may be answered
    [answer] = await ask(bot)
    assert "Maria Telalian" in answer
    assert await ask(bot) == []  # still within the window of the notice
    clock.now += 60
    assert ["Maria Telalian" in text for text in [*await ask(bot), *await ask(bot)]] == [True] * 2


async def test_one_users_flood_does_not_throttle_another(bot: Harness) -> None:
    for _ in range(4):
        await ask(bot)
    assert await ask(bot) == []
    [answer] = await ask(bot, user_id=USER_ID + 1)
    assert "Maria Telalian" in answer


async def test_the_notice_is_in_the_users_language(bot: Harness) -> None:
    payload = message(QUESTION)
    payload["from"]["language_code"] = "ru"
    for _ in range(3):
        await feed(bot.app, payload)
    bot.api.clear()
    await feed(bot.app, payload)
    [notice] = [params["text"] for params in bot.replies()]
    assert "быстрее, чем я успеваю отвечать" in notice and "первые 3 вопроса" in notice


async def test_group_chatter_does_not_count_but_mentions_do(bot: Harness) -> None:
    for _ in range(10):
        assert await ask(bot, "good morning all", chat_type="supergroup") == []
    mention = "@meetbot_test_bot who heads ODIHR?"
    entities = [{"type": "mention", "offset": 0, "length": len("@meetbot_test_bot")}]
    for _ in range(3):
        [answer] = await ask(bot, mention, chat_type="supergroup", entities=entities)
        assert "Maria Telalian" in answer
    bot.api.clear()
    await feed(bot.app, message(mention, chat_type="supergroup", entities=entities))
    [notice] = bot.replies()
    assert THROTTLED in notice["text"]
    assert notice["reply_parameters"]  # in a group, it says whom it is for


async def test_throttled_button_press_is_acknowledged_without_an_answer(bot: Harness) -> None:
    for _ in range(3):
        await ask(bot)
    sent: JSON = {"chat_id": USER_ID, "message_id": 7}
    bot.api.clear()
    await press(bot.app, sent, f"a:{QUESTION}")  # the notice
    await press(bot.app, sent, f"a:{QUESTION}")  # silence
    assert len(bot.api.sent("answerCallbackQuery")) == 2  # no endless spinner
    [notice] = [params["text"] for params in bot.replies()]
    assert THROTTLED in notice


async def test_inline_queries_are_not_throttled(bot: Harness) -> None:
    for number in range(6):  # one per keystroke: counting them would throttle typing
        bot.api.clear()
        query = {"id": str(number), "from": {"id": USER_ID, "is_bot": False, "first_name": "T"},
                 "query": QUESTION, "offset": ""}
        await feed(bot.app, query, "inline_query")
        assert bot.api.sent("answerInlineQuery")


# -- the throttle alone --------------------------------------------------------------------------


def test_throttle_is_a_sliding_window_and_forgets_idle_users() -> None:
    clock = Clock()
    throttle = UserThrottle(2, 10.0, max_users=3, clock=clock)
    assert [throttle.check(1) for _ in range(4)] == [
        Verdict.ANSWER, Verdict.ANSWER, Verdict.NOTIFY, Verdict.IGNORE]
    clock.now += 10
    assert throttle.check(1) is Verdict.ANSWER
    for user in range(2, 6):
        throttle.check(user)
    assert len(throttle) == 3  # bounded: the least recently active went first
    clock.now += 11
    throttle.check(99)
    assert len(throttle) == 1  # the others had been idle for a whole window


def test_throttle_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        UserThrottle(0, 60)
    with pytest.raises(ValueError):
        UserThrottle(5, 0)


# -- the processor -------------------------------------------------------------------------------


def private_update(update_id: int, chat_id: int) -> Update:
    sender = {"id": chat_id, "is_bot": False, "first_name": "T"}
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "hi", "from": sender,
        "chat": {"id": chat_id, "type": "private"}}}, None)


class Job:
    """A stand-in for handling one update: records when it starts, ends when released."""

    def __init__(self, log: list[str], name: str) -> None:
        self.log = log
        self.name = name
        self.release = asyncio.Event()

    async def run(self) -> None:
        self.log.append(f"start {self.name}")
        await self.release.wait()
        self.log.append(f"end {self.name}")


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_one_chat_in_order_other_chats_meanwhile() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=4)
    log: list[str] = []
    jobs = {name: Job(log, name) for name in ("a1", "a2", "a3", "b1")}
    chats = {"a1": 1, "a2": 1, "a3": 1, "b1": 2}
    tasks = [asyncio.create_task(processor.process_update(private_update(i, chats[name]),
                                                          jobs[name].run()))
             for i, name in enumerate(jobs)]
    await settle()
    assert log == ["start a1", "start b1"]  # b1 does not wait for chat 1's queue
    assert processor.chats_in_flight == 2
    jobs["b1"].release.set()
    jobs["a3"].release.set()  # released early, but must still wait for a2
    await settle()
    assert log[-1] == "end b1" and "start a2" not in log
    jobs["a1"].release.set()
    await settle()
    jobs["a2"].release.set()
    await asyncio.gather(*tasks)
    a_events = [entry for entry in log if entry.endswith(("a1", "a2", "a3"))]
    assert a_events == ["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]
    assert processor.chats_in_flight == 0  # nothing kept per chat once it is idle


async def test_running_handlers_are_bounded_without_blocking_other_chats() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=2)
    log: list[str] = []
    jobs = [Job(log, f"chat{chat}") for chat in range(3)]
    # chat 0 also has a backlog of 50 updates: they wait for their turn, not for a slot
    backlog = [Job(log, f"chat0-{n}") for n in range(50)]
    for job in backlog:
        job.release.set()
    updates: list[tuple[Update, Awaitable[Any]]] = [
        (private_update(n, 0), job.run()) for n, job in enumerate([jobs[0], *backlog])]
    updates += [(private_update(100 + c, c), jobs[c].run()) for c in (1, 2)]
    tasks = [asyncio.create_task(processor.process_update(u, c)) for u, c in updates]
    await settle()
    assert log == ["start chat0", "start chat1"]  # two slots; chat 2 waits for one
    jobs[1].release.set()
    await settle()
    assert "start chat2" in log and "start chat0-0" not in log
    jobs[0].release.set()
    jobs[2].release.set()
    await asyncio.gather(*tasks)
    assert [e for e in log if e.startswith("start chat0-")] == [
        f"start chat0-{n}" for n in range(50)]


async def test_cancelled_while_waiting_leaves_nothing_behind() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=1)
    log: list[str] = []
    first, second = Job(log, "first"), Job(log, "second")
    running = asyncio.create_task(processor.process_update(private_update(1, 5), first.run()))
    waiting = asyncio.create_task(processor.process_update(private_update(2, 5), second.run()))
    await settle()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    first.release.set()
    await running
    assert log == ["start first", "end first"]
    assert processor.chats_in_flight == 0
