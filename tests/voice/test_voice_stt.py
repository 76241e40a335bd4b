"""SpeechRecognizer on the tiny model: whole clips, formats, concurrency, streaming."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import vosk

import voice.stt as stt
from voice.audio import decode_audio
from voice.cli_helpers import transcribe_file
from voice.stt import (
    ModelLoadError,
    Partial,
    SpeechRecognizer,
    Transcript,
    Word,
    load_model,
    model_sample_rate,
)
from voice.tones import say_words, silence, tone

Encoder = Callable[..., bytes]


def texts(transcript: Transcript) -> list[str]:
    """The recognised words."""
    return [word.word for word in transcript.words]


def test_model_is_loaded_once_per_process(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = shutil.copytree(tiny_model_dir, tmp_path / "fresh-model")
    calls: list[str] = []
    real_model = vosk.Model

    def counting_model(path: str) -> vosk.Model:
        calls.append(path)
        return real_model(path)

    monkeypatch.setattr(stt.vosk, "Model", counting_model)
    barrier = threading.Barrier(8)
    loaded: list[vosk.Model] = []

    def load() -> None:
        barrier.wait()
        loaded.append(load_model(fresh))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(loaded) == 8
    assert all(model is loaded[0] for model in loaded)
    assert load_model(fresh / "am" / "..") is loaded[0]
    assert SpeechRecognizer(fresh, max_workers=1).model is loaded[0]


def test_missing_or_broken_model(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        load_model(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    (broken / "conf").mkdir()
    (broken / "am" / "final.mdl").write_text("<TransitionModel> nonsense\n")
    (broken / "conf" / "model.conf").write_text("")
    with pytest.raises(ModelLoadError, match="could not load"):
        load_model(broken)


def test_model_sample_rate(tiny_model_dir: Path, tmp_path: Path) -> None:
    assert model_sample_rate(tiny_model_dir) == 16000
    assert model_sample_rate(tmp_path) == 16000
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--use-energy=false\n--sample-frequency=8000\n")
    assert model_sample_rate(tmp_path) == 8000


@pytest.mark.parametrize("words", [["один"], ["два"], ["один", "два", "один"]])
async def test_transcribe(recognizer: SpeechRecognizer, words: list[str]) -> None:
    pcm = say_words(words)
    transcript = await recognizer.transcribe(pcm, 16000)
    assert transcript.text == " ".join(words)
    assert texts(transcript) == words
    assert transcript.duration == pytest.approx(len(pcm) / 32000)
    for index, word in enumerate(transcript.words):
        assert word.start == pytest.approx(0.3 + 0.7 * index, abs=0.05)
        assert word.end == pytest.approx(0.7 + 0.7 * index, abs=0.05)
        assert 0.0 < word.conf <= 1.0
    assert transcript.low_confidence_words() == []


async def test_silence_is_empty(recognizer: SpeechRecognizer) -> None:
    transcript = await recognizer.transcribe(silence(1.5), 16000)
    assert transcript == Transcript(text="", words=[], duration=1.5)
    assert transcript.is_empty


async def test_8khz_pcm_is_resampled(recognizer: SpeechRecognizer) -> None:
    transcript = await recognizer.transcribe(say_words(["два", "один"], 8000), 8000)
    assert transcript.text == "два один"
    assert transcript.words[1].start == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    ("container", "codec", "codec_rate"),
    [("ogg", "libopus", 48000), ("mp3", "libmp3lame", 44100), ("wav", "pcm_s16le", 8000)],
)
async def test_encoded_voice_notes(
    recognizer: SpeechRecognizer, encode: Encoder, container: str, codec: str, codec_rate: int
) -> None:
    data = encode(
        say_words(["два", "один", "два"]), 16000, container, codec, codec_rate=codec_rate
    )
    transcript = await recognizer.transcribe_audio(decode_audio(data))
    assert transcript.text == "два один два"


async def test_bad_pcm_is_refused(recognizer: SpeechRecognizer) -> None:
    with pytest.raises(ValueError, match="even"):
        await recognizer.transcribe(b"\x00\x01\x02", 16000)
    with pytest.raises(ValueError, match="positive"):
        await recognizer.transcribe(b"", 0)


async def test_concurrent_transcriptions_in_bounded_pool(tiny_model_dir: Path) -> None:
    active = 0
    peak = 0
    threads: set[str] = set()
    lock = threading.Lock()

    class Recording(SpeechRecognizer):
        def transcribe_blocking(self, pcm: bytes, rate: int) -> Transcript:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                threads.add(threading.current_thread().name)
            try:
                return super().transcribe_blocking(pcm, rate)
            finally:
                with lock:
                    active -= 1

    sequences = [
        ["один"],
        ["два"],
        ["два", "один"],
        ["один", "один", "два"],
        ["два", "два"],
        ["один", "два", "два", "один"],
    ] * 2
    with Recording(tiny_model_dir, max_workers=2) as speech:
        results = await asyncio.gather(
            *(speech.transcribe(say_words(words), 16000) for words in sequences)
        )
    assert [texts(result) for result in results] == sequences
    assert 1 <= peak <= 2
    assert threads and all(name.startswith("vosk") for name in threads)


def test_default_pool_size(tiny_model_dir: Path) -> None:
    with SpeechRecognizer(tiny_model_dir) as speech:
        assert speech.max_workers >= 1
    with pytest.raises(ValueError, match="max_workers"):
        SpeechRecognizer(tiny_model_dir, max_workers=0)


async def test_stream_matches_whole_clip(recognizer: SpeechRecognizer) -> None:
    pcm = say_words(["один", "два", "один"])
    whole = await recognizer.transcribe(pcm, 16000)
    stream = recognizer.open_stream()
    partials: list[Partial] = []
    for offset in range(0, len(pcm), 640):  # 20 ms telephony frames
        partial = await stream.accept(pcm[offset : offset + 640])
        if partial is not None:
            partials.append(partial)
    streamed = await stream.finish()
    assert streamed == whole
    assert [partial.text for partial in partials] == ["один", "один два", "один два один"]
    assert stream.finished


async def test_8khz_stream_with_odd_chunks(recognizer: SpeechRecognizer) -> None:
    pcm = say_words(["два", "один"], 8000)
    stream = recognizer.open_stream(8000)
    for offset in range(0, len(pcm), 333):
        await stream.accept(pcm[offset : offset + 333])
    transcript = await stream.finish()
    assert transcript.text == "два один"
    assert transcript.duration == pytest.approx(len(pcm) / 16000)
    assert transcript.words[0].start == pytest.approx(0.3, abs=0.05)


async def test_stream_reports_endpoints(recognizer: SpeechRecognizer) -> None:
    pcm = say_words(["один"]) + silence(2.5) + say_words(["два"])
    stream = recognizer.open_stream()
    partials = []
    for offset in range(0, len(pcm), 3200):
        partial = await stream.accept(pcm[offset : offset + 3200])
        if partial is not None:
            partials.append(partial)
    transcript = await stream.finish()
    endpoints = [partial for partial in partials if partial.endpoint]
    assert endpoints
    assert endpoints[0].stable_text == "один"
    assert partials[-1].text == "один два"
    assert transcript.text == "один два"
    assert transcript.words[1].start == pytest.approx(0.3 + 0.7 + 2.5 + 0.3, abs=0.05)


async def test_concurrent_accepts_keep_order(recognizer: SpeechRecognizer) -> None:
    pcm = say_words(["два", "один", "один"])
    chunks = [pcm[offset : offset + 1600] for offset in range(0, len(pcm), 1600)]
    stream = recognizer.open_stream()
    await asyncio.gather(*(stream.accept(chunk) for chunk in chunks))
    assert (await stream.finish()).text == "два один один"


async def test_finished_stream_refuses_more(recognizer: SpeechRecognizer) -> None:
    stream = recognizer.open_stream()
    await stream.accept(tone(440, 0.5))
    assert (await stream.finish()).text == "один"
    with pytest.raises(RuntimeError, match="finished"):
        await stream.accept(silence(0.1))
    with pytest.raises(RuntimeError, match="finished"):
        await stream.finish()


def test_transcript_helpers() -> None:
    words = [
        Word("один", 0.3, 0.7, 0.95),
        Word("два", 1.0, 1.4, 0.41),
        Word("один", 1.7, 2.1, 0.6),
    ]
    transcript = Transcript(text="один два один", words=words, duration=2.4)
    assert transcript.low_confidence_words() == [words[1]]
    assert transcript.low_confidence_words(threshold=0.7) == [words[1], words[2]]
    assert transcript.to_dict() == {
        "text": "один два один",
        "words": [
            {"word": "один", "start": 0.3, "end": 0.7, "conf": 0.95},
            {"word": "два", "start": 1.0, "end": 1.4, "conf": 0.41},
            {"word": "один", "start": 1.7, "end": 2.1, "conf": 0.6},
        ],
        "duration": 2.4,
    }
    assert not transcript.is_empty


def test_transcribe_file_for_the_cli(
    tiny_model_dir: Path, encode: Encoder, tmp_path: Path
) -> None:
    path = tmp_path / "note.ogg"
    path.write_bytes(encode(say_words(["один", "два"]), 16000, "ogg", "libopus", codec_rate=48000))
    result = transcribe_file(path, tiny_model_dir)
    assert result["text"] == "один два"
    assert [word["word"] for word in result["words"]] == ["один", "два"]
    assert set(result["words"][0]) == {"word", "start", "end", "conf"}
    assert result["words"][0]["start"] < result["words"][1]["start"]


async def test_stream_without_partials_reports_only_ended_utterances(recognizer):
    stream = recognizer.open_stream(partials=False)
    reports = []
    pcm = say_words(["один", "два"]) + silence(1.0)
    for offset in range(0, len(pcm), 3200):
        if (partial := await stream.accept(pcm[offset : offset + 3200])) is not None:
            reports.append(partial)
    transcript = await stream.finish()
    assert transcript.text == "один два"
    assert all(r.endpoint for r in reports)
