"""How a call's audio and events travel: AudioSocket over TCP, or a WebSocket.

:class:`AudioSocketChannel` owns its non-blocking socket and reads it on the line's polls
(:class:`voice.line_clock.LineClock`): a live call sends a 20 ms packet 50 times a second, and
waking up for each costs more than everything else the line does with it, so the kernel gathers
the packets and the call reads them ten times a second in one ``recv``. Prompt frames are written
straight to the socket by the clock's tick. Closing hangs up politely: what was written is
flushed, the write side is shut, and the peer gets a moment to close before the socket does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Sequence
from typing import Protocol

from aiohttp import WSMsgType, web

from voice.audiosocket import (
    MAX_AUDIO_PAYLOAD,
    RATE,
    Frame,
    FrameParser,
    IdleTimeout,
    Kind,
    ProtocolError,
    encode_frame,
)
from voice.line_clock import LineClock

log = logging.getLogger(__name__)

__all__ = ["AudioSocketChannel", "CallChannel", "WebSocketChannel"]

_READ_BYTES = 65536
_MAX_UNSENT = 64 * 1024  # 4 s of prompt audio a peer has not taken: it is not reading


class CallChannel(Protocol):
    """A call's two directions of audio, and its events."""

    rate: int

    @property
    def closed(self) -> bool: ...

    async def receive(self) -> Sequence[Frame]:
        """What arrived since the last call, at least one frame; HANGUP when the peer is
        gone; ProtocolError for garbage (after the good frames before it)."""
        ...

    async def send_audio(self, pcm: bytes) -> None: ...

    async def hang_up(self) -> None: ...


class AudioSocketChannel:
    """An AudioSocket connection read on the line's polls.

    A closed connection between frames is a hangup; nothing at all for `timeout` is
    :class:`IdleTimeout`; a frame left incomplete for `timeout` (however slowly its bytes
    trickle in) is a :class:`ProtocolError`.
    """

    rate = RATE

    def __init__(self, sock: socket.socket, clock: LineClock, timeout: float) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.clock = clock
        self.timeout = timeout
        self._parser = FrameParser()
        self._pending: list[Frame] = []
        self._error: ProtocolError | None = None
        self._eof = False
        self._broken = False
        self._unsent = bytearray()
        self._partial_since: float | None = None

    @property
    def closed(self) -> bool:
        return self._broken or self._eof or self.sock.fileno() < 0

    async def receive_first(self) -> Frame:
        """The first frame; the ones that came with it stay for :meth:`receive`."""
        frames = list(await self.receive())
        self._pending = frames[1:]
        return frames[0]

    async def receive(self) -> Sequence[Frame]:
        if self._pending:
            frames, self._pending = self._pending, []
            return frames
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            frames = self._parse()
            if frames:
                return frames
            if self._eof:
                if self._parser.partial:
                    raise ProtocolError("connection closed inside a frame")
                return [Frame(Kind.HANGUP)]
            now = loop.time()
            if self._parser.partial:
                if self._partial_since is None:
                    self._partial_since = now
                if now - self._partial_since >= self.timeout:
                    raise ProtocolError(f"frame not completed in {self.timeout:g} s")
            elif now - started >= self.timeout:
                raise IdleTimeout(f"no frame for {self.timeout:g} s")
            await self.clock.poll()
            self._read()

    def _parse(self) -> list[Frame]:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        frames: list[Frame] = []
        try:
            while (frame := self._parser.next()) is not None:
                frames.append(frame)
        except ProtocolError as exc:
            if not frames:
                raise
            self._error = exc  # the good frames first, the error with the next call
        if frames:
            self._partial_since = None
        return frames

    def _read(self) -> None:
        """Take everything the kernel gathered since the last poll."""
        if self._unsent:
            self._flush()
        while not self._eof:
            try:
                data = self.sock.recv(_READ_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # reset by the peer
                self._eof = True
                return
            if not data:
                self._eof = True
                return
            self._parser.feed(data)
            if len(data) < _READ_BYTES:
                return

    # -- writing -------------------------------------------------------------------------

    def push_audio(self, pcm: bytes) -> bool:
        """Write one frame without waiting; False when the connection is gone.

        Prompts are a few seconds of 16 kB/s: a peer that stops reading fills the kernel's
        buffer, then this one (:data:`_MAX_UNSENT`), and is then taken as gone.
        """
        return self._write(encode_frame(Kind.AUDIO, pcm))

    async def send_audio(self, pcm: bytes) -> None:
        if not self.push_audio(pcm):
            raise ConnectionError("the call's connection is gone")

    async def hang_up(self) -> None:
        """Send the hangup frame and everything before it."""
        if not self._write(encode_frame(Kind.HANGUP)):
            raise ConnectionError("the call's connection is gone")
        if self._unsent:
            data, self._unsent = bytes(self._unsent), bytearray()
            loop = asyncio.get_running_loop()
            try:
                await asyncio.wait_for(loop.sock_sendall(self.sock, data), self.timeout)
            except (OSError, TimeoutError) as exc:
                self._broken = True
                raise ConnectionError("the caller's side did not take the hangup") from exc

    def _write(self, data: bytes) -> bool:
        if self.closed:
            return False
        if self._unsent:
            self._unsent += data
            return self._flush()
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._broken = True
            return False
        if sent < len(data):
            self._unsent += data[sent:]
        return True

    def _flush(self) -> bool:
        try:
            sent = self.sock.send(self._unsent)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._broken = True
            return False
        del self._unsent[:sent]
        if len(self._unsent) > _MAX_UNSENT:
            log.warning("voice line: the peer stopped reading; dropping the call")
            self._broken = True
            return False
        return True

    async def close(self, linger: float = 1.0) -> None:
        """Shut the write side (what was sent still arrives), let the peer close within
        `linger` seconds, reading and dropping what it still sends, then close the socket.

        Closing a socket with unread data makes the kernel reset the connection, which may
        throw away the hangup still on its way.
        """
        if self.sock.fileno() < 0:
            return
        try:
            if not self._broken and not self._eof:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_WR)
                loop = asyncio.get_running_loop()
                until = loop.time() + linger
                self._read()
                while not self._eof and loop.time() < until:
                    await self.clock.poll()
                    self._parser = FrameParser()  # what comes now is not listened to
                    self._read()
        finally:
            self.sock.close()


