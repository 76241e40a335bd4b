"""Decode user and telephony audio to 16-bit mono PCM for speech recognition.

Everything goes through PyAV (FFmpeg): OGG/Opus voice notes, WAV, MP3 and any
other container FFmpeg can probe are decoded, mixed to mono and resampled in one
pass with libsoxr (python-soxr) to signed 16-bit little-endian mono at the
model's rate.
Raw telephony audio (headerless s16le, 8 kHz by default) has its own function.

Problems are reported with :class:`AudioError` subclasses.  Their messages are
English and meant for logs; every class has a stable ``code`` that callers map
to user-facing texts.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import av
import numpy as np
import soxr

__all__ = [
    "DEFAULT_MAX_SECONDS",
    "DEFAULT_RATE",
    "DEFAULT_SILENCE_DBFS",
    "AudioError",
    "AudioTooLong",
    "CorruptAudio",
    "DecodedAudio",
    "EmptyAudio",
    "PcmResampler",
    "SilentAudio",
    "decode_audio",
    "decode_file",
    "decode_telephony_pcm",
    "pcm_dbfs",
    "pcm_rms",
    "resample_pcm",
]

DEFAULT_RATE = 16000
DEFAULT_MAX_SECONDS = 300.0
DEFAULT_SILENCE_DBFS = -60.0  # RMS of the whole clip; about 33 in 16-bit units
_FULL_SCALE = 32768.0


class AudioError(Exception):
    """Audio that cannot be used for recognition; ``code`` identifies the reason."""

    code: ClassVar[str] = "audio"


class EmptyAudio(AudioError):
    """No bytes at all, or a container without a single audio sample."""

    code: ClassVar[str] = "empty"


class CorruptAudio(AudioError):
    """Data that FFmpeg cannot probe or decode, or malformed raw PCM."""

    code: ClassVar[str] = "corrupt"


class AudioTooLong(AudioError):
    """Audio longer than the configured limit."""

    code: ClassVar[str] = "too_long"

    def __init__(self, seconds: float, max_seconds: float) -> None:
        super().__init__(f"audio is at least {seconds:.1f} s long, the limit is {max_seconds:g} s")
        self.seconds = seconds
        self.max_seconds = max_seconds


class SilentAudio(AudioError):
    """Audio whose overall loudness is below the silence threshold."""

    code: ClassVar[str] = "silent"

    def __init__(self, dbfs: float, threshold_dbfs: float) -> None:
        level = "digital silence" if math.isinf(dbfs) else f"{dbfs:.1f} dBFS"
        super().__init__(
            f"audio is silent: RMS level is {level}, threshold is {threshold_dbfs:g} dBFS"
        )
        self.dbfs = dbfs
        self.threshold_dbfs = threshold_dbfs


@dataclass(frozen=True)
class DecodedAudio:
    """Signed 16-bit little-endian mono PCM and its sample rate."""

    pcm: bytes
    rate: int

    @property
    def samples(self) -> int:
        """Number of samples."""
        return len(self.pcm) // 2

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return self.samples / self.rate

    @property
    def rms(self) -> float:
        """Root mean square amplitude in 16-bit units."""
        return pcm_rms(self.pcm)

    @property
    def dbfs(self) -> float:
        """RMS level relative to full scale (``-inf`` for digital silence)."""
        return pcm_dbfs(self.pcm)


def pcm_rms(pcm: bytes) -> float:
    """RMS amplitude of s16le PCM (0.0 for no samples)."""
    samples = np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2)
    if samples.size == 0:
        return 0.0
    values = samples.astype(np.float64)
    return math.sqrt(float(values.dot(values)) / values.size)


def pcm_dbfs(pcm: bytes) -> float:
    """RMS level of s16le PCM in dBFS (``-inf`` for digital silence)."""
    rms = pcm_rms(pcm)
    return -math.inf if rms == 0.0 else 20.0 * math.log10(rms / _FULL_SCALE)


_SAMPLE_TYPES = {
    "u8": (np.uint8, 128.0, 128.0),  # (dtype, offset, scale to [-1, 1])
    "s16": (np.int16, 0.0, 32768.0),
    "s32": (np.int32, 0.0, 2147483648.0),
    "s64": (np.int64, 0.0, 9223372036854775808.0),
    "flt": (np.float32, 0.0, 1.0),
    "dbl": (np.float64, 0.0, 1.0),
}


def _frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """A decoded frame as float32 mono in [-1, 1] at the frame's own rate, read straight from
    its planes (no per-frame FFmpeg resampler, no ``to_ndarray`` stacking: for a voice note's
    500 frames those were half the decoding)."""
    dtype, offset, scale = _SAMPLE_TYPES[frame.format.name.rstrip("p")]
    channels = frame.layout.nb_channels
    if frame.format.is_planar:
        planes = [np.frombuffer(plane, dtype, frame.samples) for plane in frame.planes[:channels]]
        samples = planes[0] if channels == 1 else np.mean(planes, axis=0)
    else:  # packed: one plane, channels interleaved
        packed = np.frombuffer(frame.planes[0], dtype, frame.samples * channels)
        samples = packed if channels == 1 else packed.reshape(-1, channels).mean(axis=1)
    mono = samples.astype(np.float32)  # a copy: the frame's buffer is not kept
    if offset:
        mono -= offset
    if scale != 1.0:
        mono /= scale
    return mono


class _MonoToPcm:
    """Decoded float mono frames → s16le at `rate`: gathered into about a second of audio,
    then resampled by libsoxr's streaming resampler (bounded memory, few calls)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.chunks: list[bytes] = []
        self._from_rate = 0
        self._stream: soxr.ResampleStream | None = None
        self._pending: list[np.ndarray] = []
        self._pending_samples = 0

    def add(self, samples: np.ndarray, from_rate: int) -> None:
        if from_rate != self._from_rate:  # a chained file may change its rate
            self.flush()
            self._from_rate = from_rate
            self._stream = None
            if from_rate != self.rate:
                self._stream = soxr.ResampleStream(
                    from_rate, self.rate, 1, dtype="float32", quality="HQ"
                )
        self._pending.append(samples)
        self._pending_samples += samples.size
        if self._pending_samples >= from_rate:
            self._convert(last=False)

    def flush(self) -> None:
        if self._from_rate:
            self._convert(last=True)

    def _convert(self, *, last: bool) -> None:
        samples = np.concatenate(self._pending) if self._pending else np.zeros(0, np.float32)
        self._pending, self._pending_samples = [], 0
        if self._stream is not None:
            samples = self._stream.resample_chunk(samples, last=last)
        if samples.size:
            self.chunks.append(_to_pcm(samples * _FULL_SCALE))


