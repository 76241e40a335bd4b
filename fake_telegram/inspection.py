"""What tests look at: the call log, stored messages, keyboards, and waiting for the bot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from .models import Call
from .simulation import inline_buttons_of
from .state import BOT_ID, State

__all__ = ["EDIT_METHODS", "NEW_MESSAGE_METHODS", "InspectionMixin"]

NEW_MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendVideoNote",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
    }
)
EDIT_METHODS = frozenset(
    {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "editMessageMedia"}
)
_COMPLETION_GRACE = 2.0

# A check returns None (no match) or a 1-tuple with the match.
Check = Callable[[Call], "tuple[Any] | None"]


def _snippet(message: dict[str, Any]) -> str:
    text = message.get("text") or message.get("caption") or ""
    kinds = [k for k in ("photo", "document", "voice", "location", "poll") if k in message]
    return f"#{message.get('message_id')} {'/'.join(kinds)} {text[:80]!r}".strip()


class InspectionMixin:
    """Inspection and waiting methods of :class:`FakeTelegram` (run inside its loop)."""

    state: State

    # ------------------------------------------------------------------ the call log

    def calls(self, method: str | None = None, **param_filters: Any) -> list[Call]:
        """Recorded calls in arrival order (so ``calls()[mark:]`` works), optionally filtered."""
        calls = self.state.calls
        if method is None and not param_filters:
            return list(calls)
        return [
            c
            for c in calls
            if (method is None or c.method.lower() == method.lower())
            and all(c.params.get(k) == v for k, v in param_filters.items())
        ]

    def calls_since(self, mark: int) -> list[Call]:
        """Calls recorded after `mark` (a `mark()` value), without copying the whole log."""
        return self.state.calls[mark:]

    def mark(self) -> int:
        """The current length of the call log, for ``after=``."""
        return len(self.state.calls)

    def stats(self) -> dict[str, Any]:
        """Counts of calls by method and of errors by code."""
        st = self.state
        return {
            "total": len(st.calls),
            "methods": dict(st.method_counts),
            "errors": dict(st.error_counts),
            "rate_limited": st.rate_limited,
            "pending_updates": len(st.updates),
        }

    def pending_updates_count(self) -> int:
        """Updates not yet confirmed by the bot."""
        return len(self.state.updates)

    def callback_answers(self, callback_query_id: str | None = None) -> list[dict[str, Any]]:
        """Params of successful answerCallbackQuery calls (optionally for one query)."""
        return [
            c.params
            for c in self.state.calls
            if c.method == "answerCallbackQuery"
            and c.ok
            and (
                callback_query_id is None or c.params.get("callback_query_id") == callback_query_id
            )
        ]

    # ------------------------------------------------------------------ messages

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """All stored messages of a chat (user's and bot's), current versions, in order."""
        chat = self.state.chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Stored messages the bot sent to a chat."""
        return [m for m in self.messages(chat_id) if m.get("from", {}).get("id") == BOT_ID]

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        """The latest stored bot message of a chat."""
        chat = self.state.chats.get(chat_id)
        if chat is None:
            return None
        for message in reversed(chat.messages.values()):
            if message.get("from", {}).get("id") == BOT_ID:
                return message
        return None

    def get_message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The current stored version of a message (AssertionError if absent)."""
        message = self.state.find_message(chat_id, message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        return message

    def _current(self, message: dict[str, Any]) -> dict[str, Any]:
        found = self.state.find_message(int(message["chat"]["id"]), int(message["message_id"]))
        return found if found is not None else message

    def inline_buttons(self, message: dict[str, Any]) -> list[tuple[str, str]]:
        """(text, callback_data) of the inline keyboard of the CURRENT version of a message."""
        return [
            (str(b.get("text")), str(b.get("callback_data") or b.get("url") or ""))
            for b in inline_buttons_of(self._current(message))
        ]

    def reply_keyboard(self, message: dict[str, Any]) -> list[str]:
        """Button texts of the reply keyboard sent with a message ([] if none)."""
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        markup = self.state.reply_keyboards.get(key) or {}
        rows = markup.get("keyboard") or []
        return [b if isinstance(b, str) else str(b.get("text")) for row in rows for b in row]

    def topics(self, chat_id: int) -> dict[int, dict[str, Any]]:
        """Live forum topics of a chat by message_thread_id."""
        chat = self.state.chats.get(chat_id)
        if chat is None:
            return {}
        return {k: dict(v) for k, v in chat.topics.items() if k not in chat.deleted_topics}

    # ------------------------------------------------------------------ waiting

    async def _wait(
        self, check: Check, after: int | None, timeout: float, describe: Callable[[int], str]
    ) -> Any:
        """Scan calls from ``after`` (rechecking in-flight ones) until ``check`` matches."""
        st = self.state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = len(st.calls) if after is None else after
        pos = start
        in_flight: list[int] = []
        while True:
            event = st.call_event
            waiting, in_flight = in_flight, []
            while pos < len(st.calls):
                waiting.append(pos)
                pos += 1
            for index in waiting:
                call = st.calls[index]
                if not call.done:
                    in_flight.append(index)
                    continue
                found = check(call)
                if found is not None:
                    return found[0]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(describe(start))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _recent(self, start: int, chat_id: int | None = None) -> str:
        lines = []
        for call in self.state.calls[start:][-30:]:
            if call.method == "getUpdates":
                continue
            if chat_id is not None and call.params.get("chat_id") != chat_id:
                continue
            status = call.status or "in flight"
            detail = call.params.get("text") or call.params.get("caption") or ""
            lines.append(f"  [{call.index}] {call.method} {status} {str(detail)[:80]!r}")
        return "\n".join(lines) or "  (nothing)"

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        after: int | None = None,
    ) -> Call:
        """Wait for a call of ``method`` (after the mark) matching ``predicate(call)``.

        Matches a request as soon as it arrives; a matching in-flight call is returned once
        answered, or after a short grace period if the fake is holding it (``hang_next``).
        """
        st = self.state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        pos = len(st.calls) if after is None else after
        start = pos
        while True:
            event = st.call_event
            while pos < len(st.calls):
                call = st.calls[pos]
                pos += 1
                if call.method.lower() == method.lower() and (
                    predicate is None or predicate(call)
                ):
                    grace = loop.time() + min(_COMPLETION_GRACE, max(0.0, deadline - loop.time()))
                    while not call.done and loop.time() < grace:
                        await asyncio.sleep(0.01)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no {method} call within {timeout}s; calls since mark:\n"
                    + self._recent(start)
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Wait for a NEW message the bot sends to ``chat_id`` after the mark."""

        def check(call: Call) -> tuple[Any] | None:
            if call.method not in NEW_MESSAGE_METHODS or not call.produced:
                return None
            for produced_chat, message_id in call.produced:
                if produced_chat != chat_id:
                    continue
                message = self.state.find_message(chat_id, message_id)
                if message is None:
                    message = _from_result(call, message_id)
                if message is not None and (predicate is None or predicate(message)):
                    return (message,)
            return None

        def describe(start: int) -> str:
            return (
                f"the bot sent no matching message to chat {chat_id} within {timeout}s; "
                f"calls to that chat since mark:\n{self._recent(start, chat_id)}"
            )

        return await self._wait(check, after, timeout, describe)

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Wait for a successful edit of a message; returns its current stored version."""

        def check(call: Call) -> tuple[Any] | None:
            if call.method not in EDIT_METHODS or (chat_id, message_id) not in call.produced:
                return None
            message = self.state.find_message(chat_id, message_id) or call.result
            if predicate is None or predicate(message):
                return (message,)
            return None

        def describe(start: int) -> str:
            return (
                f"message {message_id} of chat {chat_id} was not edited within {timeout}s; "
                f"calls to that chat since mark:\n{self._recent(start, chat_id)}"
            )

        return await self._wait(check, after, timeout, describe)

    async def wait_for_callback_answer(
        self, callback_query_id: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait for answerCallbackQuery of that query (any time); returns its params."""

        def check(call: Call) -> tuple[Any] | None:
            if (
                call.method == "answerCallbackQuery"
                and call.ok
                and call.params.get("callback_query_id") == callback_query_id
            ):
                return (call.params,)
            return None

        def describe(_start: int) -> str:
            return (
                f"callback query {callback_query_id} was not answered within {timeout}s; "
                f"recent calls:\n{self._recent(max(0, len(self.state.calls) - 30))}"
            )

        return await self._wait(check, 0, timeout, describe)


def _from_result(call: Call, message_id: int) -> dict[str, Any] | None:
    result = call.result
    for message in result if isinstance(result, list) else [result]:
        if isinstance(message, dict) and message.get("message_id") == message_id:
            return message
    return None
