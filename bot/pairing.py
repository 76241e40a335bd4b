"""Finding a message's pair right after a relay: the outbox writes the pair only once its
copy is sent, so a reply or an edit that comes within moments looks again briefly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from aiogram.types import Message

T = TypeVar("T")

RETRIES = 4
RETRY_SECONDS = 0.25
FRESH = timedelta(seconds=10)


def is_fresh(since: datetime, at: datetime) -> bool:
    return at - since < FRESH


def edited_soon(message: Message) -> bool:
    """Edited within moments of being sent (its relay may not have written its pair yet)."""
    sent_at = message.date.timestamp()
    return (message.edit_date or sent_at) - sent_at < FRESH.total_seconds()


async def until_paired(
    lookup: Callable[[], Awaitable[T]], found: Callable[[T], bool], fresh: bool
) -> T:
    """Run `lookup`; while the message is fresh and its pair is not found, look again."""
    for attempt in range(RETRIES + 1):
        result = await lookup()
        if found(result) or not fresh or attempt == RETRIES:
            return result
        await asyncio.sleep(RETRY_SECONDS)
    raise AssertionError("unreachable")