def _to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()


class PcmResampler:
    """Streaming resampler for s16le mono PCM (keeps filter state across chunks).

    libsoxr (python-soxr, HQ): about a third of the CPU of FFmpeg's resampler through PyAV for
    the 0.2 s chunks of a phone call, where that cost counts once per chunk per call.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError("sample rates must be positive")
        self.from_rate = from_rate
        self.to_rate = to_rate
        # float32 inside (libsoxr dithers integer output: digital silence must stay silent)
        self._stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32", quality="HQ")
        self._carry = b""

    def push(self, pcm: bytes) -> bytes:
        """Resample a chunk; an odd trailing byte is kept for the next chunk."""
        data = self._carry + pcm if self._carry else pcm
        usable = len(data) - len(data) % 2
        self._carry = data[usable:]
        if usable == 0:
            return b""
        samples = np.frombuffer(data, dtype="<i2", count=usable // 2).astype(np.float32)
        return _to_pcm(self._stream.resample_chunk(samples))

    def flush(self) -> bytes:
        """Return the samples still buffered in the resampler."""
        self._carry = b""
        return _to_pcm(self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))


def resample_pcm(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Resample a whole s16le mono clip."""
    if from_rate == to_rate:
        return pcm
    resampler = PcmResampler(from_rate, to_rate)
    return resampler.push(pcm) + resampler.flush()


