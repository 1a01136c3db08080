"""meetbot under Telegram faults, floods and at DEBUG logging, end to end through the emulator.

Each test runs the real Application (:func:`meetbot.frontends.telegram.build_application`, the
production rate limiter on) in a :class:`BotThread` against the emulator and injects faults
with :meth:`TelegramUser.inject_error`: 429 with ``retry_after``, 403, 500s, responses slower
than the bot's timeouts, and the emulator killed and restarted on the same port. For each the
tests check what a user would notice: the bot keeps polling, answers what arrives after the
fault exactly once, and while Telegram is failing it retries slowly (the emulator, or the bot's
own request counter when the emulator is dead, shows a handful of getUpdates calls, not a
busy loop).
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from meetbot.frontends.telegram.app import build_application, post_init, post_shutdown
from meetbot.frontends.telegram.settings import Settings
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge

from .client import BotMessage, TelegramUser
from .conftest import HOST, Emulator, launch_emulator, shut_down_emulator
from .ptb_thread import AnyApplication, BotThread

pytestmark = [
    pytest.mark.e2e,
    # PTB's own RetryAfter.__init__ reads its deprecated property
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

ADMIN_ID = 4_000_002
APOLOGY = "Sorry, something went wrong"
THROTTLED = "You're sending questions faster than I can answer"
# Questions whose answers are told apart by one phrase each, to check order and duplicates.
QUESTIONS = (
    ("who heads ODIHR?", "Democratic Institutions and Human Rights is Maria Telalian"),
    ("when did tokaev meet shmid", "Helga Schmid met;"),
    ("who is the OSCE Secretary General?", "Secretary General is Feridun Sinirlioglu"),
    ("whom did kosherbayev meet?", "Kosherbayev met 4 people"),
)
OUTAGE_CALLS = 6
"""Most getUpdates calls allowed while Telegram fails for 2-3 s (PTB backs off 1, 1.5, 2.25 s)."""


def which_question(message: BotMessage) -> int:
    """The index in QUESTIONS of the question ``message`` answers (exactly one must match)."""
    text = message.text or ""
    found = [i for i, (_, marker) in enumerate(QUESTIONS) if marker in text]
    assert len(found) == 1, f"not one known answer: {text[:200]!r}"
    return found[0]


class CountingRequest(HTTPXRequest):
    """An HTTPXRequest that counts the calls the bot makes, per Bot API method."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(httpx_kwargs={"trust_env": False}, **kwargs)  # loopback only
        self.calls: Counter[str] = Counter()

    async def do_request(self, url: str, method: str, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        self.calls[url.rsplit("/", 1)[-1]] += 1
        return await super().do_request(url, method, *args, **kwargs)


@contextlib.contextmanager
def running_bot(url: str, token: str, *, poll_timeout: float = 1,
                prepare: Callable[[AnyApplication], None] | None = None,
                **overrides: Any) -> Iterator[BotThread]:
    """The real meetbot Application polling ``url`` (post_init run as in production).

    A short long-poll timeout makes a fault injected now reach the next getUpdates soon.
    """
    settings = Settings(token=token, live=LiveKnowledge(default_knowledge_dir()),
                        admin_ids=frozenset({ADMIN_ID}), base_url=url)
    for key, value in overrides.items():
        setattr(settings, key, value)
    app: AnyApplication = build_application(settings)
    if prepare is not None:
        prepare(app)
    with BotThread(app, poll_timeout=poll_timeout) as running:
        running.call(post_init(app))
        try:
            yield running
        finally:
            running.call(post_shutdown(app))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Poll ``condition`` (a cheap emulator or bot read) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def faults(user: TelegramUser, method: str) -> int:
    """How many calls of ``method`` an injected fault has answered or delayed."""
    return int(user.stats()["token"]["faults"].get(method.lower(), 0))


def wait_until_idle(bot: BotThread, user: TelegramUser) -> None:
    """Wait until the bot has fetched every update and finished handling them all."""
    app = bot.application

    def idle() -> bool:
        # task_done() is called once an update's handlers have all finished
        unfinished: int = app.update_queue._unfinished_tasks  # type: ignore[attr-defined]
        return user.stats()["token"]["pending_updates"] == 0 and unfinished == 0

    wait_until(idle, "the bot to handle every update")


def error_names(bot: BotThread) -> list[str]:
    """The errors handlers raised so far (then forgotten: they were expected)."""
    names = [type(error).__name__ for error in bot.errors]
    bot.errors.clear()
    return names


# -- 429, 403, 500 -------------------------------------------------------------------------------


def test_429_on_get_updates_and_send_message_is_waited_out(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    other = emulator.user(bot_token)
    with running_bot(emulator.url, bot_token) as bot:
        telegram_user.send_text(QUESTIONS[0][0])
        telegram_user.wait_for_bot_messages(1)

        before = telegram_user.method_calls("getUpdates")
        telegram_user.inject_error("getUpdates", 429, "Too Many Requests: retry after 1",
                                   {"retry_after": 1}, times=2)
        wait_until(lambda: faults(telegram_user, "getUpdates") >= 1, "a getUpdates 429")
        telegram_user.send_text(QUESTIONS[1][0])  # arrives while getUpdates gets 429s
        [answer] = telegram_user.wait_for_bot_messages(1, timeout=15)
        assert which_question(answer) == 1
        assert faults(telegram_user, "getUpdates") == 2
        calls = telegram_user.method_calls("getUpdates") - before
        assert calls <= 5, f"{calls} getUpdates calls while told to retry after 1 s"

        # two users at once, one send refused with 429: both answered, once
        telegram_user.inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
                                   {"retry_after": 1})
        telegram_user.send_text(QUESTIONS[2][0])
        other.send_text(QUESTIONS[3][0])
        [mine] = telegram_user.wait_for_bot_messages(1, timeout=15)
        [theirs] = other.wait_for_bot_messages(1, timeout=15)
        assert (which_question(mine), which_question(theirs)) == (2, 3)

        # a 429 that outlasts the rate limiter's two retries: one apology, then answers again
        telegram_user.inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
                                   {"retry_after": 1}, times=3)
        telegram_user.send_text(QUESTIONS[0][0])
        [sorry] = telegram_user.wait_for_bot_messages(1, timeout=15)
        assert APOLOGY in (sorry.text or "")
        telegram_user.send_text(QUESTIONS[1][0])
        [again] = telegram_user.wait_for_bot_messages(1)
        assert which_question(again) == 1
        telegram_user.assert_no_bot_messages(wait=0.3)
        other.assert_no_bot_messages(wait=0.1)
        assert error_names(bot) == ["RetryAfter"]
        # 5 answers and 1 apology delivered, 4 tries refused with 429: nothing sent twice
        assert telegram_user.method_calls("sendMessage") == 5 + 1 + 4
        assert len(telegram_user.bot_messages()) + len(other.bot_messages()) == 5 + 1


