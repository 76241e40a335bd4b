"""Commands: what a channel asks the core to do (imperative names, plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from core.model import Attachment, Channel, Citizen, Location


@dataclass(frozen=True, slots=True)
class SubmitAppeal:
    """Register a new appeal. `idempotency_key` makes a retried submission return the same case."""

    text: str
    channel: Channel
    idempotency_key: str
    citizen_id: int | None = None
    attachments: tuple[Attachment, ...] = ()
    location: Location | None = None
    sector: str | None = None
    sector_confidence: float | None = None
    sector_source: str | None = None  # "citizen", "classifier", "operator"
    sector_predicted: str | None = None  # the classifier's own guess (kept with a correction)
    sector_reasons: tuple[str, ...] = ()  # the terms that drove the classifier's decision
    notify_chat_id: int | None = None  # where the confirmation goes (a Telegram chat), if any
    # The channel sends the confirmation itself right after the commit: the outbox row is
    # written already claimed for this long (the background sender takes over if it fails).
    deliver_within: timedelta | None = None
    caller_phone: str | None = None  # the number a phone call came from (CALLERID)
    municipality: str | None = None  # chosen by the citizen (a directory code)
    new_citizen: Citizen | None = None  # contacts that came with the appeal (Open311), consented
    meta: dict[str, object] = field(default_factory=dict)
