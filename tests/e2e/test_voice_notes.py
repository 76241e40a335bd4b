"""Voice notes through the real bot: real PyAV decoding, real Vosk on the tiny model."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.audio import encode_pcm
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


def test_voice_note_becomes_the_text_and_the_recording_is_attached(tg, bot, records, citizen):
    words = ["один", "два", "два", "один"]
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(words)), 3))
    heard = citizen.wait(lambda m: "расслышал" in text_of(m), after=mark)
    assert "«один два два один»" in heard["text"]
    card = citizen.card(mark)
    assert "один два два один" in card["text"] and "1 аудиозапись" in card["text"]
    appeal = records.appeal(citizen.submit(card))
    assert appeal is not None
    assert appeal.text == "один два два один"
    assert [a.kind.value for a in appeal.attachments] == ["voice"]


def test_voice_note_adds_to_what_was_written(tg, bot, records, citizen: Citizen):
    mark = tg.mark()
    citizen.send("Во дворе дома 5 по улице Мира")
    citizen.card(mark)
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(["два", "один"])), 2))
    card = citizen.card(mark)
    assert "Во дворе дома 5 по улице Мира" in card["text"] and "два один" in card["text"]
    appeal = records.appeal(citizen.submit(card))
    assert appeal is not None and appeal.text.endswith("два один")


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
