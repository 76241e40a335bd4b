"""The authority directory in SQL: loaded whole (it is small), replaced whole on import."""

from __future__ import annotations

import secrets
import time

from sqlalchemy import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.directory import (
    Authority,
    AuthorityKind,
    Directory,
    ImportReport,
    Municipality,
    Official,
    OfficialRole,
    Route,
)
from storage.tables import AuthorityRow, CounterRow, MunicipalityRow, OfficialRow, RouteRow

VERSION_COUNTER = "directory-version"
#: An import by another process (the CLI) is seen within this many seconds.
FRESH_SECONDS = 2.0
# Loaded directories by database: (version read, directory, monotonic time of the check).
# Routing a new appeal costs no query while fresh, and the core reuses its place index
# for the same object.
_cache: dict[str, tuple[int, Directory, float]] = {}


def _new_version() -> int:
    return secrets.randbelow(2**31 - 2) + 1


class SqlDirectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _key(self) -> str:
        return str(self.session.bind.url) if self.session.bind is not None else ""

    async def _version(self) -> int:
        row = await self.session.get(CounterRow, VERSION_COUNTER)
        return row.value if row is not None else 0

    async def load(self) -> Directory:
        key, now = self._key(), time.monotonic()
        cached = _cache.get(key)
        if cached is not None and now - cached[2] < FRESH_SECONDS:
            return cached[1]
        version = await self._version()
        if cached is not None and cached[0] == version:
            _cache[key] = (version, cached[1], now)
            return cached[1]
        directory = await self._read()
        _cache[key] = (version, directory, now)
        return directory

    async def _read(self) -> Directory:
        municipalities = (await self.session.exec(select(MunicipalityRow))).scalars().all()
        authorities = (await self.session.exec(select(AuthorityRow))).scalars().all()
        officials = (await self.session.exec(select(OfficialRow))).scalars().all()
        routes = (await self.session.exec(select(RouteRow))).scalars().all()
        staff: dict[str, list[Official]] = {}
        for o in sorted(officials, key=lambda o: o.id or 0):
            staff.setdefault(o.authority, []).append(
                Official(
                    tg_user_id=o.tg_user_id,
                    role=OfficialRole(o.role),
                    full_name=o.full_name,
                    position=o.position,
                    phone=o.phone,
                    email=o.email,
                )
            )
        return Directory(
            municipalities=tuple(
                Municipality(m.code, m.name, tuple(m.aliases), m.boundary)
                for m in sorted(municipalities, key=lambda m: m.name)
            ),
            authorities=tuple(
                Authority(
                    code=a.code,
                    name=a.name,
                    kind=AuthorityKind(a.kind),
                    municipality=a.municipality,
                    chat_id=a.chat_id,
                    officials=tuple(staff.get(a.code, ())),
                    active=a.active,
                )
                for a in sorted(authorities, key=lambda a: a.code)
            ),
            routes=tuple(
                Route(r.sector, r.municipality, r.authority)
                for r in sorted(routes, key=lambda r: r.id or 0)
            ),
        )

    async def replace(self, new: Directory) -> ImportReport:
        """Make the stored directory equal to `new`. Authorities missing from the file are
        deactivated, not deleted: their appeals keep pointing at them."""
        old = await self._read()
        report = ImportReport()
        old_m = {m.code: m for m in old.municipalities}
        for m in new.municipalities:
            row = MunicipalityRow(
                code=m.code, name=m.name, aliases=list(m.aliases), boundary=m.boundary
            )
            if m.code not in old_m:
                report.added.append(f"municipality {m.code}")
            elif old_m[m.code] != m:
                report.changed.append(f"municipality {m.code}")
            await self.session.merge(row)
        for code in old_m.keys() - {m.code for m in new.municipalities}:
            report.changed.append(f"municipality {code} removed")
            await self.session.exec(delete(MunicipalityRow).where(MunicipalityRow.code == code))
        old_a = {a.code: a for a in old.authorities}
        for a in new.authorities:
            if a.code not in old_a:
                report.added.append(f"authority {a.code}")
            elif old_a[a.code] != a:
                report.changed.append(f"authority {a.code}")
            await self.session.merge(
                AuthorityRow(
                    code=a.code,
                    name=a.name,
                    kind=a.kind.value,
                    municipality=a.municipality,
                    chat_id=a.chat_id,
                    active=True,
                )
            )
        for code in old_a.keys() - {a.code for a in new.authorities}:
            if old_a[code].active:
                report.deactivated.append(f"authority {code}")
                await self.session.merge(
                    AuthorityRow(
                        code=code,
                        name=old_a[code].name,
                        kind=old_a[code].kind.value,
                        municipality=old_a[code].municipality,
                        chat_id=old_a[code].chat_id,
                        active=False,
                    )
                )
        await self.session.flush()
        await self.session.exec(delete(OfficialRow))
        await self.session.exec(delete(RouteRow))
        for a in new.authorities:
            for o in a.officials:
                self.session.add(
                    OfficialRow(
                        authority=a.code,
                        tg_user_id=o.tg_user_id,
                        role=o.role.value,
                        full_name=o.full_name,
                        position=o.position,
                        phone=o.phone,
                        email=o.email,
                    )
                )
        for r in new.routes:
            self.session.add(
                RouteRow(sector=r.sector, municipality=r.municipality, authority=r.authority)
            )
        if set(old.routes) != set(new.routes):
            report.changed.append("routing table")
        # A random version, not a count: a restored or recreated database never reuses one.
        counter = await self.session.get(CounterRow, VERSION_COUNTER)
        if counter is None:
            self.session.add(CounterRow(name=VERSION_COUNTER, value=_new_version()))
        elif not report.unchanged:
            counter.value = _new_version()
        await self.session.flush()
        _cache.pop(self._key(), None)  # this process sees the import at once
        return report
