"""Database tables (SQLModel). All timestamps are timezone-aware; Telegram ids are BIGINT."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 (TypeDecorator API)
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CitizenRow(SQLModel, table=True):
    __tablename__ = "citizens"

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    phone: str | None = Field(default=None, max_length=32, index=True)
    full_name: str | None = Field(default=None, max_length=256)
    email: str | None = Field(default=None, max_length=256)
    consent_given_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    consent_version: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )


class AppealRow(SQLModel, table=True):
    __tablename__ = "appeals"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_appeals_idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=24, unique=True, index=True)
    citizen_id: int | None = Field(default=None, foreign_key="citizens.id", index=True)
    channel: str = Field(max_length=16)
    status: str = Field(max_length=24, index=True)
    sector: str | None = Field(default=None, max_length=32, index=True)
    sector_confidence: float | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(default=None, max_length=512)
    idempotency_key: str | None = Field(default=None, max_length=128)
    caller_phone: str | None = Field(default=None, max_length=32, index=True)
    municipality: str | None = Field(default=None, max_length=64, index=True)
    authority: str | None = Field(default=None, max_length=64, index=True)
    due_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime, nullable=True, index=True),
    )
    law_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    extensions: int = Field(default=0)
    verdict: str | None = Field(default=None, max_length=16)
    rating: int | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime = Field(
        sa_type=UTCDateTime,
        index=True,  # type: ignore[call-overload]
    )
    updated_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]


class AttachmentRow(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeals.id", index=True)
    position: int = 0
    kind: str = Field(max_length=16)
    file_id: str = Field(max_length=256)
    file_unique_id: str | None = Field(default=None, max_length=128)
    file_name: str | None = Field(default=None, max_length=256)
    mime_type: str | None = Field(default=None, max_length=128)
    file_size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class AppealEventRow(SQLModel, table=True):
    """One row per thing that happened to an appeal: the history is reconstructible."""

    __tablename__ = "appeal_events"

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeals.id", index=True)
    kind: str = Field(max_length=32, index=True)
    actor: str = Field(max_length=16)
    at: datetime = Field(sa_type=UTCDateTime, index=True)  # type: ignore[call-overload]
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class LabeledExampleRow(SQLModel, table=True):
    """A person's sector decision on an appeal text (training data for the classifier)."""

    __tablename__ = "labeled_examples"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    sector: str = Field(max_length=64, index=True)
    predicted: str | None = Field(default=None, max_length=64)
    source: str = Field(max_length=16)
    appeal_id: int | None = Field(default=None, foreign_key="appeals.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]


class CounterRow(SQLModel, table=True):
    """Named sequences (e.g. appeal numbers per year)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class NotificationRow(SQLModel, table=True):
    """Outbox of messages to citizens, delivered after the transaction that created them."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    appeal_id: int | None = Field(default=None, foreign_key="appeals.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    sent_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        index=True,  # type: ignore[call-overload]
    )
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    claimed_until: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    gave_up: bool = False


class MunicipalityRow(SQLModel, table=True):
    """A municipality of the region (from the directory file)."""

    __tablename__ = "municipalities"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=256)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    boundary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class AuthorityRow(SQLModel, table=True):
    """A body that answers appeals; one Telegram supergroup with forum topics."""

    __tablename__ = "authorities"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=512)
    kind: str = Field(max_length=16)
    municipality: str | None = Field(default=None, max_length=64)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    active: bool = True


