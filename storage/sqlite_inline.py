"""aiosqlite connections that run SQLite calls on the event loop instead of a worker thread.

aiosqlite sends every DBAPI call (cursor, execute, fetch, close, commit) to its own thread and
back; SQLAlchemy makes about four such calls per statement, so one appeal costs dozens of
thread round-trips that each wake the event loop, for SQLite work of a few microseconds. With
one pooled connection, WAL and `synchronous=NORMAL` (storage.engine), running those calls
inline is much cheaper. The price: a call that waits (a lock held by another process, e.g. an
operator's CLI command, up to `busy_timeout`) waits on the loop, so the timeout is kept short.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread: runs each job at once."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose worker thread is never started."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def inline_connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    """Drop-in for `aiosqlite.connect` (SQLAlchemy's `async_creator_fn` connect argument)."""
    kwargs.pop("loop", None)
    return InlineConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size)
