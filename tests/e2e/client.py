"""A synchronous test client that plays a Telegram *user* against the Bot API emulator.

The emulator (``tests/e2e/emulator.js``) exposes, next to the Bot API at ``/bot<token>/...``,
client endpoints that enqueue updates for the bot and let tests read back what the bot did.
Everything goes to the emulator's loopback URL only.

Blocking calls (``wait_for_*``) are long polls on the emulator side, so they do not busy-loop.
Do not call them from the event loop that runs the bot under test: run the bot in another
thread (see :mod:`tests.e2e.ptb_thread`) or in another process.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

JSON = dict[str, Any]

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_ids = itertools.count(1)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def make_entity(text: str, fragment: str, entity_type: str, **extra: Any) -> JSON:
    """A MessageEntity of ``entity_type`` covering the first occurrence of ``fragment``."""
    index = text.find(fragment)
    if index < 0:
        raise ValueError(f"{fragment!r} does not occur in {text!r}")
    entity: JSON = {
        "type": entity_type,
        "offset": utf16_len(text[:index]),
        "length": utf16_len(fragment),
    }
    entity.update(extra)
    return entity


def command_entities(text: str) -> list[JSON]:
    """``bot_command`` entity for a message starting with ``/command[@bot]``."""
    if not text.startswith("/"):
        raise ValueError(f"a command must start with '/': {text!r}")
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


class EmulatorError(RuntimeError):
    """The emulator refused a client request."""


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as the emulator currently stores it (edits applied)."""

    message_id: int
    chat_id: int | str
    text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    entities: list[JSON] | None
    method: str
    edited: bool
    deleted: bool
    message: JSON
    params: JSON

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BotMessage:
        return cls(
            message_id=int(data["message_id"]),
            chat_id=data["chat_id"],
            text=data.get("text"),
            parse_mode=data.get("parse_mode"),
            reply_markup=data.get("reply_markup"),
            entities=data.get("entities"),
            method=str(data.get("method", "sendMessage")),
            edited=bool(data.get("edited")),
            deleted=bool(data.get("deleted")),
            message=dict(data.get("message") or {}),
            params=dict(data.get("params") or {}),
        )

    def buttons(self) -> list[JSON]:
        """Inline keyboard buttons, row by row, flattened."""
        markup = self.reply_markup or {}
        rows: Sequence[Sequence[JSON]] = markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def callback_data(self) -> list[str]:
        return [str(b["callback_data"]) for b in self.buttons() if "callback_data" in b]

    def button_data(self, button_text: str) -> str:
        """``callback_data`` of the inline button labelled ``button_text``."""
        for button in self.buttons():
            if button.get("text") == button_text and "callback_data" in button:
                return str(button["callback_data"])
        raise KeyError(f"no callback button {button_text!r} in {self.buttons()!r}")


