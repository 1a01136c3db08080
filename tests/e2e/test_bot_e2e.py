"""meetbot's Telegram bot end to end: real HTTP against the Bot API emulator.

Each test builds the real Application with :func:`meetbot.frontends.telegram.build_application`
(base URL pointed at the emulator, AIORateLimiter on, as in production), runs it with long
polling in a background thread, and plays a Telegram user with :class:`TelegramUser`. The
last tests run ``python bot.py`` itself as a subprocess.
"""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from meetbot.answers.engine import Engine
from meetbot.frontends.telegram.app import build_application, post_init, post_shutdown
from meetbot.frontends.telegram.commands import COMMANDS
from meetbot.frontends.telegram.settings import Settings
from meetbot.store.directory import default_knowledge_dir
from meetbot.store.live import LiveKnowledge

from .client import TelegramUser, make_entity
from .conftest import BOT_USERNAME, REPO_ROOT, Emulator, free_port
from .ptb_thread import AnyApplication, BotThread

pytestmark = pytest.mark.e2e

ADMIN_ID = 4_000_001
CLARIFY_CANDIDATES = ("wen tokaev mete", "tokaev hed", "shmid hed", "tokaev astana",
                      "wen did tokaev mete shmid", "shmid summit", "mete list")
AKORDA = 'href="https://akorda.kz/'


def clarifying_question(engine: Engine) -> tuple[str, str]:
    """A garbled question the engine meets with "did you mean", and a suggestion it answers.

    Chosen at run time, because which garbled question lands between "answer" and "decline"
    moves as the engine's thresholds and phrasings evolve.
    """
    for question in CLARIFY_CANDIDATES:
        answer = engine.ask(question)
        if answer.kind != "clarify":
            continue
        for suggestion in answer.suggestions:
            if engine.ask(suggestion).kind == "answer":
                return question, suggestion
    pytest.fail("no candidate gets a 'did you mean' any more: add one to CLARIFY_CANDIDATES")


@pytest.fixture
def bot(emulator: Emulator, bot_token: str) -> Iterator[BotThread]:
    """The real meetbot Application polling the emulator, with post_init run as in production."""
    live = LiveKnowledge(default_knowledge_dir())
    settings = Settings(token=bot_token, live=live, admin_ids=frozenset({ADMIN_ID}),
                        base_url=emulator.url)
    app: AnyApplication = build_application(settings)
    with BotThread(app, poll_timeout=5) as running:
        running.call(post_init(app))
        try:
            yield running
        finally:
            running.call(post_shutdown(app))


