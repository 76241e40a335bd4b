"""Synthesise test audio that the tiny model (:mod:`voice.tinymodel`) understands.

Word A (default "один") is "spoken" as a 440 Hz tone, word B ("два") as a
3 kHz tone.  All functions return raw signed 16-bit little-endian mono PCM.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from voice.tinymodel import HIGH_TONE_HZ, LOW_TONE_HZ

__all__ = [
    "DEFAULT_WORDS",
    "WORD_GAP_SECONDS",
    "WORD_SECONDS",
    "say_words",
    "silence",
    "tone",
]

DEFAULT_WORDS: tuple[str, str] = ("один", "два")
WORD_SECONDS = 0.4
WORD_GAP_SECONDS = 0.3
_FADE_SECONDS = 0.005


def tone(freq_hz: float, seconds: float, rate: int = 16000, amplitude: float = 0.5) -> bytes:
    """A sine tone as s16le mono PCM; 5 ms fades avoid clicks at the edges."""
    if not 0.0 <= amplitude <= 1.0:
        raise ValueError("amplitude must be within 0..1")
    count = int(round(seconds * rate))
    t = np.arange(count, dtype=np.float64) / rate
    wave = amplitude * 32767.0 * np.sin(2.0 * np.pi * freq_hz * t)
    fade = min(int(_FADE_SECONDS * rate), count // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False)
        wave[:fade] *= ramp
        wave[count - fade :] *= ramp[::-1]
    return np.round(wave).astype("<i2").tobytes()


def silence(seconds: float, rate: int = 16000) -> bytes:
    """Digital silence as s16le mono PCM."""
    return bytes(2 * int(round(seconds * rate)))


def say_words(
    words: Iterable[str],
    rate: int = 16000,
    *,
    vocabulary: tuple[str, str] = DEFAULT_WORDS,
    word_seconds: float = WORD_SECONDS,
    gap_seconds: float = WORD_GAP_SECONDS,
    amplitude: float = 0.5,
) -> bytes:
    """ "Speak" words to the tiny model: A -> 440 Hz, B -> 3 kHz, silences around.

    The clip starts and ends with ``gap_seconds`` of silence and has the same
    gap between words.
    """
    freq = {vocabulary[0]: LOW_TONE_HZ, vocabulary[1]: HIGH_TONE_HZ}
    parts = [silence(gap_seconds, rate)]
    for word in words:
        if word not in freq:
            raise ValueError(f"the tiny model only knows {vocabulary!r}, not {word!r}")
        parts.append(tone(freq[word], word_seconds, rate, amplitude))
        parts.append(silence(gap_seconds, rate))
    return b"".join(parts)
