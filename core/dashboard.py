"""Use cases of the analytics: the dashboard's figures, the rating of authorities, the monthly
and quarterly reports. One read transaction each, after the facts caught up with the events."""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from core.analytics import Bucket, Filters, Grain, OverdueCase, Scope, Summary, WorkdayMeter
from core.clock import Clock
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.ratings import Rating, RatingInput, rate

#: Facts are refreshed at most this often per process unless the event log has moved on
#: (a page view then costs two indexed lookups; a page never misses a committed event).
REFRESH_SECONDS = 2.0
OVERDUE_LIMIT = 100
TOP_LIMIT = 10
_last_refresh: dict[int, float] = {}


async def catch_up(uow: UnitOfWork, meter: WorkdayMeter, *, force: bool = False) -> int:
    """Refresh the facts (throttled per unit-of-work factory while no new event arrived,
    unless forced); commits."""
    key = id(type(uow))
    now = time.monotonic()
    recent = now - _last_refresh.get(key, 0.0) < REFRESH_SECONDS
    if not force and recent and not await uow.analytics.behind():
        return 0
    rebuilt = await uow.analytics.refresh(meter)
    await uow.commit()
    _last_refresh[key] = time.monotonic()
    return rebuilt


#: Computed pages are kept while no event arrives, at most this long (overdue counts move
#: with the clock, so they may lag it by as much) and for this many cuts.
CACHE_SECONDS = 60.0
CACHE_SIZE = 64
_caches: WeakKeyDictionary[Any, OrderedDict[tuple[Any, ...], tuple[float, Any]]] = (
    WeakKeyDictionary()
)


def _cached(owner: Any, key: tuple[Any, ...]) -> Any | None:
    cache = _caches.get(owner)
    hit = cache.get(key) if cache is not None else None
    if cache is None or hit is None or time.monotonic() - hit[0] > CACHE_SECONDS:
        return None
    cache.move_to_end(key)
    return hit[1]


def _keep(owner: Any, key: tuple[Any, ...], value: Any) -> Any:
    cache = _caches.setdefault(owner, OrderedDict())
    cache[key] = (time.monotonic(), value)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return value


async def refresh_facts(uow_factory: UnitOfWorkFactory, meter: WorkdayMeter) -> int:
    """Bring the facts up to date now (the CLI, the web app's background loop, tests)."""
    async with uow_factory() as uow:
        return await catch_up(uow, meter, force=True)


@dataclass(frozen=True, slots=True)
class Dashboard:
    filters: Filters
    summary: Summary
    trend: list[Bucket]
    by_sector: list[Bucket]
    by_channel: list[Bucket]
    by_status: list[Bucket]
    by_municipality: list[Bucket]
    authorities: list[Any]  # storage Stats per authority
    officials: list[Any]  # storage Stats per executor
    overdue: list[OverdueCase]
    topics: list[Bucket]
    addresses: list[Bucket]


def _buckets(rows: list[tuple[tuple[Any, ...], int]]) -> list[Bucket]:
    return [Bucket(str(key[0]) if key[0] is not None else "", "", n) for key, n in rows]


def trend_buckets(daily: list[dict[str, Any]], filters: Filters) -> list[Bucket]:
    """Per-day rows grouped by the period's grain; every bucket of the period is present."""
    grain = filters.grain()
    sums: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in daily:
        start = bucket_start(row["day"], grain)
        for name in ("total", "closed", "on_time", "overdue"):
            sums[start][name] += row[name]
    buckets, day = [], bucket_start(filters.date_from, grain)
    while day <= filters.date_to:
        counts = sums.get(day, {})
        buckets.append(
            Bucket(
                day.isoformat(),
                _bucket_label(day, grain),
                counts.get("total", 0),
                {k: counts.get(k, 0) for k in ("closed", "on_time", "overdue")},
            )
        )
        day = next_bucket(day, grain)
    return buckets


def bucket_start(day: date, grain: Grain) -> date:
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(day: date, grain: Grain) -> date:
    if grain is Grain.DAY:
        return day + timedelta(days=1)
    if grain is Grain.WEEK:
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _bucket_label(day: date, grain: Grain) -> str:
    return day.strftime("%m.%Y") if grain is Grain.MONTH else day.strftime("%d.%m")


FULL_SETS = ("all", "authority")
LIGHT_SETS = ("executor", "sector", "channel", "status", "municipality", "day", "topic")
SPREAD = ("fr_med", "fr_p90", "res_med", "res_p90")


