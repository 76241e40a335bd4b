"""Core services against the real database of this run (SQLite file or PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core import services as core
from core.commands import SubmitAppeal
from core.errors import ConsentRequired, NotFound
from core.model import (
    ActorKind,
    AppealStatus,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    Location,
)
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings
from storage.migrate import current_revision, head_revision
from storage.tables import AppealRow


class StepClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


@pytest.fixture
async def services(test_db) -> AsyncIterator[Services]:
    s = await bootstrap(
        Settings(database_url=test_db.url),
        clock=StepClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
    )
    yield s
    await s.close()


async def citizen_id(services: Services, tg_user_id: int) -> int:
    citizen = await core.give_consent(services.uow, services.clock, tg_user_id, version="v1")
    assert citizen.id is not None
    return citizen.id


def command(cid: int | None, key: str, **extra) -> SubmitAppeal:
    return SubmitAppeal(
        text="Во дворе дома 5 не вывозят мусор неделю",
        channel=Channel.BOT,
        idempotency_key=key,
        citizen_id=cid,
        notify_chat_id=cid,
        **extra,
    )


async def test_migrations_reach_head(services: Services):
    assert await current_revision(services.engine) == head_revision()


async def test_submitted_appeal_is_stored_with_history(services: Services):
    cid = await citizen_id(services, 1001)
    cmd = command(
        cid,
        "k1",
        attachments=(
            Attachment(AttachmentKind.PHOTO, "f1", "u1", file_size=1234),
            Attachment(AttachmentKind.DOCUMENT, "f2", "u2", "акт.pdf", "application/pdf", 99),
        ),
        location=Location(54.62, 39.74, "ул. Ленина, 5"),
        sector="waste",
        sector_confidence=0.93,
        sector_source="classifier",
    )
    sub = await core.submit_appeal(cmd, services.uow, services.clock)
    assert sub.created and sub.appeal.number == "2026-000001"
    loaded = await core.find_appeal(services.uow, "2026-000001")
    assert loaded.text == cmd.text
    assert loaded.attachments == list(cmd.attachments)
    assert loaded.location == cmd.location
    assert loaded.created_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert [e.kind for e in loaded.history] == [
        EventKind.CREATED,
        EventKind.SECTOR_SET,
        EventKind.DEADLINE_SET,
    ]
    assert loaded.due_at is not None and loaded.law_due_at is not None
    assert loaded.due_at <= loaded.law_due_at
    assert loaded.history[1].data == {
        "sector": "waste",
        "confidence": 0.93,
        "source": "classifier",
    }


async def test_same_key_never_makes_a_duplicate(services: Services):
    cid = await citizen_id(services, 1002)
    first = await core.submit_appeal(command(cid, "same"), services.uow, services.clock)
    again = await core.submit_appeal(command(cid, "same"), services.uow, services.clock)
    assert not again.created and again.appeal.number == first.appeal.number
    assert again.notification_id is None
    items, total = await core.citizen_appeals(services.uow, cid)
    assert total == 1 and len(items) == 1


async def test_concurrent_submissions_get_unique_increasing_numbers(services: Services):
    cid = await citizen_id(services, 1003)
    subs = await asyncio.gather(
        *(
            core.submit_appeal(command(cid, f"c{i}"), services.uow, services.clock)
            for i in range(20)
        )
    )
    numbers = sorted(s.appeal.number for s in subs)
    assert numbers == [f"2026-{n:06d}" for n in range(1, 21)]


async def test_concurrent_retries_of_one_key_register_once(services: Services):
    cid = await citizen_id(services, 1004)
    subs = await asyncio.gather(
        *(core.submit_appeal(command(cid, "race"), services.uow, services.clock) for _ in range(5))
    )
    assert len({s.appeal.number for s in subs}) == 1
    assert sum(s.created for s in subs) == 1


async def test_numbering_restarts_each_year(services: Services):
    cid = await citizen_id(services, 1005)
    await core.submit_appeal(command(cid, "y1"), services.uow, services.clock)
    services.clock.current = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    sub = await core.submit_appeal(command(cid, "y2"), services.uow, services.clock)
    assert sub.appeal.number == "2027-000001"


async def test_citizen_sees_only_own_appeals(services: Services):
    alice, bob = await citizen_id(services, 2001), await citizen_id(services, 2002)
    sub = await core.submit_appeal(command(alice, "a"), services.uow, services.clock)
    assert (
        await core.citizen_appeal(services.uow, alice, sub.appeal.id)
    ).number == sub.appeal.number
    with pytest.raises(NotFound):
        await core.citizen_appeal(services.uow, bob, sub.appeal.id)
    with pytest.raises(NotFound):
        await core.citizen_appeal(services.uow, alice, 999999)


async def test_no_appeal_without_consent(services: Services):
    cid = await citizen_id(services, 3001)
    assert await core.withdraw_consent(services.uow, 3001)
    with pytest.raises(ConsentRequired):
        await core.submit_appeal(command(cid, "nc"), services.uow, services.clock)


async def test_status_changes_are_saved_with_optimistic_locking(services: Services):
    cid = await citizen_id(services, 4001)
    sub = await core.submit_appeal(command(cid, "s"), services.uow, services.clock)
    async with services.uow() as uow:
        appeal = await uow.appeals.get(sub.appeal.id)
        appeal.change_status(AppealStatus.ROUTED, services.clock.now(), ActorKind.SYSTEM)
        await uow.appeals.save(appeal)
        await uow.commit()
    loaded = await core.find_appeal(services.uow, sub.appeal.number)
    assert loaded.status is AppealStatus.ROUTED and loaded.version == 2
    assert loaded.history[-1].data == {"old": "registered", "new": "routed"}
    # A stale copy cannot overwrite the newer state.
    from core.errors import Conflict

    async with services.uow() as uow:
        stale = await uow.appeals.get(sub.appeal.id)
        await uow.session.exec(update(AppealRow).values(version=AppealRow.version + 1))
        stale.change_status(AppealStatus.IN_PROGRESS, services.clock.now(), ActorKind.OFFICIAL)
        with pytest.raises(Conflict):
            await uow.appeals.save(stale)


async def test_outbox_claims_are_exclusive_and_retries_wait(services: Services):
    cid = await citizen_id(services, 5001)
    sub = await core.submit_appeal(command(cid, "n"), services.uow, services.clock)
    nid = sub.notification_id
    now = services.clock.now()
    lease = timedelta(seconds=60)
    async with services.uow() as uow:
        assert await uow.notifications.claim(nid, now, lease)
        assert not await uow.notifications.claim(nid, now, lease)
        await uow.notifications.mark_failed(nid, "boom", now + timedelta(seconds=30))
        await uow.commit()
    async with services.uow() as uow:
        assert await uow.notifications.claim_due(now, lease, 10) == []
        due = await uow.notifications.claim_due(now + timedelta(seconds=31), lease, 10)
        assert [n.id for n in due] == [nid] and due[0].attempts == 2
        await uow.notifications.mark_sent(nid, now)
        await uow.commit()
    async with services.uow() as uow:
        assert await uow.notifications.claim_due(now + timedelta(days=1), lease, 10) == []
