"""GeoReport v2 JSON of services and service requests. A whitelist of fields: the citizen's
name, phone and e-mail are never written, and are masked in the text."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.i18n import Texts
from core.open311 import AUTO_SERVICE, RequestRecord, mask_personal, open311_status
from core.sectors import Sector


def services(sectors: tuple[Sector, ...], texts: Texts) -> list[dict[str, Any]]:
    """One service per sector block, and `auto` (the classifier chooses)."""
    group = texts("open311-group")
    listed = [
        {
            "service_code": s.code,
            "service_name": s.title,
            "description": s.description,
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(s.subtopics),
            "group": group,
        }
        for s in sectors
    ]
    listed.append(
        {
            "service_code": AUTO_SERVICE,
            "service_name": texts("open311-auto-name"),
            "description": texts("open311-auto-description"),
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": group,
        }
    )
    return listed


def service_definition(code: str) -> dict[str, Any]:
    """No service asks for extra attributes (`metadata` is false everywhere)."""
    return {"service_code": code, "attributes": []}


def _time(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def status_notes(record: RequestRecord, texts: Texts) -> str:
    status = texts(f"status-{record.status.value}")
    if record.resolution is not None:
        resolution = texts(f"open311-resolution-{record.resolution.value}")
        return texts("open311-status-note-resolution", status=status, resolution=resolution)
    if record.authority_name:
        return texts(
            "open311-status-note-authority", status=status, authority=record.authority_name
        )
    return texts("open311-status-note", status=status)


def service_request(
    record: RequestRecord, sector_titles: dict[str, str], texts: Texts, tz: ZoneInfo
) -> dict[str, Any]:
    created = record.created
    address = record.address or created.get("address_string")
    return {
        "service_request_id": record.number,
        "status": open311_status(record.status).value,
        "status_notes": status_notes(record, texts),
        "service_name": sector_titles.get(record.sector or ""),
        "service_code": record.sector,
        "description": mask_personal(record.text, record.personal),
        "agency_responsible": record.authority_name,
        "service_notice": None,
        "requested_datetime": _time(record.created_at, tz),
        "updated_datetime": _time(record.updated_at, tz),
        "expected_datetime": _time(record.due_at, tz),
        "address": mask_personal(address, record.personal) if address else None,
        "address_id": created.get("address_id"),
        "zipcode": None,
        "lat": record.latitude,
        "long": record.longitude,
        "media_url": created.get("media_url"),
        "extended_attributes": {
            "number": record.number,
            "status": record.status.value,
            "status_title": texts(f"status-{record.status.value}"),
            "resolution": record.resolution.value if record.resolution else None,
            "channel": record.channel.value,
            "municipality": record.municipality,
            "municipality_name": record.municipality_name,
            "authority": record.authority,
            "law_due_datetime": _time(record.law_due_at, tz),
        },
    }
