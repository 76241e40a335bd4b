"""What operators watch: the database answering, appeals by status, the outbox's queues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import AppealRow, AuthorityRow, NotificationRow


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int  # due now and not sent (being delivered, paced, or retried)
    scheduled: int  # timers due later (reminders, alerts)
    failed: int  # given up (the chat blocked the bot, the message was refused)
    oldest_pending_at: datetime | None  # when the oldest due message became due
    per_chat: dict[int, int] = field(default_factory=dict)  # pending by chat id


async def ping(engine: AsyncEngine) -> None:
    """One round trip; raises when the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def outbox_stats(engine: AsyncEngine, now: datetime) -> OutboxStats:
    unsent = (NotificationRow.sent_at.is_(None), NotificationRow.gave_up.is_(False))  # type: ignore[union-attr,attr-defined]
    due = or_(
        NotificationRow.next_attempt_at.is_(None),  # type: ignore[union-attr]
        NotificationRow.next_attempt_at <= now,  # type: ignore[operator]
    )
    async with engine.connect() as connection:
        per_chat = dict(
            (
                await connection.execute(
                    select(NotificationRow.chat_id, func.count())
                    .where(*unsent, due)
                    .group_by(NotificationRow.chat_id)
                )
            ).all()
        )
        oldest = (
            await connection.execute(
                select(
                    func.min(
                        func.coalesce(NotificationRow.next_attempt_at, NotificationRow.created_at)
                    )
                ).where(*unsent, due)
            )
        ).scalar()
        scheduled = (
            await connection.execute(
                select(func.count())
                .select_from(NotificationRow)
                .where(*unsent, NotificationRow.next_attempt_at > now)  # type: ignore[operator]
            )
        ).scalar()
        failed = (
            await connection.execute(
                select(func.count())
                .select_from(NotificationRow)
                .where(NotificationRow.sent_at.is_(None), NotificationRow.gave_up.is_(True))  # type: ignore[union-attr,attr-defined]
            )
        ).scalar()
    return OutboxStats(
        pending=sum(per_chat.values()),
        scheduled=int(scheduled or 0),
        failed=int(failed or 0),
        oldest_pending_at=_aware(oldest),
        per_chat={int(k): int(v) for k, v in per_chat.items()},
    )


async def appeals_by_status(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(AppealRow.status, func.count()).group_by(AppealRow.status)
        )
        return {status: int(count) for status, count in rows.all()}


async def group_names(engine: AsyncEngine) -> dict[int, str]:
    """Authority code by its group's chat id (labels of the per-group queues)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(AuthorityRow.chat_id, AuthorityRow.code).where(
                AuthorityRow.chat_id.is_not(None)  # type: ignore[union-attr]
            )
        )
        return {int(chat): code for chat, code in rows.all()}


def _aware(value: object) -> datetime | None:
    """`min()` of a UTC column comes back raw (naive on SQLite, sometimes a string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
