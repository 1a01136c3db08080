"""The Application: every handler registered in one place, start-up, faults, and running it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import ssl
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from telegram import BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    InvalidCallbackData,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from meetbot.errors import MeetbotError, Problem, TokenError
from meetbot.frontends.telegram.admin import notify_admins, reload, stats
from meetbot.frontends.telegram.buttons import button, expired_button
from meetbot.frontends.telegram.commands import (
    ADMIN_COMMANDS,
    COMMANDS,
    ask,
    command_menu,
    help_command,
    lang_command,
    meetings,
    people,
    sources,
    start,
    unknown_command,
    why,
)
from meetbot.frontends.telegram.flood import ChatOrderedUpdateProcessor, FloodGuard
from meetbot.frontends.telegram.messages import asks_the_bot, inline_query, non_text, text_message
from meetbot.frontends.telegram.persistence import JsonPersistence, state_file_name
from meetbot.frontends.telegram.replies import (
    APOLOGY,
    THROTTLED,
    esc,
    languages,
    message_in,
    text_in,
)
from meetbot.frontends.telegram.security import SecretRedactor, protect_logs, quiet_outages
from meetbot.frontends.telegram.settings import Settings
from meetbot.frontends.telegram.state import STATE_KEY, BotState, state_of, user_language
from meetbot.lang.catalog import DEFAULT_LANGUAGE
from meetbot.store.live import LiveKnowledge

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings) -> AnyApplication:
    """Build the Application with every handler and the error handler registered."""
    protect_logs(settings.token, settings.webhook_secret)
    defaults = Defaults(parse_mode=ParseMode.HTML,
                        link_preview_options=LinkPreviewOptions(is_disabled=True))
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder().token(settings.token).defaults(defaults)
        .arbitrary_callback_data(settings.max_buttons)
        .post_init(post_init).post_shutdown(post_shutdown))
    if settings.rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    if settings.base_url:
        base = settings.base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    # python-telegram-bot's own defaults (256 connections, 1 for getUpdates), with one TLS
    # context for both: loading the CA bundle twice costs another 50 ms at every start
    builder = builder.request(settings.request or HTTPXRequest(
        connection_pool_size=256, httpx_kwargs={"verify": tls_context()}))
    builder = builder.get_updates_request(settings.get_updates_request or HTTPXRequest(
        connection_pool_size=1, httpx_kwargs={"verify": tls_context()}))
    builder = builder.concurrent_updates(ChatOrderedUpdateProcessor(settings.max_running))
    if settings.state_dir is not None:
        builder = builder.persistence(JsonPersistence(
            settings.state_dir, state_file_name(settings.token), settings.save_interval))
    application: AnyApplication = builder.build()
    state = application.bot_data[STATE_KEY] = BotState(settings)
    state.attach(application)

    application.add_handler(TypeHandler(
        Update, FloodGuard(state.throttle, asks_the_bot, throttle_notice)), group=-1)
    new = filters.UpdateType.MESSAGE
    texts = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
    for name, callback in (("start", start), ("help", help_command),
                           ("meetings", meetings), ("people", people),
                           ("sources", sources), ("lang", lang_command),
                           ("why", why), ("stats", stats), ("reload", reload)):
        application.add_handler(CommandHandler(name, callback, filters=new))
    application.add_handler(CommandHandler("ask", ask, filters=texts))
    application.add_handler(MessageHandler(filters.COMMAND & new, unknown_command))
    captioned = filters.CAPTION & (filters.PHOTO | filters.Document.ALL)
    application.add_handler(MessageHandler((filters.TEXT | captioned) & ~filters.COMMAND & texts,
                                           text_message))
    application.add_handler(MessageHandler(
        ~filters.TEXT & ~filters.StatusUpdate.ALL & filters.UpdateType.MESSAGE,
        non_text))
    application.add_handler(CallbackQueryHandler(expired_button,
                                                 pattern=InvalidCallbackData))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(error_handler)
    return application


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context of every connection to the Bot API (httpx's default one, made once)."""
    return httpx.create_ssl_context()


def _samples(application: AnyApplication) -> list[tuple[str, Update]]:
    """One update of each kind a handler of this bot could take, for :func:`allowed_updates`:
    a text and a photo as every kind of message update, a button press, an inline query."""
    person = {"id": 1, "is_bot": False, "first_name": "Sample"}
    chat = {"id": 1, "type": "private", "first_name": "Sample"}
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    raw: list[tuple[str, dict[str, Any]]] = [
        (kind, {"message_id": 1, "date": 0, "chat": chat, "from": person, **body})
        for kind in MESSAGE_UPDATES for body in ({"text": "sample"}, {"photo": photo})]
    raw.append((Update.CALLBACK_QUERY, {"id": "1", "from": person, "chat_instance": "1",
                                        "data": "sample"}))
    raw.append((Update.INLINE_QUERY, {"id": "1", "from": person, "query": "q", "offset": ""}))
    return [(kind, Update.de_json({"update_id": 1, kind: payload}, application.bot))
            for kind, payload in raw]


MESSAGE_UPDATES: Final = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CHANNEL_POST,
                          Update.EDITED_CHANNEL_POST, Update.BUSINESS_MESSAGE,
                          Update.EDITED_BUSINESS_MESSAGE)
PROBED: Final = (CommandHandler, MessageHandler, CallbackQueryHandler, InlineQueryHandler)
"""The handler types :func:`allowed_updates` can probe with sample updates."""


