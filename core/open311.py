"""Open311 GeoReport v2 as the core sees it: a service is a sector block, a service request is
an appeal. Status mapping, the read port, and the masking of personal data in what is read.

Nothing here knows HTTP; `web/open311/` speaks the protocol, `storage/open311_repo.py` reads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from core.model import OPEN_STATUSES, AppealStatus, Channel, Resolution

#: The pseudo-service «define it for me»: the classifier chooses the sector block.
AUTO_SERVICE = "auto"
#: GeoReport v2: "the default query should return the last 90 days", at most 1000 results.
DEFAULT_WINDOW = timedelta(days=90)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_IDS = 100  # service_request_id values in one query


class Open311Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def open311_status(status: AppealStatus) -> Open311Status:
    """GeoReport knows only open and closed; our own status goes into the notes."""
    return Open311Status.OPEN if status in OPEN_STATUSES else Open311Status.CLOSED


def statuses_of(wanted: Iterable[Open311Status]) -> frozenset[AppealStatus]:
    """Our statuses behind GeoReport's open/closed."""
    result: set[AppealStatus] = set()
    for status in wanted:
        if status is Open311Status.OPEN:
            result |= OPEN_STATUSES
        else:
            result |= frozenset(AppealStatus) - OPEN_STATUSES
    return frozenset(result)


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """What a GET of requests asks for (already validated)."""

    numbers: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    statuses: frozenset[AppealStatus] | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One appeal as the API reads it; `personal` holds the citizen's own name, phone and
    e-mail only to mask them in the text — they are never output."""

    number: str
    channel: Channel
    status: AppealStatus
    sector: str | None
    text: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    law_due_at: datetime | None
    latitude: float | None
    longitude: float | None
    address: str | None
    municipality: str | None
    municipality_name: str | None
    authority: str | None
    authority_name: str | None
    resolution: Resolution | None
    created: dict[str, Any] = field(default_factory=dict)  # the `created` event's data
    personal: tuple[str, ...] = ()


class RequestReader(Protocol):
    """The read side of the API (storage implements it)."""

    async def page(self, wanted: RequestFilter) -> tuple[list[RequestRecord], int]: ...
    async def one(self, number: str) -> RequestRecord | None: ...


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +7 912 345-67-89, 8(912)3456789, 89123456789, +44 20 7946 0958 …: 10 digits or more
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]{0,3}\d){9,14}(?!\w)")
MASK = "***"


def mask_personal(text: str, known: Iterable[str] = ()) -> str:
    """The text without e-mail addresses, phone numbers and the citizen's own name words
    (152-ФЗ: what the API publishes must not identify the person)."""
    text = _EMAIL.sub(MASK, text)
    text = _PHONE.sub(MASK, text)
    words = {w for value in known for w in re.findall(r"\w{3,}", value or "")}
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", MASK, text, flags=re.IGNORECASE)
    return text
