"""The task queue that carries broadcasts to the delivery worker: taskiq on a Redis stream
when REDIS_URL is set (a task survives the process and is acknowledged when done), its
in-process broker otherwise (the embedded default). Either way the delivery rows in the
database say what is left, so a lost task costs nothing: unfinished broadcasts are queued
again at start-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask, InMemoryBroker
from taskiq.receiver import Receiver

from priemnaya.settings import Settings

log = logging.getLogger(__name__)

TASK_NAME = "priemnaya.broadcast.deliver"
STOP_POLLS = "priemnaya.broadcast.stop_polls"
LISTEN_BLOCK_S = 1.0  # one blocking read of the stream
TASKS_AT_ONCE = 4  # broadcasts delivered side by side (they share one send budget)


def make_broker(settings: Settings) -> AsyncBroker:
    if settings.redis_url:
        from taskiq_redis import RedisStreamBroker

        return RedisStreamBroker(
            settings.redis_url,
            queue_name=f"{settings.redis_key_prefix}:broadcasts",
            consumer_group_name=f"{settings.redis_key_prefix}:broadcasters",
            consumer_id="0",  # a new group reads what was queued before it existed
            idle_timeout=60_000,  # a task whose worker died is taken over after a minute
            xread_block=int(LISTEN_BLOCK_S * 1000),
        )
    return InMemoryBroker(max_async_tasks=TASKS_AT_ONCE, propagate_exceptions=False)


class BroadcastQueue:
    """Registers the broadcaster's tasks, kicks them, and (with Redis) listens for them in
    this process, next to long polling."""

    def __init__(
        self,
        settings: Settings,
        deliver: Callable[[int], Awaitable[None]],
        stop_polls: Callable[[int], Awaitable[None]],
    ) -> None:
        self.broker = make_broker(settings)

        async def deliver_broadcast(broadcast_id: int) -> None:
            await deliver(broadcast_id)

        async def stop_broadcast_polls(broadcast_id: int) -> None:
            await stop_polls(broadcast_id)

        self._deliver: AsyncTaskiqDecoratedTask[[int], None] = self.broker.register_task(
            deliver_broadcast, task_name=TASK_NAME
        )
        self._stop_polls: AsyncTaskiqDecoratedTask[[int], None] = self.broker.register_task(
            stop_broadcast_polls, task_name=STOP_POLLS
        )
        self._finish = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    @property
    def durable(self) -> bool:
        return not isinstance(self.broker, InMemoryBroker)

    async def start(self) -> None:
        await self.broker.startup()
        if self.durable:
            self.broker.is_worker_process = True
            receiver = Receiver(self.broker, max_async_tasks=TASKS_AT_ONCE, run_startup=False)
            self._listener = asyncio.create_task(receiver.listen(self._finish), name="broadcasts")

    async def deliver(self, broadcast_id: int) -> None:
        await self._deliver.kiq(broadcast_id)

    async def stop_polls(self, broadcast_id: int) -> None:
        await self._stop_polls.kiq(broadcast_id)

    async def close(self) -> None:
        self._finish.set()
        if self._listener is not None:
            # the receiver notices within one blocking read and acknowledges what it ran
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._listener), LISTEN_BLOCK_S + 1)
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        if isinstance(self.broker, InMemoryBroker):
            for task in list(self.broker._running_tasks):  # noqa: SLF001 (no public way)
                task.cancel()
        with contextlib.suppress(Exception):
            await self.broker.shutdown()
