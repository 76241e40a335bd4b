"""Which real backends a test run uses (chosen by `scripts/test`, one pass per mode).

PRIEMNAYA_TEST_DB      "sqlite" (default) or a PostgreSQL server URL, e.g.
                       postgresql://postgres@127.0.0.1:5432/postgres — every test session
                       creates its own database there and drops it at the end.
PRIEMNAYA_TEST_REDIS   empty (FSM in memory) or a Redis URL, e.g. redis://127.0.0.1:6379/0 —
                       each bot gets its own key prefix.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

TEST_DB = os.environ.get("PRIEMNAYA_TEST_DB", "sqlite").strip() or "sqlite"
TEST_REDIS = os.environ.get("PRIEMNAYA_TEST_REDIS", "").strip() or None


def describe() -> str:
    db = "postgresql" if TEST_DB != "sqlite" else "sqlite"
    return f"db={db} fsm={'redis' if TEST_REDIS else 'memory'}"


def _server_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


async def _create(server: str, name: str) -> None:
    conn = await asyncpg.connect(_server_dsn(server))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop(server: str, name: str) -> None:
    conn = await asyncpg.connect(_server_dsn(server))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


class TestDatabase:
    """A fresh database for one test or session: an SQLite file or a new PostgreSQL DB."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.name = f"priemnaya_test_{os.getpid()}_{secrets.token_hex(4)}"
        if TEST_DB == "sqlite":
            self.url = f"sqlite+aiosqlite:///{tmp / (self.name + '.db')}"
        else:
            self.url = (
                make_url(TEST_DB)
                .set(drivername="postgresql+asyncpg", database=self.name)
                .render_as_string(hide_password=False)
            )

    @property
    def is_postgres(self) -> bool:
        return TEST_DB != "sqlite"

    def create(self) -> None:
        if self.is_postgres:
            asyncio.run(_create(TEST_DB, self.name))

    def drop(self) -> None:
        if self.is_postgres:
            asyncio.run(_drop(TEST_DB, self.name))


def redis_prefix() -> str:
    return f"priemnaya-test-{os.getpid()}-{secrets.token_hex(4)}"
