"""Fixtures for the voice tests: the tiny tone model and audio encoding helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.audio import encode_pcm
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


@pytest.fixture(scope="session")
def encode() -> Encoder:
    """The :func:`encode_pcm` helper as a fixture."""
    return encode_pcm
