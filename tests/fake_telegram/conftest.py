from __future__ import annotations

import asyncio
import struct
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from fake_telegram import FakeTelegramThread

T = TypeVar("T")

# A PNG header that reports 640x480 (all the fake reads of it).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    + struct.pack(">II", 640, 480)
    + b"\x08\x02\x00\x00\x00payload"
)
USER = 4242


@pytest.fixture
def tg() -> Iterator[FakeTelegramThread]:
    with FakeTelegramThread() as server:
        server.add_user(USER, "Анна", username="anna")
        yield server


def make_bot(tg: FakeTelegramThread) -> Bot:
    """A real aiogram Bot talking HTTP to the fake."""
    api = TelegramAPIServer.from_base(tg.base_url)
    return Bot(tg.token, session=AiohttpSession(api=api))


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def with_bot(tg: FakeTelegramThread, action: Any) -> Any:
    """Run ``await action(bot)`` with a fresh bot, closing its session afterwards."""

    async def main() -> Any:
        bot = make_bot(tg)
        async with bot:
            return await action(bot)

    return run(main())
