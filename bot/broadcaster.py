"""Delivers broadcasts: claims delivery rows, sends each recipient the announcement (and its
poll), marks the row after every message, and keeps the sender's progress message current.

Limits: every send takes a token of the shared budget (≤ 30/s with the bot's other
traffic, which goes first) and waits for the chat's 1 s; a 429 holds the budget for its
`retry_after`. A 403 (the citizen blocked the bot) removes their subscription.

Exactly-once: a row is marked in flight just before its request and sent (or the next
part due) right after the answer, each in its own commit. After a graceful stop nothing is
in flight. After a crash the rows that were in flight (at most `broadcast_concurrency`,
in practice the few whose answer was on its way) are sent again and flagged `resent`: the
only window in which someone may get a message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.budget import BACKGROUND
from bot.callbacks import BroadcastAction, BroadcastCb
from bot.pacing import ChatPacer
from core import informing
from core.broadcasts import Broadcast, BroadcastStatus, Delivery, DeliveryStatus, Progress
from core.group_commit import GroupCommit
from priemnaya.bootstrap import Services

if TYPE_CHECKING:
    from bot.broadcast_queue import BroadcastQueue

log = logging.getLogger(__name__)
T = TypeVar("T")

CLAIM_BATCH = 100
IDLE_POLL = 0.5  # seconds between looks at rows postponed by a retry
DRAIN_SECONDS = 10.0  # a graceful stop waits this long for requests in flight
MAX_BACKOFF = 300.0
MARK_ATTEMPTS = 5
CAPTION_LIMIT = 1024  # Telegram's caption, counted without the HTML tags
HEADER_CHARS = 20  # the header's own words and the blank line, without the sectors


class Broadcaster:
    def __init__(self, bot: Bot, services: Services, chats: ChatPacer) -> None:
        self.bot = bot
        self.services = services
        self.chats = chats
        self._queue: BroadcastQueue | None = None
        self._ready = asyncio.Event()
        self._starting: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._active: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.writes = GroupCommit(services.uow)

    # -- lifecycle ---------------------------------------------------------------------------

    def start_soon(self) -> None:
        """Start in the background: long polling need not wait for the queue."""
        self._starting = asyncio.create_task(self._start_logged(), name="broadcaster-start")

    async def _start_logged(self) -> None:
        try:
            await self.start()
        except Exception:  # broadcasts wait in the database; the next start resumes them
            log.exception("the broadcast queue did not start")

    @property
    def queue(self) -> BroadcastQueue:
        assert self._queue is not None, "the broadcaster is not started"
        return self._queue

    async def ready(self) -> BroadcastQueue:
        await self._ready.wait()
        return self.queue

    async def start(self) -> None:
        """Start the queue and resume what a previous process left unfinished."""
        from bot.broadcast_queue import BroadcastQueue  # taskiq loads after polling starts

        self._queue = BroadcastQueue(self.services.settings, self.deliver, self.stop_polls)
        await self._queue.start()
        # before anything is claimed in this process: claims left are a dead process's
        claimed, in_flight = await informing.release_claims(self.services.uow)
        self._ready.set()
        if claimed or in_flight:
            log.warning(
                "broadcasts: %d claimed rows released, %d rows that were in flight when the "
                "previous process stopped will be sent again",
                claimed,
                in_flight,
            )
        for broadcast_id in await informing.unfinished(self.services.uow):
            log.info("broadcast %s: resuming", broadcast_id)
            await self.queue.deliver(broadcast_id)

    async def stop(self) -> None:
        """Graceful stop: no new sends; requests in flight finish and are marked."""
        self._stopping.set()
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starting
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), DRAIN_SECONDS)
        if self._queue is not None:
            await self._queue.close()
        await self.writes.close()

    async def enqueue(self, broadcast_id: int) -> None:
        await (await self.ready()).deliver(broadcast_id)

    async def close_poll(self, broadcast_id: int) -> None:
        await (await self.ready()).stop_polls(broadcast_id)

    # -- one broadcast -----------------------------------------------------------------------

    async def deliver(self, broadcast_id: int) -> None:
        """The queue's task: work through the broadcast's rows until none is left."""
        if broadcast_id in self._active or self._stopping.is_set():
            return  # a second kick of the same broadcast (resume + redelivery)
        self._active.add(broadcast_id)
        self._idle.clear()
        try:
            await self._deliver(broadcast_id)
        except Exception:
            log.exception("broadcast %s: delivery failed, will resume", broadcast_id)
        finally:
            self._active.discard(broadcast_id)
            if not self._active:
                self._idle.set()

    async def _deliver(self, broadcast_id: int) -> None:
        uow = self.services.uow
        broadcast = await informing.get_broadcast(uow, broadcast_id)
        if broadcast.status is not BroadcastStatus.SENDING:
            return
        todo: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize=CLAIM_BATCH)
        workers = [
            asyncio.create_task(self._worker(broadcast, todo))
            for _ in range(self.services.settings.broadcast_concurrency)
        ]
        reporter = asyncio.create_task(self._report_loop(broadcast))
        started = time.monotonic()
        try:
            await self._produce(broadcast, todo)
        finally:
            for _ in workers:
                await todo.put(None)
            await asyncio.gather(*workers, return_exceptions=True)
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
        if self._stopping.is_set():
            return
        if await informing.finish(uow, broadcast_id, self.services.clock.now()):
            log.info("broadcast %s: done in %.1f s", broadcast_id, time.monotonic() - started)
        await self.report(await informing.get_broadcast(uow, broadcast_id))

    async def _produce(self, broadcast: Broadcast, todo: asyncio.Queue[Delivery | None]) -> None:
        uow, clock = self.services.uow, self.services.clock
        assert broadcast.id is not None
        while not self._stopping.is_set():
            if todo.qsize() > CLAIM_BATCH // 2:
                await asyncio.sleep(0.05)  # the workers have enough to do
                continue
            current = await informing.get_broadcast(uow, broadcast.id)
            if current.status is not BroadcastStatus.SENDING:
                return  # cancelled: the rows not sent were cancelled with it
            room = CLAIM_BATCH - todo.qsize()
            batch = await informing.claim(uow, broadcast.id, clock.now(), room)
            for delivery in batch:
                if self._stopping.is_set():
                    await self._write(informing.unclaim, [delivery.id])
                    continue
                await todo.put(delivery)
            if batch:
                continue
            left, _ = await informing.open_rows(uow, broadcast.id)
            if left == 0:
                return
            await asyncio.sleep(IDLE_POLL)  # the rest is in flight or postponed

    async def _worker(self, broadcast: Broadcast, todo: asyncio.Queue[Delivery | None]) -> None:
        BACKGROUND.set(True)  # this task's sends wait behind interactive traffic
        while (delivery := await todo.get()) is not None:
            if self._stopping.is_set():
                await self._write(informing.unclaim, [delivery.id])
                continue
            try:
                await self._send_parts(broadcast, delivery)
            except Exception:  # never lose the worker; the row is retried
                log.exception("broadcast %s: delivery %s failed", broadcast.id, delivery.id)
                await self._retry_later(delivery, "internal error")

    async def _write(self, step: Callable[..., Awaitable[T]], *args: Any, **kw: Any) -> T:
        """One step of a row's bookkeeping, committed together with the other workers'."""
        return await self.writes.run(lambda uow: step(uow, *args, **kw))

    async def _send_parts(self, broadcast: Broadcast, delivery: Delivery) -> None:
        w = self._write
        while delivery.parts_done < broadcast.parts:
            part = delivery.parts_done
            if self._stopping.is_set():
                await w(informing.unclaim, [delivery.id])
                return
            wait = self.chats.wait_time(delivery.chat_id)
            if wait > 0:
                await asyncio.sleep(wait)
            if not await w(informing.start_part, delivery.id):
                return  # the broadcast was cancelled meanwhile
            delivery.attempts += 1
            try:
                if part == 0:
                    sent = await self._send_announcement(broadcast, delivery.chat_id)
                    marks: dict[str, Any] = {"message_id": sent}
                else:
                    assert broadcast.poll is not None
                    poll = await self.bot.send_poll(
                        delivery.chat_id,
                        broadcast.poll.question,
                        list(broadcast.poll.options),
                        is_anonymous=True,
                    )
                    marks = {
                        "poll_message_id": poll.message_id,
                        "poll_id": poll.poll.id if poll.poll else None,
                    }
            except TelegramRetryAfter as exc:  # the request middleware already waited
                await self._retry_later(delivery, str(exc), exc.retry_after)
                return
            except TelegramForbiddenError as exc:
                await w(informing.delivery_failed, delivery, DeliveryStatus.BLOCKED, str(exc))
                return
            except TelegramBadRequest as exc:
                await w(informing.delivery_failed, delivery, DeliveryStatus.FAILED, str(exc))
                return
            except Exception as exc:  # 5xx and network errors after the middleware's retries
                await self._retry_later(delivery, repr(exc))
                return
            if not await self._mark_sent(delivery, last=part + 1 == broadcast.parts, **marks):
                return
            delivery.parts_done += 1

    async def _mark_sent(self, delivery: Delivery, *, last: bool, **marks: Any) -> bool:
        """Record a sent message. The database refusing it is retried; if it keeps refusing,
        the row stays in flight and is sent again after a restart (never in this process)."""
        for attempt in range(MARK_ATTEMPTS):
            try:
                now = self.services.clock.now()
                await self._write(informing.part_sent, delivery, last=last, now=now, **marks)
            except Exception:
                log.exception("delivery %s: sent, but not recorded (try %d)", delivery.id, attempt)
                await asyncio.sleep(0.5 * 2**attempt)
            else:
                return True
        return False

    async def _send_announcement(self, broadcast: Broadcast, chat_id: int) -> int:
        text = self.announcement_text(broadcast)
        if broadcast.photo_file_id:
            sent = await self.bot.send_photo(chat_id, broadcast.photo_file_id, caption=text)
        else:
            sent = await self.bot.send_message(chat_id, text)
        return sent.message_id

    async def _retry_later(
        self, delivery: Delivery, error: str, seconds: float | None = None
    ) -> None:
        settings = self.services.settings
        if delivery.attempts >= settings.broadcast_max_attempts:
            await self._write(informing.delivery_failed, delivery, DeliveryStatus.FAILED, error)
            return
        if seconds is None:
            seconds = min(
                settings.outbox_retry_seconds * 2 ** (delivery.attempts - 1), MAX_BACKOFF
            )
        retry_at = self.services.clock.now() + timedelta(seconds=seconds)
        await self._write(
            informing.delivery_failed, delivery, DeliveryStatus.PENDING, error, retry_at
        )

    def announcement_text(self, broadcast: Broadcast) -> str:
        return self.text_for(self.services, broadcast)

    @staticmethod
    def text_for(services: Services, broadcast: Broadcast) -> str:
        """What a recipient reads: a header with the sectors, then the announcement (cut to
        fit a photo's caption when the header is long)."""
        sectors = ", ".join(services.sector_title(c) for c in broadcast.audience.sectors)
        sectors = sectors or services.texts("broadcast-all-sectors")
        header = services.texts("broadcast-header", sectors=escape(sectors))
        body = broadcast.text
        if broadcast.photo_file_id:
            room = CAPTION_LIMIT - len(sectors) - HEADER_CHARS
            body = body if len(body) <= room else body[: room - 1] + "…"
        return f"{header}\n\n{escape(body)}"

    # -- progress ----------------------------------------------------------------------------

    async def _report_loop(self, broadcast: Broadcast) -> None:
        assert broadcast.id is not None
        interval = self.services.settings.broadcast_progress_seconds
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self.report(await informing.get_broadcast(self.services.uow, broadcast.id))

    async def report(self, broadcast: Broadcast) -> None:
        """Edit the sender's progress message in place (sent / failed / left)."""
        if broadcast.progress_message_id is None:
            return
        state = await informing.progress(self.services.uow, broadcast)
        with contextlib.suppress(TelegramBadRequest):  # "not modified" and deleted messages
            await self.bot.edit_message_text(
                self.progress_text(broadcast, state),
                chat_id=broadcast.chat_id,
                message_id=broadcast.progress_message_id,
                reply_markup=self.progress_markup(broadcast),
            )

    def progress_text(self, broadcast: Broadcast, state: Progress) -> str:
        t = self.services.texts
        key = {
            BroadcastStatus.SENDING: "broadcast-progress-sending",
            BroadcastStatus.DONE: "broadcast-progress-done",
            BroadcastStatus.CANCELLED: "broadcast-progress-cancelled",
        }[broadcast.status]
        lines = [
            t(
                key,
                id=broadcast.id or 0,
                sent=state.sent,
                failed=state.failed + state.blocked,
                left=state.left,
                total=state.total,
            )
        ]
        if state.blocked:
            lines.append(t("broadcast-progress-blocked", n=state.blocked))
        if state.cancelled:
            lines.append(t("broadcast-progress-not-sent", n=state.cancelled))
        now = self.services.clock.now()
        if broadcast.outage_active(now):
            assert broadcast.outage_until is not None
            until = broadcast.outage_until.astimezone(self.services.tz)
            lines.append(t("broadcast-outage-on", until=until.strftime("%d.%m.%Y %H:%M")))
        return "\n".join(lines)

    def progress_markup(self, broadcast: Broadcast) -> InlineKeyboardMarkup | None:
        t = self.services.texts
        assert broadcast.id is not None

        def button(text_id: str, action: BroadcastAction) -> list[InlineKeyboardButton]:
            data = BroadcastCb(action=action, broadcast_id=broadcast.id or 0).pack()
            return [InlineKeyboardButton(text=t(text_id), callback_data=data)]

        rows = []
        if broadcast.status is BroadcastStatus.SENDING:
            rows.append(button("broadcast-btn-cancel", BroadcastAction.CANCEL))
        if broadcast.poll is not None:
            rows.append(button("broadcast-btn-results", BroadcastAction.RESULTS))
            if not broadcast.poll_closed and broadcast.status is not BroadcastStatus.SENDING:
                rows.append(button("broadcast-btn-close-poll", BroadcastAction.CLOSE_POLL))
        if broadcast.outage_active(self.services.clock.now()):
            rows.append(button("broadcast-btn-lift", BroadcastAction.LIFT))
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None

    # -- polls -------------------------------------------------------------------------------

    async def stop_polls(self, broadcast_id: int) -> None:
        """The queue's task: stop every recipient's poll (results stay as they are)."""
        BACKGROUND.set(True)
        for chat_id, message_id in await informing.close_poll(self.services.uow, broadcast_id):
            if self._stopping.is_set():
                return
            with contextlib.suppress(TelegramBadRequest, TelegramForbiddenError):
                await self.bot.stop_poll(chat_id, message_id)
