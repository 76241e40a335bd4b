"""Group commit: small writes from many concurrent tasks share one transaction.

Each caller waits until its own write is committed (so nothing is acknowledged early), but
writes that arrive while a commit is running go together in the next one: a broadcast's
forty workers mark their rows with a few commits a second instead of hundreds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from core.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
Step = Callable[[UnitOfWork], Awaitable[Any]]


class GroupCommit:
    def __init__(self, uow_factory: UnitOfWorkFactory, max_batch: int = 200) -> None:
        self.uow_factory = uow_factory
        self.max_batch = max_batch
        self._pending: list[tuple[Step, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run(self, step: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Do `step` in the next shared transaction; returns once that is committed."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="group-commit")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((step, future))
        self._wake.set()
        return await future

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = (
                    self._pending[: self.max_batch],
                    self._pending[self.max_batch :],
                )
                await self._commit(batch)

    async def _commit(self, batch: list[tuple[Step, asyncio.Future[Any]]]) -> None:
        results: list[Any] = []
        try:
            async with self.uow_factory() as uow:
                for step, _ in batch:
                    results.append(await step(uow))
                await uow.commit()
        except Exception as exc:  # every caller of this batch learns of it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
