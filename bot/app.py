"""Assembles Bot and Dispatcher and runs long polling with the outbox worker beside it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand

from bot.broadcaster import Broadcaster
from bot.budget import SendBudgetMiddleware
from bot.middlewares import CitizenMiddleware
from bot.notifier import NotificationSender
from bot.pacing import ChatPacer, SendBudget
from bot.response_types import keep_response_types
from bot.retry import RetryMiddleware
from handlers import get_routers
from priemnaya.bootstrap import Services
from priemnaya.settings import TELEGRAM_API_DEFAULT, Settings

log = logging.getLogger(__name__)

COMMANDS = [
    ("new", "Новое обращение"),
    ("my", "Мои обращения"),
    ("cancel", "Отменить черновик"),
    ("help", "Справка"),
    ("revoke", "Отозвать согласие на обработку данных"),
    ("subscribe", "Подписка на новости по темам"),
    ("unsubscribe", "Отписаться от новостей"),
]


WEB_START_DELAY = 0.5


class MissingToken(RuntimeError):
    """BOT_TOKEN is not configured."""


def build_bot(settings: Settings, chats: ChatPacer | None = None) -> Bot:
    """The Bot with its request middlewares: retries outside, the shared send budget inside
    (every try pays for itself); `chats` records each chat's last message for broadcasts."""
    if settings.bot_token is None:
        raise MissingToken
    keep_response_types()
    session = AiohttpSession()
    if settings.telegram_api_url != TELEGRAM_API_DEFAULT:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RetryMiddleware())
    budget = SendBudget(settings.telegram_messages_per_second)
    chats = chats or ChatPacer(settings.chat_message_interval_seconds)
    session.middleware(SendBudgetMiddleware(budget, chats))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_storage(settings: Settings) -> BaseStorage:
    """Redis when configured (state survives restarts), memory otherwise."""
    ttl = settings.draft_ttl_hours * 3600
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(prefix=settings.redis_key_prefix, with_bot_id=True),
            state_ttl=ttl,
            data_ttl=ttl,
        )
    return MemoryStorage()


def build_dispatcher(
    services: Services, storage: BaseStorage, sender: NotificationSender
) -> Dispatcher:
    isolation = (
        storage.create_isolation()
        if hasattr(storage, "create_isolation")
        else SimpleEventIsolation()
    )
    dp = Dispatcher(storage=storage, events_isolation=isolation, services=services, sender=sender)
    citizen_middleware = CitizenMiddleware(services)
    for observer in (dp.message, dp.edited_message, dp.callback_query):
        observer.outer_middleware(citizen_middleware)
    dp.include_routers(*get_routers())
    return dp


def settle_heap() -> None:
    """Move start-up objects (modules, models, schemas) out of the garbage collector's sight.

    The long-lived heap of aiogram's and SQLAlchemy's models is large; without this, every
    full collection under load walks it again (measured in bench/intake.py).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


async def release_stale_locks(storage: BaseStorage, prefix: str, bot_id: int) -> int:
    """Drop per-chat event locks a killed process left in Redis (they would stall its chats).

    Only one process can long-poll a bot token (Telegram answers 409 to a second one), so at
    start-up every lock of this bot belongs to a process that is gone.
    """
    redis = getattr(storage, "redis", None)
    if redis is None:
        return 0
    keys = [key async for key in redis.scan_iter(match=f"{prefix}:{bot_id}:*:lock")]
    if keys:
        await redis.delete(*keys)
        log.warning("released %d event lock(s) left by a previous process", len(keys))
    return len(keys)


async def start_web_part(
    services: Services, *, on_submitted: Callable[[], None] | None = None
) -> Any:
    """The web application on WEB_HOST:WEB_PORT; None (logged) when it cannot listen: the
    bot serves citizens all the same."""
    await asyncio.sleep(WEB_START_DELAY)  # polling first: citizens before dashboards
    from web.app import start_web

    try:
        return await start_web(services, on_submitted=on_submitted)
    except OSError as exc:
        settings = services.settings
        log.error(
            "web dashboard not started on %s:%s: %s", settings.web_host, settings.web_port, exc
        )
        return None


async def run_polling(services: Services) -> None:
    """Start the bot: long polling plus the notification outbox, until SIGINT/SIGTERM."""
    settings = services.settings
    chats = ChatPacer(settings.chat_message_interval_seconds)
    bot = build_bot(settings, chats)
    storage = build_storage(settings)
    sender = NotificationSender(bot, services)
    dp = build_dispatcher(services, storage, sender)
    broadcaster = Broadcaster(bot, services, chats)
    dp["broadcaster"] = broadcaster
    me = await bot.get_me()
    log.info("bot @%s (id %s) starts polling %s", me.username, me.id, settings.telegram_api_url)
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS])
    await release_stale_locks(storage, settings.redis_key_prefix, me.id)
    settle_heap()
    outbox = asyncio.create_task(sender.run(), name="outbox")
    broadcaster.start_soon()
    # the dashboard (and other web parts) start beside polling, never delaying it
    web = None
    if settings.web_enabled:
        web = asyncio.create_task(start_web_part(services, on_submitted=sender.wake), name="web")
    try:
        await dp.start_polling(
            bot,
            polling_timeout=settings.polling_timeout,
            allowed_updates=dp.resolve_used_update_types(),
            close_bot_session=False,  # closed below, once the broadcaster has drained
        )
    finally:
        await broadcaster.stop()
        outbox.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await outbox
        if web is not None:
            runner = await web
            if runner is not None:
                await runner.cleanup()
        await bot.session.close()
        await storage.close()
