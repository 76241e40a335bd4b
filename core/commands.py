"""Commands: what a channel asks the core to do (imperative names, plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model import Attachment, Channel, Location


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
    notify_chat_id: int | None = None  # where the confirmation goes (a Telegram chat), if any
    meta: dict[str, object] = field(default_factory=dict)
