"""Voice notes through the real bot: real PyAV decoding, real Vosk on the tiny model.

A recording is answered with «Я расслышал: …» and three buttons: «✅ Верно», «✏️ Исправить
текстом», «📨 Отправить как есть»; audio files and round videos are heard the same way."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from core.model import EventKind
from tests.audio import encode_pcm, video_note_mp4
from tests.e2e.harness import BotProcess, Citizen, text_of
from voice.tinymodel import build_tiny_model
from voice.tones import say_words, silence

MAX_SECONDS = 6


def voice_note(pcm: bytes) -> bytes:
    """OGG/Opus at 48 kHz, the way Telegram stores voice notes."""
    return encode_pcm(pcm, 16000, "ogg", "libopus", codec_rate=48000)


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    model = build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "model")
    process = BotProcess(
        tg,
        module_db.url,
        tmp_path_factory.mktemp("bot"),
        VOSK_MODEL_PATH=str(model),
        VOICE_MAX_SECONDS=str(MAX_SECONDS),
        APPEAL_TEXT_MIN_CHARS="5",
    ).start()
    yield process
    code = process.stop()
    assert code == 0, f"bot did not stop cleanly ({code}):\n{process.log()}"


def heard_in(citizen: Citizen, mark: int) -> dict:
    return citizen.wait(lambda m: "расслышал" in text_of(m), after=mark)


def transcripts(appeal) -> list[dict]:
    created = next(e for e in appeal.history if e.kind is EventKind.CREATED)
    return created.data["transcripts"]


def test_confirmed_voice_note_becomes_the_text_and_the_recording_is_attached(
    tg, bot, records, citizen
):
    words = ["один", "два", "два", "один"]
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(words)), 3))
    heard = heard_in(citizen, mark)
    assert "«один два два один»" in heard["text"]
    assert [label for label, _ in tg.inline_buttons(heard)] == [
        "✅ Верно",
        "✏️ Исправить текстом",
        "📨 Отправить как есть",
    ]
    mark = tg.mark()
    citizen.press(heard, "Верно")
    card = citizen.card(mark)
    assert "один два два один" in card["text"] and "1 аудиозапись" in card["text"]
    closed = tg.get_message(citizen.id, heard["message_id"])
    assert "подтверждён" in text_of(closed) and not tg.inline_buttons(closed)
    appeal = records.appeal(citizen.submit(card))
    assert appeal is not None
    assert appeal.text == "один два два один"
    assert [a.kind.value for a in appeal.attachments] == ["voice"]
    (kept,) = transcripts(appeal)
    assert kept["check"] == "confirmed" and kept["text"] == "один два два один"
    assert [w for w, _ in kept["words"]] == words
    assert kept["file_unique_id"] == appeal.attachments[0].file_unique_id


def test_the_citizen_rewrites_the_transcript_as_text(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(["два", "два"])), 2))
    heard = heard_in(citizen, mark)
    mark = tg.mark()
    citizen.press(heard, "Исправить текстом")
    prompt = citizen.wait(lambda m: "Напишите одним сообщением" in text_of(m), after=mark)
    assert prompt is not None
    mark = tg.mark()
    citizen.send("Не горит фонарь у дома 7 на улице Садовой")
    card = citizen.card(mark)
    assert "Не горит фонарь у дома 7" in card["text"] and "два два" not in card["text"]
    assert "1 аудиозапись" in card["text"]
    appeal = records.appeal(citizen.submit(card))
    assert appeal is not None and appeal.text == "Не горит фонарь у дома 7 на улице Садовой"
    (kept,) = transcripts(appeal)
    assert kept["check"] == "corrected" and kept["text"] == "два два"
    assert kept["corrected"] == appeal.text
    assert [a.kind.value for a in appeal.attachments] == ["voice"]


def test_send_as_is_registers_the_appeal_with_the_unchecked_transcript(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(["один", "два", "один"])), 3))
    heard = heard_in(citizen, mark)
    number = citizen.submit(heard)  # «📨 Отправить как есть»
    appeal = records.appeal(number)
    assert appeal is not None and appeal.text == "один два один"
    assert [a.kind.value for a in appeal.attachments] == ["voice"]
    assert transcripts(appeal)[0]["check"] == "unchecked"


def test_voice_note_adds_to_what_was_written(tg, bot, records, citizen: Citizen):
    mark = tg.mark()
    citizen.send("Во дворе дома 5 по улице Мира")
    citizen.card(mark)
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(["два", "один"])), 2))
    heard = heard_in(citizen, mark)
    mark = tg.mark()
    citizen.press(heard, "Верно")
    card = citizen.card(mark)
    assert "Во дворе дома 5 по улице Мира" in card["text"] and "два один" in card["text"]
    appeal = records.appeal(citizen.submit(card))
    assert appeal is not None and appeal.text.endswith("два один")


@pytest.mark.parametrize(
    ("kind", "payload", "attachment"),
    [
        ("video_note", lambda pcm: (video_note_mp4(pcm), 2), "video_note"),
        ("audio", lambda pcm: (encode_pcm(pcm, 16000, "mp3", "libmp3lame"), 2), "audio"),
        (
            "document",
            lambda pcm: ("жалоба.ogg", voice_note(pcm), "audio/ogg"),
            "document",
        ),
    ],
    ids=["round-video", "audio-file", "audio-as-document"],
)
def test_round_videos_and_audio_files_are_heard_too(
    tg, bot, records, citizen, kind, payload, attachment
):
    mark = tg.mark()
    citizen.send(**{kind: payload(say_words(["два", "один", "один"]))})
    heard = heard_in(citizen, mark)
    assert "«два один один»" in heard["text"]
    mark = tg.mark()
    citizen.press(heard, "Верно")
    appeal = records.appeal(citizen.submit(citizen.card(mark)))
    assert appeal is not None and appeal.text == "два один один"
    assert [a.kind.value for a in appeal.attachments] == [attachment]
    assert transcripts(appeal)[0]["check"] == "confirmed"


@pytest.mark.parametrize(
    ("audio", "answer"),
    [
        (lambda: voice_note(silence(2.0)), "ничего не слышно"),
        (lambda: b"OggS" + b"\x00" * 64, "Не получилось прочитать"),
        (lambda: voice_note(say_words(["один"] * 12)), f"до {MAX_SECONDS} секунд"),
    ],
    ids=["silence", "corrupt", "too-long"],
)
def test_unusable_recordings_are_refused_with_the_reason(tg, bot, citizen, audio, answer):
    reply = citizen.say(voice=(audio(), 2))
    assert answer in reply["text"]
    mark = tg.mark()
    citizen.send("Не вывозят мусор с площадки у дома 3")
    card = citizen.card(mark)
    assert "Вложения: нет" in card["text"], "an unusable recording is not kept"


def test_voice_note_over_the_size_limit_is_not_downloaded(tg, bot, citizen):
    mark = tg.mark()
    reply = citizen.say(voice=(voice_note(say_words(["один", "два"])), 2), file_size=25 * 2**20)
    assert "слишком большой" in reply["text"]
    assert not [c for c in tg.calls_since(mark) if c.method == "getFile"]


def test_model_path_that_does_not_exist_stops_the_bot_with_a_clear_error(tg, module_db, tmp_path):
    process = BotProcess(tg, module_db.url, tmp_path, VOSK_MODEL_PATH=str(tmp_path / "nope"))
    done = subprocess.run(
        [sys.executable, "-m", "priemnaya", "run"],
        cwd=tmp_path,
        env=process.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "cannot load the Vosk model" in done.stderr
