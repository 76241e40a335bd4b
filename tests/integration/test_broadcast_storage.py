"""Subscriptions, broadcasts and delivery rows against the run's real database; the known
issue answer and the subscription offer at registration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import informing
from core import services as core
from core.broadcasts import AnnouncementDraft, Audience, DeliveryStatus, PollSpec, TopicKind
from core.commands import SubmitAppeal
from core.directory import load_directory
from core.model import Channel
from core.notifications import NotificationKind
from core.sectors import load_sectors
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"
GROUP = -1001000000102


class StepClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


@pytest.fixture
async def services(test_db) -> AsyncIterator[Services]:
    s = await bootstrap(Settings(database_url=test_db.url), clock=StepClock())
    await core.import_directory(s.uow, load_directory(EXAMPLE, [x.code for x in load_sectors()]))
    yield s
    await s.close()


async def person(s: Services, tg_id: int, sectors=(), places=()) -> int:
    citizen = await core.give_consent(s.uow, s.clock, tg_id, version="v1")
    for code in sectors:
        await informing.toggle_topic(s.uow, s.clock, tg_id, TopicKind.SECTOR, code)
    for code in places:
        await informing.toggle_topic(s.uow, s.clock, tg_id, TopicKind.PLACE, code)
    assert citizen.id is not None
    return citizen.id


def draft(**kw) -> AnnouncementDraft:
    base = {
        "chat_id": GROUP,
        "author_tg_id": 7000012,
        "author_name": "Кузнецова",
        "authority": "ryazan-gkh",
        "text": "Отключение горячей воды",
        "sectors": ["housing"],
        "places": ["ryazan"],
    }
    return AnnouncementDraft(**{**base, **kw})


async def test_toggles_and_the_audience(services: Services):
    s = services
    await person(s, 1, ["housing"], ["ryazan"])
    await person(s, 2, ["housing"])  # the whole region
    await person(s, 3, ["housing"], ["kasimov"])
    await person(s, 4, ["roads"], ["ryazan"])
    sub = await informing.toggle_topic(s.uow, s.clock, 4, TopicKind.SECTOR, "roads")
    assert not sub.active  # toggled off again
    assert await informing.count_audience(s.uow, Audience(("housing",), ("ryazan",))) == 2
    assert await informing.count_audience(s.uow, Audience(("housing",))) == 3
    assert await informing.count_audience(s.uow, Audience()) == 3
    await core.withdraw_consent(s.uow, 2)  # no consent, no announcements
    assert await informing.count_audience(s.uow, Audience(("housing",), ("ryazan",))) == 1
    assert await informing.unsubscribe(s.uow, 1)
    assert not await informing.unsubscribe(s.uow, 1)


async def test_rows_are_claimed_marked_and_resumed(services: Services):
    s = services
    for tg_id in range(10, 15):
        await person(s, tg_id, ["housing"], ["ryazan"])
    b = await informing.announce(s.uow, s.clock, draft(poll=PollSpec("Удобно?", ("Да", "Нет"))))
    assert b.id is not None and b.total == 5
    rows = await informing.claim(s.uow, b.id, s.clock.now(), 3)
    assert len(rows) == 3
    assert len(await informing.claim(s.uow, b.id, s.clock.now(), 10)) == 2  # the others
    first, second, third = rows
    async with s.uow() as uow:
        assert await informing.start_part(uow, first.id)
        await informing.part_sent(uow, first, last=False, now=s.clock.now(), message_id=7)
        assert await informing.start_part(uow, second.id)  # in flight when "the crash" comes
        await informing.delivery_failed(uow, third, DeliveryStatus.BLOCKED, "403")
        await uow.commit()
    claimed, in_flight = await informing.release_claims(s.uow)
    assert (claimed, in_flight) == (3, 1)  # first (half done) and the two never started
    again = {d.id: d for d in await informing.claim(s.uow, b.id, s.clock.now(), 10)}
    assert len(again) == 4 and third.id not in again
    assert again[first.id].parts_done == 1  # only the poll is left
    assert again[second.id].parts_done == 0  # sent again: it was in flight
    progress = await informing.progress(s.uow, b)
    assert (progress.blocked, progress.left) == (1, 4)
    assert not (await informing.subscription(s.uow, third.chat_id)).active  # unsubscribed
    assert await informing.cancel(s.uow, s.clock, b.id) == 4
    assert (await informing.progress(s.uow, await informing.get_broadcast(s.uow, b.id))).left == 0


async def test_poll_results_add_up_and_freeze_when_closed(services: Services):
    s = services
    for tg_id in (20, 21, 22):
        await person(s, tg_id, ["housing"], ["ryazan"])
    b = await informing.announce(s.uow, s.clock, draft(poll=PollSpec("Удобно?", ("Да", "Нет"))))
    assert b.id is not None
    rows = await informing.claim(s.uow, b.id, s.clock.now(), 10)
    async with s.uow() as uow:
        for n, row in enumerate(rows):
            await informing.part_sent(
                uow, row, last=True, now=s.clock.now(), poll_message_id=100 + n, poll_id=f"p{n}"
            )
        await uow.commit()
    assert await informing.record_poll(s.uow, "p0", [1, 0])
    assert await informing.record_poll(s.uow, "p1", [0, 1])
    assert await informing.record_poll(s.uow, "p1", [1, 0])  # changed the answer
    assert not await informing.record_poll(s.uow, "elsewhere", [1, 0])
    results = await informing.poll_results(s.uow, b.id)
    assert (results.counts, results.voters, results.polls) == ((2, 0), 2, 3)
    assert len(await informing.close_poll(s.uow, b.id)) == 3
    assert not await informing.record_poll(s.uow, "p2", [0, 1])
    assert (await informing.poll_results(s.uow, b.id)).counts == (2, 0)


async def test_known_issue_answers_new_appeals_on_that_sector_and_place(services: Services):
    s = services
    cid = await person(s, 30)
    b = await informing.announce(s.uow, s.clock, draft(outage_days=1))

    async def submit(key: str, text: str):
        cmd = SubmitAppeal(
            text=text,
            channel=Channel.BOT,
            idempotency_key=key,
            citizen_id=cid,
            notify_chat_id=30,
            sector="housing",
            sector_source="citizen",
        )
        return await core.submit_appeal(cmd, s.uow, s.clock, s.deadlines)

    async def kinds(appeal_id: int) -> set[NotificationKind]:
        async with s.uow() as uow:
            due = await uow.notifications.claim_due(
                s.clock.now() + timedelta(minutes=1), timedelta(seconds=60), 100
            )
            await uow.rollback()
        return {n.kind for n in due if n.appeal_id == appeal_id}

    here = await submit("k1", "Нет горячей воды на Канищеве в Рязани третий день")
    assert here.appeal.authority == "ryazan-gkh"  # still routed to the authority
    assert NotificationKind.KNOWN_ISSUE in await kinds(here.appeal.id)
    elsewhere = await submit("k2", "Нет горячей воды в Касимове на улице Ленина")
    assert NotificationKind.KNOWN_ISSUE not in await kinds(elsewhere.appeal.id)
    assert b.id is not None
    await informing.lift_outage(s.uow, s.clock, b.id)
    s.clock.current += timedelta(seconds=1)  # type: ignore[attr-defined]
    later = await submit("k3", "Опять нет горячей воды на Канищеве в Рязани")
    assert NotificationKind.KNOWN_ISSUE not in await kinds(later.appeal.id)
