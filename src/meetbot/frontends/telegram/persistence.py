"""What users set survives a restart: python-telegram-bot persistence in one JSON file.

:class:`JsonPersistence` is a :class:`telegram.ext.BasePersistence` that keeps ``user_data``
(each user's ``/lang`` choice), ``chat_data`` (conversation contexts, which message answered
which question) and the callback data of the buttons in ``<state dir>/telegram-<bot id>.json``.
The application saves into it every ``Settings.save_interval`` seconds and on shutdown; the
file is written whole to a temporary file and renamed over the old one, so a crash leaves
the previous state, never half of one.

JSON, not pickle: a state file cannot run code when it is read. It is still read only when
it can be trusted, in a private folder like the engine cache's
(:mod:`meetbot.private_folder`):

* the folder is created private (mode 0700) and used only while it is a real directory (not
  a symlink) owned by this user that neither group nor others can write to; otherwise
  nothing is read or written there and the bot keeps its state in memory (one warning);
* the file is opened without following a symlink or waiting on a FIFO, and read only if it
  is a regular file of this user's that no one else can write to, of at most
  :data:`MAX_STATE_BYTES`;
* what it holds is checked entry by entry (a button only if it reads back as one of the
  bot's own).

A file that is refused, unreadable or corrupt is logged (by name, once) and the bot starts
afresh; the next save replaces it. None of this ever stops the bot.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, Final

from telegram.ext import BasePersistence, PersistenceInput

from meetbot.errors import MeetbotError
from meetbot.frontends.telegram.keyboards import press_from_json, press_to_json
from meetbot.private_folder import open_file, open_folder, write_file

logger = logging.getLogger(__name__)

FORMAT: Final = "meetbot telegram state 1"
MAX_STATE_BYTES: Final = 64 * 2**20
"""The largest state file read (about 20,000 remembered answers with their quotes)."""
_UUID = re.compile(r"[0-9a-f]{32}")
_ID = re.compile(r"-?\d{1,20}")

Data = dict[Any, Any]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
"""The buttons as python-telegram-bot's callback data cache hands them over: each keyboard's
key, when it was last used, its buttons' objects by key; and pressed buttons' keyboards."""
ConversationKey = tuple[int | str, ...]


class UnsafeStateFolder(MeetbotError):
    """The state folder is not a directory of this user's that no one else can write to."""


class RefusedStateFile(MeetbotError):
    """The state file is not one this bot can trust."""


def state_file_name(token: str) -> str:
    """The state file of the bot whose token is ``token`` (named by its public bot id)."""
    return f"telegram-{token.partition(':')[0]}.json"


