"""An Open311 service request becomes an appeal of channel `api`, through the same core as the
bot: classified, placed (location or address text), routed, numbered, its topic queued."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from core.clock import Clock
from core.commands import SubmitAppeal
from core.deadlines import DeadlinePolicy
from core.errors import UnknownSector
from core.model import Channel, Citizen, Location
from core.open311 import AUTO_SERVICE
from core.phones import normalise_phone
from core.ports import UnitOfWorkFactory
from core.services import Submission, submit_appeal


class SectorGuess(Protocol):
    sector: str
    confidence: float
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class ServiceRequestIntake:
    """A validated POST of /requests (GeoReport v2 fields), and which client sent it."""

    client: str  # the API key's name
    service_code: str  # a sector code or AUTO_SERVICE
    description: str
    latitude: float | None = None
    longitude: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    media_url: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    request_key: str | None = None  # the client's Idempotency-Key: a retry returns the case

    @property
    def full_name(self) -> str | None:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or None

    @property
    def has_contacts(self) -> bool:
        return bool(self.email or self.phone or self.full_name)


def idempotency_key(intake: ServiceRequestIntake) -> str:
    """Per client: two clients may use the same request key without meeting."""
    return f"api:{intake.client}:{intake.request_key or uuid.uuid4().hex}"


async def submit_service_request(
    intake: ServiceRequestIntake,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    policy: DeadlinePolicy,
    *,
    known_sectors: set[str],
    classify: Callable[[str], SectorGuess] | None,
    threshold: float,
    address_label: str,
) -> Submission:
    """Register the request as an appeal (idempotent per client and request key).

    A named service is the client's choice of sector; `auto` lets the classifier choose, and
    below `threshold` the case goes to ЦУР triage like an unclassified bot appeal. Either
    way the classifier's own guess is kept in the history, for retraining."""
    if intake.service_code != AUTO_SERVICE and intake.service_code not in known_sectors:
        raise UnknownSector(intake.service_code)
    guess = classify(intake.description) if classify is not None else None
    sector = confidence = source = None
    if intake.service_code != AUTO_SERVICE:
        sector, source = intake.service_code, "api"
    elif guess is not None and guess.confidence >= threshold:
        sector, confidence, source = guess.sector, guess.confidence, "classifier"
    location = None
    if intake.latitude is not None and intake.longitude is not None:
        location = Location(intake.latitude, intake.longitude, intake.address_string)
    text = intake.description
    if intake.address_string and location is None:
        # no coordinates: the address is part of what routing reads and officials see
        text = f"{text}\n\n{address_label} {intake.address_string}"
    now = clock.now()
    citizen = None
    if intake.has_contacts:
        citizen = Citizen(
            id=None,
            tg_user_id=None,
            consent_given_at=now,  # the client collected the consent (its API agreement)
            consent_version=f"api:{intake.client}"[:32],
            phone=normalise_phone(intake.phone) or intake.phone,
            full_name=intake.full_name,
            email=intake.email,
        )
    meta: dict[str, object] = {"client": intake.client, "service_code": intake.service_code}
    for name in ("address_string", "address_id", "media_url", "device_id", "account_id"):
        value = getattr(intake, name)
        if value:
            meta[name] = value
    if intake.attributes:
        meta["attributes"] = dict(intake.attributes)
    return await submit_appeal(
        SubmitAppeal(
            text=text,
            channel=Channel.API,
            idempotency_key=idempotency_key(intake),
            location=location,
            sector=sector,
            sector_confidence=confidence,
            sector_source=source,
            sector_predicted=guess.sector if guess is not None else None,
            sector_reasons=tuple(guess.reasons[:5]) if guess is not None else (),
            new_citizen=citizen,
            meta=meta,
        ),
        uow_factory,
        clock,
        policy,
    )
