"""Deadlines: the production calendar, the 59-ФЗ frame, ЦУР targets, priority topics,
extension and the reminder schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.deadlines import DeadlinePolicyError, end_of_day, load_policy
from core.notifications import CURATORS_CHAT, NotificationKind
from core.workdays import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")


def msk(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=MSK).astimezone(UTC)


def last_day(at: datetime) -> date:
    return (at.astimezone(MSK) - timedelta(seconds=1)).date()


def test_the_production_calendar_knows_holidays_moved_days_and_working_saturdays():
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2026, 1, 9))  # moved from 3 January
    assert not cal.is_working_day(date(2026, 3, 9))  # 8 March fell on a Sunday
    assert cal.is_working_day(date(2025, 11, 1))  # a working Saturday
    assert not cal.is_working_day(date(2025, 11, 3))  # …for this Monday off
    # 31.12.2025 was a day off (moved from 4 January), then the New Year holidays
    assert cal.add_working_days(date(2025, 12, 30), 2) == date(2026, 1, 13)
    assert cal.on_or_after(date(2026, 5, 9)) == date(2026, 5, 12)  # Sat, Sun, Mon off
    assert cal.working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 5


def test_a_region_adds_days_the_library_does_not_know():
    cal = WorkCalendar(
        extra_holidays=[date(2026, 11, 25)], extra_working_days=[date(2026, 11, 28)]
    )
    assert not cal.is_working_day(date(2026, 11, 25))
    assert cal.is_working_day(date(2026, 11, 28))  # a Saturday declared working


def test_target_by_sector_priority_topics_and_the_law():
    policy = load_policy()
    registered = msk(2026, 11, 23)  # Monday
    waste = policy.deadlines(registered, "waste", "Не вывозят мусор")
    assert (waste.target_working_days, waste.priority) == (5, False)
    assert last_day(waste.due_at) == date(2026, 11, 30)
    assert last_day(waste.law_due_at) == date(2026, 12, 23)  # 30 calendar days

    cold = policy.deadlines(registered, "housing", "Третий день нет отопления, в квартире +14")
    assert cold.priority and cold.target_working_days == 8
    assert last_day(cold.due_at) == date(2026, 12, 3)

    ordinary = policy.deadlines(registered, "housing", "Прошу покрасить скамейки во дворе")
    assert not ordinary.priority and ordinary.target_working_days == 10

    # Registered on 28 December: 30 days end on Tuesday 27 January; the target's 20
    # working days jump the New Year holidays and would end later — the law's date wins.
    late = policy.deadlines(msk(2026, 12, 28), "other", "Прошу разобраться")
    assert last_day(late.law_due_at) == date(2027, 1, 27)
    assert last_day(late.due_at) == date(2027, 1, 27)
    # a deadline falling on a day off moves to the next working day
    sunday_law = policy.deadlines(msk(2026, 4, 9), "roads", "Яма на дороге")
    assert last_day(sunday_law.law_due_at) == date(2026, 5, 12)  # 9 May → after the holidays


def test_an_extension_moves_both_dates_by_at_most_30_days():
    policy = load_policy()
    d = policy.deadlines(msk(2026, 11, 23), "roads", "Яма")
    due, law = policy.extended(d.due_at, d.law_due_at, 14)
    assert last_day(law) - last_day(d.law_due_at) >= timedelta(days=14)
    assert last_day(due) >= last_day(d.due_at) + timedelta(days=14)
    with pytest.raises(ValueError):
        policy.extended(d.due_at, d.law_due_at, 31)


def test_working_days_left_and_overdue():
    policy = load_policy()
    due = end_of_day(date(2026, 11, 27), MSK)  # Friday
    assert policy.working_days_left(due, msk(2026, 11, 23)) == 5
    assert policy.working_days_left(due, msk(2026, 11, 27, 23)) == 1  # its last day
    assert policy.working_days_left(due, msk(2026, 11, 28)) == -1
    assert policy.working_days_left(due, msk(2026, 12, 1)) == -2


def test_reminders_at_half_four_fifths_and_the_deadline_then_alerts():
    policy = load_policy()
    start = msk(2026, 11, 23)
    due, law = start + timedelta(days=10), start + timedelta(days=30)
    timers = policy.reminders(
        appeal_id=1,
        number="2026-000001",
        authority_chat=-100,
        start=start,
        due_at=due,
        law_due_at=law,
        now=start,
    )
    reminders = [t for t in timers if t.kind is NotificationKind.DEADLINE_REMINDER]
    assert [t.payload["stage"] for t in reminders] == [50, 80, 100]
    assert [t.not_before for t in reminders] == [
        msk(2026, 11, 30, 9),  # half-time falls on Saturday: Monday morning
        start + timedelta(days=8),
        due,
    ]
    alerts = [t for t in timers if t.kind is NotificationKind.OVERDUE_ALERT]
    assert [(a.chat_id, a.payload["stage"], a.not_before) for a in alerts] == [
        (CURATORS_CHAT, "target", due),
        (CURATORS_CHAT, "law", law),
    ]
    # timers already in the past are not written (a reopened or extended case)
    later = policy.reminders(
        appeal_id=1,
        number="2026-000001",
        authority_chat=None,
        start=start,
        due_at=due,
        law_due_at=law,
        now=start + timedelta(days=20),
    )
    assert [(t.kind, t.payload["stage"]) for t in later] == [
        (NotificationKind.OVERDUE_ALERT, "law")
    ]


def test_a_malformed_policy_is_refused_with_its_path(tmp_path: Path):
    bad = tmp_path / "deadlines.toml"
    bad.write_text("[reminders]\nfractions = [0.5, 1.5]\n", encoding="utf-8")
    with pytest.raises(DeadlinePolicyError, match="deadlines.toml"):
        load_policy(bad)
    bad.write_text("[priority]\npatterns = ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(DeadlinePolicyError):
        load_policy(bad)


def test_the_seven_days_to_forward_move_off_days_off_and_remind_two_days_before():
    policy = load_policy()
    # registered on Friday 1 May 2026: + 7 days is Friday 8 May, a working day
    assert last_day(policy.redirect_due(msk(2026, 5, 1))) == date(2026, 5, 8)
    # registered on Saturday 2 May: 9 May (Sat), 10 (Sun), 11 (moved day off) → 12 May
    assert last_day(policy.redirect_due(msk(2026, 5, 2))) == date(2026, 5, 12)
    since = msk(2026, 11, 23)
    timer = policy.redirect_timer(
        appeal_id=1, number="2026-000001", chat=-5, since=since, now=since
    )
    assert timer is not None and timer.kind is NotificationKind.REDIRECT_FRAME
    # two days before the end is Sunday 29.11, 00:00: the reminder waits for Monday 9:00
    assert timer.not_before == msk(2026, 11, 30, 9)
    assert timer.payload == {
        "number": "2026-000001",
        "since": since.isoformat(),
        "until": policy.redirect_due(since).isoformat(),
    }
    late = since + timedelta(days=7)  # a case assigned that long ago gets no reminder now
    assert policy.redirect_timer(appeal_id=1, number="n", chat=-5, since=since, now=late) is None


def test_reminders_wait_for_office_hours_but_deadlines_do_not_move():
    policy = load_policy()
    assert policy.during_office_hours(msk(2026, 12, 2, 11)) == msk(2026, 12, 2, 11)
    assert policy.during_office_hours(msk(2026, 12, 2, 7)) == msk(2026, 12, 2, 9)
    assert policy.during_office_hours(msk(2026, 12, 2, 19)) == msk(2026, 12, 3, 9)
    assert policy.during_office_hours(msk(2026, 12, 31, 12)) == msk(2027, 1, 11, 9)
    start = msk(2026, 11, 23)
    due = end_of_day(date(2026, 12, 7), MSK)  # a deadline ends at midnight
    timers = policy.reminders(
        appeal_id=1,
        number="n",
        authority_chat=-100,
        start=start,
        due_at=due,
        law_due_at=due,
        now=start,
    )
    last = [t for t in timers if t.kind is NotificationKind.DEADLINE_REMINDER][-1]
    assert last.payload["due_at"] == due.isoformat() and last.not_before == msk(2026, 12, 8, 9)
    anytime = load_policy.__wrapped__()  # a fresh policy object to change
    object.__setattr__(anytime, "office_hours", None)
    assert anytime.during_office_hours(msk(2026, 12, 2, 3)) == msk(2026, 12, 2, 3)
