"""Fixtures for end-to-end tests against a local Telegram Bot API emulator.

The emulator is the npm package ``telegram-test-api`` (pinned in ``package.json``; install it
with ``npm ci``) started through ``tests/e2e/emulator.js``, which patches it for
python-telegram-bot 22.x. It listens on 127.0.0.1 only.

* ``emulator`` (session): the running emulator (``.url``, ``.token``, ``.new_token()``,
  ``.user()``, ``.bot_base_url``, ``.bot_file_base_url``).
* ``bot_token`` (function): a fresh fake token, so each test has its own update queue.
* ``telegram_user`` (function): a :class:`TelegramUser` talking to ``bot_token``.

A test that needs an emulator of its own (e.g. to kill and restart it) starts one with
:func:`launch_emulator` and stops it with :func:`shut_down_emulator`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import selectors
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from .client import TelegramUser

REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().with_name("emulator.js")
PACKAGE_DIR = REPO_ROOT / "node_modules" / "telegram-test-api"
HOST = "127.0.0.1"
READY_TIMEOUT = 20.0
DEFAULT_TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKENtest12"
BOT_USERNAME = "meetbot_test_bot"


def make_token(bot_id: int | None = None) -> str:
    """A realistic fake bot token matching ``^\\d+:[A-Za-z0-9_-]{30,}$``."""
    if bot_id is None:
        bot_id = 100_000_000 + secrets.randbelow(899_999_999)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return f"{bot_id}:AA" + "".join(secrets.choice(alphabet) for _ in range(33))


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Emulator:
    """A running emulator process."""

    url: str
    port: int
    process: subprocess.Popen[str]
    log_path: Path
    token: str = DEFAULT_TOKEN
    bot_username: str = BOT_USERNAME
    _users: list[TelegramUser] = field(default_factory=list, repr=False)

    @property
    def bot_base_url(self) -> str:
        """For ``Application.builder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def bot_file_base_url(self) -> str:
        """For ``Application.builder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    @property
    def client(self) -> TelegramUser:
        """A default user talking to the default token."""
        if not self._users:
            self._users.append(TelegramUser(self.url, self.token))
        return self._users[0]

    def new_token(self) -> str:
        return make_token()

    def user(self, token: str | None = None, **kwargs: object) -> TelegramUser:
        """A new :class:`TelegramUser` (closed at session end)."""
        user = TelegramUser(self.url, token or self.token, **kwargs)  # type: ignore[arg-type]
        self._users.append(user)
        return user

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def close_users(self) -> None:
        for user in self._users:
            user.close()
        self._users.clear()


def _wait_ready(process: subprocess.Popen[str], stdout: IO[str], timeout: float) -> int:
    """Read the launcher's stdout until ``READY <port>``; returns the port."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"emulator not READY within {timeout}s")
            if not selector.select(remaining):
                continue
            line = stdout.readline()
            if not line:
                code = process.wait(5)
                raise RuntimeError(f"emulator exited with code {code} before READY")
            if line.startswith("READY "):
                return int(line.split()[1])


def _drain(stream: IO[str]) -> None:
    # Keep reading so the launcher can never block on a full stdout pipe.
    with contextlib.suppress(Exception):
        for _ in stream:
            pass


def _stop(process: subprocess.Popen[str]) -> None:
    """Terminate the launcher by PID: SIGTERM, wait, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _start(node: str, log_path: Path, port: int | None = None,
           extra_args: Sequence[str] = ()) -> tuple[subprocess.Popen[str], int]:
    """Start the launcher (on ``port``, else a free one); returns it and its port."""
    last_error: Exception | None = None
    for _attempt in range(3):
        chosen = port if port is not None else free_port()
        with log_path.open("a") as log:
            process = subprocess.Popen(
                [node, str(LAUNCHER), "--port", str(chosen), "--host", HOST, "--exit-with-stdin",
                 *extra_args],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,  # closed by us (or by our death): the launcher exits
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert process.stdout is not None
        try:
            ready_port = _wait_ready(process, process.stdout, READY_TIMEOUT)
        except (TimeoutError, RuntimeError) as exc:  # e.g. the port was taken meanwhile
            last_error = exc
            _stop(process)
            if port is not None:
                time.sleep(0.5)  # a fixed port: give its previous owner time to let go
            continue
        threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
        return process, ready_port
    log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
    raise RuntimeError(f"could not start the emulator: {last_error}\n{log_text}")


def _node() -> str:
    """The ``node`` executable (skip when the emulator package is not installed)."""
    if not (PACKAGE_DIR / "package.json").is_file():
        pytest.skip(
            f"telegram-test-api is not installed ({PACKAGE_DIR} is missing): "
            f"run `npm ci` in {REPO_ROOT}"
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required for the e2e tests (Node 20+) but was not found on PATH")
    return node


def launch_emulator(log_path: Path, port: int | None = None,
                    extra_args: Sequence[str] = ()) -> tuple[subprocess.Popen[str], int]:
    """Start an emulator of its own (on ``port``, else a free one); returns it and its port.

    ``extra_args`` go to ``emulator.js`` (e.g. ``--first-update-id N``). Stop it with
    :func:`shut_down_emulator`.
    """
    return _start(_node(), log_path, port, extra_args)


def shut_down_emulator(process: subprocess.Popen[str]) -> None:
    """Stop an emulator started by :func:`launch_emulator` (a no-op if it has exited)."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    _stop(process)


@pytest.fixture(scope="session", autouse=True)
def _bot_state_outside_the_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every bot process the tests start keeps its state in a temporary folder."""
    os.environ["MEETBOT_STATE"] = str(tmp_path_factory.mktemp("bot-state"))


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    log_path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    process, port = launch_emulator(log_path)
    emu = Emulator(url=f"http://{HOST}:{port}", port=port, process=process, log_path=log_path)
    try:
        yield emu
    finally:
        emu.close_users()
        shut_down_emulator(process)


@pytest.fixture
def bot_token(emulator: Emulator) -> str:
    """A fresh token: its updates, messages and stored answers are separate from other tests."""
    return emulator.new_token()


@pytest.fixture
def telegram_user(emulator: Emulator, bot_token: str) -> Iterator[TelegramUser]:
    user = TelegramUser(emulator.url, bot_token)
    try:
        yield user
    finally:
        user.close()