def _check_result(pcm: bytes, rate: int, silence_dbfs: float | None, what: str) -> DecodedAudio:
    if not pcm:
        raise EmptyAudio(f"{what} contains no audio samples")
    audio = DecodedAudio(pcm=pcm, rate=rate)
    if silence_dbfs is not None:
        level = audio.dbfs
        if level < silence_dbfs:
            raise SilentAudio(level, silence_dbfs)
    return audio


def _decode_container(
    source: io.BytesIO | str,
    *,
    rate: int,
    max_seconds: float | None,
    silence_dbfs: float | None,
) -> DecodedAudio:
    try:
        container = av.open(source, mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise CorruptAudio(f"cannot recognise the audio format: {exc}") from exc
    with container:
        if not container.streams.audio:
            raise CorruptAudio(f"no audio stream in {container.format.name} data")
        stream = container.streams.audio[0]
        if max_seconds is not None and container.duration is not None:
            declared = container.duration / av.time_base
            if declared > max_seconds:
                raise AudioTooLong(declared, max_seconds)
        out = _MonoToPcm(rate)
        seconds = 0.0
        try:
            for frame in container.decode(stream):
                out.add(_frame_to_mono(frame), frame.sample_rate)
                seconds += frame.samples / frame.sample_rate
                if max_seconds is not None and seconds > max_seconds:
                    raise AudioTooLong(seconds, max_seconds)
        except (av.FFmpegError, ValueError) as exc:
            raise CorruptAudio(f"cannot decode the audio: {exc}") from exc
        out.flush()
    chunks = out.chunks
    return _check_result(b"".join(chunks), rate, silence_dbfs, "the file")


def decode_audio(
    data: bytes | bytearray | memoryview,
    *,
    rate: int = DEFAULT_RATE,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    silence_dbfs: float | None = DEFAULT_SILENCE_DBFS,
) -> DecodedAudio:
    """Decode an audio file held in memory (OGG/Opus, WAV, MP3, ...).

    ``max_seconds=None`` disables the length limit and ``silence_dbfs=None``
    the silence check.
    """
    raw = bytes(data)
    if not raw:
        raise EmptyAudio("no audio data (0 bytes)")
    return _decode_container(
        io.BytesIO(raw), rate=rate, max_seconds=max_seconds, silence_dbfs=silence_dbfs
    )


def decode_file(
    path: str | os.PathLike[str],
    *,
    rate: int = DEFAULT_RATE,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    silence_dbfs: float | None = DEFAULT_SILENCE_DBFS,
) -> DecodedAudio:
    """Decode an audio file from disk (streamed by FFmpeg, not read into memory)."""
    file_path = Path(path)
    if file_path.stat().st_size == 0:
        raise EmptyAudio(f"{file_path.name} is empty (0 bytes)")
    return _decode_container(
        str(file_path), rate=rate, max_seconds=max_seconds, silence_dbfs=silence_dbfs
    )


def decode_telephony_pcm(
    data: bytes | bytearray | memoryview,
    *,
    source_rate: int = 8000,
    rate: int = DEFAULT_RATE,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    silence_dbfs: float | None = DEFAULT_SILENCE_DBFS,
) -> DecodedAudio:
    """Convert headerless s16le mono PCM (8 kHz telephony by default) to ``rate``."""
    raw = bytes(data)
    if not raw:
        raise EmptyAudio("no audio data (0 bytes)")
    if len(raw) % 2:
        raise CorruptAudio(f"raw s16le PCM must have an even number of bytes, got {len(raw)}")
    seconds = len(raw) / 2 / source_rate
    if max_seconds is not None and seconds > max_seconds:
        raise AudioTooLong(seconds, max_seconds)
    pcm = resample_pcm(raw, source_rate, rate)
    return _check_result(pcm, rate, silence_dbfs, "the telephony audio")


def encode_pcm(
    pcm: bytes,
    rate: int,
    container: str = "ogg",
    codec: str = "libopus",
    *,
    codec_rate: int | None = None,
    layout: str = "mono",
    options: dict[str, str] | None = None,
) -> bytes:
    """Encode s16le mono PCM with PyAV into an in-memory file (default: OGG/Opus, what
    Telegram plays as a voice note)."""
    out_rate = codec_rate or rate
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=out_rate, layout=layout, options=options or {})
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