@dataclass
class TelegramUser:
    """A Telegram user talking to one bot (``token``) through the emulator at ``base_url``."""

    base_url: str
    token: str
    user_id: int = field(default_factory=lambda: 100_000 + next(_ids))
    first_name: str = "Tess"
    last_name: str | None = "Tester"
    username: str | None = None
    language_code: str | None = "en"
    timeout: float = 10.0
    _http: httpx.Client = field(init=False, repr=False)
    _message_cursor: dict[str, int] = field(init=False, repr=False, default_factory=dict)
    _edit_cursor: dict[str, int] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        host = urlsplit(self.base_url).hostname or ""
        if host not in _LOOPBACK_HOSTS and not host.startswith("127."):
            raise ValueError(f"the emulator must be on loopback, got {self.base_url!r}")
        if self.username is None:
            self.username = f"user{self.user_id}"
        # trust_env=False: never pick up proxy settings; traffic stays on loopback.
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout, trust_env=False)

    # -- plumbing -------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TelegramUser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, path: str, payload: Mapping[str, Any], *, wait: float = 0.0) -> Any:
        body = {"token": self.token, **payload}
        if wait:
            body["timeout"] = wait
        response = self._http.post(path, json=body, timeout=self.timeout + wait)
        data = response.json()
        if response.status_code != 200 or not data.get("ok"):
            raise EmulatorError(f"{path}: HTTP {response.status_code}: {data}")
        return data["result"]

    # -- who and where ----------------------------------------------------------------------

    @property
    def user(self) -> JSON:
        """The ``from`` User object of this test user."""
        user: JSON = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat_id(self) -> int:
        """The private chat between this user and the bot."""
        return self.user_id

    def chat(self, chat_id: int | None = None, chat_type: str = "private") -> JSON:
        if chat_type == "private":
            private_id = chat_id if chat_id is not None else self.user_id
            chat: JSON = {"id": private_id, "type": "private", "first_name": self.first_name}
            if self.last_name:
                chat["last_name"] = self.last_name
            if self.username:
                chat["username"] = self.username
            return chat
        if chat_id is None:
            chat_id = -(1_000_000_000_000 + self.user_id)
            if chat_type == "group":
                chat_id = -self.user_id
        return {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {abs(chat_id)}"}

    # -- acting as the user -------------------------------------------------------------------

    def send_text(
        self,
        text: str,
        chat_id: int | None = None,
        user: JSON | None = None,
        chat_type: str = "private",
        reply_to: int | BotMessage | Mapping[str, Any] | None = None,
        entities: list[JSON] | None = None,
    ) -> int:
        """Send a text message to the bot; returns its ``message_id``.

        For groups pass ``chat_type="group"``/``"supergroup"`` (a chat id is derived from the
        user unless given). ``reply_to`` is a message id (or a message) in the same chat.
        """
        return self._send("/sendMessage", text, chat_id, user, chat_type, reply_to, entities)

    def send_command(
        self,
        cmd_text: str,
        chat_id: int | None = None,
        user: JSON | None = None,
        chat_type: str = "private",
        reply_to: int | BotMessage | Mapping[str, Any] | None = None,
    ) -> int:
        """Send ``/command args`` with the ``bot_command`` entity; returns its ``message_id``."""
        entities = command_entities(cmd_text)
        return self._send("/sendCommand", cmd_text, chat_id, user, chat_type, reply_to, entities)

    def _send(
        self,
        path: str,
        text: str,
        chat_id: int | None,
        user: JSON | None,
        chat_type: str,
        reply_to: int | BotMessage | Mapping[str, Any] | None,
        entities: list[JSON] | None,
    ) -> int:
        payload: JSON = {
            "from": user or self.user,
            "chat": self.chat(chat_id, chat_type),
            "text": text,
            "date": int(time.time()),
        }
        if entities:
            payload["entities"] = entities
        if reply_to is not None:
            payload["reply_to_message_id"] = _message_id(reply_to)
        result = self._call(path, payload)
        return int(result["message_id"])

    def press_button(
        self,
        message: BotMessage | int,
        callback_data: str,
        chat_id: int | None = None,
        user: JSON | None = None,
        check: bool = True,
    ) -> str:
        """Press the inline button carrying ``callback_data``; returns the callback query id.

        With ``check`` (default) the button must exist on ``message`` as the client last saw it.
        """
        if isinstance(message, BotMessage):
            if check and callback_data not in message.callback_data():
                raise AssertionError(
                    f"no button with callback_data {callback_data!r} on message "
                    f"{message.message_id}: {message.callback_data()!r}"
                )
            message_id, target_chat = message.message_id, message.chat_id
        else:
            message_id = int(message)
            target_chat = chat_id if chat_id is not None else self.chat_id
        result = self._call(
            "/sendCallback",
            {
                "from": user or self.user,
                "chat_id": target_chat,
                "message_id": message_id,
                "data": callback_data,
            },
        )
        return str(result["callback_query_id"])

    def send_inline_query(self, query: str, offset: str = "", chat_type: str | None = None) -> str:
        """Type ``@bot query`` in a chat; returns the inline query id."""
        payload: JSON = {"from": self.user, "query": query, "offset": offset}
        if chat_type:
            payload["chat_type"] = chat_type
        return str(self._call("/sendInlineQuery", payload)["inline_query_id"])

    def send_raw_update(self, update: Mapping[str, Any]) -> JSON:
        """Enqueue an arbitrary Update (without ``update_id``).

        Missing ``message_id``/``date``/``from``/``chat`` of messages are filled in. Returns
        ``{update_id, message_id, inline_query_id, callback_query_id}``.
        """
        result: JSON = self._call("/sendRawUpdate", {"update": dict(update)})
        return result

    def send_photo(
        self,
        caption: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        file_id: str = "AgACAgQAAxkBAAIBtestPHOTOfileID",
    ) -> int:
        """Send a photo message (as a raw update); returns its ``message_id``."""
        message: JSON = {
            "from": self.user,
            "chat": self.chat(chat_id, chat_type),
            "photo": [
                {"file_id": f"{file_id}s", "file_unique_id": "uqs", "width": 90, "height": 67},
                {"file_id": file_id, "file_unique_id": "uqm", "width": 800, "height": 600},
            ],
        }
        if caption is not None:
            message["caption"] = caption
        return int(self.send_raw_update({"message": message})["message_id"])

    def send_sticker(
        self, emoji: str = "👍", chat_id: int | None = None, chat_type: str = "private"
    ) -> int:
        """Send a sticker message (as a raw update); returns its ``message_id``."""
        sticker = {
            "file_id": "CAACAgIAAxkBAAIBtestSTICKER",
            "file_unique_id": "uqsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        message = {"from": self.user, "chat": self.chat(chat_id, chat_type), "sticker": sticker}
        return int(self.send_raw_update({"message": message})["message_id"])

    # -- reading what the bot did ---------------------------------------------------------

    def bot_messages(
        self, chat_id: int | str | None = None, *, all_chats: bool = False
    ) -> list[BotMessage]:
        """Every message the bot sent in the chat (current state), oldest first."""
        payload: JSON = {"count": 0}
        if not all_chats:
            payload["chat_id"] = chat_id if chat_id is not None else self.chat_id
        return [BotMessage.from_json(m) for m in self._call("/getBotMessages", payload)]

    def wait_for_bot_messages(
        self, count: int = 1, timeout: float = 10.0, chat_id: int | str | None = None
    ) -> list[BotMessage]:
        """The next ``count`` messages the bot sends in the chat (not returned before).

        Waits up to ``timeout`` seconds; raises ``AssertionError`` if fewer arrive. Later
        messages stay for the next call.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        target = chat_id if chat_id is not None else self.chat_id
        key = str(target)
        after = self._message_cursor.get(key, 0)
        result = self._call(
            "/getBotMessages", {"chat_id": target, "after": after, "count": count}, wait=timeout
        )
        found = [BotMessage.from_json(m) for m in result]
        if len(found) < count:
            raise AssertionError(
                f"expected {count} bot message(s) in chat {target} within {timeout}s, got "
                f"{len(found)}: {[m.text for m in found]!r}"
            )
        selected = found[:count]
        self._message_cursor[key] = selected[-1].message_id
        return selected

    def assert_no_bot_messages(self, wait: float = 0.5, chat_id: int | str | None = None) -> None:
        """Fail if the bot sends a message not yet returned in the chat within ``wait`` s."""
        target = chat_id if chat_id is not None else self.chat_id
        after = self._message_cursor.get(str(target), 0)
        result = self._call(
            "/getBotMessages", {"chat_id": target, "after": after, "count": 1}, wait=wait
        )
        if result:
            texts = [m.get("text") for m in result]
            raise AssertionError(f"unexpected bot message(s) in chat {target}: {texts!r}")

    def bot_edits(
        self, chat_id: int | str | None = None, *, all_chats: bool = False
    ) -> list[JSON]:
        """Every edit/delete the bot made in the chat: ``{seq, method, message_id, text, ...}``."""
        payload: JSON = {"count": 0}
        if not all_chats:
            payload["chat_id"] = chat_id if chat_id is not None else self.chat_id
        result: list[JSON] = self._call("/getBotEdits", payload)
        return result

    def wait_for_bot_edits(
        self, count: int = 1, timeout: float = 10.0, chat_id: int | str | None = None
    ) -> list[JSON]:
        """The next ``count`` edits in the chat not returned before (waits up to ``timeout``)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        target = chat_id if chat_id is not None else self.chat_id
        key = str(target)
        result: list[JSON] = self._call(
            "/getBotEdits",
            {"chat_id": target, "after": self._edit_cursor.get(key, 0), "count": count},
            wait=timeout,
        )
        if len(result) < count:
            raise AssertionError(
                f"expected {count} bot edit(s) in chat {target} within {timeout}s, got {result!r}"
            )
        selected = result[:count]
        self._edit_cursor[key] = int(selected[-1]["seq"])
        return selected

    def inline_answers(self, inline_query_id: str | None = None, wait: float = 0.0) -> list[JSON]:
        """Stored ``answerInlineQuery`` calls (optionally of one query, waiting for it)."""
        payload: JSON = {}
        if inline_query_id is not None:
            payload["inline_query_id"] = inline_query_id
        result: list[JSON] = self._call("/getInlineAnswers", payload, wait=wait)
        return result

    def wait_for_inline_answer(self, inline_query_id: str, timeout: float = 10.0) -> JSON:
        answers = self.inline_answers(inline_query_id, wait=timeout)
        if not answers:
            raise AssertionError(f"no answer to inline query {inline_query_id} in {timeout}s")
        return answers[0]

    def callback_answers(
        self, callback_query_id: str | None = None, wait: float = 0.0
    ) -> list[JSON]:
        """Stored ``answerCallbackQuery`` calls (optionally of one query, waiting for it)."""
        payload: JSON = {}
        if callback_query_id is not None:
            payload["callback_query_id"] = callback_query_id
        result: list[JSON] = self._call("/getCallbackAnswers", payload, wait=wait)
        return result

    def wait_for_callback_answer(self, callback_query_id: str, timeout: float = 10.0) -> JSON:
        answers = self.callback_answers(callback_query_id, wait=timeout)
        if not answers:
            raise AssertionError(f"no answer to callback query {callback_query_id} in {timeout}s")
        return answers[0]

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSON]:
        """Commands stored by ``setMyCommands`` for ``scope`` (default scope) and language."""
        wanted_scope = dict(scope) if scope else {"type": "default"}
        for entry in self._call("/getMyCommandsStored", {}):
            if entry["scope"] == wanted_scope and entry["language_code"] == language_code:
                commands: list[JSON] = entry["commands"]
                return commands
        return []

    def all_my_commands(self) -> list[JSON]:
        """Every stored ``setMyCommands`` entry: ``{scope, language_code, commands}``."""
        result: list[JSON] = self._call("/getMyCommandsStored", {})
        return result

    def chat_actions(self, chat_id: int | str | None = None) -> list[JSON]:
        target = chat_id if chat_id is not None else self.chat_id
        result: list[JSON] = self._call("/getChatActions", {"chat_id": target})
        return result

    def inject_error(
        self,
        method: str,
        error_code: int | None = 400,
        description: str = "Bad Request: injected error",
        parameters: Mapping[str, Any] | None = None,
        times: int | None = 1,
        *,
        delay_ms: int = 0,
        duration_ms: int = 0,
    ) -> None:
        """Make the bot's next ``times`` calls of ``method`` fail (or be slow).

        ``method`` is a Bot API method, ``"*"`` (any but getUpdates) or ``"all"``. E.g.
        ``inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
        {"retry_after": 1})`` or ``inject_error("sendMessage", 403,
        "Forbidden: bot was blocked by the user")``. With ``duration_ms`` every call in the
        next ``duration_ms`` fails (``times=None``: however many there are) — an outage. With
        ``delay_ms`` the emulator answers only after that long; ``error_code=None`` then makes
        it a slow success (still carried out if the bot has given up waiting).
        """
        payload: JSON = {"method": method, "description": description}
        if error_code is not None:
            payload["error_code"] = error_code
        if times is not None:
            payload["times"] = times
        if parameters:
            payload["parameters"] = dict(parameters)
        if delay_ms:
            payload["delay_ms"] = delay_ms
        if duration_ms:
            payload["duration_ms"] = duration_ms
        self._call("/injectError", payload)

    def clear_faults(self) -> None:
        """Remove every fault injected for this bot that has not fired yet."""
        self._call("/clearFaults", {})

    def method_calls(self, method: str) -> int:
        """How many calls of ``method`` the emulator has received from this bot (any outcome)."""
        methods: dict[str, int] = self.stats()["token"]["methods"]
        return int(methods.get(method, 0))

    def stats(self) -> JSON:
        """Counters: ``{total, methods, token: {...}, next_update_id, next_message_id, ...}``.

        ``token`` is this bot's ``{total, methods, faults, pending_updates}``: ``methods``
        counts every request received (failed or not), ``faults`` those an injected fault
        answered or delayed, ``pending_updates`` the updates not yet confirmed by the bot.
        """
        result: JSON = self._call("/stats", {})
        return result


def _message_id(message: int | BotMessage | Mapping[str, Any]) -> int:
    if isinstance(message, BotMessage):
        return message.message_id
    if isinstance(message, Mapping):
        return int(message["message_id"])
    return int(message)


def iter_buttons(message: BotMessage) -> Iterator[tuple[str, str | None]]:
    """``(text, callback_data)`` of each inline button."""
    for button in message.buttons():
        yield str(button.get("text", "")), button.get("callback_data")
