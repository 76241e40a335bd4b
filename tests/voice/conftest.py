"""Fixtures for the voice tests: the tiny tone model and audio encoding helpers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from voice.stt import SpeechRecognizer
from voice.tinymodel import build_tiny_model

Encoder = Callable[..., bytes]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real Vosk model (440 Hz = "один", 3 kHz = "два"), built once per session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def recognizer(tiny_model_dir: Path) -> Iterator[SpeechRecognizer]:
    """A SpeechRecognizer on the tiny model with two workers."""
    with SpeechRecognizer(tiny_model_dir, max_workers=2) as speech:
        yield speech


def encode_pcm(
    pcm: bytes,
    rate: int,
    container: str,
    codec: str,
    *,
    codec_rate: int | None = None,
    layout: str = "mono",
) -> bytes:
    """Encode s16le mono PCM with PyAV into an in-memory file (e.g. ogg/libopus)."""
    out_rate = codec_rate or rate
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=out_rate, layout=layout)
        sample_format = stream.codec_context.format.name
        resampler = av.AudioResampler(format=sample_format, layout=layout, rate=out_rate)
        frames = []
        if pcm:
            samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = rate
            frames = [*resampler.resample(frame), *resampler.resample(None)]
        for converted in frames:
            for packet in stream.encode(converted):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def encode() -> Encoder:
    """The :func:`encode_pcm` helper as a fixture."""
    return encode_pcm
