"""The Application: every handler registered in one place, start-up, faults, and running it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import Any
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
)
from meetbot.frontends.telegram.flood import ChatOrderedUpdateProcessor, FloodGuard
from meetbot.frontends.telegram.messages import asks_the_bot, inline_query, non_text, text_message
from meetbot.frontends.telegram.replies import (
    APOLOGY,
    THROTTLED,
    esc,
    languages,
    message_in,
    text_in,
)
from meetbot.frontends.telegram.security import (
    SECRET_TOKEN_PATTERN,
    protect_logs,
    quiet_outages,
)
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
    if settings.request is not None:
        builder = builder.request(settings.request)
    if settings.get_updates_request is not None:
        builder = builder.get_updates_request(settings.get_updates_request)
    builder = builder.concurrent_updates(ChatOrderedUpdateProcessor(settings.max_running))
    application: AnyApplication = builder.build()
    state = application.bot_data[STATE_KEY] = BotState(settings)
    state.buttons.cache = application.bot.callback_data_cache

    application.add_handler(TypeHandler(
        Update, FloodGuard(state.throttle, asks_the_bot, throttle_notice)), group=-1)
    new = filters.UpdateType.MESSAGE
    texts = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
    for name, callback in (("start", start), ("help", help_command),
                           ("meetings", meetings), ("people", people),
                           ("sources", sources), ("lang", lang_command),
                           ("stats", stats), ("reload", reload)):
        application.add_handler(CommandHandler(name, callback, filters=new))
    application.add_handler(CommandHandler("ask", ask, filters=texts))
    application.add_handler(MessageHandler(filters.COMMAND & new, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & texts,
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
    """
    secret: str | None = getattr(args, "secret_token", None)
    quiet_outages()
    settings = Settings.from_env(live, token_file=getattr(args, "token_file", None),
                                 secret=secret, base_url=getattr(args, "base_url", None))
    token = settings.token
    protect_logs(token, secret)
    application = build_application(settings)
    webhook_url: str | None = getattr(args, "webhook_url", None)
    try:
        if webhook_url:
            if secret is not None and not SECRET_TOKEN_PATTERN.fullmatch(secret):
                raise MeetbotError("--secret-token must be 1-256 letters, digits, '_' or '-'")
            if secret is None:
                logger.warning("webhook without --secret-token: anyone who finds the URL can "
                               "send the bot fake updates")
            application.run_webhook(
                listen=args.listen, port=args.port,
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url, secret_token=secret,
                allowed_updates=Update.ALL_TYPES)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise TokenError("Telegram rejected the bot token; check it with @BotFather") from None
    except NetworkError as exc:
        message = str(exc).replace(token, "[token]")
        host = urlsplit(settings.base_url or "https://api.telegram.org").netloc
        raise MeetbotError(f"cannot reach the Telegram Bot API at {host} ({message}): check "
                           "the network and try again") from None
    return 0
