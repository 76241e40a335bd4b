"""Subscriptions, broadcasts and their per-recipient delivery rows, in SQL."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, literal, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from core.broadcasts import (
    Audience,
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
    PollSpec,
    Progress,
    Subscription,
    TopicKind,
)
from storage.tables import BroadcastRow, CitizenRow, DeliveryRow, SubscriptionRow

_OPEN = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, citizen_id: int) -> Subscription:
        rows = (
            await self.session.exec(
                select(SubscriptionRow.kind, SubscriptionRow.code).where(
                    SubscriptionRow.citizen_id == citizen_id
                )
            )
        ).all()
        sectors = frozenset(c for k, c in rows if k == TopicKind.SECTOR.value)
        places = frozenset(c for k, c in rows if k == TopicKind.PLACE.value)
        return Subscription(sectors, places)

    async def add(self, citizen_id: int, kind: TopicKind, code: str, now: datetime) -> None:
        """Follow a topic (nothing happens if it is followed already)."""
        found = await self.session.exec(
            select(SubscriptionRow.id).where(
                SubscriptionRow.citizen_id == citizen_id,
                SubscriptionRow.kind == kind.value,
                SubscriptionRow.code == code,
            )
        )
        if found.first() is not None:
            return
        try:
            async with self.session.begin_nested():
                self.session.add(
                    SubscriptionRow(
                        citizen_id=citizen_id, kind=kind.value, code=code, created_at=now
                    )
                )
        except IntegrityError:  # a second press at the same moment
            return

    async def remove(self, citizen_id: int, kind: TopicKind, code: str) -> None:
        await self.session.exec(
            delete(SubscriptionRow).where(
                SubscriptionRow.citizen_id == citizen_id,
                SubscriptionRow.kind == kind.value,
                SubscriptionRow.code == code,
            )
        )

    async def clear(self, citizen_id: int) -> int:
        result = await self.session.exec(
            delete(SubscriptionRow).where(SubscriptionRow.citizen_id == citizen_id)
        )
        return int(result.rowcount or 0)

    async def count_audience(self, audience: Audience) -> int:
        result = await self.session.exec(
            select(func.count()).select_from(CitizenRow).where(_recipients(audience))
        )
        return int(result.one()[0])


def _recipients(audience: Audience) -> Any:
    """Citizens (with consent and a chat) who follow one of the sectors, in one of the places
    or in the whole region."""
    s, p = aliased(SubscriptionRow), aliased(SubscriptionRow)
    sector = exists().where(
        s.citizen_id == CitizenRow.id,
        s.kind == TopicKind.SECTOR.value,
        s.code.in_(audience.sectors) if audience.sectors else true(),
    )
    condition = and_(
        CitizenRow.consent_given_at.is_not(None),  # type: ignore[union-attr]
        CitizenRow.tg_user_id.is_not(None),  # type: ignore[union-attr]
        sector,
    )
    if audience.places:
        some_place = exists().where(p.citizen_id == CitizenRow.id, p.kind == TopicKind.PLACE.value)
        same_place = exists().where(
            p.citizen_id == CitizenRow.id,
            p.kind == TopicKind.PLACE.value,
            p.code.in_(audience.places),
        )
        condition = and_(condition, or_(~some_place, same_place))
    return condition


def _broadcast(row: BroadcastRow) -> Broadcast:
    poll = PollSpec(row.poll["question"], tuple(row.poll["options"])) if row.poll else None
    return Broadcast(
        id=row.id,
        chat_id=row.chat_id,
        author_tg_id=row.author_tg_id,
        author_name=row.author_name,
        authority=row.authority,
        text=row.text,
        photo_file_id=row.photo_file_id,
        audience=Audience(tuple(row.sectors), tuple(row.places)),
        poll=poll,
        outage_until=row.outage_until,
        status=BroadcastStatus(row.status),
        total=row.total,
        progress_message_id=row.progress_message_id,
        created_at=row.created_at,
        finished_at=row.finished_at,
        poll_closed=row.poll_closed,
    )


def _delivery(row: DeliveryRow) -> Delivery:
    assert row.id is not None
    return Delivery(
        id=row.id,
        broadcast_id=row.broadcast_id,
        citizen_id=row.citizen_id,
        chat_id=row.chat_id,
        status=DeliveryStatus(row.status),
        parts_done=row.parts_done,
        attempts=row.attempts,
    )


class SqlBroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, b: Broadcast) -> Broadcast:
        """The broadcast and one pending delivery row per recipient, in this transaction."""
        poll = {"question": b.poll.question, "options": list(b.poll.options)} if b.poll else None
        row = BroadcastRow(
            chat_id=b.chat_id,
            author_tg_id=b.author_tg_id,
            author_name=b.author_name,
            authority=b.authority,
            text=b.text,
            photo_file_id=b.photo_file_id,
            sectors=list(b.audience.sectors),
            places=list(b.audience.places),
            poll=poll,
            outage_until=b.outage_until,
            status=b.status.value,
            created_at=b.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        b.id = row.id
        recipients = select(
            literal(row.id),
            CitizenRow.id,
            CitizenRow.tg_user_id,
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            literal(0),
            literal(False),
        ).where(_recipients(b.audience))
        columns = [
            "broadcast_id",
            "citizen_id",
            "chat_id",
            "status",
            "parts_done",
            "attempts",
            "resent",
        ]
        result = await self.session.exec(insert(DeliveryRow).from_select(columns, recipients))
        b.total = int(result.rowcount or 0)
        row.total = b.total
        if b.total == 0:
            row.status = b.status = BroadcastStatus.DONE
            row.finished_at = b.finished_at = b.created_at
        await self.session.flush()
        return b

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.session.get(BroadcastRow, broadcast_id)
        return _broadcast(row) if row else None

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await self.session.exec(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id)
            .values(progress_message_id=message_id)
        )

    async def finish(self, broadcast_id: int, status: BroadcastStatus, now: datetime) -> bool:
        """Close a broadcast that is still sending; False if it was closed already."""
        result = await self.session.exec(
            update(BroadcastRow)
            .where(
                BroadcastRow.id == broadcast_id,
                BroadcastRow.status == BroadcastStatus.SENDING.value,
            )
            .values(status=status.value, finished_at=now)
        )
        return result.rowcount == 1

    async def unfinished(self) -> list[int]:
        rows = await self.session.exec(
            select(BroadcastRow.id)
            .where(BroadcastRow.status == BroadcastStatus.SENDING.value)
            .order_by(BroadcastRow.id)
        )
        return [r[0] for r in rows.all()]

    async def cancel(self, broadcast_id: int, now: datetime) -> int:
        """Stop a broadcast: rows not yet sent are cancelled; returns how many."""
        if not await self.finish(broadcast_id, BroadcastStatus.CANCELLED, now):
            return 0
        result = await self.session.exec(
            update(DeliveryRow)
            .where(
                DeliveryRow.broadcast_id == broadcast_id,
                DeliveryRow.status == DeliveryStatus.PENDING.value,
            )
            .values(status=DeliveryStatus.CANCELLED.value, claim=None)
        )
        return int(result.rowcount or 0)

    # -- delivery rows ----------------------------------------------------------------------

    async def claim(self, broadcast_id: int, now: datetime, limit: int) -> list[Delivery]:
        """Take up to `limit` due pending rows for this process (a claim token marks them)."""
        ids = (
            await self.session.exec(
                select(DeliveryRow.id)
                .where(
                    DeliveryRow.broadcast_id == broadcast_id,
                    DeliveryRow.status == DeliveryStatus.PENDING.value,
                    DeliveryRow.claim.is_(None),  # type: ignore[union-attr]
                    or_(
                        DeliveryRow.next_attempt_at.is_(None),  # type: ignore[union-attr]
                        DeliveryRow.next_attempt_at <= now,  # type: ignore[operator]
                    ),
                )
                .order_by(DeliveryRow.id)
                .limit(limit)
            )
        ).all()
        if not ids:
            return []
        token = secrets.token_hex(8)
        await self.session.exec(
            update(DeliveryRow)
            .where(
                DeliveryRow.id.in_([i[0] for i in ids]),  # type: ignore[union-attr]
                DeliveryRow.status == DeliveryStatus.PENDING.value,
                DeliveryRow.claim.is_(None),  # type: ignore[union-attr]
            )
            .values(claim=token)
            .execution_options(synchronize_session=False)
        )
        rows = await self.session.exec(
            select(DeliveryRow).where(DeliveryRow.claim == token).order_by(DeliveryRow.id)
        )
        return [_delivery(r[0]) for r in rows.all()]

    async def open_rows(self, broadcast_id: int) -> tuple[int, datetime | None]:
        """How many rows are not final yet, and when the earliest postponed one is due."""
        result = await self.session.exec(
            select(func.count(), func.min(DeliveryRow.next_attempt_at)).where(
                DeliveryRow.broadcast_id == broadcast_id,
                DeliveryRow.status.in_(_OPEN),  # type: ignore[attr-defined]
            )
        )
        count, due = result.one()
        return int(count), due

    async def release_claims(self) -> tuple[int, int]:
        """At start-up: claims of a previous process are dropped (those rows were never sent),
        and rows it had in flight go back to pending, flagged as resent. Returns both counts."""
        in_flight = await self.session.exec(
            update(DeliveryRow)
            .where(DeliveryRow.status == DeliveryStatus.SENDING.value)
            .values(status=DeliveryStatus.PENDING.value, claim=None, resent=True)
        )
        claimed = await self.session.exec(
            update(DeliveryRow)
            .where(DeliveryRow.claim.is_not(None))  # type: ignore[union-attr]
            .values(claim=None)
        )
        return int(claimed.rowcount or 0), int(in_flight.rowcount or 0)

    async def unclaim(self, delivery_ids: list[int]) -> None:
        """Give claimed rows back (a graceful stop, or a cancelled broadcast)."""
        if delivery_ids:
            await self.session.exec(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id.in_(delivery_ids),  # type: ignore[union-attr]
                    DeliveryRow.status == DeliveryStatus.PENDING.value,
                )
                .values(claim=None)
            )

    async def mark_sending(self, delivery_id: int) -> bool:
        """The request is about to go out; False if the row was cancelled meanwhile."""
        result = await self.session.exec(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery_id,
                DeliveryRow.status == DeliveryStatus.PENDING.value,
            )
            .values(status=DeliveryStatus.SENDING.value, attempts=DeliveryRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def mark_part(
        self,
        delivery_id: int,
        parts_done: int,
        *,
        last: bool,
        now: datetime,
        message_id: int | None = None,
        poll_message_id: int | None = None,
        poll_id: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "parts_done": parts_done,
            "status": (DeliveryStatus.SENT if last else DeliveryStatus.PENDING).value,
            "error": None,
            "next_attempt_at": None,
        }
        if last:
            values.update(sent_at=now, claim=None)
        if message_id is not None:
            values["message_id"] = message_id
        if poll_message_id is not None:
            values.update(poll_message_id=poll_message_id, poll_id=poll_id)
        await self.session.exec(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def mark(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """A final state, or back to pending (unclaimed, due at `retry_at`)."""
        await self.session.exec(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(
                status=status.value,
                error=error[:2000] if error else None,
                next_attempt_at=retry_at,
                claim=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def progress(self, broadcast_id: int, total: int) -> Progress:
        rows = await self.session.exec(
            select(DeliveryRow.status, func.count())
            .where(DeliveryRow.broadcast_id == broadcast_id)
            .group_by(DeliveryRow.status)
        )
        counts = {status: int(n) for status, n in rows.all()}
        return Progress(
            total=total,
            sent=counts.get(DeliveryStatus.SENT.value, 0),
            failed=counts.get(DeliveryStatus.FAILED.value, 0),
            blocked=counts.get(DeliveryStatus.BLOCKED.value, 0),
            cancelled=counts.get(DeliveryStatus.CANCELLED.value, 0),
        )

    # -- known issues and polls ------------------------------------------------------------

    async def outages(self, now: datetime) -> list[Broadcast]:
        """Announcements marked as a known issue that is still on, newest first."""
        rows = await self.session.exec(
            select(BroadcastRow)
            .where(BroadcastRow.outage_until > now)  # type: ignore[operator]
            .order_by(BroadcastRow.id.desc())  # type: ignore[union-attr]
        )
        return [_broadcast(r[0]) for r in rows.all()]

    async def lift_outage(self, broadcast_id: int, now: datetime) -> None:
        await self.session.exec(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id).values(outage_until=now)
        )

    async def record_poll(self, poll_id: str, counts: list[int]) -> bool:
        """The latest state of one recipient's poll; False if it is not ours or closed."""
        closed = select(BroadcastRow.poll_closed).where(
            BroadcastRow.id == DeliveryRow.broadcast_id
        )
        result = await self.session.exec(
            update(DeliveryRow)
            .where(DeliveryRow.poll_id == poll_id, ~closed.scalar_subquery())
            .values(poll_counts=counts)
        )
        return result.rowcount == 1

    async def poll_counts(self, broadcast_id: int) -> tuple[list[list[int]], int]:
        """Every recipient's poll counts that came back, and how many polls went out."""
        rows = await self.session.exec(
            select(DeliveryRow.poll_counts).where(
                DeliveryRow.broadcast_id == broadcast_id,
                DeliveryRow.poll_id.is_not(None),  # type: ignore[union-attr]
            )
        )
        counts = [r[0] for r in rows.all()]
        return [c for c in counts if c], len(counts)

    async def close_poll(self, broadcast_id: int) -> list[tuple[int, int]]:
        """Freeze the results; returns the (chat, message) of every poll to stop."""
        await self.session.exec(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id).values(poll_closed=True)
        )
        rows = await self.session.exec(
            select(DeliveryRow.chat_id, DeliveryRow.poll_message_id).where(
                DeliveryRow.broadcast_id == broadcast_id,
                DeliveryRow.poll_message_id.is_not(None),  # type: ignore[union-attr]
            )
        )
        return [(int(c), int(m)) for c, m in rows.all()]
