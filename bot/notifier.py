"""Delivers the outbox (confirmations and other notices) to citizens' chats.

A notification is written in the same transaction as the change it reports; here it is
claimed, sent and marked. What fails transiently is retried later (also after a restart);
a chat that blocked the bot is given up on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter

from bot import informing_notices as notices
from bot.desk import CaseDesk, Postpone
from bot.keyboards import main_keyboard
from core.desk import LinkDirection, MessageLink
from core.notifications import Notification, NotificationKind
from priemnaya.bootstrap import Services
from priemnaya.metrics import count_telegram_error

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)
BATCH = 50


class NotificationSender:
    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self._wakeup = asyncio.Event()
        self.desk = CaseDesk(bot, services)

    def render(self, notification: Notification) -> str:
        texts = self.services.texts
        if notification.kind is NotificationKind.APPEAL_REGISTERED:
            return texts("appeal-registered", number=notification.payload["number"])
        raise ValueError(f"unknown notification kind {notification.kind}")

    async def deliver(self, notification_id: int) -> bool:
        """Send one notification now, unless it is done or someone else is sending it."""
        now = self.services.clock.now()
        async with self.services.uow() as uow:
            claimed = await uow.notifications.claim(notification_id, now, LEASE)
            notification = await uow.notifications.get(notification_id) if claimed else None
            await uow.commit()
        if notification is None:
            return False
        return await self._send(notification)

    async def deliver_claimed(self, notification: Notification) -> bool:
        """Send a notification this process claimed when it was written (no extra round)."""
        return await self._send(notification)

    async def deliver_due(self) -> int:
        """Send everything pending whose time has come; returns how many were sent."""
        now = self.services.clock.now()
        async with self.services.uow() as uow:
            batch = await uow.notifications.claim_due(now, LEASE, BATCH)
            await uow.commit()
        sent = 0
        for notification in batch:
            sent += await self._send(notification)
        return sent

    async def _send(self, notification: Notification) -> bool:
        assert notification.id is not None
        confirmation: int | None = None
        try:
            if notification.kind is NotificationKind.APPEAL_REGISTERED:
                confirmation = await self._confirm(notification)
            elif notification.kind in notices.KINDS:
                await notices.deliver(self.bot, self.services, notification)
            else:
                await self.desk.deliver(notification)
        except Postpone as exc:
            await self._postpone(notification, exc.seconds, str(exc))
            return False
        except TelegramRetryAfter as exc:
            count_telegram_error(exc)
            log.warning(
                "notification %s: flood control, retry in %s s", notification.id, exc.retry_after
            )
            await self._postpone(notification, exc.retry_after, str(exc))
            return False
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            count_telegram_error(exc)
            log.warning("notification %s undeliverable: %s", notification.id, exc)
            await self._mark_failed(notification, str(exc), give_up=True)
            return False
        except Exception as exc:  # any other failure is retried later, never lost
            count_telegram_error(exc)
            log.warning("notification %s failed, will retry: %s", notification.id, exc)
            await self._mark_failed(notification, repr(exc), give_up=False)
            return False
        async with self.services.uow() as uow:
            await uow.notifications.mark_sent(notification.id, self.services.clock.now())
            if confirmation is not None and notification.appeal_id is not None:
                # a reply to the confirmation is a follow-up about that case
                await uow.links.add(
                    MessageLink(
                        notification.appeal_id,
                        notification.chat_id,
                        confirmation,
                        LinkDirection.NOTICE,
                    )
                )
            await uow.commit()
        return True

    async def _confirm(self, notification: Notification) -> int:
        sent = await self.bot.send_message(
            notification.chat_id,
            self.render(notification),
            reply_markup=main_keyboard(self.services.texts),
        )
        return sent.message_id

    async def _postpone(self, notification: Notification, seconds: float, why: str) -> None:
        assert notification.id is not None
        retry_at = self.services.clock.now() + timedelta(seconds=max(seconds, 0.5))
        async with self.services.uow() as uow:
            await uow.notifications.mark_failed(notification.id, why, retry_at)
            await uow.commit()
        self._schedule_wakeup(max(seconds, 0.5))

    async def _mark_failed(self, notification: Notification, error: str, *, give_up: bool) -> None:
        assert notification.id is not None
        retry_at = None
        if not give_up:
            base = self.services.settings.outbox_retry_seconds
            backoff = min(timedelta(seconds=base * 2**notification.attempts), MAX_BACKOFF)
            retry_at = self.services.clock.now() + backoff
        async with self.services.uow() as uow:
            await uow.notifications.mark_failed(notification.id, error, retry_at)
            await uow.commit()

    def wake(self) -> None:
        self._wakeup.set()

    def _schedule_wakeup(self, seconds: float) -> None:
        """Look at the outbox again when a postponed message is due (sooner than the poll)."""
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(seconds, self._wakeup.set)

    async def run(self) -> None:
        """Background loop: deliver what is due every few seconds (and at start-up).

        Only one bot process polls Telegram at a time, so claims left by a crashed
        predecessor are released first and its unsent confirmations go out now.
        """
        interval = self.services.settings.outbox_poll_seconds
        async with self.services.uow() as uow:
            released = await uow.notifications.release_claims()
            await uow.commit()
        if released:
            log.info("released %d notification claims left by a previous run", released)
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=interval)
            self._wakeup.clear()
