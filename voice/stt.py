"""Speech-to-text with Vosk: one model per process, a bounded worker pool, streaming.

* :func:`load_model` loads ``vosk.Model`` once per model directory and process
  (thread-safe cache); Vosk logs are silenced.
* :class:`SpeechRecognizer` runs recognition in a ``ThreadPoolExecutor`` so the
  event loop never blocks (Vosk's C calls release the GIL, so workers really
  run in parallel): ``await recognizer.transcribe(pcm, rate)``.
* :meth:`SpeechRecognizer.open_stream` gives a :class:`RecognitionStream` for
  phone calls: ``await stream.accept(chunk)`` for each chunk of audio, then
  ``await stream.finish()``.

Input is always signed 16-bit little-endian mono PCM; audio at another rate
than the model's is resampled first (see :mod:`voice.audio`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import vosk

from priemnaya.metrics import TRANSCRIPTIONS
from voice.audio import DecodedAudio, PcmResampler, resample_pcm

__all__ = [
    "ModelLoadError",
    "Partial",
    "RecognitionStream",
    "SpeechRecognizer",
    "Transcript",
    "Word",
    "load_model",
    "model_sample_rate",
]

_T = TypeVar("_T")
_CHUNK_SECONDS = 0.25
_DEFAULT_MODEL_RATE = 16000

_MODELS: dict[Path, vosk.Model] = {}
_MODEL_LOCKS: dict[Path, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


class ModelLoadError(RuntimeError):
    """The model directory is missing or Vosk refused to load it."""


@dataclass(frozen=True)
class Word:
    """One recognised word with times in seconds from the start of the audio."""

    word: str
    start: float
    end: float
    conf: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"word", "start", "end", "conf"}``."""
        return {"word": self.word, "start": self.start, "end": self.end, "conf": self.conf}


