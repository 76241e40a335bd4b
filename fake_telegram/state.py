"""In-memory state of the fake Bot API: users, chats, messages, files, updates, call log."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import Counter, deque
from typing import Any

from .models import ApiError, Call, ChatState, Fault, RateLimiter, StoredFile, bad_request

__all__ = ["BOT_ID", "DEFAULT_TOKEN", "State"]

BOT_ID = 123456
DEFAULT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024

_FILE_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
}
_FILE_DIR = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "audio": ("music", ".mp3"),
    "video": ("videos", ".mp4"),
    "video_note": ("video_notes", ".mp4"),
    "sticker": ("stickers", ".webp"),
}


def now_ts() -> int:
    """Unix time as Telegram reports it."""
    return int(time.time())


class State:
    """Everything the fake server knows. Mutated only from the server's event loop."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Приёмная",
            "username": "priemnaya_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.next_update_id = 1
        self.update_event = asyncio.Event()
        self.closing = False
        self.calls: list[Call] = []
        self.call_event = asyncio.Event()
        self.callback_queries: dict[str, bool] = {}
        self.faults: list[Fault] = []
        self.rate_limiter: RateLimiter | None = None
        self.method_counts: Counter[str] = Counter()
        self.error_counts: Counter[int] = Counter()
        self.rate_limited = 0
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.reply_keyboards: dict[tuple[int, int], dict[str, Any]] = {}
        self.produced: list[tuple[int, int]] = []
        self._ids = itertools.count(1)

    # ----------------------------------------------------------------- users, chats

    def add_user(
        self,
        user_id: int,
        first_name: str = "Иван",
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        """Register (or update) a user and their private chat with the bot."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        existing = self.chats.get(user_id)
        if existing is None:
            self.chats[user_id] = ChatState(chat=chat)
        else:
            existing.chat = chat
        return dict(user)

    def user(self, user_id: int) -> dict[str, Any]:
        """The user, registered on first use."""
        user = self.users.get(user_id)
        if user is None:
            return self.add_user(user_id)
        return user

    def add_group(self, chat_id: int, title: str, is_forum: bool = True) -> dict[str, Any]:
        """Register a supergroup (a forum by default) with the bot as administrator."""
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": title}
        if is_forum:
            chat["is_forum"] = True
        # Message 1 of a supergroup is its creation; in forums it is the General topic.
        self.chats[chat_id] = ChatState(chat=chat, next_message_id=2)
        return dict(chat)

    def chat(self, chat_id: Any) -> ChatState:
        """The chat, or 400 "chat not found"; 403 if a private chat blocked the bot."""
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            for state in self.chats.values():
                if str(state.chat.get("username", "")).lower() == name:
                    return state
            raise bad_request("chat not found")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        state = self.chats.get(chat_id)
        if state is None:
            raise bad_request("chat not found")
        return state

    def writable_chat(self, chat_id: Any) -> ChatState:
        """A chat the bot may send to."""
        state = self.chat(chat_id)
        if state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return state

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: sends to their private chat fail with 403."""
        self.user(user_id)
        self.chats[user_id].blocked = True

    # ----------------------------------------------------------------- messages

    def base_message(self, chat: ChatState, sender: dict[str, Any]) -> dict[str, Any]:
        """A new message skeleton with a fresh id in ``chat``."""
        return {
            "message_id": chat.take_message_id(),
            "from": sender,
            "chat": dict(chat.chat),
            "date": now_ts(),
        }

    def store(self, message: dict[str, Any], *, by_bot: bool = False) -> dict[str, Any]:
        """Store (or replace) a message; bot-sent ones are remembered for the current call."""
        chat_id = int(message["chat"]["id"])
        self.chats[chat_id].messages[int(message["message_id"])] = message
        if by_bot:
            self.produced.append((chat_id, int(message["message_id"])))
        return message

    def find_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The stored message or None."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        return chat.messages.get(message_id)

    # ----------------------------------------------------------------- files

    def new_id(self) -> int:
        """A fresh sequence number."""
        return next(self._ids)

    def add_file(
        self,
        kind: str,
        content: bytes,
        *,
        size: int | None = None,
        **extra: Any,
    ) -> StoredFile:
        """Store a file and give it a file_id and a download path."""
        n = self.new_id()
        prefix = _FILE_PREFIX.get(kind, "BQACAgIAAxkBAAI")
        folder, suffix = _FILE_DIR.get(kind, ("documents", ""))
        stored = StoredFile(
            file_id=f"{prefix}{n:06d}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{n:06d}{secrets.token_urlsafe(6)}",
            kind=kind,
            content=content,
            size=len(content) if size is None else size,
            file_path=f"{folder}/file_{n}{suffix}",
            **extra,
        )
        self.files[stored.file_id] = stored
        assert stored.file_path is not None
        self.files_by_path[stored.file_path] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        """A known file or 400 "wrong file identifier"."""
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    # ----------------------------------------------------------------- updates

    def enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Append an update (assigning update_id if missing) and wake long polls."""
        if "update_id" not in update:
            update["update_id"] = self.next_update_id
        self.next_update_id = max(self.next_update_id, int(update["update_id"]) + 1)
        self.updates.append(update)
        self.update_event.set()
        return update

    def confirm(self, offset: int) -> None:
        """Drop updates with id below ``offset`` (negative: keep only the last -offset)."""
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and int(self.updates[0]["update_id"]) < offset:
            self.updates.popleft()

    # ----------------------------------------------------------------- call log

    def begin(self, call: Call) -> None:
        """Append an arriving request to the call log and wake waiters."""
        call.index = len(self.calls)
        self.calls.append(call)
        self.method_counts[call.method] += 1
        self.notify()

    def finish(self, call: Call, raw: str, status: int, produced: list[tuple[int, int]]) -> None:
        """Fill in the response of a recorded call and wake waiters."""
        call.raw_response = raw
        call.status = status
        call.produced = tuple(produced)
        call.done_time = time.monotonic()
        if status != 200:
            self.error_counts[status] += 1
        self.notify()

    def notify(self) -> None:
        """Wake everything waiting for the call log to change."""
        event = self.call_event
        self.call_event = asyncio.Event()
        event.set()

    def take_fault(self, method: str, params: dict[str, Any], kind: str) -> Fault | None:
        """Consume one matching fault of ``kind``."""
        for fault in self.faults:
            if fault.kind == kind and fault.matches(method, params):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None