async def dashboard(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    meter: WorkdayMeter,
    filters: Filters,
    scope: Scope,
) -> Dashboard:
    """Everything the dashboard page shows for one cut: the breakdowns in two passes over the
    facts (GROUPING SETS), the percentiles and the overdue list, each on its own connection
    at the same time."""
    now = clock.now()
    async with uow_factory() as uow:
        await catch_up(uow, meter)
        mark = await uow.analytics.watermark()
        directory = await uow.directory.load()
    key = (
        "dashboard",
        mark,
        filters,
        scope,
    )
    if (hit := _cached(uow_factory, key)) is not None:
        return hit

    async def part(work: Callable[[Any], Awaitable[Any]]) -> Any:
        async with uow_factory() as uow:
            return await work(uow.analytics)

    # addresses have thousands of groups: a query of their own, cheaper than a grouping set
    full, light, spread, overdue, addresses = await asyncio.gather(
        part(lambda r: r.overview(filters, scope, now, FULL_SETS, percentiles=())),
        part(lambda r: r.overview(filters, scope, now, LIGHT_SETS, percentiles=(), light=True)),
        part(lambda r: r.spread(filters, scope, FULL_SETS, SPREAD)),
        part(lambda r: r.overdue(filters, scope, now, meter, OVERDUE_LIMIT)),
        part(
            lambda r: r.counts(
                filters,
                scope,
                ["municipality", "address"],
                TOP_LIMIT,
                min_count=2,
                not_null="address",
            )
        ),
    )
    sets = {**light, **{name: _with_spread(full[name], spread.get(name, {})) for name in full}}

    def counts(name: str) -> list[Bucket]:
        return [
            Bucket(str(x.key) if x.key is not None else "", "", x.summary.total)
            for x in sets[name]
        ]

    daily = [
        {
            "day": x.key if isinstance(x.key, date) else date.fromisoformat(str(x.key)[:10]),
            "total": x.summary.total,
            "closed": x.summary.closed,
            "on_time": x.summary.on_time,
            "overdue": x.summary.overdue_open,
        }
        for x in sets["day"]
    ]
    topics = [x for x in sets["topic"] if x.key[1] is not None][:TOP_LIMIT]

    return _keep(
        uow_factory,
        key,
        Dashboard(
            filters=filters,
            summary=sets["all"][0].summary,
            trend=trend_buckets(daily, filters),
            by_sector=counts("sector"),
            by_channel=counts("channel"),
            by_status=counts("status"),
            by_municipality=counts("municipality"),
            authorities=sets["authority"],
            officials=_named(sets["executor"], directory),
            overdue=overdue,
            topics=[Bucket(str(x.key[1]), str(x.key[0] or ""), x.summary.total) for x in topics],
            addresses=[
                Bucket(str(address), str(municipality or ""), n)
                for (municipality, address), n in addresses
            ],
        ),
    )


def _with_spread(stats: list[Any], spread: dict[Any, dict[str, float | None]]) -> list[Any]:
    """Stats with their percentiles put in."""
    out = []
    for x in stats:
        p = spread.get(x.key)
        if p:
            x = replace(
                x,
                summary=replace(
                    x.summary,
                    first_response_median=p.get("fr_med"),
                    first_response_p90=p.get("fr_p90"),
                    resolution_median=p.get("res_med"),
                    resolution_p90=p.get("res_p90"),
                ),
            )
        out.append(x)
    return out


def _named(executors: list[Any], directory: Any) -> list[Any]:
    """Executors with their names and authorities from the directory (the name kept with
    the case when the official has left it)."""
    people = {}
    for authority in directory.authorities:
        for official in authority.officials:
            people.setdefault(official.tg_user_id, (official.full_name, authority.code))
    named = []
    for x in executors:
        if x.label is None:
            name, authority = people.get(x.key, (str(x.key), None))
            x = replace(x, label=name, authority=authority)
        named.append(x)
    return named


def rating_input(stats: Any) -> RatingInput:
    s: Summary = stats.summary
    return RatingInput(
        authority=str(stats.key),
        total=s.total,
        closed=s.closed,
        closed_with_deadline=s.closed_with_deadline,
        on_time=s.on_time,
        time_used_median=stats.time_used_median,
        verdict_points=s.verdict_solved + 0.5 * s.verdict_partly,
        verdicts=s.verdicts,
        rating_points=(stats.rating_sum - s.rating_count) / 4.0,
        ratings=s.rating_count,
        reopened=s.reopened,
        ever_closed=s.ever_closed,
        answered=s.answered,
        not_competent=s.not_competent,
    )


@dataclass(frozen=True, slots=True)
class RatingTable:
    filters: Filters
    ratings: list[Rating]
    region: dict[str, float] = field(default_factory=dict)


