"""The caller's turn on the phone line, told from the level of each 20 ms of audio.

The turn ends after a pause (counted only once speech began), when nobody spoke for the
no-speech time, or at the longest turn allowed. :class:`Turn` measures audio in whatever
batches it arrives (0.1 s from a live call, seconds at once from a fast gateway) and says
exactly where, inside a batch, the turn ended: audio after that point is not the caller's
turn and is neither recorded nor recognised.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LEVEL_SECONDS", "Turn"]

LEVEL_SECONDS = 0.02  # speech is told from silence per 20 ms


def _threshold(speech_dbfs: float) -> float:
    """Mean square of a 16-bit signal at `speech_dbfs`."""
    return (32768.0 * 10 ** (speech_dbfs / 20)) ** 2


def _windows(seconds: float) -> int:
    """Whole 20 ms windows in `seconds` (rounded up: a 2 s pause is 100 windows)."""
    return max(0, math.ceil(seconds / LEVEL_SECONDS - 1e-9))


class Turn:
    """The end-of-turn rules over s16le mono audio at `rate`.

    ``push(pcm)`` returns the part of `pcm` that belongs to the turn (all of it, unless the
    turn ended inside it) and sets ``ended_by`` ("silence", "no-speech", "max-duration") once
    it ended; ``finish()`` counts a last piece shorter than 20 ms when the call ends otherwise.
    """

    def __init__(
        self,
        rate: int,
        *,
        pause_seconds: float,
        no_speech_seconds: float,
        max_seconds: float,
        speech_dbfs: float,
    ) -> None:
        self.rate = rate
        self._window = 2 * int(rate * LEVEL_SECONDS)
        self._pause = _windows(pause_seconds)
        self._no_speech = _windows(no_speech_seconds)
        self._longest = _windows(max_seconds)
        self._mean_square = _threshold(speech_dbfs)  # of a loud 20 ms
        self._threshold = self._mean_square * (self._window // 2)  # summed over a window
        self._carry = b""  # less than one window, measured with the next batch
        self._measured = 0  # windows so far
        self._quiet = 0  # windows since the last loud one (after speech began)
        self._tail_seconds = 0.0
        self.heard = False
        self.ended_by: str | None = None

    @property
    def seconds(self) -> float:
        """How long the turn has lasted, by the audio heard."""
        return self._measured * LEVEL_SECONDS + self._tail_seconds

    def push(self, pcm: bytes) -> bytes:
        """Measure `pcm`; return the part of it inside the turn."""
        if self.ended_by is not None:
            return b""
        data = self._carry + pcm if self._carry else pcm
        whole = len(data) // self._window * self._window
        if whole == 0:
            self._carry = data
            return pcm
        samples = np.frombuffer(data, dtype="<i2", count=whole // 2).astype(np.int64)
        windows = samples.reshape(-1, self._window // 2)
        energy = np.einsum("ij,ij->i", windows, windows)
        for index, loud in enumerate((energy > self._threshold).tolist()):
            self._measured += 1
            if loud:
                self.heard, self._quiet = True, 0
            elif self.heard:
                self._quiet += 1
            if self.heard and self._quiet >= self._pause:
                self.ended_by = "silence"
            elif not self.heard and self._measured >= self._no_speech:
                self.ended_by = "no-speech"
            elif self._measured >= self._longest:
                self.ended_by = "max-duration"
            if self.ended_by is not None:
                inside = (index + 1) * self._window - (len(data) - len(pcm))
                self._carry = b""
                return pcm[:inside]
        self._carry = data[whole:]
        return pcm

    def finish(self) -> None:
        """The call ended otherwise (hang-up, «#», a silent gateway): count the last piece."""
        if self._carry and self.ended_by is None:
            tail = np.frombuffer(self._carry, dtype="<i2").astype(np.float64)
            self.heard = self.heard or float(tail @ tail) / tail.size > self._mean_square
            self._tail_seconds = len(self._carry) / 2 / self.rate
        self._carry = b""