class OfficialRow(SQLModel, table=True):
    """An official registered for an authority (its «контактное должностное лицо»)."""

    __tablename__ = "officials"
    __table_args__ = (
        UniqueConstraint("authority", "tg_user_id", name="uq_officials_authority_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    authority: str = Field(foreign_key="authorities.code", max_length=64, index=True)
    tg_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    role: str = Field(max_length=16)
    full_name: str = Field(max_length=256)
    position: str = Field(default="", max_length=256)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=256)


class RouteRow(SQLModel, table=True):
    """Sector × municipality → authority; municipality NULL is the sector's region-wide route."""

    __tablename__ = "routes"

    id: int | None = Field(default=None, primary_key=True)
    sector: str = Field(max_length=64, index=True)
    municipality: str | None = Field(default=None, max_length=64)
    authority: str = Field(foreign_key="authorities.code", max_length=64)


class AppealTopicRow(SQLModel, table=True):
    """The forum topic of an appeal in its authority's group (a redirect opens a new one)."""

    __tablename__ = "appeal_topics"
    __table_args__ = (Index("ix_appeal_topics_chat_thread", "chat_id", "thread_id"),)

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeals.id", index=True)
    authority: str = Field(max_length=64)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    thread_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    card_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    closed: bool = False


class MessageLinkRow(SQLModel, table=True):
    """A message relayed between a citizen's chat and a topic: replies and edits find their
    counterpart through it."""

    __tablename__ = "message_links"
    __table_args__ = (
        UniqueConstraint("citizen_chat_id", "citizen_message_id", name="uq_links_citizen"),
        Index("ix_links_group", "group_chat_id", "group_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeals.id", index=True)
    citizen_chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    citizen_message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    group_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    group_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    direction: str = Field(max_length=16)  # to_citizen | to_group | notice


class AppealFactRow(SQLModel, table=True):
    """The statistics' view of one appeal (core/analytics.Fact), rebuilt from its history when
    it grows: no text and no citizen, only dimensions, times and the citizen's verdict."""

    __tablename__ = "appeal_facts"
    __table_args__ = (
        Index("ix_appeal_facts_day", "day"),
        Index("ix_appeal_facts_authority_day", "authority", "day"),
        Index("ix_appeal_facts_sector_day", "sector", "day"),
        Index("ix_appeal_facts_municipality_day", "municipality", "day"),
        Index("ix_appeal_facts_open_due", "is_open", "due_at"),
    )

    appeal_id: int = Field(primary_key=True)
    number: str = Field(max_length=24)
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    day: date = Field(sa_type=Date)  # type: ignore[call-overload]
    channel: str = Field(max_length=16)
    status: str = Field(max_length=24)
    sector: str | None = Field(default=None, max_length=32)
    municipality: str | None = Field(default=None, max_length=64)
    authority: str | None = Field(default=None, max_length=64)
    executor_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    executor_name: str | None = Field(default=None, max_length=256)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]
    is_open: bool = True
    closed_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    resolution: str | None = Field(default=None, max_length=16)
    first_response_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    first_response_wd: float | None = None
    resolution_wd: float | None = None
    allowed_wd: float | None = None
    on_time: bool | None = None
    reopens: int = 0
    verdict: str | None = Field(default=None, max_length=16)
    rating: int | None = None
    topic: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=256)


class DashboardLinkRow(SQLModel, table=True):
    """A one-time sign-in link the bot sent to an official (its signed token names the nonce)."""

    __tablename__ = "dashboard_links"

    nonce: str = Field(primary_key=True, max_length=64)
    tg_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    expires_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]


class DashboardSessionRow(SQLModel, table=True):
    """A signed-in browser: the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "dashboard_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    tg_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    expires_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]


class SubscriptionRow(SQLModel, table=True):
    """One sector or place a citizen follows (targeted informing)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("citizen_id", "kind", "code", name="uq_subscriptions"),)

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizens.id", index=True)
    kind: str = Field(max_length=16)  # sector | place
    code: str = Field(max_length=64, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]


class BroadcastRow(SQLModel, table=True):
    """An announcement of an authority or the ЦУР to the citizens who follow its topics."""

    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    author_tg_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    author_name: str = Field(max_length=256)
    authority: str | None = Field(default=None, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    photo_file_id: str | None = Field(default=None, max_length=256)
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    places: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    poll: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    outage_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    status: str = Field(max_length=16, index=True)
    total: int = 0
    progress_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    created_at: datetime = Field(sa_type=UTCDateTime)  # type: ignore[call-overload]
    finished_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    poll_closed: bool = False


class DeliveryRow(SQLModel, table=True):
    """One recipient of a broadcast: claimed, sent and marked (exactly-once across restarts)."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "chat_id", name="uq_deliveries_chat"),
        Index("ix_deliveries_todo", "broadcast_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcasts.id")
    citizen_id: int = Field(foreign_key="citizens.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(max_length=16)
    parts_done: int = 0
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
    claim: str | None = Field(default=None, max_length=32)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    poll_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    poll_id: str | None = Field(default=None, max_length=64, index=True)
    poll_counts: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    resent: bool = False  # it was in flight when the process died, and was sent again
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,  # type: ignore[call-overload]
    )
