"""SQL implementations of the core's repository ports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import Conflict
from core.examples import ExampleSource, LabeledExample
from core.model import (
    ActorKind,
    Appeal,
    AppealStatus,
    Attachment,
    AttachmentKind,
    Channel,
    Citizen,
    EventKind,
    HistoryEvent,
    Location,
    Verdict,
)
from core.notifications import Notification, NotificationKind
from core.ports import AppealSummary
from storage.tables import (
    AppealEventRow,
    AppealRow,
    AttachmentRow,
    CitizenRow,
    CounterRow,
    LabeledExampleRow,
    NotificationRow,
)

EXCERPT_CHARS = 80


def _citizen(row: CitizenRow) -> Citizen:
    return Citizen(
        id=row.id,
        tg_user_id=row.tg_user_id,
        consent_given_at=row.consent_given_at,
        consent_version=row.consent_version,
        phone=row.phone,
        full_name=row.full_name,
        email=row.email,
    )


class SqlCitizenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_tg(self, tg_user_id: int) -> Citizen | None:
        row = (
            await self.session.exec(select(CitizenRow).where(CitizenRow.tg_user_id == tg_user_id))
        ).first()
        return _citizen(row[0]) if row else None

    async def get(self, citizen_id: int) -> Citizen | None:
        row = await self.session.get(CitizenRow, citizen_id)
        return _citizen(row) if row else None

    async def add(self, citizen: Citizen) -> Citizen:
        row = CitizenRow(
            tg_user_id=citizen.tg_user_id,
            phone=citizen.phone,
            full_name=citizen.full_name,
            email=citizen.email,
            consent_given_at=citizen.consent_given_at,
            consent_version=citizen.consent_version,
        )
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Conflict("citizen exists") from exc
        citizen.id = row.id
        return citizen

    async def get_by_phone(self, phone: str) -> Citizen | None:
        row = (
            await self.session.exec(
                select(CitizenRow)
                .where(CitizenRow.phone == phone, CitizenRow.consent_given_at.is_not(None))  # type: ignore[union-attr]
                .order_by(CitizenRow.id)
            )
        ).first()
        return _citizen(row[0]) if row else None

    async def save(self, citizen: Citizen) -> None:
        await self.session.exec(
            update(CitizenRow)
            .where(CitizenRow.id == citizen.id)
            .values(
                phone=citizen.phone,
                full_name=citizen.full_name,
                email=citizen.email,
                consent_given_at=citizen.consent_given_at,
                consent_version=citizen.consent_version,
            )
        )


class SqlAppealRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._loaded_versions: dict[int, int] = {}

    # -- reads -----------------------------------------------------------------------------
    async def _load(self, row: AppealRow | None) -> Appeal | None:
        if row is None:
            return None
        assert row.id is not None
        attachments = (
            await self.session.exec(
                select(AttachmentRow)
                .where(AttachmentRow.appeal_id == row.id)
                .order_by(AttachmentRow.position)
            )
        ).all()
        events = (
            await self.session.exec(
                select(AppealEventRow)
                .where(AppealEventRow.appeal_id == row.id)
                .order_by(AppealEventRow.at, AppealEventRow.id)
            )
        ).all()
        self._loaded_versions[row.id] = row.version
        return _appeal(row, [a[0] for a in attachments], [e[0] for e in events])

    async def get(self, appeal_id: int) -> Appeal | None:
        return await self._load(await self.session.get(AppealRow, appeal_id))

    async def _one(self, *criteria: Any) -> Appeal | None:
        row = (await self.session.exec(select(AppealRow).where(*criteria))).first()
        return await self._load(row[0] if row else None)

    async def get_by_number(self, number: str) -> Appeal | None:
        return await self._one(AppealRow.number == number.strip())

    async def get_by_idempotency_key(self, key: str) -> Appeal | None:
        return await self._one(AppealRow.idempotency_key == key)

    async def summaries_for_citizen(
        self, citizen_id: int, *, limit: int, offset: int
    ) -> list[AppealSummary]:
        rows = (
            await self.session.exec(
                select(
                    AppealRow.id,
                    AppealRow.number,
                    AppealRow.status,
                    AppealRow.created_at,
                    AppealRow.sector,
                    func.substr(AppealRow.text, 1, EXCERPT_CHARS),
                )
                .where(AppealRow.citizen_id == citizen_id)
                .order_by(AppealRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
        return [
            AppealSummary(
                id=r[0],
                number=r[1],
                status=AppealStatus(r[2]),
                created_at=r[3],
                sector=r[4],
                excerpt=r[5],
            )
            for r in rows
        ]

    async def claim_by_phone(self, phone: str, citizen_id: int) -> int:
        """Give the phone appeals of `phone` that have no citizen yet to `citizen_id`."""
        result = await self.session.exec(
            update(AppealRow)
            .where(AppealRow.caller_phone == phone, AppealRow.citizen_id.is_(None))  # type: ignore[union-attr]
            .values(citizen_id=citizen_id)
        )
        return int(result.rowcount or 0)

    async def count_for_citizen(self, citizen_id: int) -> int:
        result = await self.session.exec(
            select(func.count()).select_from(AppealRow).where(AppealRow.citizen_id == citizen_id)
        )
        return int(result.one()[0])

    async def list(
        self, *, status: AppealStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[Appeal]:
        query = select(AppealRow).order_by(AppealRow.id.desc()).limit(limit).offset(offset)
        if status is not None:
            query = query.where(AppealRow.status == status.value)
        rows = (await self.session.exec(query)).all()
        appeals = [await self._load(r[0]) for r in rows]
        return [a for a in appeals if a is not None]

    # -- writes ----------------------------------------------------------------------------
    async def next_sequence(self, name: str) -> int:
        """Atomically increment a named counter (row-locked on PostgreSQL)."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(CounterRow)
            .values(name=name, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": CounterRow.value + 1})
            .returning(CounterRow.value)
        )
        result = await self.session.exec(stmt)
        return int(result.scalar_one())

    async def add(self, appeal: Appeal) -> Appeal:
        row = AppealRow(
            number=appeal.number,
            citizen_id=appeal.citizen_id,
            channel=appeal.channel.value,
            status=appeal.status.value,
            sector=appeal.sector,
            sector_confidence=appeal.sector_confidence,
            text=appeal.text,
            latitude=appeal.location.latitude if appeal.location else None,
            longitude=appeal.location.longitude if appeal.location else None,
            address=appeal.location.address if appeal.location else None,
            idempotency_key=appeal.idempotency_key,
            caller_phone=appeal.caller_phone,
            municipality=appeal.municipality,
            authority=appeal.authority,
            **_deadline_and_feedback(appeal),
            version=appeal.version,
            created_at=appeal.created_at,
            updated_at=appeal.updated_at,
        )
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"appeal {appeal.idempotency_key} exists") from exc
        assert row.id is not None
        appeal.id = row.id
        for position, attachment in enumerate(appeal.attachments):
            self.session.add(
                AttachmentRow(
                    appeal_id=row.id,
                    position=position,
                    kind=attachment.kind.value,
                    file_id=attachment.file_id,
                    file_unique_id=attachment.file_unique_id,
                    file_name=attachment.file_name,
                    mime_type=attachment.mime_type,
                    file_size=attachment.file_size,
                )
            )
        self._add_events(appeal)
        self._loaded_versions[row.id] = appeal.version
        return appeal

    async def save(self, appeal: Appeal) -> None:
        """Persist changed fields and new events; refuse if someone saved in between."""
        assert appeal.id is not None
        loaded = self._loaded_versions.get(appeal.id, appeal.version)
        result = await self.session.exec(
            update(AppealRow)
            .where(AppealRow.id == appeal.id, AppealRow.version == loaded)
            .values(
                status=appeal.status.value,
                sector=appeal.sector,
                sector_confidence=appeal.sector_confidence,
                municipality=appeal.municipality,
                authority=appeal.authority,
                **_deadline_and_feedback(appeal),
                updated_at=appeal.updated_at,
                version=appeal.version,
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"appeal {appeal.number} was changed concurrently")
        self._loaded_versions[appeal.id] = appeal.version
        self._add_events(appeal)

    def _add_events(self, appeal: Appeal) -> None:
        assert appeal.id is not None
        for event in appeal.new_events:
            self.session.add(
                AppealEventRow(
                    appeal_id=appeal.id,
                    kind=event.kind.value,
                    actor=event.actor.value,
                    at=event.at,
                    data=event.data,
                )
            )
        appeal.new_events.clear()


def _deadline_and_feedback(appeal: Appeal) -> dict[str, Any]:
    return {
        "due_at": appeal.due_at,
        "law_due_at": appeal.law_due_at,
        "extensions": appeal.extensions,
        "verdict": appeal.verdict.value if appeal.verdict else None,
        "rating": appeal.rating,
    }


def _appeal(
    row: AppealRow, attachments: list[AttachmentRow], events: list[AppealEventRow]
) -> Appeal:
    location = None
    if row.latitude is not None and row.longitude is not None:
        location = Location(row.latitude, row.longitude, row.address)
    return Appeal(
        id=row.id,
        number=row.number,
        citizen_id=row.citizen_id,
        channel=Channel(row.channel),
        status=AppealStatus(row.status),
        text=row.text,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sector=row.sector,
        sector_confidence=row.sector_confidence,
        location=location,
        caller_phone=row.caller_phone,
        municipality=row.municipality,
        authority=row.authority,
        due_at=row.due_at,
        law_due_at=row.law_due_at,
        extensions=row.extensions,
        verdict=Verdict(row.verdict) if row.verdict else None,
        rating=row.rating,
        attachments=[
            Attachment(
                kind=AttachmentKind(a.kind),
                file_id=a.file_id,
                file_unique_id=a.file_unique_id,
                file_name=a.file_name,
                mime_type=a.mime_type,
                file_size=a.file_size,
            )
            for a in attachments
        ],
        history=[
            HistoryEvent(kind=EventKind(e.kind), at=e.at, actor=ActorKind(e.actor), data=e.data)
            for e in events
        ],
        idempotency_key=row.idempotency_key,
        version=row.version,
    )


def _notification(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        kind=NotificationKind(row.kind),
        chat_id=row.chat_id,
        created_at=row.created_at,
        appeal_id=row.appeal_id,
        payload=row.payload,
        attempts=row.attempts,
        sent_at=row.sent_at,
    )


class SqlNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, notification: Notification) -> Notification:
        row = NotificationRow(
            kind=notification.kind.value,
            chat_id=notification.chat_id,
            appeal_id=notification.appeal_id,
            payload=notification.payload,
            created_at=notification.created_at,
            next_attempt_at=notification.not_before or notification.created_at,
            attempts=notification.attempts,
            claimed_until=notification.claimed_until,
        )
        self.session.add(row)
        await self.session.flush()
        notification.id = row.id
        return notification

    async def get(self, notification_id: int) -> Notification | None:
        row = await self.session.get(NotificationRow, notification_id)
        return _notification(row) if row else None

    def _claimable(self, now: datetime) -> Any:
        return (
            NotificationRow.sent_at.is_(None),  # type: ignore[union-attr]
            NotificationRow.gave_up.is_(False),  # type: ignore[attr-defined]
            or_(
                NotificationRow.claimed_until.is_(None),  # type: ignore[union-attr]
                NotificationRow.claimed_until < now,  # type: ignore[operator]
            ),
        )

    async def claim(self, notification_id: int, now: datetime, lease: timedelta) -> bool:
        """Take one notification for delivery unless someone else holds it or it is done."""
        result = await self.session.exec(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id, *self._claimable(now))
            .values(claimed_until=now + lease, attempts=NotificationRow.attempts + 1)
        )
        return result.rowcount == 1

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Notification]:
        rows = (
            await self.session.exec(
                select(NotificationRow.id)
                .where(
                    *self._claimable(now),
                    or_(
                        NotificationRow.next_attempt_at.is_(None),  # type: ignore[union-attr]
                        NotificationRow.next_attempt_at <= now,  # type: ignore[operator]
                    ),
                )
                .order_by(NotificationRow.id)
                .limit(limit)
            )
        ).all()
        claimed: list[Notification] = []
        for (notification_id,) in rows:
            if await self.claim(notification_id, now, lease):
                notification = await self.get(notification_id)
                if notification is not None:
                    claimed.append(notification)
        return claimed

    async def release_claims(self) -> int:
        """Free every claim (at start-up: a crashed process may have left some)."""
        result = await self.session.exec(
            update(NotificationRow)
            .where(NotificationRow.claimed_until.is_not(None))  # type: ignore[union-attr]
            .values(claimed_until=None)
        )
        return int(result.rowcount or 0)

    async def mark_sent(self, notification_id: int, now: datetime) -> None:
        await self.session.exec(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id)
            .values(sent_at=now, claimed_until=None, last_error=None)
        )

    async def mark_failed(
        self, notification_id: int, error: str, retry_at: datetime | None
    ) -> None:
        await self.session.exec(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id)
            .values(
                claimed_until=None,
                last_error=error[:2000],
                next_attempt_at=retry_at,
                gave_up=retry_at is None,
            )
        )


class SqlLabeledExampleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, example: LabeledExample) -> LabeledExample:
        row = LabeledExampleRow(
            text=example.text,
            sector=example.sector,
            predicted=example.predicted,
            source=example.source.value,
            appeal_id=example.appeal_id,
            created_at=example.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        example.id = row.id
        return example

    async def all(self) -> list[LabeledExample]:
        query = select(LabeledExampleRow).order_by(LabeledExampleRow.id)
        rows = (await self.session.exec(query)).all()
        return [
            LabeledExample(
                id=r.id,
                text=r.text,
                sector=r.sector,
                predicted=r.predicted,
                source=ExampleSource(r.source),
                appeal_id=r.appeal_id,
                created_at=r.created_at,
            )
            for (r,) in rows
        ]
