"""Reading GeoReport v2 parameters: every bad value is refused with the parameter named."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import BodyPartReader, web

from core.api_intake import ServiceRequestIntake
from core.open311 import (
    DEFAULT_PAGE_SIZE,
    MAX_IDS,
    MAX_PAGE_SIZE,
    Open311Status,
    RequestFilter,
    statuses_of,
)
from core.phones import normalise_phone
from web.open311.errors import ApiError, bad

MAX_BODY_BYTES = 64 * 1024
MAX_ATTRIBUTES = 20
MAX_PAGE = 1_000_000
LIMITS = {  # longest value of each text parameter
    "address_string": 512,
    "address_id": 128,
    "email": 256,
    "phone": 32,
    "first_name": 128,
    "last_name": 128,
    "device_id": 128,
    "account_id": 128,
    "media_url": 2048,
    "jurisdiction_id": 128,
    "service_code": 64,
    "api_key": 256,
}
# C0 controls except tab, newline and carriage return; DEL; lone surrogates (not UTF-8)
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,64})\]$")
_REQUEST_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")

Params = Mapping[str, str]


def clean(params: Params, name: str, max_len: int | None = None) -> str | None:
    """A text parameter, stripped; None when absent or blank."""
    value = params.get(name)
    if value is None:
        return None
    if _BAD_CHARS.search(value):
        raise bad("open311-error-bad-characters", name=name)
    value = value.strip()
    limit = max_len or LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise bad("open311-error-too-long", name=name, length=len(value), max=limit)
    return value or None


def _number(params: Params, name: str, low: float, high: float) -> float | None:
    raw = clean(params, name, 64)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad("open311-error-number", name=name, value=raw) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise bad("open311-error-range", name=name, min=low, max=high, value=raw)
    return value


def _integer(params: Params, name: str, default: int, low: int, high: int) -> int:
    raw = clean(params, name, 16)
    if raw is None:
        return default
    if not re.fullmatch(r"\d+", raw) or not low <= int(raw) <= high:
        raise bad("open311-error-integer", name=name, min=low, max=high, value=raw)
    return int(raw)


def _datetime(params: Params, name: str, tz: tzinfo) -> datetime | None:
    raw = clean(params, name, 64)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad("open311-error-datetime", name=name, value=raw) from None
    if value.tzinfo is None:  # a bare local time is the region's
        value = value.replace(tzinfo=tz)
    if not 1970 <= value.year <= 2999:  # what the database and the 90-day window can hold
        raise bad("open311-error-range", name=name, min="1970", max="2999", value=raw)
    return value


def _listed(params: Params, name: str, max_items: int = MAX_IDS) -> tuple[str, ...]:
    raw = clean(params, name, 2600)
    if raw is None:
        return ()
    items = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    if len(items) > max_items:
        raise bad("open311-error-too-many", name=name, max=max_items)
    return items


def service_codes(params: Params, known: set[str]) -> tuple[str, ...]:
    codes = _listed(params, "service_code")
    for code in codes:
        if code not in known:
            raise bad("open311-error-unknown-service", value=code[:64])
    return codes


def request_filter(params: Params, known_sectors: set[str], tz: tzinfo) -> RequestFilter:
    """GET /requests: ids, services, status, dates and the page (page from 1)."""
    numbers = _listed(params, "service_request_id")
    for number in numbers:
        if len(number) > 24:
            raise bad(
                "open311-error-too-long", name="service_request_id", length=len(number), max=24
            )
    statuses = None
    wanted = _listed(params, "status", 2)
    if wanted:
        try:
            statuses = statuses_of(Open311Status(s.lower()) for s in wanted)
        except ValueError:
            bad_value = next(s for s in wanted if s.lower() not in {"open", "closed"})
            raise bad("open311-error-status", value=bad_value[:32]) from None
    start, end = _datetime(params, "start_date", tz), _datetime(params, "end_date", tz)
    if start is not None and end is not None and start > end:
        raise bad("open311-error-date-order")
    page = _integer(params, "page", 1, 1, MAX_PAGE)
    size = _integer(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    return RequestFilter(
        numbers=numbers,
        sectors=service_codes(params, known_sectors),
        statuses=statuses,
        start=start,
        end=end,
        limit=size,
        offset=(page - 1) * size,
    )


async def read_body(request: web.Request) -> dict[str, str]:
    """The POST's parameters: the query string, overridden by a form or JSON body.

    Read here with our own limit, so an oversized body gets a GeoReport error too."""
    params = dict(request.query)
    if not request.body_exists:
        return params
    media = request.content_type
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ApiError(413, "open311-error-body-too-large", max=MAX_BODY_BYTES)
    if media == "multipart/form-data":
        try:
            return {**params, **await _multipart(request)}
        except (ValueError, AssertionError, aiohttp.ClientError) as exc:  # a broken form
            raise bad("open311-error-body-format", reason=str(exc)[:200]) from None
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "open311-error-body-too-large", max=MAX_BODY_BYTES)
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad("open311-error-encoding") from None
    if media in {"application/x-www-form-urlencoded", "application/octet-stream", ""}:
        try:
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=200)
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad("open311-error-body-format", reason=str(exc)[:200]) from None
        params.update(pairs)
    elif media == "application/json":
        try:
            data = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise bad("open311-error-body-format", reason=str(exc)[:200]) from None
        if not isinstance(data, dict):
            raise bad("open311-error-body-format", reason="JSON body is not an object")
        for key, value in data.items():
            if isinstance(value, dict) and key == "attribute":
                params.update({f"attribute[{k}]": _scalar(v) for k, v in value.items()})
            elif value is not None:
                params[str(key)] = _scalar(value)
    else:
        raise ApiError(415, "open311-error-media-type", value=media[:100])
    return params


async def _multipart(request: web.Request) -> dict[str, str]:
    """A multipart form of text fields (files are not taken: GeoReport v2 has `media_url`)."""
    fields: dict[str, str] = {}
    reader = await request.multipart()
    size = 0
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.filename is not None or not part.name:
            raise bad("open311-error-files")
        value = await part.read(decode=True)
        size += len(value)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "open311-error-body-too-large", max=MAX_BODY_BYTES)
        try:
            fields[part.name] = value.decode(part.get_charset("utf-8"))
        except (UnicodeDecodeError, LookupError):
            raise bad("open311-error-encoding") from None
    return fields


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise bad("open311-error-body-format", reason="values must be strings or numbers")


def request_key(request: web.Request) -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not _REQUEST_KEY.match(raw):
        raise bad("open311-error-idempotency-key")
    return raw


def intake(
    params: Params,
    *,
    client: str,
    known_services: set[str],
    min_chars: int,
    max_chars: int,
    key: str | None,
) -> ServiceRequestIntake:
    """POST /requests: a GeoReport v2 service request, validated."""
    service = clean(params, "service_code")
    if service is None:
        raise bad("open311-error-required", name="service_code")
    if service not in known_services:
        raise bad("open311-error-unknown-service", value=service)
    description = clean(params, "description", max_chars)
    if description is None:
        raise bad("open311-error-required", name="description")
    if len(description) < min_chars:
        raise bad(
            "open311-error-too-short", name="description", length=len(description), min=min_chars
        )
    lat, long = _number(params, "lat", -90, 90), _number(params, "long", -180, 180)
    if (lat is None) != (long is None):
        raise bad("open311-error-lat-long-pair")
    address, address_id = clean(params, "address_string"), clean(params, "address_id")
    if lat is None and address is None and address_id is None:
        raise bad("open311-error-location")
    email, phone = clean(params, "email"), clean(params, "phone")
    if email is not None and not _EMAIL.match(email):
        raise bad("open311-error-email")
    if phone is not None and normalise_phone(phone) is None:
        raise bad("open311-error-phone")
    media_url = clean(params, "media_url")
    if media_url is not None:
        parts = urlsplit(media_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise bad("open311-error-url", name="media_url")
    attributes: dict[str, str] = {}
    for name in params:
        match = _ATTRIBUTE.match(name)
        if match:
            value = clean(params, name, 1000)
            if value is not None:
                attributes[match.group(1)] = value
    if len(attributes) > MAX_ATTRIBUTES:
        raise bad("open311-error-attributes", max=MAX_ATTRIBUTES)
    return ServiceRequestIntake(
        client=client,
        service_code=service,
        description=description,
        latitude=lat,
        longitude=long,
        address_string=address,
        address_id=address_id,
        email=email,
        phone=phone,
        first_name=clean(params, "first_name"),
        last_name=clean(params, "last_name"),
        device_id=clean(params, "device_id"),
        account_id=clean(params, "account_id"),
        media_url=media_url,
        attributes=attributes,
        request_key=key,
    )
