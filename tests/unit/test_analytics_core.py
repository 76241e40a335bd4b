"""Working days, percentiles, problem addresses and the rating formula, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.analytics import WorkdayMeter, percentile, problem_address
from core.ratings import PRIOR_CASES, WEIGHTS, RatingInput, rate
from core.workdays import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
meter = WorkdayMeter(WorkCalendar(), MSK)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MSK).astimezone(UTC)  # type: ignore[misc]


def test_working_days_skip_weekends_and_holidays():
    assert meter.elapsed(at(2026, 3, 2, 10), at(2026, 3, 4, 10)) == pytest.approx(2.0)
    # Friday evening to Monday morning: only Friday's evening and Monday's morning count
    assert meter.elapsed(at(2026, 3, 6, 18), at(2026, 3, 10, 6)) == pytest.approx(0.25 + 0.25)
    # Sunday to Sunday: the five working days between
    assert meter.elapsed(at(2026, 3, 15, 12), at(2026, 3, 22, 12)) == pytest.approx(5.0)
    # the New Year holidays count nothing; Dec 31 2026 is a day off by decree
    assert meter.elapsed(at(2026, 12, 31, 9), at(2027, 1, 8, 18)) == 0.0
    assert meter.elapsed(at(2026, 12, 30, 12), at(2027, 1, 11, 12)) == pytest.approx(1.0)
    # a region's extra holiday is honoured
    regional = WorkdayMeter(WorkCalendar(extra_holidays=[date(2026, 3, 3)]), MSK)
    assert regional.elapsed(at(2026, 3, 2, 10), at(2026, 3, 4, 10)) == pytest.approx(1.0)
    assert meter.elapsed(at(2026, 3, 4, 10), at(2026, 3, 2, 10)) == 0.0


def test_percentile_matches_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == 3.0
    assert percentile([1.0, 1.0, 11.0], 0.9) == pytest.approx(9.0)
    assert percentile([4.0, 1.0, 2.0, 3.0], 0.5) == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Течёт крыша, ул. Ленина, 5, УК не чинит", "ул. Ленина, 5"),
        ("мусор на улице Ленина, дом 5", "ул. Ленина, 5"),
        ("яма на проспекте Победы у дома 12", "пр-т Победы"),
        ("не горит фонарь на улице садовой", None),  # a lower-case name is no address
        ("прошу разобраться", None),
    ],
)
def test_problem_address(text, expected):
    assert problem_address(text, None) == expected


def test_address_of_the_location_wins():
    assert problem_address("ул. Ленина, 5", "Рязань, ул. Есенина, 9") == "ул. Есенина, 9"


def _input(name: str, **kw) -> RatingInput:
    base = {
        "authority": name,
        "total": 0,
        "closed": 0,
        "closed_with_deadline": 0,
        "on_time": 0,
        "time_used_median": None,
        "verdict_points": 0.0,
        "verdicts": 0,
        "rating_points": 0.0,
        "ratings": 0,
        "reopened": 0,
        "ever_closed": 0,
        "answered": 0,
        "not_competent": 0,
    }
    return RatingInput(**{**base, **kw})


def test_the_rating_formula_by_hand():
    perfect = _input(
        "a",
        total=100,
        closed=100,
        closed_with_deadline=100,
        on_time=100,
        time_used_median=0.0,
        verdict_points=100.0,
        verdicts=100,
        rating_points=100.0,
        ratings=100,
        ever_closed=100,
        answered=100,
    )
    poor = _input(
        "b",
        total=100,
        closed=100,
        closed_with_deadline=100,
        on_time=0,
        time_used_median=2.0,
        verdicts=100,
        ratings=100,
        reopened=100,
        ever_closed=100,
        not_competent=100,
    )
    lucky = _input(  # two cases, both perfect
        "c",
        total=2,
        closed=2,
        closed_with_deadline=2,
        on_time=2,
        time_used_median=0.0,
        verdict_points=2.0,
        verdicts=2,
        ever_closed=2,
        answered=2,
    )
    table = {r.authority: r for r in rate([perfect, poor, lucky])}
    # the region: deadline 102/202, speed 102/202, satisfaction 202/402, reopen 102/202,
    # completeness 102/202
    region_deadline = 102 / 202
    a_deadline = (100 * 1.0 + PRIOR_CASES * region_deadline) / (100 + PRIOR_CASES)
    assert table["a"].components["deadline"] == pytest.approx(a_deadline)
    c_deadline = (2 * 1.0 + PRIOR_CASES * region_deadline) / (2 + PRIOR_CASES)
    assert table["c"].components["deadline"] == pytest.approx(c_deadline)
    assert table["b"].raw["speed"] == 0.0  # more than the allowed time is capped
    expected = 100 * sum(WEIGHTS[k] * table["a"].components[k] for k in WEIGHTS)
    assert table["a"].score == pytest.approx(round(expected, 1))
    # volume matters: two perfect cases rank below a hundred perfect ones, above the poor
    assert [r.authority for r in rate([perfect, poor, lucky])] == ["a", "c", "b"]
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
