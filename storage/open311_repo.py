"""The read side of the Open311 API: pages of appeals with the few events and names a service
request shows, in four queries per page whatever its size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from core.model import AppealStatus, Channel, EventKind, Resolution
from core.open311 import RequestFilter, RequestRecord
from storage.tables import (
    AppealEventRow,
    AppealRow,
    AuthorityRow,
    CitizenRow,
    MunicipalityRow,
)

_EVENTS = (EventKind.CREATED.value, EventKind.CLOSED.value)


def _criteria(wanted: RequestFilter) -> list[Any]:
    criteria: list[Any] = []
    if wanted.numbers:
        criteria.append(AppealRow.number.in_(wanted.numbers))  # type: ignore[attr-defined]
    if wanted.sectors:
        criteria.append(AppealRow.sector.in_(wanted.sectors))  # type: ignore[union-attr]
    if wanted.statuses is not None:
        criteria.append(AppealRow.status.in_(sorted(s.value for s in wanted.statuses)))  # type: ignore[attr-defined]
    if wanted.start is not None:
        criteria.append(AppealRow.created_at >= wanted.start)
    if wanted.end is not None:
        criteria.append(AppealRow.created_at <= wanted.end)
    return criteria


class SqlRequestReader:
    """`core.open311.RequestReader` over the appeals tables."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(self, wanted: RequestFilter) -> tuple[list[RequestRecord], int]:
        criteria = _criteria(wanted)
        async with self.sessions() as session:
            total = (
                await session.exec(select(func.count()).select_from(AppealRow).where(*criteria))
            ).one()[0]
            rows = (
                await session.exec(
                    select(AppealRow)
                    .where(*criteria)
                    .order_by(AppealRow.created_at.desc(), AppealRow.id.desc())  # type: ignore[attr-defined]
                    .limit(wanted.limit)
                    .offset(wanted.offset)
                )
            ).all()
            records = await _records(session, [r[0] for r in rows])
        return records, int(total)

    async def one(self, number: str) -> RequestRecord | None:
        async with self.sessions() as session:
            row = (await session.exec(select(AppealRow).where(AppealRow.number == number))).first()
            if row is None:
                return None
            records = await _records(session, [row[0]])
        return records[0]


async def _records(session: AsyncSession, rows: list[AppealRow]) -> list[RequestRecord]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    created: dict[int, dict[str, Any]] = {}
    resolution: dict[int, Resolution] = {}
    events = await session.exec(
        select(AppealEventRow.appeal_id, AppealEventRow.kind, AppealEventRow.data)
        .where(AppealEventRow.appeal_id.in_(ids), AppealEventRow.kind.in_(_EVENTS))  # type: ignore[attr-defined]
        .order_by(AppealEventRow.id)
    )
    for appeal_id, kind, data in events.all():
        if kind == EventKind.CREATED.value:
            created.setdefault(appeal_id, data)
        else:  # the last closing wins (a reopened case may close again)
            resolution[appeal_id] = Resolution(data["resolution"])
    authorities = await _names(session, AuthorityRow, {r.authority for r in rows})
    places = await _names(session, MunicipalityRow, {r.municipality for r in rows})
    personal = await _personal(session, {r.citizen_id for r in rows if r.citizen_id})
    return [
        RequestRecord(
            number=r.number,
            channel=Channel(r.channel),
            status=AppealStatus(r.status),
            sector=r.sector,
            text=r.text,
            created_at=r.created_at,
            updated_at=r.updated_at,
            due_at=r.due_at,
            law_due_at=r.law_due_at,
            latitude=r.latitude,
            longitude=r.longitude,
            address=r.address,
            municipality=r.municipality,
            municipality_name=places.get(r.municipality or ""),
            authority=r.authority,
            authority_name=authorities.get(r.authority or ""),
            resolution=resolution.get(r.id or 0),
            created=created.get(r.id or 0, {}),
            personal=personal.get(r.citizen_id or 0, ()),
        )
        for r in rows
    ]


async def _names(
    session: AsyncSession, table: type[AuthorityRow] | type[MunicipalityRow], codes: set[Any]
) -> dict[str, str]:
    codes.discard(None)
    if not codes:
        return {}
    rows = await session.exec(select(table.code, table.name).where(table.code.in_(codes)))  # type: ignore[attr-defined]
    return dict(rows.all())


async def _personal(session: AsyncSession, citizen_ids: set[int]) -> dict[int, tuple[str, ...]]:
    if not citizen_ids:
        return {}
    rows = await session.exec(
        select(CitizenRow.id, CitizenRow.full_name, CitizenRow.phone, CitizenRow.email).where(
            CitizenRow.id.in_(citizen_ids)  # type: ignore[union-attr]
        )
    )
    return {cid: tuple(v for v in values if v) for cid, *values in rows.all()}
