"""SQLite connections run on the event loop: no worker thread, errors and transactions intact."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.engine import make_engine
from storage.sqlite_inline import InlineConnection


async def test_statements_run_without_a_worker_thread(tmp_path: Path):
    threads_before = threading.active_count()
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
            await conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'ё')"))
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
        assert mode == "wal"
        assert threading.active_count() == threads_before
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT v FROM t"))).scalar_one() == "ё"
    finally:
        await engine.dispose()


async def test_a_failed_statement_raises_and_rolls_back(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO t (id) VALUES (1)"))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (id) VALUES (2)"))
                await conn.execute(text("INSERT INTO t (id) VALUES (1)"))
        async with engine.connect() as conn:
            ids = (await conn.execute(text("SELECT id FROM t ORDER BY id"))).scalars().all()
        assert ids == [1]  # the whole failed transaction is gone, the connection still works
    finally:
        await engine.dispose()