@dataclass(frozen=True)
class Transcript:
    """Recognition result for a whole clip or a finished stream."""

    text: str
    words: list[Word] = field(default_factory=list)
    duration: float = 0.0

    @property
    def is_empty(self) -> bool:
        """True when nothing was recognised."""
        return not self.text

    def low_confidence_words(self, threshold: float = 0.6) -> list[Word]:
        """Words whose confidence is below ``threshold``."""
        return [word for word in self.words if word.conf < threshold]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"text", "words": [...], "duration"}``."""
        return {
            "text": self.text,
            "words": [word.to_dict() for word in self.words],
            "duration": self.duration,
        }


@dataclass(frozen=True)
class Partial:
    """Intermediate hypothesis of a stream.

    ``text`` is everything heard so far, ``stable_text`` the part closed by
    endpoints (it will not change any more) and ``endpoint`` tells that an
    utterance ended (the caller stopped talking) with the chunk just accepted.
    """

    text: str
    stable_text: str
    endpoint: bool


def _model_key(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().resolve()


def load_model(path: str | os.PathLike[str]) -> vosk.Model:
    """Return the Vosk model in ``path``, loading it at most once per process."""
    key = _model_key(path)
    with _REGISTRY_LOCK:
        model = _MODELS.get(key)
        if model is not None:
            return model
        lock = _MODEL_LOCKS.setdefault(key, threading.Lock())
    with lock:  # one loader per directory; others wait for it instead of loading again
        with _REGISTRY_LOCK:
            model = _MODELS.get(key)
        if model is not None:
            return model
        if not key.is_dir():
            raise ModelLoadError(f"Vosk model directory not found: {key}")
        vosk.SetLogLevel(-1)
        try:
            model = vosk.Model(str(key))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelLoadError(f"Vosk could not load the model in {key}: {exc}") from exc
        with _REGISTRY_LOCK:
            _MODELS[key] = model
        return model


def model_sample_rate(path: str | os.PathLike[str]) -> int:
    """Sample rate the model expects (``--sample-frequency`` in its mfcc.conf)."""
    root = _model_key(path)
    for conf in (root / "conf" / "mfcc.conf", root / "mfcc.conf"):
        if conf.is_file():
            match = re.search(
                r"^--sample-frequency=(\d+(?:\.\d*)?)",
                conf.read_text(encoding="utf-8", errors="replace"),
                flags=re.MULTILINE,
            )
            if match:
                return int(float(match.group(1)))
            break
    return _DEFAULT_MODEL_RATE


def _words_of(result: dict[str, Any]) -> list[Word]:
    return [
        Word(
            word=str(item["word"]),
            start=float(item["start"]),
            end=float(item["end"]),
            conf=float(item.get("conf", 1.0)),
        )
        for item in result.get("result", [])
    ]


def _join_texts(results: list[dict[str, Any]]) -> str:
    return " ".join(text for result in results if (text := result.get("text", "")))


def _merge(results: list[dict[str, Any]], duration: float) -> Transcript:
    words = [word for result in results for word in _words_of(result)]
    return Transcript(text=_join_texts(results), words=words, duration=duration)


def _check_pcm(pcm: bytes, rate: int) -> None:
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    if len(pcm) % 2:
        raise ValueError("PCM must be s16le: the number of bytes must be even")


class SpeechRecognizer:
    """Vosk recognition in a bounded thread pool.

    ``max_workers`` (default ``os.cpu_count()``) bounds how many recognitions
    run at once; further requests wait in the pool's queue.
    """

    def __init__(
        self, model_path: str | os.PathLike[str], *, max_workers: int | None = None
    ) -> None:
        workers = max_workers if max_workers is not None else (os.cpu_count() or 1)
        if workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.model_path = _model_key(model_path)
        self.model = load_model(self.model_path)
        self.sample_rate = model_sample_rate(self.model_path)
        self.max_workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vosk")
        self._chunk_bytes = 2 * int(self.sample_rate * _CHUNK_SECONDS)

    def new_kaldi_recognizer(self) -> vosk.KaldiRecognizer:
        """A fresh ``KaldiRecognizer`` at the model's rate with word times enabled."""
        recognizer = vosk.KaldiRecognizer(self.model, self.sample_rate)
        recognizer.SetWords(True)
        return recognizer

    def transcribe_blocking(self, pcm: bytes, rate: int) -> Transcript:
        """Recognise a whole s16le mono clip in the calling thread."""
        _check_pcm(pcm, rate)
        duration = len(pcm) / 2 / rate
        if rate != self.sample_rate:
            pcm = resample_pcm(pcm, rate, self.sample_rate)
        recognizer = self.new_kaldi_recognizer()
        results: list[dict[str, Any]] = []
        step = self._chunk_bytes  # even, as AcceptWaveform wants whole samples
        for offset in range(0, len(pcm), step):
            if recognizer.AcceptWaveform(pcm[offset : offset + step]):
                results.append(json.loads(recognizer.Result()))
        results.append(json.loads(recognizer.FinalResult()))
        return _merge(results, duration)

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        """Recognise a whole clip in the worker pool without blocking the event loop."""
        _check_pcm(pcm, rate)
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        result = await loop.run_in_executor(self._executor, self.transcribe_blocking, pcm, rate)
        TRANSCRIPTIONS.labels(mode="clip").observe(time.perf_counter() - started)
        return result

    async def transcribe_audio(self, audio: DecodedAudio) -> Transcript:
        """Shortcut for :meth:`transcribe` with the result of :mod:`voice.audio`."""
        return await self.transcribe(audio.pcm, audio.rate)

    def open_stream(self, rate: int | None = None, *, partials: bool = True) -> RecognitionStream:
        """Start streaming recognition of s16le mono audio at ``rate`` (model rate by default).

        ``partials=False``: ``accept`` reports only ended utterances, sparing the decoder the
        partial hypothesis of every chunk (the phone line needs only the final transcript).
        """
        return RecognitionStream(self, self.sample_rate if rate is None else rate, partials)

    async def run(self, func: Callable[..., _T], *args: Any) -> _T:
        """Run ``func(*args)`` in the recognition pool (used by streams)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    def close(self, *, wait: bool = True) -> None:
        """Shut the worker pool down; the cached model stays loaded."""
        self._executor.shutdown(wait=wait)

    def __enter__(self) -> SpeechRecognizer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RecognitionStream:
    """Incremental recognition of one audio stream (e.g. a phone call).

    Calls are serialised: ``accept`` and ``finish`` may be awaited from
    several tasks, chunks are processed in the order the calls were made.
    """

    def __init__(self, owner: SpeechRecognizer, rate: int, partials: bool = True) -> None:
        if rate <= 0:
            raise ValueError(f"sample rate must be positive, got {rate}")
        self.rate = rate
        self._owner = owner
        self._recognizer: vosk.KaldiRecognizer | None = None  # created in a worker thread
        self._resampler = (
            PcmResampler(rate, owner.sample_rate) if rate != owner.sample_rate else None
        )
        self._carry = b""
        self._input_bytes = 0
        self._results: list[dict[str, Any]] = []
        self._last_text = ""
        self._lock = asyncio.Lock()  # keeps the order of calls
        self._thread_lock = threading.Lock()  # a cancelled call may still be running
        self._finished = False
        self._partials = partials

    @property
    def finished(self) -> bool:
        """True once :meth:`finish` was called."""
        return self._finished

    async def accept(self, chunk: bytes) -> Partial | None:
        """Feed a chunk; return a :class:`Partial` when the hypothesis changed or
        an utterance ended, else ``None``."""
        async with self._lock:
            if self._finished:
                raise RuntimeError("the recognition stream is already finished")
            return await self._owner.run(self._accept_blocking, bytes(chunk))

    async def finish(self) -> Transcript:
        """Flush the stream and return the transcript of everything accepted."""
        async with self._lock:
            if self._finished:
                raise RuntimeError("the recognition stream is already finished")
            self._finished = True
            started = time.perf_counter()
            result = await self._owner.run(self._finish_blocking)
            TRANSCRIPTIONS.labels(mode="stream").observe(time.perf_counter() - started)
            return result

    def _kaldi(self) -> vosk.KaldiRecognizer:
        if self._recognizer is None:
            self._recognizer = self._owner.new_kaldi_recognizer()
        return self._recognizer

    def _accept_blocking(self, chunk: bytes) -> Partial | None:
        with self._thread_lock:
            return self._accept_locked(chunk)

    def _accept_locked(self, chunk: bytes) -> Partial | None:
        self._input_bytes += len(chunk)
        data = self._carry + chunk
        usable = len(data) - len(data) % 2
        self._carry = data[usable:]
        data = data[:usable]
        if self._resampler is not None:
            data = self._resampler.push(data)
        if not data:
            return None
        recognizer = self._kaldi()
        endpoint = bool(recognizer.AcceptWaveform(data))
        if endpoint:
            self._results.append(json.loads(recognizer.Result()))
            partial = ""
        elif not self._partials:
            return None
        else:
            partial = json.loads(recognizer.PartialResult()).get("partial", "")
        stable = _join_texts(self._results)
        text = " ".join(part for part in (stable, partial) if part)
        if not endpoint and text == self._last_text:
            return None
        self._last_text = text
        return Partial(text=text, stable_text=stable, endpoint=endpoint)

    def _finish_blocking(self) -> Transcript:
        with self._thread_lock:
            return self._finish_locked()

    def _finish_locked(self) -> Transcript:
        recognizer = self._kaldi()
        if self._resampler is not None:
            tail = self._resampler.flush()
            if tail and recognizer.AcceptWaveform(tail):
                self._results.append(json.loads(recognizer.Result()))
        self._results.append(json.loads(recognizer.FinalResult()))
        self._recognizer = None  # free the decoder
        return _merge(self._results, self._input_bytes // 2 / self.rate)
