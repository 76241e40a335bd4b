"""One-time sign-in links and dashboard sessions in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import DashboardLinkRow, DashboardSessionRow

L = DashboardLinkRow.__table__.c  # type: ignore[attr-defined]
S = DashboardSessionRow.__table__.c  # type: ignore[attr-defined]


class SqlSignInRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_link(
        self, nonce: str, tg_user_id: int, now: datetime, expires_at: datetime
    ) -> None:
        self.session.add(
            DashboardLinkRow(
                nonce=nonce, tg_user_id=tg_user_id, created_at=now, expires_at=expires_at
            )
        )
        # links nobody used are kept a day for the audit, then dropped
        await self.session.exec(delete(DashboardLinkRow).where(L.expires_at < _day_before(now)))

    async def use_link(self, nonce: str, now: datetime) -> int | None:
        """Mark the link used; its official's id, or None when it is unknown, used or expired.
        One UPDATE … WHERE used_at IS NULL: two browsers racing for a link, one wins."""
        result = await self.session.exec(
            update(DashboardLinkRow)
            .where(L.nonce == nonce, L.used_at.is_(None), L.expires_at > now)
            .values(used_at=now)
            .returning(L.tg_user_id)
        )
        row = result.first()
        return int(row[0]) if row else None

    async def add_session(
        self, token_hash: str, tg_user_id: int, now: datetime, expires_at: datetime
    ) -> None:
        self.session.add(
            DashboardSessionRow(
                token_hash=token_hash, tg_user_id=tg_user_id, created_at=now, expires_at=expires_at
            )
        )
        await self.session.exec(delete(DashboardSessionRow).where(S.expires_at < now))

    async def session_user(self, token_hash: str, now: datetime) -> int | None:
        row = (
            await self.session.exec(
                select(S.tg_user_id).where(S.token_hash == token_hash, S.expires_at > now)
            )
        ).first()
        return int(row[0]) if row else None

    async def drop_session(self, token_hash: str) -> None:
        await self.session.exec(delete(DashboardSessionRow).where(S.token_hash == token_hash))


def _day_before(now: datetime) -> datetime:
    from datetime import timedelta

    return now - timedelta(days=1)