def allowed_updates(application: AnyApplication) -> list[str]:
    """The kinds of update the application's handlers take, for Telegram to send no others.

    Each handler is offered :func:`_samples` (a command handler's filters are, since its
    command needs the bot's name, known only once it has started); the flood guard, which
    looks at every update but answers none itself, is left out. A handler of another type
    makes it every kind.
    """
    samples = _samples(application)
    kinds: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, TypeHandler):
                continue
            if not isinstance(handler, PROBED):
                return list(Update.ALL_TYPES)
            if isinstance(handler, CommandHandler):  # its command aside, its filters decide
                kinds.update(kind for kind, update in samples
                             if kind in MESSAGE_UPDATES and handler.filters.check_update(update))
            else:
                kinds.update(kind for kind, update in samples if handler.check_update(update))
    return [kind for kind in Update.ALL_TYPES if kind in kinds]


def throttle_notice(update: Update, context: ContextTypes.DEFAULT_TYPE, count: int) -> str:
    """The "you're sending questions too fast" notice (HTML) in the user's language."""
    state = state_of(context)
    language = user_language(state, update.effective_user)
    try:
        text = text_in(state, language, "throttled", count=count)
    except KeyError:  # no catalogue has the key
        text = THROTTLED.format(count=count)
    return esc(text)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and apologise, once, in the chat where it happened."""
    error = context.error
    if isinstance(error, Forbidden):
        logger.info("not allowed to write to a chat (blocked or removed): %s", error)
        return
    if isinstance(error, TimedOut) and isinstance(error.__cause__, httpx.ReadTimeout):
        # The request reached Telegram and only its confirmation was late: the message has
        # most likely arrived, and an apology after it would invite the question again.
        logger.warning("Telegram did not confirm a request in time (it was sent): %s", error)
        return
    kind = "an update" if isinstance(update, Update) else "a job"
    logger.error("error while handling %s", kind, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    state = state_of(context)
    chat_id = update.effective_chat.id
    if state.apologies.get(chat_id):
        return
    state.apologies[chat_id] = True
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    text = message_in(state, user_language(state, update.effective_user), "error_apology",
                      APOLOGY)
    try:
        await context.bot.send_message(chat_id, esc(text), parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        logger.warning("could not apologise in a chat: %s", exc)


async def post_init(application: AnyApplication) -> None:
    """Set the command menu, start watching the knowledge files, listen for broken edits."""
    state: BotState = application.bot_data[STATE_KEY]
    state.loop = asyncio.get_running_loop()
    protect_logs(state.settings.token, state.settings.webhook_secret)
    bot = application.bot
    await bot.set_my_commands(command_menu(state, DEFAULT_LANGUAGE))
    # Telegram shows a user the menu in their app's language when there is one for it.
    translated_menus = [c.language for c in languages(state)
                        if any(c.has(f"command.{name}") for name, _ in COMMANDS)
                        and c.language != DEFAULT_LANGUAGE]
    for language in translated_menus:
        try:
            await bot.set_my_commands(command_menu(state, language),
                                      language_code=language)
        except TelegramError as exc:  # e.g. a language code Telegram does not know
            logger.warning("could not set the %s command menu: %s", language, exc)
    everything = (*COMMANDS, *ADMIN_COMMANDS)
    for admin_id in sorted(state.settings.admin_ids):
        try:
            await bot.set_my_commands(command_menu(state, DEFAULT_LANGUAGE, everything),
                                      scope=BotCommandScopeChat(admin_id))
            for language in translated_menus:
                await bot.set_my_commands(command_menu(state, language, everything),
                                          scope=BotCommandScopeChat(admin_id),
                                          language_code=language)
        except TelegramError as exc:  # e.g. the admin never started a chat with the bot
            logger.warning("could not set the admin command menu for %s: %s", admin_id, exc)
    live = state.settings.live

    def on_reload(problems: list[Problem] | None) -> None:
        loop = state.loop
        if loop is None or loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(notify_admins(application, problems), loop)

    live.subscribe(on_reload)
    live.watch()
    logger.info("meetbot is running as @%s", bot.username)


async def post_shutdown(application: AnyApplication) -> None:
    """Stop watching the knowledge files."""
    state: BotState = application.bot_data[STATE_KEY]
    state.loop = None
    state.settings.live.stop()


def run_bot(live: LiveKnowledge, args: argparse.Namespace) -> int:
    """Run the Telegram bot until SIGINT/SIGTERM; return the exit status.

    The settings come from the command line and the environment (:meth:`Settings.from_env`).
    Telegram sends only the kinds of update the handlers take (:func:`allowed_updates`).
    """
    quiet_outages()
    settings = Settings.from_env(
        live, token_file=getattr(args, "token_file", None),
        secret=getattr(args, "secret_token", None),
        secret_file=getattr(args, "secret_token_file", None),
        base_url=getattr(args, "base_url", None))
    token, secret = settings.token, settings.webhook_secret
    protect_logs(token, secret)
    application = build_application(settings)
    wanted = allowed_updates(application)
    webhook_url: str | None = getattr(args, "webhook_url", None)
    try:
        if webhook_url:
            if secret is None:
                logger.warning("webhook without a secret token (MEETBOT_WEBHOOK_SECRET or "
                               "--secret-token-file): anyone who finds the URL can send the "
                               "bot fake updates")
            application.run_webhook(
                listen=args.listen, port=args.port,
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url, secret_token=secret, allowed_updates=wanted)
        else:
            application.run_polling(allowed_updates=wanted)
    except InvalidToken:
        raise TokenError("Telegram rejected the bot token; check it with @BotFather") from None
    except NetworkError as exc:
        message = SecretRedactor(token, secret).redact(str(exc))
        host = urlsplit(settings.base_url or "https://api.telegram.org").netloc
        raise MeetbotError(f"cannot reach the Telegram Bot API at {host} ({message}): check "
                           "the network and try again") from None
    return 0
