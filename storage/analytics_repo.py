"""The statistics in SQL: facts refreshed incrementally from the event log, aggregates with
GROUP BY (percentile_cont on PostgreSQL, the same interpolation in Python on SQLite)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.sql.expression import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.analytics import (
    Fact,
    Filters,
    OverdueCase,
    Scope,
    Summary,
    WorkdayMeter,
    build_fact,
    percentile,
)
from core.model import (
    ActorKind,
    Appeal,
    AppealStatus,
    Channel,
    EventKind,
    HistoryEvent,
    Location,
    Verdict,
)
from storage.tables import AppealEventRow, AppealFactRow, AppealRow, CounterRow

WATERMARK = "analytics-facts-event-id"
#: Events are re-read this far behind the watermark: a transaction that took its event ids
#: before another one but committed after it is still seen.
LOOK_BACK_EVENTS = 200
BATCH = 1000
WORK_MEM = "64MB"
_ADVISORY_LOCK = 7_000_007  # one refresher at a time on PostgreSQL

FACTS = AppealFactRow.__table__  # type: ignore[attr-defined]
F = FACTS.c
FACT_FIELDS = [f.name for f in fields(Fact)]
A = AppealRow.__table__.c  # type: ignore[attr-defined]
E = AppealEventRow.__table__.c  # type: ignore[attr-defined]
GROUPS: dict[str, Any] = {
    "sector": F.sector,
    "municipality": F.municipality,
    "authority": F.authority,
    "channel": F.channel,
    "status": F.status,
    "day": F.day,
    "executor": F.executor_id,
}


@dataclass(frozen=True, slots=True)
class Stats:
    """The summary of one group (or of everything when `key` is None)."""

    key: Any
    summary: Summary
    time_used_median: float | None  # median of resolution_wd / allowed_wd
    rating_sum: float  # Σ rating
    label: str | None = None  # the executor's name (by="executor")
    authority: str | None = None  # the executor's authority (by="executor")


#: The percentiles a summary has: (label, column, fraction).
PERCENTILES = ("fr_med", "fr_p90", "res_med", "res_p90", "used_med")
_USED = F.resolution_wd / func.nullif(F.allowed_wd, 0)
_PERCENTILE_OF = {
    "fr_med": (F.first_response_wd, 0.5),
    "fr_p90": (F.first_response_wd, 0.9),
    "res_med": (F.resolution_wd, 0.5),
    "res_p90": (F.resolution_wd, 0.9),
    "used_med": (cast(_USED, Float), 0.5),
}
TEXT_KEYS = frozenset(
    {"sector", "municipality", "authority", "channel", "status", "topic", "address"}
)
#: Rows kept of a grouping by several columns (the dashboard shows the top ten).
MULTI_LIMIT = 50
#: Groupings the overview can ask for at once, by name.
SETS: dict[str, tuple[str, ...]] = {
    "all": (),
    "authority": ("authority",),
    "executor": ("executor_id",),
    "sector": ("sector",),
    "channel": ("channel",),
    "status": ("status",),
    "municipality": ("municipality",),
    "day": ("day",),
    "topic": ("sector", "topic"),
    "address": ("municipality", "address"),
}


def _percentile_columns(names: Iterable[str]) -> list[Any]:
    return [
        func.percentile_cont(_PERCENTILE_OF[n][1]).within_group(_PERCENTILE_OF[n][0]).label(n)
        for n in names
    ]


class SqlAnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._tuned = False

    async def _tune(self) -> None:
        """PostgreSQL: sorts of a whole period (percentiles) in memory, not on disk."""
        if self._postgres and not self._tuned:
            await self.session.exec(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            self._tuned = True

    async def watermark(self) -> int:
        """The last event the facts include (changes whenever any figure may change)."""
        row = await self.session.get(CounterRow, WATERMARK)
        return row.value if row is not None else 0

    async def behind(self) -> bool:
        """True when the event log holds events the facts do not include yet (two indexed
        lookups, no lock)."""
        top = (await self.session.exec(select(func.max(E.id)))).one()[0] or 0
        return top > await self.watermark()

    @property
    def _postgres(self) -> bool:
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"

    # -- refreshing the facts ---------------------------------------------------------------

    async def refresh(self, meter: WorkdayMeter) -> int:
        """Rebuild the facts of appeals whose history grew since the last refresh; returns
        how many were rebuilt. The caller commits."""
        if self._postgres:
            await self.session.exec(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})"))
        mark_row = await self.session.get(CounterRow, WATERMARK)
        mark = mark_row.value if mark_row is not None else 0
        top = (await self.session.exec(select(func.max(E.id)))).one()[0] or 0
        if top <= mark:
            return 0
        since = max(0, mark - LOOK_BACK_EVENTS) if mark else 0
        ids = [
            r[0]
            for r in (
                await self.session.exec(
                    select(E.appeal_id).where(E.id > since, E.id <= top).distinct()
                )
            ).all()
        ]
        for start in range(0, len(ids), BATCH):
            await self._rebuild(ids[start : start + BATCH], meter)
        if self._postgres and len(ids) >= BATCH:  # fresh statistics for the planner
            await self.session.exec(text("ANALYZE appeal_facts"))
        if mark_row is None:
            self.session.add(CounterRow(name=WATERMARK, value=top))
        else:
            mark_row.value = top
        await self.session.flush()
        return len(ids)

    async def _rebuild(self, ids: Sequence[int], meter: WorkdayMeter) -> None:
        appeals = await self._appeals(ids)
        rows = [_row(build_fact(a, meter)) for a in appeals]
        await self.session.exec(delete(AppealFactRow).where(F.appeal_id.in_(ids)))
        if rows:  # Core, not the ORM: one multi-row INSERT per batch
            await self.session.exec(insert(FACTS), params=rows)

    async def _appeals(self, ids: Sequence[int]) -> list[Appeal]:
        history: dict[int, list[HistoryEvent]] = defaultdict(list)
        rows = await self.session.exec(
            select(E.appeal_id, E.kind, E.actor, E.at, E.data)
            .where(E.appeal_id.in_(ids))
            .order_by(E.appeal_id, E.at, E.id)
        )
        at_type = AppealEventRow.__table__.c.at.type  # type: ignore[attr-defined]
        for appeal_id, kind, actor, at, data in rows.all():
            at = _aware(at, at_type)
            history[appeal_id].append(HistoryEvent(EventKind(kind), at, ActorKind(actor), data))
        found = await self.session.exec(
            select(
                A.id,
                A.number,
                A.channel,
                A.status,
                A.text,
                A.created_at,
                A.updated_at,
                A.sector,
                A.municipality,
                A.authority,
                A.due_at,
                A.verdict,
                A.rating,
                A.latitude,
                A.longitude,
                A.address,
            ).where(A.id.in_(ids))
        )
        appeals = []
        for r in found.all():
            location = None
            if r.latitude is not None and r.longitude is not None:
                location = Location(r.latitude, r.longitude, r.address)
            appeals.append(
                Appeal(
                    id=r.id,
                    number=r.number,
                    citizen_id=None,
                    channel=Channel(r.channel),
                    status=AppealStatus(r.status),
                    text=r.text,
                    created_at=r.created_at,
                    updated_at=r.updated_at,
                    sector=r.sector,
                    municipality=r.municipality,
                    authority=r.authority,
                    due_at=r.due_at,
                    verdict=Verdict(r.verdict) if r.verdict else None,
                    rating=r.rating,
                    location=location,
                    history=history.get(r.id, []),
                )
            )
        return appeals

    # -- reading ----------------------------------------------------------------------------

    def _where(self, filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            F.day >= filters.date_from,
            F.day <= filters.date_to,
        ]
        for name in ("sector", "municipality", "authority"):
            value = getattr(filters, name)
            if value:
                where.append(F[name] == value)
        if filters.channel is not None:
            where.append(F.channel == filters.channel.value)
        if filters.status is not None:
            where.append(F.status == filters.status.value)
        if not scope.region:
            where.append(F.authority.in_(sorted(scope.authorities) or ["-"]))
        return where

    def _aggregates_light(self, now: datetime) -> list[Any]:
        count = func.count
        return [
            count().label("total"),
            count().filter(F.is_open).label("open"),
            count().filter(~F.is_open).label("closed"),
            count().filter(and_(F.is_open, F.due_at < now)).label("overdue_open"),
            count().filter(F.on_time.is_not(None)).label("closed_with_deadline"),
            count().filter(F.on_time == literal(True, Boolean)).label("on_time"),
        ]

    async def spread(
        self, filters: Filters, scope: Scope, sets: Sequence[str], which: Sequence[str]
    ) -> dict[str, dict[Any, dict[str, float | None]]]:
        """Percentiles of working days per group (percentile_cont on PostgreSQL, the same
        interpolation in Python on SQLite)."""
        await self._tune()
        where = self._where(filters, scope)
        if self._postgres:
            found = await self._grouped(where, sets, _percentile_columns(which))
            return {
                name: {k: {n: m[n] for n in which} for k, m in rows}
                for name, rows in found.items()
            }
        out = {}
        for name in sets:
            by = SETS[name]
            key = F[by[0]] if by else None
            values = await self._percentiles(where, key)
            out[name] = {k: {n: v[PERCENTILES.index(n)] for n in which} for k, v in values.items()}
        return out

    def _aggregates_counts(self, now: datetime) -> list[Any]:
        return self._aggregates(now, percentiles=False)

    def _aggregates(self, now: datetime, *, percentiles: bool = True) -> list[Any]:
        count = func.count
        pg = self._postgres and percentiles
        columns: list[Any] = [
            count().label("total"),
            count().filter(F.is_open).label("open"),
            count().filter(~F.is_open).label("closed"),
            count().filter(and_(F.is_open, F.due_at < now)).label("overdue_open"),
            count().filter(F.on_time.is_not(None)).label("closed_with_deadline"),
            count().filter(F.on_time == literal(True, Boolean)).label("on_time"),
            count().filter(F.verdict == "solved").label("verdict_solved"),
            count().filter(F.verdict == "partly").label("verdict_partly"),
            count().filter(F.verdict == "not_solved").label("verdict_not_solved"),
            count(F.rating).label("rating_count"),
            func.coalesce(func.sum(F.rating), 0).label("rating_sum"),
            count().filter(F.reopens > 0).label("reopened"),
            count().filter(or_(~F.is_open, F.reopens > 0)).label("ever_closed"),
            count().filter(and_(~F.is_open, F.resolution == "solved")).label("answered"),
            count()
            .filter(and_(~F.is_open, F.resolution == "not_competent"))
            .label("not_competent"),
        ]
        if pg:
            columns += _percentile_columns(PERCENTILES)
        return columns

    async def stats(
        self,
        filters: Filters,
        scope: Scope,
        now: datetime,
        by: str | None = None,
        *,
        extra_where: Iterable[ColumnElement[bool]] = (),
    ) -> list[Stats]:
        """The summary of each group of `by` (one row without it), largest groups first."""
        await self._tune()
        where = [*self._where(filters, scope), *extra_where]
        key = GROUPS[by] if by else None
        columns = self._aggregates(now)
        query: Select[Any] = select(*([key.label("key")] if key is not None else []), *columns)
        query = query.where(*where)
        if by == "executor":
            query = query.add_columns(func.max(F.executor_name).label("label"))
            query = query.add_columns(func.max(F.authority).label("authority_of"))
            query = query.where(F.executor_id.is_not(None))
        if key is not None:
            query = query.group_by(key)
        rows = (await self.session.exec(query)).all()
        percentiles = {} if self._postgres else await self._percentiles(where, key)
        result = []
        for r in rows:
            m = r._mapping
            k = m["key"] if key is not None else None
            if self._postgres:
                p = (m["fr_med"], m["fr_p90"], m["res_med"], m["res_p90"], m["used_med"])
            else:
                p = percentiles.get(k, (None,) * 5)
            if m["total"] == 0 and key is not None:
                continue
            summary = Summary(
                total=m["total"],
                open=m["open"],
                closed=m["closed"],
                overdue_open=m["overdue_open"],
                closed_with_deadline=m["closed_with_deadline"],
                on_time=m["on_time"],
                first_response_median=p[0],
                first_response_p90=p[1],
                resolution_median=p[2],
                resolution_p90=p[3],
                verdict_solved=m["verdict_solved"],
                verdict_partly=m["verdict_partly"],
                verdict_not_solved=m["verdict_not_solved"],
                rating_count=m["rating_count"],
                rating_mean=(m["rating_sum"] / m["rating_count"]) if m["rating_count"] else None,
                reopened=m["reopened"],
                ever_closed=m["ever_closed"],
                answered=m["answered"],
                not_competent=m["not_competent"],
            )
            person = (m["label"], m["authority_of"]) if by == "executor" else (None, None)
            result.append(Stats(k, summary, p[4], float(m["rating_sum"] or 0), *person))
        result.sort(key=lambda s: (-s.summary.total, str(s.key)))
        return result

    async def _percentiles(
        self, where: list[ColumnElement[bool]], key: Any
    ) -> dict[Any, tuple[float | None, ...]]:
        """SQLite has no percentile_cont: the values come over and are interpolated here."""
        columns = [F.first_response_wd, F.resolution_wd, F.allowed_wd]
        query = select(*([key] if key is not None else []), *columns).where(
            *where, or_(F.first_response_wd.is_not(None), F.resolution_wd.is_not(None))
        )
        values: dict[Any, tuple[list[float], list[float], list[float]]] = defaultdict(
            lambda: ([], [], [])
        )
        for row in (await self.session.exec(query)).all():
            k = row[0] if key is not None else None
            first, resolved, allowed = row[-3:]
            bucket = values[k]
            if first is not None:
                bucket[0].append(first)
            if resolved is not None:
                bucket[1].append(resolved)
                if allowed:
                    bucket[2].append(resolved / allowed)
        return {
            k: (
                percentile(v[0], 0.5),
                percentile(v[0], 0.9),
                percentile(v[1], 0.5),
                percentile(v[1], 0.9),
                percentile(v[2], 0.5),
            )
            for k, v in values.items()
        }

    async def overview(
        self,
        filters: Filters,
        scope: Scope,
        now: datetime,
        sets: Sequence[str],
        percentiles: Sequence[str] = ("all",),
        which: Sequence[str] = PERCENTILES,
        *,
        light: bool = False,
    ) -> dict[str, list[Stats]]:
        """Several groupings in one pass over the facts (GROUPING SETS on PostgreSQL; one
        query per grouping on SQLite), with percentiles for the groupings in `percentiles`.
        `light`: only the counts of volume and deadlines (PostgreSQL computes less).
        Keys of multi-column groupings are tuples."""
        await self._tune()
        if not self._postgres:
            out = {}
            for name in sets:
                by = SETS[name]
                if len(by) == 1:
                    out[name] = await self.stats(filters, scope, now, _BY_COLUMN[by[0]])
                elif not by:
                    out[name] = await self.stats(filters, scope, now)
                else:
                    out[name] = await self._multi(filters, scope, now, by)
                out[name].sort(key=lambda x: (-x.summary.total, str(x.key)))
            return out
        where = self._where(filters, scope)
        aggregates = self._aggregates_light(now) if light else self._aggregates_counts(now)
        counted = await self._grouped(where, sets, aggregates)
        wanted = [n for n in percentiles if n in sets]
        spread = await self._grouped(where, wanted, _percentile_columns(which))
        out = {}
        for name in sets:
            p = dict(spread.get(name, []))
            rows = [
                (k, dict(m))
                for k, m in counted.get(name, [])
                if (m["total"] or not SETS[name]) and not (name == "executor" and k is None)
            ]
            if len(SETS[name]) > 1:  # topics, addresses: only the most frequent matter
                rows.sort(key=lambda r: (-r[1]["total"], str(r[0])))
                rows = rows[:MULTI_LIMIT]
            out[name] = [_stats(k, m, p.get(k)) for k, m in rows]
            out[name].sort(key=lambda x: (-x.summary.total, str(x.key)))
        return out

    async def _grouped(
        self, where: list[ColumnElement[bool]], sets: Sequence[str], aggregates: list[Any]
    ) -> dict[str, list[tuple[Any, Any]]]:
        if not sets:
            return {}
        columns = sorted({c for name in sets for c in SETS[name]})
        # byte order for text keys: sorting and hashing them skips the locale's collation
        expr = {c: F[c].collate("C") if c in TEXT_KEYS else F[c] for c in columns}
        keys = [expr[c].label(c) for c in columns]
        n = len(columns)
        masks = {
            sum(1 << (n - 1 - i) for i, c in enumerate(columns) if c not in SETS[name]): name
            for name in sets
        }
        grouping = (
            func.grouping(*[expr[c] for c in columns]).label("g")
            if keys
            else literal(0).label("g")
        )
        query = select(*keys, grouping, *aggregates).where(*where)
        query = query.group_by(
            func.grouping_sets(*[tuple_(*[expr[c] for c in SETS[name]]) for name in sets])
        )
        out: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
        for row in (await self.session.exec(query)).all():
            m = row._mapping
            name = masks[m["g"]]
            by = SETS[name]
            key = m[by[0]] if len(by) == 1 else tuple(m[c] for c in by) if by else None
            out[name].append((key, m))
        return out

    async def _multi(
        self, filters: Filters, scope: Scope, now: datetime, by: tuple[str, ...]
    ) -> list[Stats]:
        """SQLite: a grouping by several columns, counts only."""
        keys = [F[c] for c in by]
        query = (
            select(*keys, *self._aggregates_counts(now))
            .where(*self._where(filters, scope))
            .group_by(*keys)
        )
        rows = (await self.session.exec(query)).all()
        rows = sorted(rows, key=lambda r: (-r._mapping["total"], str(tuple(r[: len(by)]))))
        return [_stats(tuple(r[: len(by)]), dict(r._mapping), None) for r in rows[:MULTI_LIMIT]]

    async def counts(
        self,
        filters: Filters,
        scope: Scope,
        by: Sequence[str],
        limit: int | None = None,
        *,
        min_count: int = 1,
        not_null: str | None = None,
    ) -> list[tuple[tuple[Any, ...], int]]:
        """Appeals per combination of columns, most frequent first."""
        pg = self._postgres
        keys = [
            F[name].collate("C") if pg and name in TEXT_KEYS else F[name] for name in by
        ]  # byte order: no locale collation in the hashing and the ordering
        query = select(*keys, func.count().label("n")).where(*self._where(filters, scope))
        if not_null:
            query = query.where(F[not_null].is_not(None))
        query = query.group_by(*keys).order_by(func.count().desc(), *keys)
        if min_count > 1:
            query = query.having(func.count() >= min_count)
        if limit:
            query = query.limit(limit)
        rows = (await self.session.exec(query)).all()
        return [(tuple(r[:-1]), int(r[-1])) for r in rows]

    async def daily(self, filters: Filters, scope: Scope, now: datetime) -> list[dict[str, Any]]:
        """Per registration day: received, closed, closed on time, open past the deadline."""
        query = (
            select(
                F.day,
                func.count(),
                func.count().filter(~F.is_open),
                func.count().filter(F.on_time == literal(True, Boolean)),
                func.count().filter(and_(F.is_open, F.due_at < now)),
            )
            .where(*self._where(filters, scope))
            .group_by(F.day)
            .order_by(F.day)
        )
        names = ("total", "closed", "on_time", "overdue")
        return [
            {"day": _as_date(r[0]), **dict(zip(names, r[1:], strict=True))}
            for r in (await self.session.exec(query)).all()
        ]

    async def overdue(
        self, filters: Filters, scope: Scope, now: datetime, meter: WorkdayMeter, limit: int
    ) -> list[OverdueCase]:
        """Open cases past their deadline, the longest overdue first."""
        query = (
            select(F.number, F.sector, F.municipality, F.authority, F.executor_name, F.due_at)
            .where(*self._where(filters, scope), F.is_open, F.due_at < now)
            .order_by(F.due_at, F.number)
            .limit(limit)
        )
        due_type = AppealFactRow.__table__.c.due_at.type  # type: ignore[attr-defined]
        cases = []
        for r in (await self.session.exec(query)).all():
            due = _aware(r.due_at, due_type)
            cases.append(
                OverdueCase(
                    r.number,
                    r.sector,
                    r.municipality,
                    r.authority,
                    r.executor_name,
                    due,
                    round(meter.elapsed(due, now), 1),
                )
            )
        return cases

    async def first_day(self) -> date | None:
        value = (await self.session.exec(select(func.min(F.day)))).one()[0]
        return _as_date(value) if value is not None else None


_BY_COLUMN = {"executor_id": "executor", **{c: c for c in GROUPS}}


def _stats(key: Any, m: Any, spread: Any) -> Stats:
    """A Stats from a row of counts (and, when given, a row of percentiles); counts a light
    row lacks are 0."""
    p = tuple(spread.get(n) for n in PERCENTILES) if spread is not None else (None,) * 5

    def c(name: str) -> int:
        return int(m.get(name) or 0)

    return Stats(
        key,
        Summary(
            total=c("total"),
            open=c("open"),
            closed=c("closed"),
            overdue_open=c("overdue_open"),
            closed_with_deadline=c("closed_with_deadline"),
            on_time=c("on_time"),
            first_response_median=p[0],
            first_response_p90=p[1],
            resolution_median=p[2],
            resolution_p90=p[3],
            verdict_solved=c("verdict_solved"),
            verdict_partly=c("verdict_partly"),
            verdict_not_solved=c("verdict_not_solved"),
            rating_count=c("rating_count"),
            rating_mean=(c("rating_sum") / c("rating_count")) if c("rating_count") else None,
            reopened=c("reopened"),
            ever_closed=c("ever_closed"),
            answered=c("answered"),
            not_competent=c("not_competent"),
        ),
        p[4],
        float(c("rating_sum")),
    )


def _row(fact: Fact) -> dict[str, Any]:
    return {name: getattr(fact, name) for name in FACT_FIELDS}


def _aware(value: Any, column_type: Any) -> datetime:
    """Core selects skip nothing: UTCDateTime already made values aware; keep them so."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return column_type.process_result_value(value, None)
    return value


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