async def ratings(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    meter: WorkdayMeter,
    filters: Filters,
    scope: Scope,
) -> RatingTable:
    """The rating of authorities over a period. The region's values come from every authority
    (a head sees their place among all, but the others' figures only as places)."""
    from core.ratings import region_values

    now = clock.now()
    async with uow_factory() as uow:
        await catch_up(uow, meter)
        mark = await uow.analytics.watermark()
        key = ("ratings", mark, filters)
        everything = Scope(region=True)
        if (hit := _cached(uow_factory, key)) is not None:
            return _scoped(hit, scope)

    async def part(work: Callable[[Any], Awaitable[Any]]) -> Any:
        async with uow_factory() as uow:
            return await work(uow.analytics)

    counted, spread = await asyncio.gather(  # two connections at once
        part(lambda r: r.overview(filters, everything, now, ("authority",), percentiles=())),
        part(lambda r: r.spread(filters, everything, ("authority",), ("used_med",))),
    )
    used = spread.get("authority", {})
    stats = [
        replace(x, time_used_median=used.get(x.key, {}).get("used_med"))
        for x in counted["authority"]
    ]
    inputs = [rating_input(s) for s in stats if s.key]
    whole = _keep(uow_factory, key, RatingTable(filters, rate(inputs), region_values(inputs)))
    return _scoped(whole, scope)


def _scoped(table: RatingTable, scope: Scope) -> RatingTable:
    """A head sees their own places among all, not the others' figures."""
    if scope.region:
        return table
    mine = [r for r in table.ratings if r.authority in scope.authorities]
    return RatingTable(table.filters, mine, table.region)


# -- periods of the reports -------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def month_period(text: str) -> tuple[date, date]:
    """«2026-11» → the first and the last day of the month; ValueError otherwise."""
    match = _MONTH.match(text.strip())
    if not match:
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return first, next_bucket(first, Grain.MONTH) - timedelta(days=1)


def quarter_period(text: str) -> tuple[date, date]:
    """«2026-Q4» → 2026-10-01 … 2026-12-31; ValueError otherwise."""
    match = _QUARTER.match(text.strip())
    if not match:
        raise ValueError(f"not a quarter YYYY-Qn: {text!r}")
    year, q = int(match.group(1)), int(match.group(2))
    first = date(year, 3 * q - 2, 1)
    last_month = date(year, 3 * q, 1)
    return first, next_bucket(last_month, Grain.MONTH) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """The monthly report to the head of the region."""

    period: str
    filters: Filters
    generated_at: datetime
    summary: Summary
    previous: Summary  # the month before, for the change
    by_sector: list[Any]  # Stats per sector: the workload of each sector block
    by_municipality: list[Any]
    ratings: list[Rating]
    topics: list[Bucket]
    addresses: list[Bucket]
    overdue: list[OverdueCase]


async def monthly_report(
    uow_factory: UnitOfWorkFactory, clock: Clock, meter: WorkdayMeter, month: str, scope: Scope
) -> MonthlyReport:
    first, last = month_period(month)
    previous_last = first - timedelta(days=1)
    filters = Filters(first, last)
    before = Filters(previous_last.replace(day=1), previous_last)
    now = clock.now()
    board = await dashboard(uow_factory, clock, meter, filters, scope)
    table = await ratings(uow_factory, clock, meter, filters, scope)
    async with uow_factory() as uow:
        repo = uow.analytics
        previous = (await repo.stats(before, scope, now))[0].summary
        by_sector = await repo.stats(filters, scope, now, "sector")
        by_municipality = await repo.stats(filters, scope, now, "municipality")
    return MonthlyReport(
        period=month,
        filters=filters,
        generated_at=now,
        summary=board.summary,
        previous=previous,
        by_sector=by_sector,
        by_municipality=by_municipality,
        ratings=table.ratings,
        topics=board.topics,
        addresses=board.addresses,
        overdue=board.overdue,
    )


@dataclass(frozen=True, slots=True)
class QuarterlyReport:
    """Statistics by municipality for a quarter (one row per municipality)."""

    period: str
    filters: Filters
    generated_at: datetime
    rows: list[Any]  # Stats per municipality
    sectors: list[str]  # sector codes that occur, for the per-sector columns
    by_sector: dict[tuple[str | None, str | None], int]  # (municipality, sector) → appeals
    total: Summary


async def quarterly_report(
    uow_factory: UnitOfWorkFactory, clock: Clock, meter: WorkdayMeter, quarter: str, scope: Scope
) -> QuarterlyReport:
    first, last = quarter_period(quarter)
    filters = Filters(first, last)
    now = clock.now()
    async with uow_factory() as uow:
        await catch_up(uow, meter)
        repo = uow.analytics
        rows = await repo.stats(filters, scope, now, "municipality")
        total = (await repo.stats(filters, scope, now))[0].summary
        cells = await repo.counts(filters, scope, ["municipality", "sector"])
    by_sector = {(m, s): n for (m, s), n in cells}
    sectors = sorted({s for (_, s) in by_sector if s}, key=str)
    return QuarterlyReport(quarter, filters, now, rows, sectors, by_sector, total)
