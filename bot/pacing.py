"""Telegram's flood limit for groups (~20 messages a minute into one group), kept by the
sender before it asks: a case that would exceed it waits in the outbox instead of failing."""

from __future__ import annotations

from collections import deque

GROUP_MESSAGES_PER_MINUTE = 20
WINDOW_SECONDS = 60.0


class GroupPacer:
    """A sliding one-minute window of messages sent into each group (negative chat ids)."""

    def __init__(self, per_minute: int = GROUP_MESSAGES_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._sent: dict[int, deque[float]] = {}

    def reserve(self, chat_id: int, now: float, count: int = 1) -> float:
        """Take `count` slots now and return 0.0, or return the seconds until they are free
        (taking nothing). Private chats are not limited here."""
        if chat_id >= 0:
            return 0.0
        count = min(count, self.per_minute)
        window = self._sent.setdefault(chat_id, deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) + count <= self.per_minute:
            window.extend([now] * count)
            return 0.0
        # the oldest sends that must expire before `count` more fit
        return window[len(window) + count - self.per_minute - 1] + WINDOW_SECONDS - now
