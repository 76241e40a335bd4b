"""Helpers for the project's command line (``priemnaya transcribe FILE --json``)."""

from __future__ import annotations

import os
from typing import Any

from voice.audio import DEFAULT_SILENCE_DBFS, decode_file
from voice.stt import SpeechRecognizer

__all__ = ["transcribe_file"]


def transcribe_file(
    path: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    *,
    max_seconds: float | None = None,
    silence_dbfs: float | None = DEFAULT_SILENCE_DBFS,
) -> dict[str, Any]:
    """Decode and transcribe one audio file synchronously.

    Returns ``{"text": str, "words": [{"word", "start", "end", "conf"}, ...]}``.
    Audio problems raise :class:`voice.audio.AudioError` subclasses, a missing
    or broken model :class:`voice.stt.ModelLoadError`.  There is no length
    limit unless ``max_seconds`` is given.
    """
    with SpeechRecognizer(model_dir, max_workers=1) as recognizer:
        audio = decode_file(
            path,
            rate=recognizer.sample_rate,
            max_seconds=max_seconds,
            silence_dbfs=silence_dbfs,
        )
        transcript = recognizer.transcribe_blocking(audio.pcm, audio.rate)
    return {
        "text": transcript.text,
        "words": [word.to_dict() for word in transcript.words],
    }
