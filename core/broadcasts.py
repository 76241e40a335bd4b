"""Targeted informing: citizens follow sectors and places; authorities and the ЦУР announce
to them («адресное информирование по тематикам отраслевых блоков»).

Channel-free: the subscription, the announcement and one delivery row per recipient. The
delivery rows are the source of truth of a broadcast: a channel claims a row, sends, and
marks it, so a restart resumes exactly where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

POLL_OPTIONS_MIN = 2
POLL_OPTIONS_MAX = 10  # Telegram allows 12; ten keep the buttons readable
POLL_QUESTION_CHARS = 300  # Telegram's limit
POLL_OPTION_CHARS = 100  # Telegram's limit
TEXT_CHARS = 4000  # a message (4096) with room for the header
CAPTION_CHARS = 1000  # a photo's caption (1024) with room for the header
OUTAGE_DAYS = (1, 3, 7)  # how long new appeals on the topic get the automatic answer


class TopicKind(StrEnum):
    SECTOR = "sector"
    PLACE = "place"


class BroadcastStatus(StrEnum):
    SENDING = "sending"  # delivery rows are being worked through
    DONE = "done"  # every row reached a final state
    CANCELLED = "cancelled"  # the sender stopped it; what was left is not sent


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not sent yet (or a part is still to send)
    SENDING = "sending"  # a request is in flight (after a crash: sent again, see README)
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good (chat gone, bad request, retries spent)
    BLOCKED = "blocked"  # the citizen blocked the bot: their subscription is removed
    CANCELLED = "cancelled"  # the broadcast was stopped before this row was sent

    @property
    def final(self) -> bool:
        return self not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


@dataclass(frozen=True, slots=True)
class Subscription:
    """What a citizen follows: sectors, and places (none: the whole region)."""

    sectors: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.sectors)

    def follows(self, sector: str, place: str | None) -> bool:
        return sector in self.sectors and (not self.places or place in self.places)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an announcement is for; an empty tuple means "all" (only the ЦУР may say so)."""

    sectors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    def covers(self, sector: str | None, place: str | None) -> bool:
        sector_ok = not self.sectors or sector in self.sectors
        place_ok = not self.places or place in self.places
        return sector is not None and sector_ok and place_ok


@dataclass(frozen=True, slots=True)
class PollSpec:
    question: str
    options: tuple[str, ...]


class PollError(ValueError):
    """The poll text is not a question with 2–10 options; the message says what is wrong."""


def parse_poll(text: str) -> PollSpec:
    """First line the question, each further line an option (as officials type it)."""
    lines = [line.strip(" \t-•*").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise PollError("empty")
    question, options = lines[0], tuple(dict.fromkeys(lines[1:]))
    if len(question) > POLL_QUESTION_CHARS:
        raise PollError("question-too-long")
    if not POLL_OPTIONS_MIN <= len(options) <= POLL_OPTIONS_MAX:
        raise PollError("options-count")
    if any(len(o) > POLL_OPTION_CHARS for o in options):
        raise PollError("option-too-long")
    return PollSpec(question, options)


@dataclass(slots=True)
class Broadcast:
    """An announcement: its content, audience, and how far its delivery got."""

    id: int | None
    chat_id: int  # the group it was announced from (progress is shown there)
    author_tg_id: int
    author_name: str
    authority: str | None  # None: the ЦУР
    text: str
    audience: Audience
    created_at: datetime
    photo_file_id: str | None = None
    poll: PollSpec | None = None
    outage_until: datetime | None = None  # a known issue: new appeals get it as an answer
    status: BroadcastStatus = BroadcastStatus.SENDING
    total: int = 0
    progress_message_id: int | None = None
    finished_at: datetime | None = None
    poll_closed: bool = False

    def outage_active(self, now: datetime) -> bool:
        return self.outage_until is not None and now < self.outage_until

    @property
    def parts(self) -> int:
        """Messages each recipient gets: the announcement, then its poll."""
        return 2 if self.poll is not None else 1


@dataclass(slots=True)
class Delivery:
    id: int
    broadcast_id: int
    citizen_id: int
    chat_id: int
    status: DeliveryStatus
    parts_done: int = 0
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0

    @property
    def left(self) -> int:
        return max(self.total - self.sent - self.failed - self.blocked - self.cancelled, 0)


@dataclass(frozen=True, slots=True)
class PollResults:
    question: str
    options: tuple[str, ...]
    counts: tuple[int, ...]
    polls: int  # how many recipients got the poll

    @property
    def voters(self) -> int:
        return sum(self.counts)


@dataclass(slots=True)
class AnnouncementDraft:
    """What the /announce dialog collected, before it is confirmed."""

    chat_id: int
    author_tg_id: int
    author_name: str
    authority: str | None
    text: str
    photo_file_id: str | None = None
    sectors: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    outage_days: int = 0
    poll: PollSpec | None = None

    @property
    def audience(self) -> Audience:
        return Audience(tuple(self.sectors), tuple(self.places))

    def build(self, now: datetime) -> Broadcast:
        return Broadcast(
            id=None,
            chat_id=self.chat_id,
            author_tg_id=self.author_tg_id,
            author_name=self.author_name,
            authority=self.authority,
            text=self.text,
            photo_file_id=self.photo_file_id,
            audience=self.audience,
            poll=self.poll,
            outage_until=now + timedelta(days=self.outage_days) if self.outage_days else None,
            created_at=now,
        )
