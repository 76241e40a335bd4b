"""Appeals, citizens and their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    """Where an appeal came from."""

    BOT = "bot"
    VOICE_NOTE = "voice_note"
    PHONE = "phone"
    API = "api"


class AppealStatus(StrEnum):
    """Lifecycle of an appeal, from registration to closing."""

    REGISTERED = "registered"  # accepted, number given, waiting for routing
    TRIAGE = "triage"  # could not be routed automatically: the ЦУР curator decides
    ROUTED = "routed"  # forwarded to the responsible authority
    IN_PROGRESS = "in_progress"  # an official took it
    INFO_REQUESTED = "info_requested"  # the authority asked the citizen for details
    ANSWERED = "answered"  # the authority gave an answer and closed the case
    CLOSED = "closed"  # closed without an answer on the merits (duplicate, not competent)
    REOPENED = "reopened"  # the citizen said the problem was not solved


_TRANSITIONS: dict[AppealStatus, frozenset[AppealStatus]] = {
    AppealStatus.REGISTERED: frozenset(
        {AppealStatus.ROUTED, AppealStatus.TRIAGE, AppealStatus.CLOSED}
    ),
    AppealStatus.TRIAGE: frozenset({AppealStatus.ROUTED, AppealStatus.CLOSED}),
    AppealStatus.ROUTED: frozenset(
        {
            AppealStatus.IN_PROGRESS,
            AppealStatus.INFO_REQUESTED,
            AppealStatus.ROUTED,
            AppealStatus.TRIAGE,
            AppealStatus.ANSWERED,
            AppealStatus.CLOSED,
        }
    ),
    AppealStatus.IN_PROGRESS: frozenset(
        {
            AppealStatus.INFO_REQUESTED,
            AppealStatus.ROUTED,
            AppealStatus.ANSWERED,
            AppealStatus.CLOSED,
        }
    ),
    AppealStatus.INFO_REQUESTED: frozenset(
        {AppealStatus.IN_PROGRESS, AppealStatus.ROUTED, AppealStatus.ANSWERED, AppealStatus.CLOSED}
    ),
    AppealStatus.ANSWERED: frozenset({AppealStatus.REOPENED, AppealStatus.CLOSED}),
    AppealStatus.CLOSED: frozenset({AppealStatus.REOPENED}),
    AppealStatus.REOPENED: frozenset(
        {
            AppealStatus.IN_PROGRESS,
            AppealStatus.INFO_REQUESTED,
            AppealStatus.ROUTED,
            AppealStatus.ANSWERED,
            AppealStatus.CLOSED,
        }
    ),
}

OPEN_STATUSES = frozenset(AppealStatus) - {AppealStatus.ANSWERED, AppealStatus.CLOSED}


class InvalidTransition(ValueError):
    """A status change that the lifecycle does not allow."""


def can_transition(current: AppealStatus, new: AppealStatus) -> bool:
    """Whether the lifecycle allows moving from `current` to `new`."""
    return new in _TRANSITIONS[current]


class EventKind(StrEnum):
    """Kinds of rows in an appeal's history."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    SECTOR_SET = "sector_set"
    CITIZEN_MESSAGE = "citizen_message"
    AUTHORITY_MESSAGE = "authority_message"
    INTERNAL_NOTE = "internal_note"
    NOTIFICATION_SENT = "notification_sent"
    ACCESS_DENIED = "access_denied"  # someone who is not its official tried to act on the case
    DEADLINE_SET = "deadline_set"
    DEADLINE_EXTENDED = "deadline_extended"
    REDIRECTED = "redirected"  # moved to another authority (a routing correction, with reason)
    INFO_REQUESTED = "info_requested"  # the authority's question to the citizen
    CLOSED = "closed"  # the authority closed the case: its resolution
    FEEDBACK = "feedback"  # the citizen's verdict, rating or comment on the result
    CONTACTS_VIEWED = "contacts_viewed"  # an official looked at the citizen's personal data


class ActorKind(StrEnum):
    """Who caused an event."""

    CITIZEN = "citizen"
    OFFICIAL = "official"
    OPERATOR = "operator"
    SYSTEM = "system"


class Resolution(StrEnum):
    """How the authority closed a case."""

    SOLVED = "solved"  # answered on the merits
    NOT_COMPETENT = "not_competent"  # outside the authority's competence
    DUPLICATE = "duplicate"  # the same problem as another case


class Verdict(StrEnum):
    """The citizen's word on the result."""

    SOLVED = "solved"
    PARTLY = "partly"
    NOT_SOLVED = "not_solved"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"  # a round video: its sound is transcribed like a voice note


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    address: str | None = None


#: `Attachment.file_id` of a file the service keeps itself (a phone call's recording): the rest
#: is the file's name in the recordings directory. Any other file_id is Telegram's.
LOCAL_FILE_PREFIX = "local:"


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: AttachmentKind
    file_id: str
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


