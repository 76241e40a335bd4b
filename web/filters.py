"""The dashboard's filters from a query string: every bad value is named and ignored, never a
server error; a head cannot widen their scope by editing the address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.analytics import Filters, Scope
from core.directory import Directory
from core.i18n import Texts
from core.model import AppealStatus, Channel

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


@dataclass
class Parsed:
    filters: Filters
    errors: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for export links and reports)."""
        f = self.filters
        out = {"from": f.date_from.isoformat(), "to": f.date_to.isoformat()}
        for name in ("sector", "municipality", "authority"):
            if getattr(f, name):
                out[name] = getattr(f, name)
        if f.channel:
            out["channel"] = f.channel.value
        if f.status:
            out["status"] = f.status.value
        return out


def _day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def parse_filters(
    query: Mapping[str, str],
    *,
    today: date,
    texts: Texts,
    directory: Directory,
    sectors: set[str],
    scope: Scope,
) -> Parsed:
    errors: list[str] = []
    start, end = _day(query.get("from")), _day(query.get("to"))
    for raw, parsed in ((query.get("from"), start), (query.get("to"), end)):
        if raw and parsed is None:
            errors.append(texts("dash-error-date", value=raw[:40]))
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors.append(texts("dash-error-period"))
        start, end = end, start
    if (end - start).days > MAX_DAYS:
        errors.append(texts("dash-error-long"))
        start = end - timedelta(days=MAX_DAYS)

    def choice(name: str, allowed: set[str]) -> str | None:
        raw = (query.get(name) or "").strip()
        if not raw:
            return None
        if raw not in allowed:
            errors.append(texts("dash-error-choice", field=texts(f"dash-filter-{name}")))
            return None
        return raw

    sector = choice("sector", sectors)
    municipality = choice("municipality", {m.code for m in directory.municipalities})
    visible = {a.code for a in directory.authorities if scope.allows(a.code)}
    authority = choice("authority", visible)
    channel = choice("channel", {c.value for c in Channel})
    status = choice("status", {s.value for s in AppealStatus})
    return Parsed(
        Filters(
            start,
            end,
            sector=sector,
            municipality=municipality,
            authority=authority,
            channel=Channel(channel) if channel else None,
            status=AppealStatus(status) if status else None,
        ),
        errors,
    )
