"""Proves that the patched telegram-test-api emulator works with python-telegram-bot 22.x.

A tiny PTB Application is built inside each test and polls the emulator from a background
thread (:class:`BotThread`); the test plays the user with :class:`TelegramUser`.
"""

from __future__ import annotations

import datetime as dtm
import time
from collections.abc import Iterator

import httpx
import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from .client import TelegramUser, make_entity
from .conftest import BOT_USERNAME, Emulator, free_port
from .ptb_thread import AnyApplication, BotThread

pytestmark = pytest.mark.e2e

seen_messages: list[Message] = []


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    seen_messages.append(update.effective_message)
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data="ans:yes")],
            [InlineKeyboardButton("No", callback_data="ans:no")],
        ]
    )
    await update.effective_message.reply_text(
        "<b>Pick one</b>", reply_markup=keyboard, parse_mode="HTML"
    )


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(text="noted")
    edited = await query.edit_message_text(f"You picked {query.data}")
    assert isinstance(edited, Message)
    assert edited.text == f"You picked {query.data}"


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    assert query is not None
    await query.answer(
        [
            InlineQueryResultArticle(
                id="1",
                title=f"Result for {query.query}",
                input_message_content=InputTextMessageContent(f"You searched {query.query}"),
            )
        ],
        cache_time=0,
    )


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    largest = message.photo[-1]
    await message.reply_text(f"photo {largest.width}x{largest.height} caption={message.caption}")


async def picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    # Uploads bytes: PTB sends multipart/form-data.
    await update.effective_message.reply_photo(b"\x89PNG\r\n\x1a\nfakepng", caption="a picture")


