"""How transcripts of recordings show in an official's topic: the card's lines and captions.

A transcript is kept in the appeal's `created` event (`transcripts`: text, words with their
confidences, what the citizen did with it — see core.draft.TranscriptCheck). Words the
recogniser was unsure of are underlined.
"""

from __future__ import annotations

from html import escape
from typing import Any

from core.draft import UNSURE_CONFIDENCE, TranscriptCheck
from core.i18n import Texts
from core.model import Appeal, Attachment, EventKind

CAPTION_CHARS = 900  # Telegram's caption limit is 1024 characters


def transcripts_of(appeal: Appeal) -> list[dict[str, Any]]:
    created = next((e for e in appeal.history if e.kind is EventKind.CREATED), None)
    found = (created.data.get("transcripts") if created else None) or []
    return [t for t in found if isinstance(t, dict)]


def marked_html(transcript: dict[str, Any], limit: int | None = None) -> str:
    """What the recogniser heard, unsure words underlined (HTML)."""
    words = transcript.get("words") or [[transcript.get("text", ""), 1.0]]
    parts, length = [], 0
    for word, conf in words:
        length += len(word) + 1
        if limit is not None and length > limit:
            parts.append("…")
            break
        parts.append(f"<u>{escape(word)}</u>" if conf < UNSURE_CONFIDENCE else escape(word))
    return " ".join(parts)


def has_unsure(transcript: dict[str, Any]) -> bool:
    return any(conf < UNSURE_CONFIDENCE for _, conf in transcript.get("words") or [])


def card_lines(t: Texts, appeal: Appeal, limit: int = 600) -> list[str]:
    """One line per transcript for the case card (plus a legend when a word is underlined)."""
    lines = []
    found = transcripts_of(appeal)
    for transcript in found:
        check = str(transcript.get("check") or TranscriptCheck.UNCHECKED.value)
        if check not in {c.value for c in TranscriptCheck} or check == "pending":
            check = TranscriptCheck.UNCHECKED.value
        lines.append(
            t(
                "case-card-transcript",
                check=t(f"case-card-transcript-{check}"),
                text=marked_html(transcript, limit),
            )
        )
    if any(has_unsure(tr) for tr in found):
        lines.append(t("case-card-transcript-legend"))
    return lines


def caption_for(t: Texts, appeal: Appeal, attachment: Attachment) -> str | None:
    """The transcript under the recording it came from, in the topic."""
    for transcript in transcripts_of(appeal):
        if transcript.get("file_unique_id") == attachment.file_unique_id:
            return t("case-recording-caption", text=marked_html(transcript, CAPTION_CHARS))
    return None