@dataclass(slots=True)
class Citizen:
    id: int | None
    tg_user_id: int | None
    consent_given_at: datetime | None
    consent_version: str | None = None
    phone: str | None = None
    full_name: str | None = None
    email: str | None = None  # given by an integrated system (Open311), never by the bot

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    kind: EventKind
    at: datetime
    actor: ActorKind
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Appeal:
    """The aggregate: an appeal with its attachments and history."""

    id: int | None
    number: str
    citizen_id: int | None
    channel: Channel
    status: AppealStatus
    text: str
    created_at: datetime
    updated_at: datetime
    sector: str | None = None
    sector_confidence: float | None = None
    location: Location | None = None
    attachments: list[Attachment] = field(default_factory=list)
    history: list[HistoryEvent] = field(default_factory=list)
    idempotency_key: str | None = None
    caller_phone: str | None = None  # a phone call's number, to match a citizen's contact
    municipality: str | None = None  # directory code
    authority: str | None = None  # directory code of the responsible authority
    due_at: datetime | None = None  # the deadline (ЦУР target or the law's date)
    law_due_at: datetime | None = None  # 59-ФЗ: 30 days from registration (+ extension)
    extensions: int = 0
    verdict: Verdict | None = None  # the citizen's word on the latest result
    rating: int | None = None  # 1..5
    version: int = 1
    new_events: list[HistoryEvent] = field(default_factory=list, repr=False)

    def record(self, kind: EventKind, at: datetime, actor: ActorKind, **data: Any) -> None:
        """Append a history event; the repository persists `new_events` on commit."""
        event = HistoryEvent(kind=kind, at=at, actor=actor, data=data)
        self.history.append(event)
        self.new_events.append(event)

    def change_status(
        self, new: AppealStatus, at: datetime, actor: ActorKind, **data: Any
    ) -> None:
        """Move along the lifecycle, recording the change; raise on a forbidden move."""
        if not can_transition(self.status, new):
            raise InvalidTransition(f"{self.number}: {self.status} -> {new} is not allowed")
        old = self.status
        self.status = new
        self.updated_at = at
        self.version += 1
        self.record(EventKind.STATUS_CHANGED, at, actor, old=old.value, new=new.value, **data)

    def reassign_sector(self, sector: str, at: datetime, actor: ActorKind, **data: Any) -> None:
        """A person puts the appeal into another sector block (recorded with the old one)."""
        previous = self.sector
        self.sector = sector
        self.sector_confidence = None
        self.updated_at = at
        self.version += 1
        self.record(EventKind.SECTOR_SET, at, actor, sector=sector, previous=previous, **data)

    def assign(
        self,
        authority: str | None,
        municipality: str | None,
        at: datetime,
        actor: ActorKind,
        **data: Any,
    ) -> None:
        """Hand the case to an authority (ROUTED), or to ЦУР triage when none is responsible."""
        self.municipality = municipality
        self.authority = authority
        target = AppealStatus.ROUTED if authority else AppealStatus.TRIAGE
        self.change_status(
            target, at, actor, authority=authority, municipality=municipality, **data
        )

    def set_deadlines(
        self, due_at: datetime, law_due_at: datetime, at: datetime, actor: ActorKind, **data: Any
    ) -> None:
        """The deadlines a new case gets at registration."""
        self.due_at, self.law_due_at = due_at, law_due_at
        self.record(
            EventKind.DEADLINE_SET,
            at,
            actor,
            due_at=due_at.isoformat(),
            law_due_at=law_due_at.isoformat(),
            **data,
        )

    def extend(
        self, due_at: datetime, law_due_at: datetime, at: datetime, actor: ActorKind, **data: Any
    ) -> None:
        self.due_at, self.law_due_at = due_at, law_due_at
        self.extensions += 1
        self.updated_at = at
        self.version += 1
        self.record(
            EventKind.DEADLINE_EXTENDED,
            at,
            actor,
            due_at=due_at.isoformat(),
            law_due_at=law_due_at.isoformat(),
            **data,
        )

    def close(self, resolution: Resolution, at: datetime, actor: ActorKind, **data: Any) -> None:
        """The authority's final word: ANSWERED when solved, CLOSED otherwise."""
        target = AppealStatus.ANSWERED if resolution is Resolution.SOLVED else AppealStatus.CLOSED
        self.change_status(target, at, actor, resolution=resolution.value, **data)
        self.verdict, self.rating = None, None  # a new result waits for a new verdict
        self.record(EventKind.CLOSED, at, actor, resolution=resolution.value, **data)

    @property
    def assigned_at(self) -> datetime | None:
        """When the case reached its current holder (an authority, or ЦУР triage)."""
        for event in reversed(self.history):
            if event.kind is EventKind.STATUS_CHANGED and "authority" in event.data:
                return event.at
        return None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def resolution(self) -> Resolution | None:
        """How the case was last closed (None while it is open)."""
        if self.is_open:
            return None
        last = next((e for e in reversed(self.history) if e.kind is EventKind.CLOSED), None)
        return Resolution(last.data["resolution"]) if last else None
