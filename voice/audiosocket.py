"""Asterisk's AudioSocket protocol: typed frames over TCP.

A frame is a 3-byte header — type, then the payload length as a big-endian 16-bit number —
and the payload. Types: 0x00 hangup, 0x01 the call's UUID (16 bytes), 0x03 a DTMF digit (one
ASCII byte), 0x10 signed-linear 16-bit little-endian mono audio at 8 kHz, 0xff an error.
The audio frame size follows the caller's packet time (320 bytes for 20 ms, 480 for 30 ms):
nothing here assumes one.
"""

from __future__ import annotations

import asyncio
import struct
import uuid
from dataclasses import dataclass
from enum import IntEnum

HEADER = struct.Struct(">BH")
RATE = 8000  # AudioSocket audio is always 8 kHz signed linear
MAX_AUDIO_PAYLOAD = 8000  # 0.5 s; real packets are 160–960 bytes


class Kind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    AUDIO = 0x10
    ERROR = 0xFF


class ProtocolError(Exception):
    """The peer broke the protocol; the connection is closed."""


class IdleTimeout(ProtocolError):
    """No frame at all for the timeout (not even a part of one): the line went quiet.

    Asterisk sends no audio while no RTP arrives, so during a call this is silence, not abuse.
    """


@dataclass(frozen=True, slots=True)
class Frame:
    kind: Kind
    payload: bytes = b""

    @property
    def call_id(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.payload)

    @property
    def digit(self) -> str:
        return self.payload.decode("ascii", errors="replace")[:1]


_LIMITS = {Kind.HANGUP: 0, Kind.UUID: 16, Kind.DTMF: 1, Kind.AUDIO: MAX_AUDIO_PAYLOAD}


async def read_frame(reader: asyncio.StreamReader, timeout: float) -> Frame:
    """The next frame; a closed connection reads as a hangup.

    Raises ProtocolError for an unknown type, an oversized or malformed payload, or a peer
    that sends nothing (or only part of a frame) for `timeout` seconds.
    """
    # One timer for the whole frame (cheaper than wait_for per read, and a half-sent frame
    # cannot stretch the deadline).
    stage = "idle"
    try:
        async with asyncio.timeout(timeout):
            first = await reader.readexactly(1)
            stage = "header"
            header = first + await reader.readexactly(HEADER.size - 1)
            code, length = HEADER.unpack(header)
            try:
                kind = Kind(code)
            except ValueError as exc:
                raise ProtocolError(f"unknown frame type 0x{code:02x}") from exc
            limit = _LIMITS.get(kind, 1024)
            if length > limit:
                raise ProtocolError(f"{kind.name} frame of {length} bytes (limit {limit})")
            stage = "payload"
            payload = await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError as exc:
        if stage == "payload":
            raise ProtocolError("connection closed inside a frame") from exc
        if stage == "header":
            raise ProtocolError("connection closed inside a frame header") from exc
        return Frame(Kind.HANGUP)
    except TimeoutError as exc:
        if stage == "payload":
            raise ProtocolError(f"frame payload not completed in {timeout:g} s") from exc
        if stage == "header":
            raise ProtocolError(f"frame header not completed in {timeout:g} s") from exc
        raise IdleTimeout(f"no frame for {timeout:g} s") from exc
    if kind is Kind.UUID and length != 16:
        raise ProtocolError(f"UUID frame of {length} bytes")
    if kind is Kind.AUDIO and length % 2:
        raise ProtocolError("audio frame with an odd number of bytes")
    return Frame(kind, payload)


class FrameParser:
    """AudioSocket frames parsed from bytes fed in, without any I/O.

    ``feed`` appends what the connection delivered; ``next`` returns the next complete frame
    (or None until more bytes arrive) and raises :class:`ProtocolError` for an unknown type, an
    oversized or malformed payload. ``partial`` tells that part of a frame is waiting.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pos = 0

    @property
    def partial(self) -> bool:
        return self._pos < len(self._buffer)

    def feed(self, data: bytes) -> None:
        if self._pos == len(self._buffer):
            self._buffer.clear()
            self._pos = 0
        elif self._pos > 65536:  # keep the unparsed tail only
            del self._buffer[: self._pos]
            self._pos = 0
        self._buffer += data

    def next(self) -> Frame | None:
        buffer, pos = self._buffer, self._pos
        if len(buffer) - pos < HEADER.size:
            return None
        code, length = HEADER.unpack_from(buffer, pos)
        try:
            kind = Kind(code)
        except ValueError as exc:
            raise ProtocolError(f"unknown frame type 0x{code:02x}") from exc
        limit = _LIMITS.get(kind, 1024)
        if length > limit:
            raise ProtocolError(f"{kind.name} frame of {length} bytes (limit {limit})")
        end = pos + HEADER.size + length
        if len(buffer) < end:
            return None
        payload = bytes(buffer[pos + HEADER.size : end])
        self._pos = end
        if kind is Kind.UUID and length != 16:
            raise ProtocolError(f"UUID frame of {length} bytes")
        if kind is Kind.AUDIO and length % 2:
            raise ProtocolError("audio frame with an odd number of bytes")
        return Frame(kind, payload)

    def take(self) -> list[Frame]:
        """Every complete frame fed so far (raises ProtocolError at the first bad one)."""
        frames = []
        while (frame := self.next()) is not None:
            frames.append(frame)
        return frames


def encode_frame(kind: Kind, payload: bytes = b"") -> bytes:
    """One frame on the wire."""
    return HEADER.pack(int(kind), len(payload)) + payload


def audio_frames(pcm: bytes, frame_bytes: int = 320) -> list[bytes]:
    """8 kHz s16le audio cut into encoded audio frames (320 bytes = 20 ms)."""
    return [
        encode_frame(Kind.AUDIO, pcm[i : i + frame_bytes]) for i in range(0, len(pcm), frame_bytes)
    ]