def build_app(emulator: Emulator, token: str) -> AnyApplication:
    app = (
        Application.builder()
        .token(token)
        .base_url(emulator.bot_base_url)
        .base_file_url(emulator.bot_file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("pic", picture))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(InlineQueryHandler(inline))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
def bot(emulator: Emulator, bot_token: str) -> Iterator[BotThread]:
    with BotThread(build_app(emulator, bot_token)) as running:
        yield running


def test_get_me_is_a_complete_bot_user(bot: BotThread) -> None:
    me = bot.application.bot.bot
    assert me.is_bot is True
    assert me.username == BOT_USERNAME
    assert me.supports_inline_queries is True
    assert me.can_join_groups is True
    assert me.id == int(bot.application.bot.token.split(":")[0])


def test_echo_round_trip(bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_text("hello there")
    [reply] = telegram_user.wait_for_bot_messages(1, timeout=10)
    assert reply.text == "echo: hello there"
    assert reply.chat_id == telegram_user.chat_id
    assert reply.message["from"]["username"] == BOT_USERNAME
    telegram_user.assert_no_bot_messages(wait=0.3)


def test_dates_are_seconds(bot: BotThread, telegram_user: TelegramUser) -> None:
    seen_messages.clear()
    telegram_user.send_text("what time is it")
    [reply] = telegram_user.wait_for_bot_messages(1)
    assert len(seen_messages) == 1
    now = dtm.datetime.now(dtm.UTC)
    # The incoming update parsed to a sane datetime ...
    assert seen_messages[0].date.year == now.year
    assert abs((now - seen_messages[0].date).total_seconds()) < 60
    # ... and so did the result of sendMessage (PTB parsed it, or reply_text would have raised).
    assert abs(reply.message["date"] - time.time()) < 60


def test_long_polling_does_not_busy_loop(
    bot: BotThread, telegram_user: TelegramUser, bot_token: str
) -> None:
    before = telegram_user.stats()["token"]["methods"].get("getUpdates", 0)
    time.sleep(3)
    after = telegram_user.stats()["token"]["methods"].get("getUpdates", 0)
    assert after - before < 10, f"{after - before} getUpdates calls in 3 s of idling"
    # and an update still arrives promptly while a long poll is being held
    started = time.monotonic()
    telegram_user.send_text("ping")
    [reply] = telegram_user.wait_for_bot_messages(1, timeout=5)
    assert reply.text == "echo: ping"
    assert time.monotonic() - started < 2


def test_callback_press_edits_message(bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_command("/start")
    [menu] = telegram_user.wait_for_bot_messages(1)
    assert menu.text == "<b>Pick one</b>"
    assert menu.parse_mode == "HTML"
    assert menu.callback_data() == ["ans:yes", "ans:no"]

    query_id = telegram_user.press_button(menu, menu.button_data("Yes"))
    answer = telegram_user.wait_for_callback_answer(query_id)
    assert answer["text"] == "noted"
    [edit] = telegram_user.wait_for_bot_edits(1)
    assert edit["method"] == "editMessageText"
    assert edit["message_id"] == menu.message_id
    assert edit["text"] == "You picked ans:yes"
    [current] = telegram_user.bot_messages()
    assert current.text == "You picked ans:yes"
    assert current.edited
    assert current.reply_markup is None  # an edit without reply_markup drops the keyboard
    with pytest.raises(AssertionError, match="no button"):
        telegram_user.press_button(current, "ans:no")


def test_inline_answer_is_stored(bot: BotThread, telegram_user: TelegramUser) -> None:
    query_id = telegram_user.send_inline_query("budget meeting")
    answer = telegram_user.wait_for_inline_answer(query_id)
    assert answer["query"] == "budget meeting"
    assert answer["cache_time"] == 0
    [result] = answer["results"]
    assert result["type"] == "article"
    assert result["title"] == "Result for budget meeting"
    assert result["input_message_content"]["message_text"] == "You searched budget meeting"


def test_set_my_commands_is_stored(bot: BotThread, telegram_user: TelegramUser) -> None:
    commands = [BotCommand("start", "Start the bot"), BotCommand("help", "Show help")]
    assert bot.call(bot.application.bot.set_my_commands(commands)) is True
    stored = telegram_user.my_commands()
    assert stored == [
        {"command": "start", "description": "Start the bot"},
        {"command": "help", "description": "Show help"},
    ]
    fetched = bot.call(bot.application.bot.get_my_commands())
    assert [c.command for c in fetched] == ["start", "help"]
    assert bot.call(bot.application.bot.delete_my_commands()) is True
    assert telegram_user.my_commands() == []


def test_misc_methods_used_by_bots(bot: BotThread, telegram_user: TelegramUser) -> None:
    b = bot.application.bot
    info = bot.call(b.get_webhook_info())
    assert info.url == ""
    assert bot.call(b.send_chat_action(telegram_user.chat_id, "typing")) is True
    assert telegram_user.chat_actions()[-1]["action"] == "typing"
    telegram_user.send_text("hi")
    telegram_user.wait_for_bot_messages(1)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        bot.call(b.send_message(telegram_user.chat_id, "x" * 4097))
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        bot.call(b.send_message(telegram_user.chat_id, "<b>oops", parse_mode="HTML"))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        bot.call(b.send_message(telegram_user.chat_id, "too long data", reply_markup=markup))


def test_raw_photo_update_reaches_photo_handler(
    bot: BotThread, telegram_user: TelegramUser
) -> None:
    telegram_user.send_photo(caption="whiteboard")
    [reply] = telegram_user.wait_for_bot_messages(1)
    assert reply.text == "photo 800x600 caption=whiteboard"


def test_bot_can_upload_a_photo(bot: BotThread, telegram_user: TelegramUser) -> None:
    telegram_user.send_command("/pic")
    [sent] = telegram_user.wait_for_bot_messages(1)
    assert sent.method == "sendPhoto"
    assert sent.text == "a picture"  # the caption
    assert sent.message["photo"][-1]["file_size"] == len(b"\x89PNG\r\n\x1a\nfakepng")


def test_group_mention_and_reply(bot: BotThread, telegram_user: TelegramUser) -> None:
    text = f"@{BOT_USERNAME} hello group"
    first = telegram_user.send_text(
        text,
        chat_type="supergroup",
        entities=[make_entity(text, f"@{BOT_USERNAME}", "mention")],
    )
    group_id = telegram_user.chat(chat_type="supergroup")["id"]
    [reply] = telegram_user.wait_for_bot_messages(1, chat_id=group_id)
    assert reply.text == f"echo: {text}"
    assert reply.message["chat"]["type"] == "supergroup"
    assert reply.message["reply_to_message"]["message_id"] == first
    telegram_user.send_text("replying", chat_type="supergroup", reply_to=reply)
    [second] = telegram_user.wait_for_bot_messages(1, chat_id=group_id)
    assert second.text == "echo: replying"


def test_webhook_mode_with_secret_token(emulator: Emulator, bot_token: str) -> None:
    port = free_port()
    app = build_app(emulator, bot_token)
    with (
        BotThread(app, webhook_port=port, webhook_secret="s3cr3t-Token_1") as running,
        TelegramUser(emulator.url, bot_token) as user,
    ):
        info = running.call(app.bot.get_webhook_info())
        assert info.url == f"http://127.0.0.1:{port}/telegram"
        user.send_text("via webhook")
        [reply] = user.wait_for_bot_messages(1)
        assert reply.text == "echo: via webhook"
        assert user.stats()["webhook_deliveries"] >= 1
        with pytest.raises(BadRequest, match=r"(?i)loopback"):
            running.call(app.bot.set_webhook("https://example.org/hook"))
    # Polling afterwards works: start_polling deletes the webhook first (else 409 Conflict).
    with BotThread(build_app(emulator, bot_token)), TelegramUser(emulator.url, bot_token) as user:
        user.send_text("polling again")
        [reply] = user.wait_for_bot_messages(1)
        assert reply.text == "echo: polling again"


def test_emulator_only_on_loopback(emulator: Emulator) -> None:
    assert emulator.url.startswith("http://127.0.0.1:")
    response = httpx.post(f"{emulator.url}/stats", json={}, trust_env=False)
    assert response.json()["ok"] is True


def test_round_trip_rate(bot: BotThread, telegram_user: TelegramUser) -> None:
    rounds = 50
    started = time.perf_counter()
    for i in range(rounds):
        telegram_user.send_text(f"msg {i}")
        [reply] = telegram_user.wait_for_bot_messages(1, timeout=10)
        assert reply.text == f"echo: msg {i}"
    elapsed = time.perf_counter() - started
    rate = rounds / elapsed
    print(f"\nround-trip rate: {rate:.1f} messages/s ({elapsed * 1000 / rounds:.1f} ms each)")
    assert rate > 1.0  # generous sanity bound only
