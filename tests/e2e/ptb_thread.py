"""Run a python-telegram-bot ``Application`` in a background thread for end-to-end tests.

The bot gets its own event loop, so tests can stay synchronous and use the blocking
:class:`~tests.e2e.client.TelegramUser` without starving the bot.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, ContextTypes

T = TypeVar("T")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class BotThread:
    """Runs ``application`` against the emulator until :meth:`stop` (or the ``with`` block ends).

    By default it long-polls (``poll_interval=0``); with ``webhook_port`` it instead serves a
    webhook on ``127.0.0.1:webhook_port`` and registers it with the emulator.

    Exceptions raised by handlers are collected in :attr:`errors` and re-raised by
    :meth:`stop` when ``raise_handler_errors`` is true, so a broken handler fails the test.
    """

    def __init__(
        self,
        application: AnyApplication,
        *,
        poll_timeout: float = 5,
        raise_handler_errors: bool = True,
        drop_pending_updates: bool = False,
        webhook_port: int | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        self.application = application
        self.poll_timeout = poll_timeout
        self.raise_handler_errors = raise_handler_errors
        self.drop_pending_updates = drop_pending_updates
        self.webhook_port = webhook_port
        self.webhook_secret = webhook_secret
        self.errors: list[BaseException] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ptb-bot", daemon=True)
        application.add_error_handler(self._on_error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:
            self._failure = exc
        finally:
            self._started.set()
            loop.close()

    async def _main(self) -> None:
        app = self.application
        self._stop_event = asyncio.Event()
        await app.initialize()
        try:
            await app.start()
            assert app.updater is not None, "the Application needs an Updater"
            if self.webhook_port is None:
                await app.updater.start_polling(
                    poll_interval=0,
                    timeout=int(self.poll_timeout),
                    drop_pending_updates=self.drop_pending_updates,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                await app.updater.start_webhook(
                    listen="127.0.0.1",
                    port=self.webhook_port,
                    url_path="telegram",
                    webhook_url=f"http://127.0.0.1:{self.webhook_port}/telegram",
                    secret_token=self.webhook_secret,
                    drop_pending_updates=self.drop_pending_updates,
                    allowed_updates=Update.ALL_TYPES,
                )
            self._started.set()
            await self._stop_event.wait()
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()

    def start(self, timeout: float = 20.0) -> BotThread:
        self._thread.start()
        if not self._started.wait(timeout):
            raise TimeoutError(f"the bot did not start polling within {timeout}s")
        if self._failure is not None:
            raise RuntimeError("the bot failed to start") from self._failure
        return self

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        """Run a coroutine on the bot's loop (e.g. ``bot.call(app.bot.set_my_commands(...))``)."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("the bot thread is not running")
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def stop(self, timeout: float = 30.0, *, raise_errors: bool = True) -> None:
        loop, stop_event = self._loop, self._stop_event
        if loop is not None and stop_event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop_event.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the bot did not stop within {timeout}s")
        if not raise_errors:
            return
        if self._failure is not None:
            raise RuntimeError("the bot thread failed") from self._failure
        if self.raise_handler_errors and self.errors:
            raise RuntimeError(f"handler error(s): {self.errors!r}") from self.errors[0]

    def __enter__(self) -> BotThread:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Do not mask an exception from the with-block with the bot's own errors.
        self.stop(raise_errors=exc_type is None)
