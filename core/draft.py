"""A citizen's appeal while it is being composed: pieces of text, attachments, a location.

The draft is plain data (it round-trips through a dict so any FSM storage can hold it); the
rules — length limits, attachment limits, what is needed before sending — live here, not in
the channels.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from core.model import Attachment, AttachmentKind, Location


class DraftProblem(StrEnum):
    """Why a piece could not be added, or why the draft cannot be sent yet."""

    TEXT_TOO_LONG = "text_too_long"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_SHORT = "text_too_short"
    FILE_TOO_BIG = "file_too_big"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"


UNSURE_CONFIDENCE = 0.6  # a recognised word below this is marked for the citizen and officials


class TranscriptCheck(StrEnum):
    """What the citizen did with a recording's transcript."""

    PENDING = "pending"  # not answered yet
    CONFIRMED = "confirmed"  # «Верно»
    CORRECTED = "corrected"  # rewritten as text
    UNCHECKED = "unchecked"  # sent as it was heard («Отправить как есть», or never answered)
    PHONE = "phone"  # a phone call: nobody could check it


@dataclass(frozen=True, slots=True)
class DraftLimits:
    text_max_chars: int = 5000
    text_min_chars: int = 10
    attachment_max_bytes: int = 20 * 1024 * 1024
    attachments_max_count: int = 10


class DraftRejected(ValueError):
    """A piece was refused; the draft is unchanged."""

    def __init__(self, problem: DraftProblem, **details: Any) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.details = details


@dataclass(slots=True)
class TextPiece:
    message_id: int
    text: str


