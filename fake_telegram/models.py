"""Data structures of the fake Bot API server: recorded calls, files, chats, faults."""

from __future__ import annotations

import json
import math
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiError",
    "Call",
    "ChatState",
    "Fault",
    "RateLimiter",
    "StoredFile",
    "Upload",
    "image_size",
]


class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Telegram-shaped response body."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """400 with ``Bad Request: `` prefixed to ``description``."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Call:
    """One Bot API request, recorded when it arrives; the response is filled in when answered.

    While the request is in flight (e.g. delayed by ``hang_next`` or a long poll),
    ``done`` is False, ``status`` is 0 and ``response`` is ``{}``.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    time: float
    raw_response: str = field(default="", repr=False)
    status: int = 0
    index: int = 0
    produced: tuple[tuple[int, int], ...] = field(default=(), repr=False)
    done_time: float | None = field(default=None, repr=False)
    _decoded: tuple[str, dict[str, Any]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def done(self) -> bool:
        """True once the fake has answered the request."""
        return self.done_time is not None

    @property
    def response(self) -> dict[str, Any]:
        """The decoded response body (``{}`` while in flight)."""
        if not self.raw_response:
            return {}
        if self._decoded is None or self._decoded[0] is not self.raw_response:
            self._decoded = (self.raw_response, json.loads(self.raw_response))
        return self._decoded[1]

    @property
    def ok(self) -> bool:
        """True if the call succeeded."""
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        """``response["result"]`` (None for errors)."""
        return self.response.get("result")

    @property
    def error_code(self) -> int | None:
        """``response["error_code"]`` (None on success)."""
        return self.response.get("error_code")

    @property
    def description(self) -> str | None:
        """``response["description"]`` (None on success)."""
        return self.response.get("description")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or sent by a simulated user)."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    size: int
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    file_path: str | None = None
    photo_sizes: list[dict[str, Any]] | None = None


@dataclass
class ChatState:
    """A chat with its stored messages (ordered, indexed by message_id) and topics."""

    chat: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted_topics: set[int] = field(default_factory=set)
    members: dict[int, str] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    blocked: bool = False
    menu_button: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        """Chat id."""
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        """Chat type: private, group, supergroup or channel."""
        return str(self.chat["type"])

    @property
    def is_group(self) -> bool:
        """True for groups and supergroups."""
        return self.type in ("group", "supergroup")

    @property
    def is_forum(self) -> bool:
        """True for forum supergroups."""
        return bool(self.chat.get("is_forum"))

    def take_message_id(self) -> int:
        """Allocate the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class Fault:
    """An injected failure or delay for the next matching call(s)."""

    method: str
    kind: str  # "fail" | "hang"
    times: int = 1
    predicate: Callable[[dict[str, Any]], bool] | None = None
    error_code: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    seconds: float = 0.0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this fault applies to a call of ``method`` with ``params``."""
        if self.times <= 0 or self.method.lower() != method.lower():
            return False
        return self.predicate is None or bool(self.predicate(params))


class _Window:
    """Sliding-window counter: at most ``limit`` events per ``period`` seconds."""

    __slots__ = ("events", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until another event fits (0 if it fits now)."""
        events = self.events
        while events and events[0] <= now - self.period:
            events.popleft()
        if len(events) < self.limit:
            return 0.0
        return events[len(events) - self.limit] + self.period - now


def _window_for_rate(per_second: float) -> tuple[int, float]:
    if per_second >= 1:
        return int(per_second), 1.0
    return 1, 1.0 / per_second


class RateLimiter:
    """Telegram-like flood limits: per chat per second, per group per minute, global."""

    def __init__(
        self,
        per_chat_per_s: float | None,
        per_group_per_min: int | None,
        global_per_s: float | None,
    ) -> None:
        self.per_chat_per_s = per_chat_per_s
        self.per_group_per_min = per_group_per_min
        self.global_per_s = global_per_s
        self._chat: dict[int, _Window] = {}
        self._group: dict[int, _Window] = {}
        self._global = (
            _Window(*_window_for_rate(global_per_s)) if global_per_s and global_per_s > 0 else None
        )

    def check(self, chat_id: int, is_group: bool, now: float) -> int | None:
        """Register a send at ``now``; return ``retry_after`` seconds if it must be refused."""
        windows: list[_Window] = []
        if self._global is not None:
            windows.append(self._global)
        if self.per_chat_per_s and self.per_chat_per_s > 0:
            window = self._chat.get(chat_id)
            if window is None:
                window = self._chat[chat_id] = _Window(*_window_for_rate(self.per_chat_per_s))
            windows.append(window)
        if is_group and self.per_group_per_min and self.per_group_per_min > 0:
            window = self._group.get(chat_id)
            if window is None:
                window = self._group[chat_id] = _Window(int(self.per_group_per_min), 60.0)
            windows.append(window)
        wait = max((w.wait_time(now) for w in windows), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window in windows:
            window.events.append(now)
        return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image, or None if unknown."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return int(width), int(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
        if data[:2] == b"\xff\xd8":
            return _jpeg_size(data)
    except (struct.error, IndexError):
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (seg_len,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + seg_len
    return None