def test_start_shows_what_it_knows_with_tap_to_ask_buttons(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    commands = telegram_user.my_commands()
    assert [c["command"] for c in commands] == [name for name, _ in COMMANDS]
    telegram_user.send_command("/start")
    [menu] = telegram_user.wait_for_bot_messages(1)
    assert menu.parse_mode == "HTML"
    assert "meetings" in (menu.text or "")
    labels = [b["text"] for b in menu.buttons()]
    assert len(labels) >= 3 and all(label.endswith("?") for label in labels)
    telegram_user.press_button(menu, menu.buttons()[0]["callback_data"])
    [answer] = telegram_user.wait_for_bot_messages(1)
    assert "<a href=" in (answer.text or "")


def test_question_is_answered_with_a_citation_link(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_text("when did tokaev meet shmid")
    [answer] = telegram_user.wait_for_bot_messages(1)
    text = answer.text or ""
    assert "7 June 2023" in text
    assert AKORDA in text
    assert re.search(r'<a href="[^"]+">\[1\]</a>', text)
    assert answer.parse_mode == "HTML"
    assert answer.params.get("link_preview_options") == {"is_disabled": True}
    telegram_user.assert_no_bot_messages(wait=0.2)


def test_show_the_quote_edits_the_answer_in_place(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_text("when did tokaev meet shmid")
    [answer] = telegram_user.wait_for_bot_messages(1)
    assert "<blockquote>" not in (answer.text or "")
    query_id = telegram_user.press_button(answer, answer.button_data("Show the quote"))
    telegram_user.wait_for_callback_answer(query_id)
    [edit] = telegram_user.wait_for_bot_edits(1)
    assert edit["method"] == "editMessageText"
    assert edit["message_id"] == answer.message_id
    assert "<blockquote>June 7, 2023</blockquote>" in edit["text"]
    [current] = telegram_user.bot_messages()
    assert current.edited and "<blockquote>" in (current.text or "")
    assert "Hide the quote" in [b["text"] for b in current.buttons()]
    telegram_user.press_button(current, current.button_data("Hide the quote"))
    [back] = telegram_user.wait_for_bot_edits(1)
    assert back["text"] == answer.text
    telegram_user.assert_no_bot_messages(wait=0.2)


def test_did_you_mean_button_asks_the_suggested_question(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    engine = bot.application.bot_data["meetbot"].engine
    question, suggestion = clarifying_question(engine)
    telegram_user.send_text(question)
    [clarify] = telegram_user.wait_for_bot_messages(1)
    assert "Did you mean" in (clarify.text or "")
    telegram_user.press_button(clarify, clarify.button_data(suggestion))
    [answer] = telegram_user.wait_for_bot_messages(1)
    expected = engine.ask(suggestion).text.split("[")[0].strip()
    assert html.escape(expected, quote=False) in (answer.text or "")
    assert "<a href=" in (answer.text or "")


def test_follow_up_question_across_two_messages(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_text("when did tokaev meet shmid")
    telegram_user.wait_for_bot_messages(1)
    telegram_user.send_text("what did they discuss?")
    [follow_up] = telegram_user.wait_for_bot_messages(1)
    assert "cooperation" in (follow_up.text or "")
    assert "Helga Schmid" in (follow_up.text or "")


def test_group_answers_only_when_mentioned_replied_to_or_commanded(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    group = telegram_user.chat(chat_type="supergroup")["id"]
    telegram_user.send_text("when did tokaev meet shmid", chat_type="supergroup")
    telegram_user.send_text("good morning all", chat_type="supergroup")
    telegram_user.assert_no_bot_messages(wait=0.6, chat_id=group)

    text = f"@{BOT_USERNAME} when did tokaev meet shmid"
    asked = telegram_user.send_text(text, chat_type="supergroup",
                                    entities=[make_entity(text, f"@{BOT_USERNAME}", "mention")])
    [answer] = telegram_user.wait_for_bot_messages(1, chat_id=group)
    assert "7 June 2023" in (answer.text or "")
    assert answer.message["reply_to_message"]["message_id"] == asked

    # another member replies to the answer: the follow-up is about the same meeting
    other = {**telegram_user.user, "id": telegram_user.user_id + 50_000, "username": "other"}
    telegram_user.send_text("what did they discuss?", chat_type="supergroup", reply_to=answer,
                            user=other)
    [follow_up] = telegram_user.wait_for_bot_messages(1, chat_id=group)
    assert "cooperation" in (follow_up.text or "")

    telegram_user.send_command(f"/ask@{BOT_USERNAME} who heads ODIHR?", chat_type="supergroup")
    [commanded] = telegram_user.wait_for_bot_messages(1, chat_id=group)
    assert "Maria Telalian" in (commanded.text or "")
    telegram_user.assert_no_bot_messages(wait=0.2, chat_id=group)


def test_inline_query_returns_cited_articles(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    query_id = telegram_user.send_inline_query("who heads ODIHR?")
    answer = telegram_user.wait_for_inline_answer(query_id)
    [article] = answer["results"]
    assert article["type"] == "article"
    content = article["input_message_content"]
    assert "Maria Telalian" in content["message_text"]
    assert 'href="https://www.kt.kz/' in content["message_text"]
    assert content["parse_mode"] == "HTML"


def test_non_text_messages_get_a_friendly_text_only_reply(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_photo()
    [reply] = telegram_user.wait_for_bot_messages(1)
    assert "only answer text questions" in (reply.text or "")
    telegram_user.send_photo(caption="who heads ODIHR?")  # a caption that asks is answered
    [answer] = telegram_user.wait_for_bot_messages(1)
    assert "Maria Telalian" in (answer.text or "")
    telegram_user.send_sticker()
    [reply] = telegram_user.wait_for_bot_messages(1)
    assert "only answer text questions" in (reply.text or "")


def test_5000_character_message_gets_please_shorten(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_text("who heads ODIHR? " + "blah " * 997)
    [reply] = telegram_user.wait_for_bot_messages(1)
    assert "too long" in (reply.text or "")
    assert "under 500 characters" in (reply.text or "")


def test_html_looking_user_text_is_escaped(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    # The emulator rejects malformed HTML with 400, as Telegram does: a reply proves validity.
    telegram_user.send_text("<b>hi</b> & <script>alert('x')</script>")
    [reply] = telegram_user.wait_for_bot_messages(1)
    text = reply.text or ""
    assert reply.parse_mode == "HTML"
    assert "<script" not in text and "<b>hi</b>" not in text
    telegram_user.send_text("who is <i>Schmid</i> & what's <ODIHR>?")
    [reply] = telegram_user.wait_for_bot_messages(1)
    assert "<i>" not in (reply.text or "") and "<ODIHR>" not in (reply.text or "")


@pytest.mark.filterwarnings(  # PTB's own RetryAfter.__init__ reads its deprecated property
    "ignore::telegram.warnings.PTBDeprecationWarning")
def test_flood_limit_is_retried_and_blocked_user_is_ignored(
        bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
                               {"retry_after": 1})
    telegram_user.send_text("who heads ODIHR?")
    [answer] = telegram_user.wait_for_bot_messages(1, timeout=10)
    assert "Maria Telalian" in (answer.text or "")
    telegram_user.inject_error("sendMessage", 403, "Forbidden: bot was blocked by the user")
    telegram_user.send_text("who heads ODIHR?")
    telegram_user.assert_no_bot_messages(wait=0.6)  # no apology to a user who blocked us
    assert [type(e).__name__ for e in bot.errors] == ["Forbidden"]
    bot.errors.clear()  # expected: BotThread would otherwise re-raise it at the end
    telegram_user.send_text("who heads ODIHR?")
    [again] = telegram_user.wait_for_bot_messages(1)
    assert "Maria Telalian" in (again.text or "")


def test_round_trip_rate(bot: BotThread, telegram_user: TelegramUser) -> None:
    questions = ["when did tokaev meet shmid", "what did they discuss?", "who heads ODIHR?",
                 "whom did kosherbayev meet?", "who is the OSCE Secretary General?",
                 "what does ODIHR stand for?"]
    rounds = 30
    # This measures the round trip, not the per-user flood limit (tests/e2e/test_faults.py).
    bot.application.bot_data["meetbot"].throttle.limit = rounds
    started = time.perf_counter()
    for i in range(rounds):
        telegram_user.send_text(questions[i % len(questions)])
        [reply] = telegram_user.wait_for_bot_messages(1, timeout=10)
        assert "<a href=" in (reply.text or ""), reply.text
    elapsed = time.perf_counter() - started
    rate = rounds / elapsed
    print(f"\nmeetbot round-trip rate through the emulator: {rate:.1f} questions/s "
          f"({elapsed * 1000 / rounds:.0f} ms per question and answer)")
    assert rate > 2


# -- the real entry point ------------------------------------------------------------------------


def _bot_env(emulator: Emulator, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "MEETBOT_ADMIN_IDS")}
    env.update(TELEGRAM_BOT_TOKEN=token, MEETBOT_BOT_API_URL=emulator.url,
               NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    return env


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate(timeout=10)
        raise AssertionError(f"bot.py did not stop on SIGTERM:\n{stderr}") from None
    return process.returncode, stderr


def test_bot_py_subprocess_answers_and_stops_cleanly(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    process = subprocess.Popen([sys.executable, "bot.py"], cwd=REPO_ROOT,
                               env=_bot_env(emulator, bot_token), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        telegram_user.send_text("when did tokaev meet shmid")
        [answer] = telegram_user.wait_for_bot_messages(1, timeout=30)
        assert "7 June 2023" in (answer.text or "") and AKORDA in (answer.text or "")
        assert telegram_user.my_commands()  # post_init ran: the command menu is set
    finally:
        code, stderr = _stop(process)
    assert code == 0, stderr
    assert bot_token not in stderr
    assert bot_token.split(":")[1] not in stderr
    assert f"running as @{BOT_USERNAME}" in stderr


def test_bot_py_with_malformed_token_fails_with_one_line(emulator: Emulator) -> None:
    env = _bot_env(emulator, "12345:not-a-real-token")
    result = subprocess.run([sys.executable, "bot.py", "bot"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "malformed" in lines[0]
    assert "not-a-real-token" not in result.stderr


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_bot_py_webhook_mode_with_secret_token(
        emulator: Emulator, bot_token: str, telegram_user: TelegramUser) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram-hook"
    secret = "e2e-Secret_token-42"
    env = {**_bot_env(emulator, bot_token), "MEETBOT_WEBHOOK_SECRET": secret}
    command = [sys.executable, "bot.py", "bot", "--verbose", "--webhook-url", hook,
               "--listen", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert secret not in " ".join(command)  # nothing for `ps` to show
    try:
        # Unlike Telegram, the emulator neither forwards updates queued before setWebhook nor
        # retries a delivery for long: wait until the webhook is registered and listening.
        deadline = time.monotonic() + 30
        while not (telegram_user.stats()["token"]["methods"].get("setWebhook")
                   and _listening(port)):
            assert process.poll() is None and time.monotonic() < deadline, "webhook not up"
            time.sleep(0.05)
        telegram_user.send_text("who heads ODIHR?")
        [answer] = telegram_user.wait_for_bot_messages(1, timeout=30)
        assert "Maria Telalian" in (answer.text or "")
        assert telegram_user.stats()["webhook_deliveries"] >= 1
        info = httpx.post(f"{emulator.url}/bot{bot_token}/getWebhookInfo", trust_env=False)
        assert info.json()["result"]["allowed_updates"] == [
            "message", "edited_message", "inline_query", "callback_query"]
    finally:
        code, stderr = _stop(process)
    assert code == 0, stderr
    # At DEBUG, python-telegram-bot itself logs the API URL, which contains the token.
    assert " DEBUG telegram." in stderr
    assert bot_token not in stderr and bot_token.split(":")[1] not in stderr
    assert secret not in stderr
    assert "webhook without a secret" not in stderr  # read from MEETBOT_WEBHOOK_SECRET
    assert "[secret]" in stderr  # at DEBUG, setWebhook's parameters: redacted
