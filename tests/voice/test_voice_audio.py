"""Decoding user and telephony audio to 16 kHz mono PCM, and its rejections."""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from voice.audio import (
    AudioError,
    AudioTooLong,
    CorruptAudio,
    DecodedAudio,
    EmptyAudio,
    PcmResampler,
    SilentAudio,
    decode_audio,
    decode_file,
    decode_telephony_pcm,
    pcm_dbfs,
    pcm_rms,
    resample_pcm,
)
from voice.tones import say_words, silence, tone

Encoder = Callable[..., bytes]


def dominant_frequency(audio: DecodedAudio) -> float:
    """Frequency of the strongest FFT bin of the clip."""
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * audio.rate / samples.size)


@pytest.mark.parametrize(
    ("container", "codec", "codec_rate"),
    [
        ("ogg", "libopus", 48000),  # a Telegram voice note
        ("wav", "pcm_s16le", 44100),
        ("mp3", "libmp3lame", 22050),
        ("flac", "flac", 16000),
        ("wav", "pcm_u8", 22050),  # integer formats are scaled to [-1, 1] before resampling
        ("wav", "pcm_s32le", 8000),
        ("wav", "pcm_f64le", 32000),
    ],
)
def test_decodes_common_formats_to_16k_mono(
    encode: Encoder, container: str, codec: str, codec_rate: int
) -> None:
    data = encode(tone(440, 1.0), 16000, container, codec, codec_rate=codec_rate)
    audio = decode_audio(data)
    assert audio.rate == 16000
    assert audio.seconds == pytest.approx(1.0, abs=0.08)
    assert dominant_frequency(audio) == pytest.approx(440, abs=5)
    assert audio.dbfs == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=1.5)


def test_wav_at_model_rate_is_unchanged(encode: Encoder) -> None:
    pcm = say_words(["один", "два"])
    audio = decode_audio(encode(pcm, 16000, "wav", "pcm_s16le"))
    assert audio.pcm == pcm


def test_stereo_is_mixed_down(encode: Encoder) -> None:
    data = encode(tone(3000, 0.5), 16000, "wav", "pcm_s16le", codec_rate=48000, layout="stereo")
    audio = decode_audio(data, rate=8000)
    assert audio.rate == 8000
    assert audio.samples == pytest.approx(4000, abs=40)
    assert dominant_frequency(audio) == pytest.approx(3000, abs=10)


def test_decode_file_reads_from_disk(encode: Encoder, tmp_path: Path) -> None:
    path = tmp_path / "voice.ogg"
    path.write_bytes(encode(tone(440, 0.5), 16000, "ogg", "libopus", codec_rate=48000))
    assert decode_file(path).seconds == pytest.approx(0.5, abs=0.05)


def test_telephony_pcm_is_upsampled() -> None:
    audio = decode_telephony_pcm(tone(440, 1.0, rate=8000))
    assert audio.rate == 16000
    assert audio.samples == pytest.approx(16000, abs=40)
    assert dominant_frequency(audio) == pytest.approx(440, abs=5)


@pytest.mark.parametrize("data", [b"", bytearray(), memoryview(b"")])
def test_empty_input(data: bytes) -> None:
    with pytest.raises(EmptyAudio) as caught:
        decode_audio(data)
    assert caught.value.code == "empty"


def test_empty_file_and_empty_telephony(tmp_path: Path) -> None:
    path = tmp_path / "empty.ogg"
    path.write_bytes(b"")
    with pytest.raises(EmptyAudio, match="0 bytes"):
        decode_file(path)
    with pytest.raises(EmptyAudio):
        decode_telephony_pcm(b"")


def test_container_without_samples_is_empty() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
    with pytest.raises(EmptyAudio, match="no audio samples"):
        decode_audio(buffer.getvalue())


@pytest.mark.parametrize(
    "data",
    [
        b"this is not audio at all " * 40,
        bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8)),
        b"OggS" + bytes(1000),
    ],
    ids=["text", "random", "fake-ogg-header"],
)
def test_corrupt_data(data: bytes) -> None:
    with pytest.raises(CorruptAudio) as caught:
        decode_audio(data)
    assert caught.value.code == "corrupt"
    assert "audio" in str(caught.value)


def test_video_without_sound_is_corrupt() -> None:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="matroska") as output:
        stream = output.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        picture = np.zeros((32, 32, 3), dtype=np.uint8)
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    with pytest.raises(CorruptAudio, match="no audio stream"):
        decode_audio(buffer.getvalue())


