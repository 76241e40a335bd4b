"""Per-client pacing of filing: a connector gone wild must not flood the authorities' groups
(Telegram lets ~20 messages a minute into one group). A token bucket per API key name."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class FilingLimiter:
    """`per_minute` requests a minute per client, with bursts of up to that many."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, at)

    def take(self, client: str) -> float:
        """0 when the request may go; else the seconds until it may."""
        now = self.clock()
        tokens, at = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1 - tokens) / self.rate if self.rate else math.inf
