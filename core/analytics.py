"""ЦУР analytics without SQL: what one appeal contributes to the statistics (its «fact»), time in
working days, percentiles, and the filters and scopes of the dashboard.

A fact is rebuilt from the appeal and its history whenever the history grows (the storage
refreshes facts incrementally by event id), so every figure can be traced back to events."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.model import Appeal, AppealStatus, Channel, EventKind, Resolution, Verdict
from core.workdays import WorkCalendar

DAY_SECONDS = 86400.0


@dataclass(frozen=True, slots=True)
class Fact:
    """One appeal as the statistics see it: no text, no citizen, only dimensions and times."""

    appeal_id: int
    number: str
    created_at: datetime
    day: date  # the local day of registration (trends, periods)
    channel: str
    status: str
    sector: str | None
    municipality: str | None
    authority: str | None
    executor_id: int | None  # the official who took, closed or last answered the case
    executor_name: str | None
    due_at: datetime | None
    is_open: bool
    closed_at: datetime | None
    resolution: str | None
    first_response_at: datetime | None
    first_response_wd: float | None  # working days from registration to the first answer
    resolution_wd: float | None  # working days from registration to the (last) closing
    allowed_wd: float | None  # working days from registration to the deadline
    on_time: bool | None  # closed by the deadline (None while open or without a deadline)
    reopens: int
    verdict: str | None
    rating: int | None
    topic: str | None  # the strongest term the classifier saw (e.g. «крыша»)
    address: str | None  # the problem's street and house, when the text or location names it


# -- time in working days ---------------------------------------------------------------------


class WorkdayMeter:
    """Elapsed time that counts working days only (whole days of the production calendar in
    the region's time zone): a case answered the next morning after a Friday evening before a
    holiday Monday took the Friday's evening plus Tuesday's morning."""

    def __init__(self, calendar: WorkCalendar, tz: ZoneInfo) -> None:
        self.calendar = calendar
        self.tz = tz
        self._base: date | None = None
        self._before: list[int] = [0]  # working days in [base, base + i)
        self._working: list[bool] = []

    def _index(self, day: date) -> int:
        """Extend the cumulative table to cover `day`; its index in it."""
        if self._base is None or day < self._base:
            self._base = day - timedelta(days=366)  # rebuilt from an earlier start
            self._before, self._working = [0], []
        index = (day - self._base).days
        while len(self._working) <= index:
            current = self._base + timedelta(days=len(self._working))
            working = self.calendar.is_working_day(current)
            self._working.append(working)
            self._before.append(self._before[-1] + working)
        return index

    def is_working(self, day: date) -> bool:
        return self._working[self._index(day)]

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Working days between two instants (0 when end ≤ start)."""
        if end <= start:
            return 0.0
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        first, last = a.date(), b.date()
        i, j = self._index(first), self._index(last)
        if first == last:
            return (b - a).total_seconds() / DAY_SECONDS if self._working[i] else 0.0
        total = float(self._before[j] - self._before[i + 1])  # whole days strictly between
        if self._working[i]:
            next_midnight = datetime.combine(first + timedelta(days=1), time(), self.tz)
            total += (next_midnight - a).total_seconds() / DAY_SECONDS
        if self._working[j]:
            midnight = datetime.combine(last, time(), self.tz)
            total += (b - midnight).total_seconds() / DAY_SECONDS
        return total


# -- one appeal's fact ------------------------------------------------------------------------

_STREET = re.compile(
    r"\b(ул(?:\.|иц[аеуы]?)|пр(?:-т|оспект[аеу]?)|пер(?:\.|еул[оа]к[аеу]?)|ш(?:\.|оссе)"
    r"|пл(?:\.|ощад[ьи])|б(?:-р|ульвар[аеу]?)|наб(?:\.|ережн\w+))\s*"
    r"([А-ЯЁ][А-ЯЁа-яё-]+(?:\s+[А-ЯЁ][А-ЯЁа-яё-]+)?)"
    r"(?:,?\s*(?:д\.|дом[ауе]?)?\s*(\d{1,4}[а-яА-Я]?)\b)?"
)
_KIND = {"ул": "ул.", "пр": "пр-т", "пер": "пер.", "ш": "ш.", "пл": "пл.", "б": "б-р"}


def problem_address(text: str, location_address: str | None) -> str | None:
    """Street (and house) of the problem, normalised («ул. Ленина, 5»): the shared location's
    address first, else the first street the text names. Never the citizen's own data."""
    for source in (location_address or "", text):
        match = _STREET.search(source)
        if match:
            word = match.group(1).lower()
            kind = next((v for k, v in _KIND.items() if word.startswith(k)), "наб.")
            address = f"{kind} {match.group(2)}"
            return f"{address}, {match.group(3)}" if match.group(3) else address
    return None


def _first_reason(appeal: Appeal) -> str | None:
    for event in appeal.history:
        if event.kind is EventKind.CREATED:
            reasons = event.data.get("reasons") or []
            return str(reasons[0]) if reasons else None
    return None


def build_fact(appeal: Appeal, meter: WorkdayMeter) -> Fact:
    """The statistics' view of one appeal, from its row and its full history."""
    assert appeal.id is not None
    first_response: datetime | None = None
    closed_at: datetime | None = None
    resolution: str | None = None
    reopens = 0
    executor: tuple[int | None, str | None] = (None, None)
    for event in appeal.history:
        data = event.data
        if event.kind is EventKind.AUTHORITY_MESSAGE and not data.get("edited"):
            first_response = first_response or event.at
            if executor[0] is None and data.get("tg_user_id"):
                executor = (int(data["tg_user_id"]), data.get("official"))
        elif event.kind is EventKind.CLOSED:
            first_response = first_response or event.at
            closed_at, resolution = event.at, data.get("resolution")
            if data.get("tg_user_id"):
                executor = (int(data["tg_user_id"]), data.get("official"))
        elif event.kind is EventKind.STATUS_CHANGED:
            if data.get("new") == AppealStatus.REOPENED.value:
                reopens += 1
            elif data.get("new") == AppealStatus.IN_PROGRESS.value and data.get("tg_user_id"):
                executor = (int(data["tg_user_id"]), data.get("official"))
            elif "authority" in data:  # a new holder: whoever acted before is not its executor
                executor = (None, None)
    is_open = appeal.is_open
    if is_open:
        closed_at, resolution = None, None
    created = appeal.created_at
    due = appeal.due_at
    return Fact(
        appeal_id=appeal.id,
        number=appeal.number,
        created_at=created,
        day=created.astimezone(meter.tz).date(),
        channel=appeal.channel.value,
        status=appeal.status.value,
        sector=appeal.sector,
        municipality=appeal.municipality,
        authority=appeal.authority,
        executor_id=executor[0],
        executor_name=executor[1],
        due_at=due,
        is_open=is_open,
        closed_at=closed_at,
        resolution=resolution,
        first_response_at=first_response,
        first_response_wd=meter.elapsed(created, first_response) if first_response else None,
        resolution_wd=meter.elapsed(created, closed_at) if closed_at else None,
        allowed_wd=meter.elapsed(created, due) if due else None,
        on_time=(closed_at <= due) if (closed_at and due) else None,
        reopens=reopens,
        verdict=appeal.verdict.value if appeal.verdict else None,
        rating=appeal.rating,
        topic=_first_reason(appeal),
        address=problem_address(appeal.text, appeal.location.address if appeal.location else None),
    )


# -- percentiles ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks: the same as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# -- filters and who sees what ----------------------------------------------------------------


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Filters:
    """The dashboard's cut: a period of registration days (inclusive) and optional dimensions."""

    date_from: date
    date_to: date
    sector: str | None = None
    municipality: str | None = None
    authority: str | None = None
    channel: Channel | None = None
    status: AppealStatus | None = None

    def grain(self) -> Grain:
        days = (self.date_to - self.date_from).days
        if days <= 62:
            return Grain.DAY
        return Grain.WEEK if days <= 366 else Grain.MONTH

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants [start, end)."""
        start = datetime.combine(self.date_from, time(), tz).astimezone(UTC)
        end = datetime.combine(self.date_to + timedelta(days=1), time(), tz).astimezone(UTC)
        return start, end


@dataclass(frozen=True, slots=True)
class Scope:
    """What a signed-in person may see: the whole region, or their authorities only."""

    region: bool
    authorities: frozenset[str] = field(default_factory=frozenset)

    def allows(self, authority: str | None) -> bool:
        return self.region or (authority is not None and authority in self.authorities)


# -- what the dashboard shows -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    open: int
    closed: int
    overdue_open: int  # open past their deadline now
    closed_with_deadline: int
    on_time: int
    first_response_median: float | None
    first_response_p90: float | None
    resolution_median: float | None
    resolution_p90: float | None
    verdict_solved: int
    verdict_partly: int
    verdict_not_solved: int
    rating_count: int
    rating_mean: float | None
    reopened: int  # appeals reopened at least once
    ever_closed: int  # closed now, or closed once and reopened since
    answered: int  # closed with an answer on the merits
    not_competent: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.closed_with_deadline if self.closed_with_deadline else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.ever_closed if self.ever_closed else None

    @property
    def completeness(self) -> float | None:
        """Share closed with an answer rather than «не в компетенции» (duplicates aside)."""
        judged = self.answered + self.not_competent
        return self.answered / judged if judged else None

    @property
    def satisfaction(self) -> float | None:
        """(Решено + ½ Частично) / verdicts."""
        if not self.verdicts:
            return None
        return (self.verdict_solved + 0.5 * self.verdict_partly) / self.verdicts

    @property
    def verdicts(self) -> int:
        return self.verdict_solved + self.verdict_partly + self.verdict_not_solved


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar or point: a label and counts."""

    key: str
    label: str
    count: int
    extra: dict[str, float | int | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OverdueCase:
    number: str
    sector: str | None
    municipality: str | None
    authority: str | None
    executor_name: str | None
    due_at: datetime
    overdue_wd: float


VERDICT_SCORE = {Verdict.SOLVED.value: 1.0, Verdict.PARTLY.value: 0.5, Verdict.NOT_SOLVED.value: 0}
CLOSED_ON_MERITS = Resolution.SOLVED.value
