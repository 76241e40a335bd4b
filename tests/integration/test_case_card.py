"""The case card officials see in their topic, rendered from an appeal and the directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot import transcripts
from bot.desk import TOPIC_NAME_CHARS, CaseDesk
from core.directory import load_directory
from core.draft import Draft, DraftLimits
from core.model import (
    ActorKind,
    Appeal,
    AppealStatus,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    Location,
)
from core.sectors import load_sectors
from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def phone_appeal(text: str) -> Appeal:
    appeal = Appeal(
        id=7,
        number="2026-000777",
        citizen_id=None,
        channel=Channel.PHONE,
        status=AppealStatus.ROUTED,
        text=text,
        created_at=NOW,
        updated_at=NOW,
        sector="housing",
        sector_confidence=0.8123,
        location=Location(54.62, 39.7, "ул. Ленина, 5 <кв. 3>"),
        caller_phone="+79101234567",
        municipality="ryazan",
        authority="ryazan-gkh",
    )
    appeal.record(EventKind.CREATED, NOW, ActorKind.CITIZEN, unsure_words=["канищево"])
    appeal.record(EventKind.SECTOR_SET, NOW, ActorKind.SYSTEM, reasons=["крыша", "течь"])
    return appeal


async def test_card_shows_what_an_official_needs_escaped(test_db):
    services = await bootstrap(Settings(database_url=test_db.url))
    try:
        desk = CaseDesk(bot=None, services=services)  # type: ignore[arg-type]
        directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
        appeal = phone_appeal("течёт <b>крыша</b> на канищево")
        card = desk.card_text(appeal, directory)
        assert "<b>Обращение 2026-000777</b>" in card
        assert "Сектор: ЖКХ (классификатор: 81 %; крыша, течь)" in card
        assert "Муниципалитет: Рязань" in card
        assert "ул. Ленина, 5 &lt;кв. 3&gt; (54.62000, 39.70000)" in card
        assert "течёт &lt;b&gt;крыша&lt;/b&gt;" in card  # citizens' text never becomes markup
        assert "Распознано неуверенно: канищево" in card
        assert "+79101234567" not in card  # personal data: «Контакты заявителя», per person
        assert "Исполнитель: не назначен" in card

        long = phone_appeal("x")
        long.location = Location(54.6, 39.7, "очень длинный адрес " * 20)
        assert len(desk.topic_name(long, directory)) == TOPIC_NAME_CHARS
    finally:
        await services.close()


def test_transcript_doubts_survive_the_draft_storage():
    draft = Draft(unsure_words=["канищево"])
    assert Draft.from_dict(draft.to_dict()).unsure_words == ["канищево"]


async def test_card_underlines_what_the_recogniser_was_unsure_of(test_db):
    services = await bootstrap(Settings(database_url=test_db.url))
    try:
        desk = CaseDesk(bot=None, services=services)  # type: ignore[arg-type]
        directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
        appeal = phone_appeal("течёт крыша на канищево")
        appeal.history[0].data["transcripts"] = [
            {
                "file_unique_id": "call-1",
                "text": "течёт крыша на канищево",
                "words": [["течёт", 0.9], ["крыша", 0.95], ["на", 0.8], ["канищево<", 0.31]],
                "check": "phone",
            },
            {"text": "да", "words": [["да", 1.0]], "check": "corrected"},
        ]
        card = desk.card_text(appeal, directory)
        assert "Расшифровка записи (звонок): течёт крыша на <u>канищево&lt;</u>" in card
        assert "(исправлена заявителем; распознано было): да" in card
        assert "Подчёркнуты слова, распознанные неуверенно." in card
        assert "Распознано неуверенно:" not in card  # the transcript lines replace it
        attachment = Attachment(AttachmentKind.AUDIO, "local:call-1.ogg", "call-1")
        caption = transcripts.caption_for(services.texts, appeal, attachment)
        assert caption == "🎙 Распознано: течёт крыша на <u>канищево&lt;</u>"
        other = Attachment(AttachmentKind.AUDIO, "x", "other")
        assert transcripts.caption_for(services.texts, appeal, other) is None
    finally:
        await services.close()


def test_transcripts_survive_the_draft_storage_and_a_correction_clears_its_doubts():
    limits = DraftLimits()
    draft = Draft()
    draft.add_message(5, limits, text="один два")
    draft.add_transcript(5, "u5", "один два", [("один", 0.4), ("два", 0.9)])
    draft = Draft.from_dict(draft.to_dict())
    assert draft.unsure_words == ["один"]
    assert draft.transcripts_for_appeal()[0]["check"] == "unchecked"
    assert draft.correct_transcript(5, "Яма на дороге", limits)
    assert draft.text == "Яма на дороге" and draft.unsure_words == []
    kept = draft.transcripts_for_appeal()[0]
    assert kept["check"] == "corrected" and kept["text"] == "один два"
    assert not draft.correct_transcript(6, "x", limits)