class JsonPersistence(BasePersistence[Data, Data, Data]):
    """python-telegram-bot persistence of user data, chat data and buttons in a JSON file.

    Bot data and conversation handlers are not kept (the bot has neither to keep).
    """

    def __init__(self, folder: Path, name: str, update_interval: float = 60) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False),
                         update_interval=update_interval)
        self.folder = folder
        self.name = name
        self.users: dict[int, Data] = {}
        self.chats: dict[int, Data] = {}
        self.keyboards: list[tuple[str, float, dict[str, Any]]] = []
        self.usable = True
        self._loaded = False
        self._dirty = False
        self._saved: bytes | None = None
        self._saving: asyncio.Task[None] | None = None

    @property
    def path(self) -> Path:
        """The state file."""
        return self.folder / self.name

    # -- reading -------------------------------------------------------------------------------

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            fd = open_folder(self.folder, UnsafeStateFolder)
        except (UnsafeStateFolder, OSError) as exc:
            self.usable = False
            logger.warning("not keeping the bot's state in %s: %s; users' languages, "
                           "conversations and buttons will not survive a restart",
                           self.folder, _reason(exc))
            return
        try:
            document = _read(fd, self.name)
        except (RefusedStateFile, OSError) as exc:
            logger.warning("ignoring the state file %s (%s): starting afresh; it will be "
                           "replaced", self.path, _reason(exc))
            return
        finally:
            os.close(fd)
        if document is None:
            return
        try:
            self._take(document)
        except RefusedStateFile as exc:
            logger.warning("ignoring the state file %s (%s): starting afresh; it will be "
                           "replaced", self.path, exc)

    def _take(self, document: object) -> None:
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise RefusedStateFile("it is not a meetbot state file")
        users, chats, keyboards = (document.get(k) for k in ("users", "chats", "keyboards"))
        if not (isinstance(users, dict) and isinstance(chats, dict)
                and isinstance(keyboards, list)):
            raise RefusedStateFile("it is damaged")
        self.users = _by_id(users)
        self.chats = _by_id(chats)
        for entry in keyboards:
            if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
                    and _UUID.fullmatch(entry[0]) and isinstance(entry[1], int | float)
                    and isinstance(entry[2], dict)):
                continue
            presses = {key: press for key, data in entry[2].items()
                       if isinstance(key, str) and _UUID.fullmatch(key)
                       and (press := press_from_json(data)) is not None}
            if presses:
                self.keyboards.append((entry[0], float(entry[1]), presses))
        self.keyboards.sort(key=lambda entry: entry[1])  # the most recent last: kept longest
        self._saved = _dump(document)

    async def get_user_data(self) -> dict[int, Data]:
        """Each user's data as last saved."""
        self._load()
        return {user_id: dict(data) for user_id, data in self.users.items()}

    async def get_chat_data(self) -> dict[int, Data]:
        """Each chat's data as last saved."""
        self._load()
        return {chat_id: dict(data) for chat_id, data in self.chats.items()}

    async def get_bot_data(self) -> Data:
        """Nothing: bot data is not kept."""
        return {}

    async def get_callback_data(self) -> CDCData | None:
        """The buttons of the keyboards last saved (pressed ones are not mapped back)."""
        self._load()
        if not self.keyboards:
            return None
        return [(uuid, at, dict(presses)) for uuid, at, presses in self.keyboards], {}

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        """Nothing: the bot has no conversation handlers."""
        return {}

    # -- updating ------------------------------------------------------------------------------

    async def update_user_data(self, user_id: int, data: Data) -> None:
        """Keep ``data`` for ``user_id`` (a user with none is forgotten)."""
        self._keep(self.users, user_id, data)

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        """Keep ``data`` for ``chat_id`` (a chat with none is forgotten)."""
        self._keep(self.chats, chat_id, data)

    async def update_bot_data(self, data: Data) -> None:
        """Nothing: bot data is not kept."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Keep the buttons of every keyboard python-telegram-bot still remembers."""
        self.keyboards = list(data[0])
        self._changed()

    async def update_conversation(self, name: str, key: ConversationKey,
                                  new_state: object | None) -> None:
        """Nothing: the bot has no conversation handlers."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget ``chat_id``."""
        if self.chats.pop(chat_id, None) is not None:
            self._changed()

    async def drop_user_data(self, user_id: int) -> None:
        """Forget ``user_id``."""
        if self.users.pop(user_id, None) is not None:
            self._changed()

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Nothing: only this process writes the file while it runs."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Nothing: only this process writes the file while it runs."""

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Nothing: bot data is not kept."""

    async def flush(self) -> None:
        """Save what changed now (called on shutdown)."""
        if self._saving is not None:
            await self._saving
        await self._save()

    # -- writing -------------------------------------------------------------------------------

    def _keep(self, table: dict[int, Data], key: int, data: Data) -> None:
        """Keep ``data`` under ``key`` in ``table`` (none: forget ``key``), and save soon."""
        if data:
            table[key] = data
        else:
            table.pop(key, None)
        self._changed()

    def _changed(self) -> None:
        """Mark the state changed; save it once this round of updates is in."""
        self._dirty = True
        if self.usable and (self._saving is None or self._saving.done()):
            self._saving = asyncio.get_running_loop().create_task(self._save_soon())

    async def _save_soon(self) -> None:
        await asyncio.sleep(0)  # let the other updates of this round arrive first
        await self._save()

    async def _save(self) -> None:
        while self._dirty and self.usable:
            self._dirty = False
            try:
                data = _dump(self._document())
            except (TypeError, ValueError) as exc:  # something not JSON in the data
                logger.error("cannot save the bot's state: %s", exc)
                return
            if data == self._saved:
                continue
            try:
                await asyncio.to_thread(_write, self.folder, self.name, data)
            except UnsafeStateFolder as exc:
                self.usable = False
                logger.warning("not keeping the bot's state in %s: %s", self.folder, exc)
            except OSError as exc:
                logger.warning("could not save the bot's state to %s (%s)", self.path, exc)
                return  # tried again at the next change
            else:
                self._saved = data

    def _document(self) -> dict[str, Any]:
        keyboards = []
        for uuid, at, buttons in self.keyboards:
            encoded = {key: data for key, press in buttons.items()
                       if (data := press_to_json(press)) is not None}
            if encoded:
                keyboards.append([uuid, at, encoded])
        return {"format": FORMAT,
                "users": {str(k): v for k, v in self.users.items() if v},
                "chats": {str(k): v for k, v in self.chats.items() if v},
                "keyboards": keyboards}


def _reason(exc: Exception) -> str:
    """What went wrong, in words (an OS error's own, without the path)."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _by_id(table: dict[Any, Any]) -> dict[int, Data]:
    """The entries of ``table`` whose key is a Telegram id and whose value is an object."""
    return {int(key): value for key, value in table.items()
            if isinstance(key, str) and _ID.fullmatch(key) and isinstance(value, dict)}


def _dump(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- the folder and the file ---------------------------------------------------------------------


def _read(folder: int, name: str) -> object | None:
    """The JSON document in ``name`` (None: there is no such file)."""
    handle = open_file(folder, name, RefusedStateFile)
    if handle is None:
        return None
    with handle:
        data = handle.read(MAX_STATE_BYTES + 1)
    if len(data) > MAX_STATE_BYTES:
        raise RefusedStateFile(f"it is larger than {MAX_STATE_BYTES // 2**20} MB")
    try:
        document: object = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RefusedStateFile(f"it is not JSON: {exc}") from None
    return document


def _write(folder: Path, name: str, data: bytes) -> None:
    """Write ``data`` as ``name`` atomically (a private temporary file, then a rename)."""
    fd = open_folder(folder, UnsafeStateFolder)
    try:
        write_file(fd, name, lambda handle: handle.write(data), durable=True)
    finally:
        os.close(fd)
