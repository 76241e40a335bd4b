"""Telegram's flood limit for groups (~20 messages a minute into one group), kept by the
sender before it asks: a case that would exceed it waits in the outbox instead of failing."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

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


#: The budget runs a little under the configured ceiling: requests granted on time still
#: reach Telegram with some jitter, and a sliding window counts their arrival.
BUDGET_MARGIN = 0.975


class SendBudget:
    """Telegram's global ceiling (~30 messages a second per bot) as a token bucket shared by
    every request of the process that sends or edits a message.

    Interactive traffic (replies, notices) takes a token as soon as one is there; broadcasts
    (`background=True`) wait one at a time and leave `reserve` tokens for it, so a citizen's
    answer never queues behind thousands of announcements. A 429 holds everyone for the
    `retry_after` Telegram asked.
    """

    SLACK = 0.1

    def __init__(
        self,
        per_second: float,
        *,
        reserve: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_second * BUDGET_MARGIN
        self.reserve = reserve
        # A tenth of a token of slack: a waiter woken a few milliseconds late (a busy event
        # loop) does not lose the refill of those milliseconds; in any second broadcasts
        # still take at most 1.1 + 0.975 × ceiling tokens, which rounds down to the ceiling.
        self.capacity = reserve + 1.0 + self.SLACK
        self._clock = clock
        self._tokens = self.capacity
        self._stamp = clock()
        self._held_until = 0.0
        self._background = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_time(self, *, background: bool = False) -> float:
        """Seconds until a token is there for this kind of request (0.0: take it now)."""
        now = self._clock()
        self._refill(now)
        if now < self._held_until:
            return self._held_until - now
        need = (self.reserve + 1.0) if background else 1.0
        if self._tokens >= need - 1e-9:  # (float rounding of the refill)
            return 0.0
        return (need - self._tokens) / self.rate

    def take(self) -> None:
        self._tokens -= 1.0

    async def acquire(self, *, background: bool = False) -> None:
        """Wait for a token and take it."""
        if not background:
            await self._wait(background=False)
            return
        async with self._background:  # broadcasts queue here, in order, not at the bucket
            await self._wait(background=True)

    async def _wait(self, *, background: bool) -> None:
        while (wait := self.wait_time(background=background)) > 0:
            await asyncio.sleep(wait)
        self.take()

    def hold(self, seconds: float) -> None:
        """Telegram said 429: nobody sends for `seconds`."""
        self._held_until = max(self._held_until, self._clock() + seconds)


class ChatPacer:
    """At most one message a second into one chat (Telegram's per-chat limit). Broadcasts
    wait for it; every other send is only recorded, so they see its traffic too."""

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._last: dict[int, float] = {}

    def record(self, chat_id: int) -> None:
        """A message went to the chat now (call it when Telegram answered)."""
        now = self._clock()
        self._last[chat_id] = now
        if len(self._last) > 50_000:  # forget chats that are long quiet
            cutoff = now - self.interval
            self._last = {c: t for c, t in self._last.items() if t > cutoff}

    def wait_time(self, chat_id: int) -> float:
        last = self._last.get(chat_id)
        if last is None:
            return 0.0
        return max(0.0, last + self.interval - self._clock())
