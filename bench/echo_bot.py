"""A bare aiogram bot with the same two round-trips as the intake flow, and no storage.

text → a card with one button; button → answer + a confirmation. It shows the framework's
ceiling on this machine, so `bench/intake.py` can say what Priemnaya itself costs.
"""

from __future__ import annotations

import asyncio
import itertools
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

numbers = itertools.count(1)


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dp = Dispatcher()

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer(
            "Нужно согласие",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Даю согласие", callback_data="c")]]
            ),
        )

    @dp.callback_query(F.data == "c")
    async def consent(query: CallbackQuery) -> None:
        await query.answer()
        await bot.send_message(query.from_user.id, "Согласие получено")

    @dp.message(F.text)
    async def card(message: Message) -> None:
        await message.answer(
            f"Черновик обращения\n{message.text}",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="✅ Отправить", callback_data="ok")]]
            ),
        )

    @dp.callback_query(F.data == "ok")
    async def submit(query: CallbackQuery) -> None:
        await query.answer()
        await bot.send_message(
            query.from_user.id, f"Обращение зарегистрировано 2026-{next(numbers):06d}"
        )

    await dp.start_polling(bot, polling_timeout=int(os.environ.get("POLLING_TIMEOUT", "25")))


if __name__ == "__main__":
    asyncio.run(main())