class WebSocketChannel:
    """Binary messages: audio (even length, ≤ the AudioSocket limit); text: JSON events
    `{"type": "dtmf", "digit": "#"}` or `{"type": "hangup"}`."""

    rate = RATE

    def __init__(self, ws: web.WebSocketResponse, timeout: float) -> None:
        self.ws = ws
        self.timeout = timeout

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def receive(self) -> Sequence[Frame]:
        try:
            message = await self.ws.receive(timeout=self.timeout)
        except TimeoutError as exc:
            raise IdleTimeout(f"no message for {self.timeout:g} s") from exc
        if message.type is WSMsgType.BINARY:
            data = bytes(message.data)
            if len(data) % 2 or len(data) > MAX_AUDIO_PAYLOAD:
                raise ProtocolError(f"audio message of {len(data)} bytes")
            return [Frame(Kind.AUDIO, data)]
        if message.type is WSMsgType.TEXT:
            try:
                event = json.loads(message.data)
                kind = event["type"]
            except (ValueError, TypeError, KeyError) as exc:
                raise ProtocolError("a text message must be a JSON event with a type") from exc
            if kind == "dtmf":
                digit = str(event.get("digit", ""))[:1].encode("ascii", "replace")
                return [Frame(Kind.DTMF, digit)]
            if kind == "hangup":
                return [Frame(Kind.HANGUP)]
            raise ProtocolError(f"unknown event {kind!r}")
        return [Frame(Kind.HANGUP)]  # close, closing, error

    async def send_audio(self, pcm: bytes) -> None:
        if self.ws.closed:
            raise ConnectionError("the WebSocket is closed")
        await self.ws.send_bytes(pcm)

    async def hang_up(self) -> None:
        await self.ws.close()
