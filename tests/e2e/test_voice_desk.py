"""A voice note reaches the official's topic: the card carries the transcript, the recording
follows with the transcript as its caption."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.desk_setup import CITY_GKH, ROOF, card_in, desk_bot
from tests.e2e.harness import BotProcess, text_of
from tests.e2e.test_voice_notes import voice_note
from voice.tinymodel import build_tiny_model
from voice.tones import say_words


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    model = build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "model")
    yield from desk_bot(
        tg,
        module_db,
        tmp_path_factory,
        GROUP_MESSAGES_PER_MINUTE="600",
        VOSK_MODEL_PATH=str(model),
    )


def test_the_officials_topic_gets_the_recording_and_its_transcript(tg, bot, citizen):
    mark = tg.mark()
    citizen.send(ROOF)
    citizen.card(mark)
    mark = tg.mark()
    citizen.send(voice=(voice_note(say_words(["один", "два"])), 2))
    heard = citizen.wait(lambda m: "расслышал" in text_of(m), after=mark)
    mark = tg.mark()
    number = citizen.submit(heard)  # sent as it was heard
    card = card_in(tg, CITY_GKH, number, mark)
    assert "Расшифровка записи (не проверена заявителем): один два" in text_of(card)
    recording = tg.wait_for_bot_message(CITY_GKH, lambda m: "voice" in m, after=mark, timeout=15)
    assert recording["message_thread_id"] == card["message_thread_id"]
    assert text_of(recording) == "🎙 Распознано: один два"