def test_403_blocked_user_gets_no_retries_and_others_are_answered(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    other = emulator.user(bot_token)
    with running_bot(emulator.url, bot_token) as bot:
        telegram_user.inject_error("sendMessage", 403, "Forbidden: bot was blocked by the user",
                                   times=2)
        telegram_user.send_text(QUESTIONS[0][0])
        telegram_user.send_text(QUESTIONS[1][0])
        wait_until(lambda: faults(telegram_user, "sendMessage") == 2, "two refused answers")
        other.send_text(QUESTIONS[2][0])
        [theirs] = other.wait_for_bot_messages(1)
        assert which_question(theirs) == 2
        wait_until_idle(bot, telegram_user)
        # one attempt per question: no retry, no apology to someone who blocked the bot
        assert telegram_user.method_calls("sendMessage") == 3
        assert telegram_user.bot_messages() == []
        assert error_names(bot) == ["Forbidden", "Forbidden"]

        telegram_user.send_text(QUESTIONS[3][0])  # unblocked
        [mine] = telegram_user.wait_for_bot_messages(1)
        assert which_question(mine) == 3
        telegram_user.assert_no_bot_messages(wait=0.3)


def test_500_on_send_message_apologises_once_and_recovers(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    other = emulator.user(bot_token)
    with running_bot(emulator.url, bot_token) as bot:
        telegram_user.inject_error("sendMessage", 500, "Internal Server Error")
        telegram_user.send_text(QUESTIONS[0][0])
        [sorry] = telegram_user.wait_for_bot_messages(1)
        assert APOLOGY in (sorry.text or "")
        telegram_user.send_text(QUESTIONS[1][0])
        [answer] = telegram_user.wait_for_bot_messages(1)
        assert which_question(answer) == 1
        # within the apology's cool-down a second failure stays quiet (no apology spam) ...
        telegram_user.inject_error("sendMessage", 500, "Internal Server Error")
        telegram_user.send_text(QUESTIONS[2][0])
        wait_until(lambda: faults(telegram_user, "sendMessage") == 2, "the second 500")
        # ... and another user is neither apologised to nor kept waiting
        other.send_text(QUESTIONS[3][0])
        [theirs] = other.wait_for_bot_messages(1)
        assert which_question(theirs) == 3
        telegram_user.send_text(QUESTIONS[2][0])
        [again] = telegram_user.wait_for_bot_messages(1)
        assert which_question(again) == 2
        telegram_user.assert_no_bot_messages(wait=0.3)
        assert error_names(bot) == ["NetworkError", "NetworkError"]
        # two failed answers, one apology, three answers: no retries, nothing sent twice
        assert telegram_user.method_calls("sendMessage") == 2 + 1 + 3


def test_500s_on_get_updates_back_off_and_resume(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    with running_bot(emulator.url, bot_token) as bot:
        telegram_user.send_text(QUESTIONS[0][0])
        telegram_user.wait_for_bot_messages(1)

        before = telegram_user.method_calls("getUpdates")
        telegram_user.inject_error("all", 500, "Internal Server Error", times=None,
                                   duration_ms=2500)  # every Bot API call fails for 2.5 s
        wait_until(lambda: faults(telegram_user, "getUpdates") >= 1, "a getUpdates 500")
        telegram_user.send_text(QUESTIONS[1][0])  # waits on the server until it recovers
        telegram_user.send_text(QUESTIONS[2][0])
        first, second = telegram_user.wait_for_bot_messages(2, timeout=20)
        assert (which_question(first), which_question(second)) == (1, 2)
        calls = telegram_user.method_calls("getUpdates") - before
        assert 2 <= faults(telegram_user, "getUpdates") <= calls <= OUTAGE_CALLS, calls

        telegram_user.send_text(QUESTIONS[3][0])
        [last] = telegram_user.wait_for_bot_messages(1)
        assert which_question(last) == 3
        telegram_user.assert_no_bot_messages(wait=0.3)
        assert len(telegram_user.bot_messages()) == 4  # each question answered once
        assert error_names(bot) == []  # polling errors are the updater's, not a handler's


# -- slow responses ------------------------------------------------------------------------------


def test_responses_slower_than_the_bot_waits(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    # The bot waits 0.5 s for a reply (getUpdates: 0.5 s plus its 1 s long poll).
    request = HTTPXRequest(connection_pool_size=32, read_timeout=0.5,
                           httpx_kwargs={"trust_env": False})
    polling = CountingRequest(connection_pool_size=1, read_timeout=0.5)
    with running_bot(emulator.url, bot_token, request=request,
                     get_updates_request=polling) as bot:
        telegram_user.send_text(QUESTIONS[0][0])
        telegram_user.wait_for_bot_messages(1)

        # getUpdates answered only after 2.5 s for the next 3 s: each poll times out at 1.5 s
        before = polling.calls["getUpdates"]
        telegram_user.inject_error("getUpdates", None, times=None, delay_ms=2500,
                                   duration_ms=3000)
        wait_until(lambda: faults(telegram_user, "getUpdates") >= 1, "a slow getUpdates")
        telegram_user.send_text(QUESTIONS[1][0])
        [answer] = telegram_user.wait_for_bot_messages(1, timeout=20)
        assert which_question(answer) == 1
        calls = polling.calls["getUpdates"] - before
        assert 2 <= calls <= OUTAGE_CALLS, f"{calls} getUpdates calls in a 3 s slow spell"

        # a sendMessage whose confirmation comes after the bot gave up: it still arrives, and
        # is neither sent twice nor followed by an apology
        telegram_user.inject_error("sendMessage", None, delay_ms=1500)
        telegram_user.send_text(QUESTIONS[2][0])
        [slow] = telegram_user.wait_for_bot_messages(1, timeout=10)
        assert which_question(slow) == 2
        wait_until_idle(bot, telegram_user)
        telegram_user.send_text(QUESTIONS[3][0])
        [last] = telegram_user.wait_for_bot_messages(1)
        assert which_question(last) == 3
        telegram_user.assert_no_bot_messages(wait=0.5)
        assert len(telegram_user.bot_messages()) == 4  # each question answered once
        assert error_names(bot) == ["TimedOut"]


# -- the emulator killed and restarted -----------------------------------------------------------


@dataclass
class OwnEmulator:
    """An emulator of this test's own, which it may kill and start again on the same port."""

    process: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no goodbye to open connections, like a crashed server."""
        self.process.kill()
        self.process.wait(10)
        shut_down_emulator(self.process)  # closes its pipes

    def restart(self, next_update_id: int, next_message_id: int) -> None:
        """Start again on the same port, numbering on as Telegram's persistent state would."""
        self.process, _ = launch_emulator(
            self.log_path, self.port,
            ["--first-update-id", str(next_update_id),
             "--first-message-id", str(next_message_id)])


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[OwnEmulator]:
    log_path = tmp_path / "emulator.log"
    process, port = launch_emulator(log_path)
    own = OwnEmulator(process, port, log_path)
    try:
        yield own
    finally:
        shut_down_emulator(own.process)


def test_emulator_killed_and_restarted_mid_conversation(
        own_emulator: OwnEmulator, bot_token: str) -> None:
    polling = CountingRequest(connection_pool_size=1)
    with TelegramUser(own_emulator.url, bot_token) as user, \
            running_bot(own_emulator.url, bot_token, get_updates_request=polling) as bot:
        user.send_text("when did tokaev meet shmid")
        [first] = user.wait_for_bot_messages(1)
        assert which_question(first) == 1
        counters = user.stats()

        before = polling.calls["getUpdates"]
        down_at = time.monotonic()
        own_emulator.kill()
        wait_until(lambda: polling.calls["getUpdates"] >= before + 2,
                   "the bot to try getUpdates twice while the server is down")
        own_emulator.restart(counters["next_update_id"], counters["next_message_id"])
        down_for = time.monotonic() - down_at
        calls = polling.calls["getUpdates"] - before
        assert calls <= OUTAGE_CALLS, f"{calls} getUpdates calls in {down_for:.1f} s down"

        # the follow-up still knows what "they" refers to: the conversation survived
        user.send_text("what did they discuss?")
        [follow_up] = user.wait_for_bot_messages(1, timeout=20)
        assert "cooperation" in (follow_up.text or "")
        assert "Helga Schmid" in (follow_up.text or "")
        user.send_text(QUESTIONS[0][0])
        [answer] = user.wait_for_bot_messages(1)
        assert which_question(answer) == 0
        user.assert_no_bot_messages(wait=0.3)
        assert len(user.bot_messages()) == 2  # the restarted server saw each answer once
        assert bot.errors == []


# -- floods --------------------------------------------------------------------------------------


def test_flood_of_200_is_answered_up_to_the_limit_then_told_once(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    other = emulator.user(bot_token)
    with running_bot(emulator.url, bot_token) as bot:  # the default: 20 per minute
        asked = [QUESTIONS[i % len(QUESTIONS)][0] for i in range(200)]
        for number, question in enumerate(asked):
            telegram_user.send_text(question)
            if number == 100:
                other.send_text(QUESTIONS[0][0])
        [theirs] = other.wait_for_bot_messages(1)
        assert which_question(theirs) == 0  # someone else's flood does not throttle them
        wait_until_idle(bot, telegram_user)

        sent = telegram_user.bot_messages()
        answers, notices = sent[:20], sent[20:]
        assert [which_question(m) for m in answers] == [i % len(QUESTIONS) for i in range(20)]
        assert len(notices) == 1, [m.text for m in notices]
        assert THROTTLED in (notices[0].text or "")
        assert "the first 20" in (notices[0].text or "")
        other.assert_no_bot_messages(wait=0.1)
        assert bot.errors == []


def test_flood_in_one_chat_does_not_keep_another_waiting(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    other = emulator.user(bot_token)
    # Lift the throttle so that all 200 are answered: the rate limiter then sends at most
    # 30 messages a second, so the flood takes several seconds to answer, in order.
    with running_bot(emulator.url, bot_token, flood_limit=1000):
        for number in range(200):
            telegram_user.send_text(QUESTIONS[number % len(QUESTIONS)][0])
            if number == 99:
                other.send_text(QUESTIONS[0][0])
        [theirs] = other.wait_for_bot_messages(1, timeout=10)
        assert which_question(theirs) == 0
        flood = telegram_user.wait_for_bot_messages(200, timeout=30)
        assert [which_question(m) for m in flood] == [i % len(QUESTIONS) for i in range(200)]
        before_theirs = sum(1 for m in flood if m.message_id < theirs.message_id)
        # Handled one update after another, their question would wait for the 100 sent
        # before it; handled per chat, it is answered while most of the flood is still to go.
        assert before_theirs < 100, before_theirs
        telegram_user.assert_no_bot_messages(wait=0.3)


# -- secrets -------------------------------------------------------------------------------------


class Capture(logging.Handler):
    """Keeps every record and its fully formatted text (traceback included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


def test_token_stays_out_of_debug_logs_messages_and_stats(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser,
        monkeypatch: pytest.MonkeyPatch) -> None:
    api_url = f"{emulator.bot_base_url}{bot_token}/getChat"
    capture = Capture()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level
              for name in ("", "telegram", "httpx", "httpcore")}
    root.addHandler(capture)  # configured before the bot starts, as the command line does
    root.setLevel(logging.DEBUG)
    admin = emulator.user(bot_token, user_id=ADMIN_ID)
    try:
        with running_bot(emulator.url, bot_token) as bot:
            for name in ("telegram", "httpx", "httpcore"):  # louder than the bot sets them
                logging.getLogger(name).setLevel(logging.DEBUG)
            # the question handler raises an error that carries the token
            engine = bot.application.bot_data["meetbot"].engine
            real_ask = engine.ask

            def failing_ask(question: str, *args: Any, **kwargs: Any) -> Any:
                if question == "boom":
                    raise RuntimeError(f"could not fetch {api_url}")
                return real_ask(question, *args, **kwargs)

            monkeypatch.setattr(engine, "ask", failing_ask)
            telegram_user.send_text("boom")
            [sorry] = telegram_user.wait_for_bot_messages(1)
            assert APOLOGY in (sorry.text or "")

            # network errors (500s) whose descriptions carry it, on getUpdates and sendMessage
            telegram_user.inject_error("getUpdates", 500, f"Internal Server Error at {api_url}",
                                       times=2)
            admin.inject_error("sendMessage", 500, f"Internal Server Error: {api_url}")
            admin.send_text(QUESTIONS[0][0])
            [admin_sorry] = admin.wait_for_bot_messages(1, timeout=15)
            assert APOLOGY in (admin_sorry.text or "")

            telegram_user.inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
                                       {"retry_after": 1})
            telegram_user.send_text(QUESTIONS[1][0])
            [answer] = telegram_user.wait_for_bot_messages(1, timeout=15)
            assert which_question(answer) == 1

            admin.send_command("/stats")
            [stats] = admin.wait_for_bot_messages(1)
            assert "Answered:" in (stats.text or "")
            assert sorted(error_names(bot)) == ["NetworkError", "RuntimeError"]
    finally:
        root.removeHandler(capture)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)

    secret_half = bot_token.split(":", 1)[1]
    logged = "\n".join(capture.lines)
    assert any(r.levelno == logging.DEBUG and r.name.startswith("telegram")
               for r in capture.records)
    assert any(r.name.startswith("httpx") for r in capture.records)
    assert any(r.levelno >= logging.ERROR and r.exc_info for r in capture.records)
    assert "[token]" in logged  # it was there, and was redacted
    for record in capture.records:
        assert secret_half not in record.getMessage()
        assert secret_half not in repr(record.args)
    assert secret_half not in logged
    sent = [m.text or "" for m in telegram_user.bot_messages(all_chats=True)]
    assert sent and not [text for text in sent if secret_half in text]
    assert secret_half not in (stats.text or "")
