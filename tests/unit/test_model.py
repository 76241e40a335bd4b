from datetime import UTC, datetime

import pytest

from core.model import (
    ActorKind,
    Appeal,
    AppealStatus,
    Channel,
    EventKind,
    InvalidTransition,
    can_transition,
)
from core.numbering import format_number, parse_number

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_appeal() -> Appeal:
    return Appeal(
        id=1,
        number="2026-000001",
        citizen_id=1,
        channel=Channel.BOT,
        status=AppealStatus.REGISTERED,
        text="Нет отопления",
        created_at=T0,
        updated_at=T0,
    )


def test_numbers_are_sortable_and_parseable():
    numbers = [format_number(2026, n) for n in (9, 10, 123, 99999)]
    assert numbers == sorted(numbers)
    assert format_number(2026, 123) == "2026-000123"
    assert parse_number(" №2026-000123 ") == (2026, 123)
    assert parse_number("2026-12") is None
    assert parse_number("abc") is None
    with pytest.raises(ValueError):
        format_number(2026, 0)


def test_status_change_is_recorded_and_bumps_version():
    appeal = make_appeal()
    later = datetime(2026, 3, 2, tzinfo=UTC)
    appeal.change_status(AppealStatus.ROUTED, later, ActorKind.SYSTEM, authority="ГЖИ")
    assert appeal.status is AppealStatus.ROUTED
    assert appeal.version == 2 and appeal.updated_at == later
    [event] = appeal.new_events
    assert event.kind is EventKind.STATUS_CHANGED
    assert event.data == {"old": "registered", "new": "routed", "authority": "ГЖИ"}


def test_forbidden_transition_raises_and_changes_nothing():
    appeal = make_appeal()
    with pytest.raises(InvalidTransition):
        appeal.change_status(AppealStatus.REOPENED, T0, ActorKind.CITIZEN)
    assert appeal.status is AppealStatus.REGISTERED and appeal.new_events == []


def test_lifecycle_allows_the_usual_path_and_reopening():
    path = [
        AppealStatus.ROUTED,
        AppealStatus.IN_PROGRESS,
        AppealStatus.ANSWERED,
        AppealStatus.REOPENED,
        AppealStatus.IN_PROGRESS,
    ]
    current = AppealStatus.REGISTERED
    for nxt in path:
        assert can_transition(current, nxt), (current, nxt)
        current = nxt
    assert not can_transition(AppealStatus.ANSWERED, AppealStatus.IN_PROGRESS)
