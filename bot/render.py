"""Turns drafts and appeals into Telegram HTML texts (all words come from the catalogue)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram.types import Message

from core.draft import Draft
from core.model import Appeal, AttachmentKind, EventKind, HistoryEvent
from priemnaya.bootstrap import Services

CARD_TEXT_PREVIEW = 2500  # the card must stay under Telegram's 4096 characters
DETAILS_TEXT_PREVIEW = 2000
HISTORY_LINES = 15


def fmt_date(services: Services, moment: datetime) -> str:
    return moment.astimezone(services.tz).strftime("%d.%m.%Y %H:%M")


def fmt_deadline(services: Services, due_at: datetime) -> str:
    """A deadline's last day: `due_at` is the moment that day ends."""
    return (due_at.astimezone(services.tz) - timedelta(seconds=1)).strftime("%d.%m.%Y")


_RECORDINGS = {AttachmentKind.VOICE, AttachmentKind.AUDIO}


def _attachments_line(services: Services, kinds: list[str]) -> str:
    t = services.texts
    if not kinds:
        return t("card-no-attachments")
    photos = sum(1 for k in kinds if k == AttachmentKind.PHOTO)
    recordings = sum(1 for k in kinds if k in _RECORDINGS)
    documents = len(kinds) - photos - recordings
    parts = []
    if photos:
        parts.append(t("count-photos", n=photos))
    if recordings:
        parts.append(t("count-recordings", n=recordings))
    if documents:
        parts.append(t("count-documents", n=documents))
    return t("card-attachments", list=", ".join(parts))


def draft_card(services: Services, draft: Draft) -> str:
    t = services.texts
    lines = [t("card-title"), ""]
    text = draft.text
    if text:
        lines.append(t("card-text", text=escape(text[:CARD_TEXT_PREVIEW])))
        if len(text) > CARD_TEXT_PREVIEW:
            lines.append(t("card-text-truncated", total=len(text)))
    else:
        lines.append(t("card-no-text"))
    lines.append(_attachments_line(services, [a["kind"] for a in draft.attachments]))
    if draft.location:
        loc = draft.location
        lines.append(
            t("card-location", lat=f"{loc['latitude']:.5f}", lon=f"{loc['longitude']:.5f}")
        )
        if loc.get("address"):
            lines.append(t("card-address", address=escape(loc["address"])))
    else:
        lines.append(t("card-no-location"))
    if draft.places_offered and draft.municipality_name:
        how = t(f"card-municipality-how-{draft.municipality_source}")
        lines.append(t("card-municipality", name=escape(draft.municipality_name), how=how))
    elif draft.places_offered:
        lines.append(t("card-municipality-unknown"))
    if draft.sector is None and draft.sector_guesses:
        lines.append(t("card-sector-ask"))
    elif draft.sector is None:
        lines.append(t("card-sector-unknown"))
    elif draft.sector_chosen_by_citizen or draft.sector_confidence is None:
        lines.append(t("card-sector", sector=escape(services.sector_title(draft.sector))))
    else:
        lines.append(
            t(
                "card-sector-guess",
                sector=escape(services.sector_title(draft.sector)),
                # a guess is never certain: 0.997 is shown as 99 %, not 100 %
                confidence=min(99, round(draft.sector_confidence * 100)),
            )
        )
    lines += ["", t("card-hint")]
    return "\n".join(lines)


def status_name(services: Services, status: str) -> str:
    return services.texts(f"status-{status}")


def _history_what(services: Services, event: HistoryEvent) -> str:
    t, d = services.texts, event.data
    if event.kind is EventKind.STATUS_CHANGED:
        return t("event-status_changed", status=status_name(services, d["new"]))
    if event.kind is EventKind.SECTOR_SET:
        return t("event-sector_set", sector=services.sector_title(d.get("sector")))
    if event.kind in (EventKind.DEADLINE_SET, EventKind.DEADLINE_EXTENDED):
        date = fmt_deadline(services, datetime.fromisoformat(d["due_at"]))
        return t(f"event-{event.kind.value}", date=date)
    if event.kind is EventKind.REDIRECTED:
        return t("event-redirected", authority=escape(d.get("target_name", "")))
    if event.kind is EventKind.CLOSED:
        return t("event-closed", how=t(f"case-close-{d['resolution']}"))
    if event.kind is EventKind.AUTHORITY_MESSAGE and d.get("text"):
        text = d["text"] if len(d["text"]) <= 300 else d["text"][:300] + "…"
        return t("event-authority_message-text", text=escape(text))
    if event.kind is EventKind.FEEDBACK:
        if "verdict" in d:
            return t("event-feedback-verdict", verdict=t(f"verdict-{d['verdict']}"))
        if "rating" in d:
            return t("event-feedback-rating", stars=d["rating"])
        return t("event-feedback-comment")
    return t(f"event-{event.kind.value}")


def appeal_details(services: Services, appeal: Appeal) -> str:
    t = services.texts
    lines = [
        t(
            "appeal-details",
            number=appeal.number,
            status=status_name(services, appeal.status.value),
            date=fmt_date(services, appeal.created_at),
            channel=t(f"channel-{appeal.channel.value}"),
            sector=escape(services.sector_title(appeal.sector)),
        ),
        t("appeal-details-text", text=escape(appeal.text[:DETAILS_TEXT_PREVIEW])),
    ]
    if appeal.attachments:
        lines.append(t("appeal-details-attachments", count=len(appeal.attachments)))
    if appeal.location:
        lines.append(
            t(
                "appeal-details-location",
                lat=f"{appeal.location.latitude:.5f}",
                lon=f"{appeal.location.longitude:.5f}",
            )
        )
    if appeal.due_at is not None and appeal.is_open:
        lines.append(t("appeal-details-deadline", date=fmt_deadline(services, appeal.due_at)))
    if appeal.verdict is not None:
        stars = f", {appeal.rating}/5" if appeal.rating else ""
        lines.append(
            t("appeal-details-verdict", verdict=t(f"verdict-{appeal.verdict.value}"), stars=stars)
        )
    # officials' side only
    hidden = {EventKind.INTERNAL_NOTE, EventKind.ACCESS_DENIED, EventKind.INFO_REQUESTED}
    visible = [e for e in appeal.history if e.kind not in hidden]
    lines += ["", t("appeal-history-title")]
    for event in visible[-HISTORY_LINES:]:
        lines.append(
            t(
                "history-line",
                date=fmt_date(services, event.at),
                what=_history_what(services, event),
            )
        )
    return "\n".join(lines)


def entities_of(message: Message) -> list[dict[str, Any]]:
    """A message's formatting as JSON (kept in the outbox to repeat an edit elsewhere)."""
    found = message.entities if message.text is not None else message.caption_entities
    return [e.model_dump(exclude_none=True, mode="json") for e in found or []]
