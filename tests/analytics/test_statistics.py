"""Statistics on a seeded database with known answers (tests/analytics_seed.py): counts,
deadline compliance across holidays, percentiles of working days, satisfaction, reopening,
workload, top problems, scopes; the same figures on SQLite (Python percentiles) and
PostgreSQL (percentile_cont)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest

from core import dashboard as d
from core.analytics import Filters, Scope, WorkdayMeter
from core.model import ActorKind, AppealStatus, Channel, EventKind
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings
from tests.analytics_seed import NOW, seed

NOVEMBER = Filters(date(2026, 11, 1), date(2026, 11, 30))
REGION = Scope(region=True)


@dataclass
class FixedClock:
    at = NOW

    def now(self):
        return self.at


@pytest.fixture
async def seeded(test_db) -> AsyncIterator[tuple[Services, WorkdayMeter]]:
    services = await bootstrap(Settings(database_url=test_db.url), clock=FixedClock())
    await seed(services)
    meter = WorkdayMeter(services.deadlines.calendar, services.tz)
    assert await d.refresh_facts(services.uow, meter) == 8
    yield services, meter
    await services.close()


async def board(seeded, filters: Filters = NOVEMBER, scope: Scope = REGION) -> d.Dashboard:
    services, meter = seeded
    return await d.dashboard(services.uow, services.clock, meter, filters, scope)


async def test_november_summary_of_the_region(seeded):
    s = (await board(seeded)).summary
    assert (s.total, s.open, s.closed, s.overdue_open) == (5, 3, 2, 2)
    # closed with a deadline: №3 (late: Nov 4 is a holiday, due Nov 17, closed Nov 18) and
    # №5 (a day after registration)
    assert (s.closed_with_deadline, s.on_time, s.on_time_share) == (2, 1, 0.5)
    # first answers: №3 11.0 wd, №4 1.0, №5 1.0 (its closing is its first answer)
    assert s.first_response_median == pytest.approx(1.0)
    assert s.first_response_p90 == pytest.approx(9.0)
    # closings: №3 11.0, №5 1.0 (№4 was reopened: open again)
    assert s.resolution_median == pytest.approx(6.0)
    assert s.resolution_p90 == pytest.approx(10.0)
    assert (s.verdict_solved, s.verdict_partly, s.verdict_not_solved) == (0, 1, 1)
    assert (s.rating_count, s.rating_mean) == (1, 2.0)
    assert s.satisfaction == pytest.approx(0.25)
    # reopened once of three ever closed
    assert s.reopen_rate == pytest.approx(1 / 3)
    assert (s.answered, s.not_competent, s.completeness) == (1, 1, 0.5)


async def test_working_days_across_holidays(seeded):
    feb = (await board(seeded, Filters(date(2026, 2, 1), date(2026, 2, 28)))).summary
    # Fri Feb 20 18:00 → Tue Feb 24 12:00 (Feb 23 is a holiday): 6 h + 12 h = 0.75 wd
    assert feb.first_response_median == pytest.approx(0.75)
    assert feb.resolution_median == pytest.approx(0.25 + 13 / 24)
    assert (feb.on_time, feb.verdict_solved, feb.rating_mean) == (1, 1, 5.0)
    # Dec 29 + 10 working days over the New Year holidays (Dec 31 and Jan 1–8 off) is
    # Jan 21 2027; closed that day at 17:00 → on time
    dec = (await board(seeded, Filters(date(2026, 12, 1), date(2026, 12, 31)))).summary
    assert (dec.closed, dec.closed_with_deadline, dec.on_time) == (1, 1, 1)
    # Dec 29 09:00 → Jan 21 17:00: 15 h + Dec 30 + 8 working days in January + 17 h
    assert dec.resolution_median == pytest.approx(15 / 24 + 1 + 8 + 17 / 24)


async def test_breakdowns_workload_and_overdue(seeded):
    b = await board(seeded)
    assert {x.key: x.count for x in b.by_sector} == {"housing": 2, "waste": 2, "roads": 1}
    assert {x.key: x.count for x in b.by_channel} == {"bot": 3, "voice_note": 1, "api": 1}
    assert {x.key: x.count for x in b.by_status} == {
        "answered": 1,
        "closed": 1,
        "reopened": 1,
        "routed": 1,
        "in_progress": 1,
    }
    assert sum(x.count for x in b.trend) == 5 and len(b.trend) == 30
    assert next(x for x in b.trend if x.key == "2026-11-02").extra["closed"] == 1
    load = {
        x.key: (x.summary.total, x.summary.open, x.summary.overdue_open) for x in b.authorities
    }
    assert load == {"ryazan-gkh": (2, 1, 1), "eco-operator": (2, 1, 1), "mindor": (1, 1, 0)}
    people = {(x.label, x.authority): x.summary.total for x in b.officials}
    assert people == {
        ("Кузнецова Мария Олеговна", "ryazan-gkh"): 2,
        ("Смирнов Олег Викторович", "eco-operator"): 1,
        ("Волков Сергей Андреевич", "mindor"): 1,
    }
    # the longest overdue first: №6 due Nov 16 (10.5 wd to Dec 1 noon), №4 due Nov 25
    assert [(c.number, c.overdue_wd) for c in b.overdue] == [
        ("2026-900006", 10.5),
        ("2026-900004", 3.5),
    ]
    assert [(t.label, t.key, t.count) for t in b.topics][0] == ("housing", "крыша", 2)
    # «ул. Ленина, 5», «улице Ленина, дом 5» are one address; single addresses are not shown
    assert [(a.label, a.key, a.count) for a in b.addresses] == [("ryazan", "ул. Ленина, 5", 3)]


async def test_filters_and_a_heads_scope(seeded):
    waste = await board(seeded, Filters(NOVEMBER.date_from, NOVEMBER.date_to, sector="waste"))
    assert waste.summary.total == 2 and waste.summary.not_competent == 1
    voice = await board(
        seeded, Filters(NOVEMBER.date_from, NOVEMBER.date_to, channel=Channel.VOICE_NOTE)
    )
    assert voice.summary.total == 1
    overdue_routed = await board(
        seeded, Filters(NOVEMBER.date_from, NOVEMBER.date_to, status=AppealStatus.ROUTED)
    )
    assert overdue_routed.summary.overdue_open == 1
    head = await board(seeded, scope=Scope(region=False, authorities=frozenset({"ryazan-gkh"})))
    assert head.summary.total == 2
    assert {x.key for x in head.authorities} == {"ryazan-gkh"}
    assert [c.number for c in head.overdue] == ["2026-900004"]
    # a head asking for another authority's cut gets nothing of it
    other = await board(
        seeded,
        Filters(NOVEMBER.date_from, NOVEMBER.date_to, authority="eco-operator"),
        Scope(region=False, authorities=frozenset({"ryazan-gkh"})),
    )
    assert other.summary.total == 0


async def test_facts_follow_new_events(seeded):
    services, meter = seeded
    async with services.uow() as uow:
        appeal = await uow.appeals.get_by_number("2026-900007")
        appeal.record(
            EventKind.AUTHORITY_MESSAGE,
            NOW,
            ActorKind.OFFICIAL,
            text="Ответ",
            tg_user_id=7000031,
            official="Волков",
        )
        appeal.change_status(AppealStatus.ANSWERED, NOW, ActorKind.OFFICIAL)
        await uow.appeals.save(appeal)
        await uow.commit()
    assert await d.refresh_facts(services.uow, meter) >= 1
    s = (await board(seeded)).summary
    assert (s.open, s.closed) == (2, 3)
    assert await d.refresh_facts(services.uow, meter) == 0  # nothing new since


async def test_a_page_right_after_a_refresh_still_sees_a_new_event(seeded):
    """The refresh is throttled (REFRESH_SECONDS), but never past an event the log holds."""
    services, meter = seeded
    assert (await board(seeded)).summary.closed == 2  # refreshed just now (the fixture)
    async with services.uow() as uow:
        appeal = await uow.appeals.get_by_number("2026-900007")
        appeal.change_status(AppealStatus.CLOSED, NOW, ActorKind.OFFICIAL)
        await uow.appeals.save(appeal)
        await uow.commit()
    assert (await board(seeded)).summary.closed == 3  # within the throttle's two seconds
    async with services.uow() as uow:
        assert not await uow.analytics.behind()


async def test_rating_of_authorities(seeded):
    services, meter = seeded
    table = await d.ratings(services.uow, services.clock, meter, NOVEMBER, REGION)
    by = {r.authority: r for r in table.ratings}
    assert set(by) == {"ryazan-gkh", "eco-operator", "mindor"}
    gkh = by["ryazan-gkh"]
    assert gkh.raw["deadline"] == 0.0 and gkh.raw["completeness"] == 1.0
    assert gkh.raw["reopen"] == 0.5 and gkh.support["reopen"] == 2
    # an authority with no closed case gets exactly the region's values
    assert by["mindor"].components == pytest.approx(table.region)
    assert [r.place for r in table.ratings] == [1, 2, 3]
    head = await d.ratings(
        services.uow,
        services.clock,
        meter,
        NOVEMBER,
        Scope(region=False, authorities=frozenset({"ryazan-gkh"})),
    )
    assert [(r.authority, r.place) for r in head.ratings] == [("ryazan-gkh", gkh.place)]
