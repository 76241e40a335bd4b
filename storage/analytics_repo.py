"""The statistics in SQL: facts refreshed incrementally from the event log, aggregates with
GROUP BY (percentile_cont on PostgreSQL, the same interpolation in Python on SQLite)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
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
)
from sqlalchemy.sql.expression import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.analytics import (
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
_ADVISORY_LOCK = 7_000_007  # one refresher at a time on PostgreSQL

F = AppealFactRow.__table__.c  # type: ignore[attr-defined]
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


class SqlAnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        if mark_row is None:
            self.session.add(CounterRow(name=WATERMARK, value=top))
        else:
            mark_row.value = top
        await self.session.flush()
        return len(ids)

    async def _rebuild(self, ids: Sequence[int], meter: WorkdayMeter) -> None:
        appeals = await self._appeals(ids)
        facts = [build_fact(a, meter) for a in appeals]
        await self.session.exec(delete(AppealFactRow).where(F.appeal_id.in_(ids)))
        if facts:
            await self.session.exec(insert(AppealFactRow), params=[asdict(f) for f in facts])

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

    def _aggregates(self, now: datetime) -> list[Any]:
        count = func.count
        pg = self._postgres
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
            used = F.resolution_wd / func.nullif(F.allowed_wd, 0)
            columns += [
                func.percentile_cont(0.5).within_group(F.first_response_wd).label("fr_med"),
                func.percentile_cont(0.9).within_group(F.first_response_wd).label("fr_p90"),
                func.percentile_cont(0.5).within_group(F.resolution_wd).label("res_med"),
                func.percentile_cont(0.9).within_group(F.resolution_wd).label("res_p90"),
                func.percentile_cont(0.5).within_group(cast(used, Float)).label("used_med"),
            ]
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
        keys = [F[name] for name in by]
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


def _aware(value: Any, column_type: Any) -> datetime:
    """Core selects skip nothing: UTCDateTime already made values aware; keep them so."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return column_type.process_result_value(value, None)
    return value


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