def test_truncated_voice_note_is_corrupt(encode: Encoder) -> None:
    data = encode(say_words(["один"]), 16000, "ogg", "libopus", codec_rate=48000)
    with pytest.raises(CorruptAudio):
        decode_audio(data[: len(data) // 2])


def test_odd_telephony_pcm_is_corrupt() -> None:
    with pytest.raises(CorruptAudio, match="even number of bytes"):
        decode_telephony_pcm(tone(440, 0.1, rate=8000) + b"\x01")


def test_too_long(encode: Encoder) -> None:
    data = encode(tone(440, 3.0), 16000, "ogg", "libopus", codec_rate=48000)
    with pytest.raises(AudioTooLong) as caught:
        decode_audio(data, max_seconds=1.0)
    assert caught.value.code == "too_long"
    assert caught.value.max_seconds == 1.0
    assert caught.value.seconds > 1.0
    assert decode_audio(data, max_seconds=None).seconds == pytest.approx(3.0, abs=0.1)


class _NoDuration:
    """Container proxy that hides the declared duration (as for live streams)."""

    def __init__(self, container: Any) -> None:
        self._container = container
        self.duration = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._container, name)

    def __enter__(self) -> _NoDuration:
        return self

    def __exit__(self, *exc: object) -> None:
        self._container.close()


def test_too_long_without_declared_duration(
    encode: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = av.open
    monkeypatch.setattr(av, "open", lambda *a, **kw: _NoDuration(real_open(*a, **kw)))
    data = encode(tone(440, 2.0), 16000, "ogg", "libopus", codec_rate=48000)
    with pytest.raises(AudioTooLong) as caught:
        decode_audio(data, max_seconds=1.0)
    # decoding stopped soon after the limit instead of reading the whole clip
    assert 1.0 < caught.value.seconds < 1.2


def test_telephony_too_long() -> None:
    with pytest.raises(AudioTooLong, match="limit is 0.5 s"):
        decode_telephony_pcm(tone(440, 1.0, rate=8000), max_seconds=0.5)


def test_default_limit_is_five_minutes() -> None:
    pcm = silence(301.0, rate=8000)
    with pytest.raises(AudioTooLong):
        decode_telephony_pcm(pcm, silence_dbfs=None)


@pytest.mark.parametrize(
    "pcm",
    [silence(1.0), tone(440, 1.0, amplitude=0.0005)],
    ids=["digital-silence", "hum-at-minus-69-dbfs"],
)
def test_silent(encode: Encoder, pcm: bytes) -> None:
    data = encode(pcm, 16000, "wav", "pcm_s16le")
    with pytest.raises(SilentAudio) as caught:
        decode_audio(data)
    assert caught.value.code == "silent"
    assert caught.value.dbfs < -60.0
    assert decode_audio(data, silence_dbfs=None).seconds == pytest.approx(1.0)


def test_silent_telephony() -> None:
    with pytest.raises(SilentAudio, match="digital silence"):
        decode_telephony_pcm(silence(1.0, rate=8000))


def test_error_codes_are_stable_and_distinct() -> None:
    classes = [EmptyAudio, CorruptAudio, AudioTooLong, SilentAudio]
    assert all(issubclass(cls, AudioError) for cls in classes)
    assert [cls.code for cls in classes] == ["empty", "corrupt", "too_long", "silent"]


def test_levels() -> None:
    assert pcm_rms(b"") == 0.0
    assert pcm_dbfs(silence(0.1)) == -math.inf
    assert pcm_rms(tone(440, 1.0, amplitude=0.5)) == pytest.approx(
        0.5 * 32767 / math.sqrt(2), 0.01
    )


def test_streaming_resampler_matches_whole_clip() -> None:
    pcm = say_words(["один", "два"], rate=8000)
    whole = resample_pcm(pcm, 8000, 16000)
    resampler = PcmResampler(8000, 16000)
    pieces = [resampler.push(pcm[i : i + 333]) for i in range(0, len(pcm), 333)]
    streamed = b"".join(pieces) + resampler.flush()
    assert len(streamed) == len(whole)
    difference = np.abs(
        np.frombuffer(streamed, "<i2").astype(int) - np.frombuffer(whole, "<i2").astype(int)
    )
    assert difference.max() <= 2
    assert resample_pcm(pcm, 8000, 8000) is pcm