@dataclass(slots=True)
class Draft:
    """What the citizen has sent so far; `id` makes submission idempotent."""

    id: str = field(default_factory=lambda: secrets.token_hex(6))
    pieces: list[TextPiece] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    location: dict[str, Any] | None = None
    sector: str | None = None
    sector_confidence: float | None = None
    sector_chosen_by_citizen: bool = False
    sector_predicted: str | None = None  # the classifier's best guess, even when unsure
    sector_reasons: list[str] = field(default_factory=list)
    sector_guesses: list[str] = field(default_factory=list)  # offered as buttons when unsure
    card_message_id: int | None = None
    seen_message_ids: list[int] = field(default_factory=list)
    album_ids: list[str] = field(default_factory=list)
    unsure_words: list[str] = field(default_factory=list)  # from transcripts, for officials
    municipality: str | None = None  # a directory code: chosen, or found in text / location
    municipality_name: str | None = None
    municipality_source: str | None = None  # citizen | location | text
    places_offered: bool = False  # the directory has municipalities to choose from
    transcripts: list[dict[str, Any]] = field(default_factory=list)  # see add_transcript

    # -- composition -------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pieces).strip()

    @property
    def is_empty(self) -> bool:
        return not self.pieces and not self.attachments and self.location is None

    def add_message(
        self,
        message_id: int,
        limits: DraftLimits,
        *,
        text: str | None = None,
        attachment: Attachment | None = None,
        location: Location | None = None,
    ) -> bool:
        """Take one incoming message (text/caption, one attachment, a location) as a whole.

        Everything is checked before anything changes, so a refused message leaves the draft
        as it was. Returns False when this message was already taken (a redelivered update).
        """
        if message_id in self.seen_message_ids:
            return False
        text = (text or "").strip()
        if text:
            separator = 2 if self.pieces else 0
            total = len(self.text) + separator + len(text)
            if total > limits.text_max_chars:
                raise DraftRejected(
                    DraftProblem.TEXT_TOO_LONG,
                    length=len(text),
                    total=total,
                    limit=limits.text_max_chars,
                )
        if attachment is not None:
            if (attachment.file_size or 0) > limits.attachment_max_bytes:
                raise DraftRejected(
                    DraftProblem.FILE_TOO_BIG,
                    size=attachment.file_size,
                    limit=limits.attachment_max_bytes,
                )
            duplicate = attachment.file_unique_id is not None and any(
                a.get("file_unique_id") == attachment.file_unique_id for a in self.attachments
            )
            if duplicate:
                attachment = None
            elif len(self.attachments) >= limits.attachments_max_count:
                raise DraftRejected(
                    DraftProblem.TOO_MANY_ATTACHMENTS, limit=limits.attachments_max_count
                )
        self.seen_message_ids.append(message_id)
        if text:
            self.pieces.append(TextPiece(message_id, text))
        if attachment is not None:
            item = asdict(attachment)
            item["kind"] = attachment.kind.value
            self.attachments.append(item)
        if location is not None:
            self.set_location(location)
        return True

    def replace_text(self, message_id: int, text: str, limits: DraftLimits) -> None:
        """Replace the whole text (the citizen chose «Изменить текст»)."""
        text = text.strip()
        if not text:
            raise DraftRejected(DraftProblem.TEXT_EMPTY)
        if len(text) > limits.text_max_chars:
            raise DraftRejected(
                DraftProblem.TEXT_TOO_LONG,
                length=len(text),
                total=len(text),
                limit=limits.text_max_chars,
            )
        if message_id not in self.seen_message_ids:
            self.seen_message_ids.append(message_id)
        self.pieces = [TextPiece(message_id, text)]

    def edit_piece(self, message_id: int, text: str, limits: DraftLimits) -> bool:
        """Apply an edit of an earlier message; False if that message is not in the draft."""
        for piece in self.pieces:
            if piece.message_id == message_id:
                old = piece.text
                piece.text = text.strip()
                if not piece.text or len(self.text) > limits.text_max_chars:
                    piece.text = old
                    raise DraftRejected(
                        DraftProblem.TEXT_TOO_LONG if piece.text else DraftProblem.TEXT_EMPTY,
                        length=len(text),
                        total=len(self.text),
                        limit=limits.text_max_chars,
                    )
                return True
        return False

    def set_location(self, location: Location) -> None:
        self.location = asdict(location)

    def clear_attachments(self) -> None:
        self.attachments = []

    def clear_location(self) -> None:
        self.location = None

    def set_sector(self, code: str, *, confidence: float | None, by_citizen: bool) -> None:
        self.sector = code
        self.sector_confidence = confidence
        self.sector_chosen_by_citizen = by_citizen
        self.sector_guesses = []

    def offer_sectors(self, guesses: list[str]) -> None:
        """The classifier is unsure: no sector yet, the citizen picks one of `guesses`."""
        self.sector = None
        self.sector_confidence = None
        self.sector_chosen_by_citizen = False
        self.sector_guesses = list(guesses)

    @property
    def municipality_chosen(self) -> bool:
        return self.municipality_source == "citizen"

    def choose_municipality(self, code: str, name: str) -> None:
        """The citizen said where: it wins over whatever the text or location suggest."""
        self.municipality, self.municipality_name = code, name
        self.municipality_source = "citizen"

    def guess_municipality(self, offered: bool, found: tuple[str, str, str] | None) -> None:
        """What the routing's finder sees in the text and location (code, name, source),
        unless the citizen has chosen."""
        self.places_offered = offered
        if self.municipality_chosen:
            return
        self.municipality, self.municipality_name, self.municipality_source = found or (
            None,
            None,
            None,
        )

    # -- transcripts of recordings -------------------------------------------------------------
    def add_transcript(
        self,
        message_id: int,
        file_unique_id: str | None,
        text: str,
        words: list[tuple[str, float]],
    ) -> None:
        """Remember what the recogniser heard in a recording (its text is the message's piece);
        the citizen has not checked it yet."""
        self.transcripts.append(
            {
                "message_id": message_id,
                "file_unique_id": file_unique_id,
                "text": text,
                "words": [[word, round(conf, 3)] for word, conf in words],
                "check": TranscriptCheck.PENDING.value,
            }
        )
        self._collect_unsure()

    def transcript(self, message_id: int) -> dict[str, Any] | None:
        return next((t for t in self.transcripts if t["message_id"] == message_id), None)

    def confirm_transcript(self, message_id: int) -> bool:
        """The citizen says the transcript is right; False if there is none for the message."""
        found = self.transcript(message_id)
        if found is None:
            return False
        found["check"] = TranscriptCheck.CONFIRMED.value
        return True

    def correct_transcript(self, message_id: int, text: str, limits: DraftLimits) -> bool:
        """The citizen rewrote what the recording says: the text replaces the transcript's piece
        (the recogniser's version stays in the record). False if there is no such transcript."""
        found = self.transcript(message_id)
        if found is None:
            return False
        text = text.strip()
        if not text:
            raise DraftRejected(DraftProblem.TEXT_EMPTY)
        piece = next((p for p in self.pieces if p.message_id == message_id), None)
        texts = [text if p is piece else p.text for p in self.pieces]
        if piece is None:
            texts.append(text)
        total = len("\n\n".join(texts).strip())
        if total > limits.text_max_chars:
            limit = limits.text_max_chars
            raise DraftRejected(
                DraftProblem.TEXT_TOO_LONG, length=len(text), total=total, limit=limit
            )
        if piece is None:
            self.pieces.append(TextPiece(message_id, text))
        else:
            piece.text = text
        found["check"] = TranscriptCheck.CORRECTED.value
        found["corrected"] = text
        self._collect_unsure()
        return True

    def _collect_unsure(self) -> None:
        self.unsure_words = [
            word
            for t in self.transcripts
            if t["check"] != TranscriptCheck.CORRECTED.value
            for word, conf in t["words"]
            if conf < UNSURE_CONFIDENCE
        ]

    def transcripts_for_appeal(self) -> list[dict[str, Any]]:
        """What the appeal keeps of each transcript (a pending one was sent unchecked)."""
        kept = []
        for t in self.transcripts:
            check = t["check"]
            if check == TranscriptCheck.PENDING.value:
                check = TranscriptCheck.UNCHECKED.value
            kept.append({**t, "check": check})
        return kept

    # -- checks and conversion ---------------------------------------------------------------
    def problems_before_sending(self, limits: DraftLimits) -> list[DraftProblem]:
        """What is missing before the draft can become an appeal."""
        if not self.text:
            return [DraftProblem.TEXT_EMPTY]
        if len(self.text) < limits.text_min_chars:
            return [DraftProblem.TEXT_TOO_SHORT]
        return []

    def attachment_objects(self) -> list[Attachment]:
        return [Attachment(**{**a, "kind": AttachmentKind(a["kind"])}) for a in self.attachments]

    def location_object(self) -> Location | None:
        return Location(**self.location) if self.location else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        raw = dict(data)
        raw["pieces"] = [TextPiece(**p) for p in raw.get("pieces", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})
