"""The phone voice line: an AudioSocket server that turns a call into an appeal.

The call: the greeting is played (paced at real time, 20 ms frames) while the caller may
already speak; speech is recognised as it streams in; the caller's turn ends after a pause,
on «#», at the maximum duration, or when they hang up. What was said is handed to `register`
(the channel-free core via priemnaya.phone), and the case number is read back digit by digit.
A caller who drops mid-sentence keeps what they said; a peer that breaks the protocol (garbage,
oversized frames, a stalled half-frame) is disconnected without touching other calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import wave
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from aiohttp import WSMsgType, web

from voice.audio import decode_file
from voice.audiosocket import (
    MAX_AUDIO_PAYLOAD,
    RATE,
    Frame,
    FrameReader,
    IdleTimeout,
    Kind,
    ProtocolError,
    encode_frame,
)
from voice.stt import SpeechRecognizer, Word

log = logging.getLogger(__name__)

FRAME_BYTES = 320  # 20 ms of 8 kHz s16le
LEVEL_SECONDS = 0.02  # speech is told from silence per 20 ms


def loud_frames(pcm: bytes | bytearray, rate: int, speech_dbfs: float) -> list[bool]:
    """For each 20 ms of s16le `pcm` (a short tail counts as one): is it louder than
    `speech_dbfs`? One numpy pass for a whole batch, no per-frame Python arithmetic."""
    samples = np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2).astype(np.float64)
    step = int(rate * LEVEL_SECONDS)
    whole = samples.size // step * step
    energy = list((samples[:whole].reshape(-1, step) ** 2).mean(axis=1))
    if whole < samples.size:
        energy.append(float((samples[whole:] ** 2).mean()))
    threshold = (32768.0 * 10 ** (speech_dbfs / 20)) ** 2
    return [e > threshold for e in energy]


PROMPT_NAMES = (
    "greeting",
    "registered",
    "not-heard",
    "failed",
    "goodbye",
    *(f"digit-{d}" for d in range(10)),
)


@dataclass(frozen=True)
class CallResult:
    """What a caller said, for registration."""

    call_id: uuid.UUID
    text: str
    words: list[Word]
    seconds: float
    ended_by: str  # silence | dtmf | max-duration | no-speech | hangup | protocol-error
    caller: str | None = None  # CALLERID, when the dialplan announced the call
    audio: bytes = field(default=b"", repr=False)  # what the caller said: 8 kHz s16le mono


#: Registers a call's appeal; returns its public number, or None when nothing was registered.
Register = Callable[[CallResult], Awaitable[str | None]]


@dataclass
class Prompts:
    """Recorded prompts as 8 kHz s16le PCM by name; a missing one plays as a short pause."""

    pcm: Mapping[str, bytes] = field(default_factory=dict)
    _frames: dict[str, list[bytes]] = field(default_factory=dict, init=False, repr=False)

    def get(self, name: str) -> bytes:
        found = self.pcm.get(name)
        if found is None:
            log.warning("voice prompt %r is missing; playing a pause", name)
            return bytes(2 * RATE // 4)
        return found

    def frames(self, name: str) -> list[bytes]:
        """The prompt cut into 20 ms frames, the last one padded with silence (cut once per
        prompt, then reused)."""
        cut = self._frames.get(name)
        if cut is None:
            pcm = self.get(name)
            cut = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
            if cut and len(cut[-1]) < FRAME_BYTES:  # whole frames keep the pace even
                cut[-1] = cut[-1].ljust(FRAME_BYTES, b"\x00")
            if name in self.pcm:  # a missing prompt stays a warning every time
                self._frames[name] = cut
        return cut

    @classmethod
    def from_directory(cls, directory: Path) -> Prompts:
        """`NAME.wav` files (any rate; converted to 8 kHz)."""
        pcm = {}
        for path in sorted(Path(directory).glob("*.wav")):
            pcm[path.stem] = decode_file(path, rate=RATE, silence_dbfs=None).pcm
        return cls(pcm)


def write_wav(path: Path, pcm: bytes, rate: int = RATE) -> None:
    """Save s16le mono PCM as a WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


class CallerDirectory:
    """Caller numbers announced by the dialplan before AudioSocket starts (by call UUID)."""

    def __init__(self, ttl_seconds: float = 600.0) -> None:
        self.ttl = ttl_seconds
        self._callers: dict[uuid.UUID, tuple[str, float]] = {}

    def remember(self, call_id: uuid.UUID, caller: str) -> None:
        now = time.monotonic()
        self._callers = {k: v for k, v in self._callers.items() if v[1] > now}
        self._callers[call_id] = (caller, now + self.ttl)

    def take(self, call_id: uuid.UUID) -> str | None:
        found = self._callers.pop(call_id, None)
        return found[0] if found and found[1] > time.monotonic() else None


def caller_api(directory: CallerDirectory) -> web.Application:
    """`POST /calls` with `uuid` and `caller` (form or query): what the dialplan's CURL sends."""

    async def announce(request: web.Request) -> web.Response:
        data = {**request.query, **(await request.post())}
        try:
            call_id = uuid.UUID(str(data.get("uuid", "")))
        except ValueError:
            return web.json_response({"error": "uuid must be the call's UUID"}, status=400)
        caller = str(data.get("caller", "")).strip()[:32]
        if caller:
            directory.remember(call_id, caller)
        log.info("call %s announced, caller %s", call_id, caller or "unknown")
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=4096)
    app.router.add_post("/calls", announce)
    return app


class FrameClock:
    """One 20 ms clock for the prompts of every call on the line.

    Each waking of the process costs far more than writing a frame, so all players wake
    together: 50 wake-ups a second for the whole line instead of 50 per call. Channels that
    can write without waiting (AudioSocket's TCP transport) are written by the tick itself
    (:meth:`play`): no coroutine of the call resumes per frame. Others (a WebSocket) await
    each :meth:`tick`. The schedule is absolute (a late tick does not shift the next ones),
    so prompts keep real-time pace.
    """

    def __init__(self, period: float = 0.02) -> None:
        self.period = period
        self._waiters: list[asyncio.Future[None]] = []
        self._playing: list[_Playback] = []
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0  # how many times the clock woke the line

    async def tick(self) -> None:
        """Wait for the next tick."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        self._ensure_running(loop)
        await waiter

    async def play(self, push: Callable[[bytes], bool], frames: Sequence[bytes]) -> None:
        """Hand `frames` to `push`, one per tick (the first one now); returns once the last
        one had its 20 ms, or when `push` says the connection is gone. Cancelling it stops
        the playback."""
        if not frames or not push(frames[0]):
            return
        loop = asyncio.get_running_loop()
        playback = _Playback(push, frames, 1, loop.create_future())
        self._playing.append(playback)
        self._ensure_running(loop)
        try:
            await asyncio.shield(playback.done)
        finally:
            playback.stopped = True

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _ensure_running(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += self.period
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -5 * self.period:
                due = loop.time()  # far behind (a stalled loop): restart the schedule
            self.ticks += 1
            waiters, self._waiters = self._waiters, []
            playing = self._playing
            if not waiters and not playing:  # nobody played for a whole period
                return
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self._playing = [p for p in playing if p.step()]


@dataclass(slots=True)
class _Playback:
    """A prompt being written by the clock: the next frame's index, and who waits."""

    push: Callable[[bytes], bool]
    frames: Sequence[bytes]
    next: int
    done: asyncio.Future[None]
    stopped: bool = False

    def step(self) -> bool:
        """Write the next frame; False once the playback is over (or its connection is)."""
        if self.stopped:
            return False
        alive = self.next < len(self.frames)  # else: the last frame had its 20 ms
        if alive:
            try:
                alive = self.push(self.frames[self.next])
            except Exception:  # a broken transport ends this playback only
                log.debug("voice line: writing a prompt frame failed", exc_info=True)
                alive = False
            self.next += 1
        if not alive and not self.done.done():
            self.done.set_result(None)
        return alive


@dataclass
class LineSettings:
    max_seconds: float = 120.0  # longest turn of the caller
    pause_seconds: float = 2.0  # silence after speech that ends the turn (never before speech)
    no_speech_seconds: float = 10.0  # after the greeting: a caller who says nothing this long
    speech_dbfs: float = -35.0  # a 20 ms frame louder than this is speech
    frame_timeout: float = 10.0  # no frame this long: the turn ends (a half-sent frame: dropped)
    level_seconds: float = 0.1  # the end-of-turn rules look at the level this often
    feed_seconds: float = 0.6  # audio handed to the recogniser in chunks this long


class PhoneLine:
    """AudioSocket server: `await line.start(host, port)`, then `await line.close()`."""

    def __init__(
        self,
        speech: SpeechRecognizer,
        register: Register,
        prompts: Prompts,
        settings: LineSettings | None = None,
        callers: CallerDirectory | None = None,
    ) -> None:
        self.callers = callers or CallerDirectory()
        self.speech = speech
        self.register = register
        self.prompts = prompts
        self.settings = settings or LineSettings()
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[None]] = set()
        self.clock = FrameClock()

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> PhoneLine:
        self._server = await asyncio.start_server(self._accept, host, port)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._calls):
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
        self.clock.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)
        try:
            await self.handle(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One AudioSocket connection: the UUID frame, then the call."""
        frames = FrameReader(reader, self.settings.frame_timeout)
        try:
            first = await frames.next()
        except ProtocolError as exc:
            log.warning("voice line: dropped a connection before the call began: %s", exc)
            return
        if first.kind is Kind.HANGUP:  # connected and closed: a health check, not a call
            log.debug("voice line: a connection closed before the call began")
            return
        if first.kind is not Kind.UUID:
            log.warning("voice line: the first frame was %s, not the call UUID", first.kind.name)
            return
        await self.run_call(first.call_id, AudioSocketChannel(frames, writer))

    async def run_call(self, call_id: uuid.UUID, channel: CallChannel) -> None:
        """Greeting, the caller's turn, registration, the read-back of the case number."""
        player = asyncio.create_task(self._play(channel, ["greeting"]))
        result = await self._listen(channel, call_id)
        player.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await player
        number = None
        failed = False
        if result.text:
            try:
                number = await self.register(result)
            except Exception:  # the database is down, the disk is full…: tell the caller
                log.exception("call %s: could not register what the caller said", call_id)
                failed = True
        log.info(
            "call %s: %.1f s, ended by %s, registered %s",
            call_id,
            result.seconds,
            result.ended_by,
            number or "nothing",
        )
        if result.ended_by in ("hangup", "protocol-error") or channel.closed:
            return
        if failed:
            await self._play(channel, ["failed"])
        elif number is None:
            await self._play(channel, ["not-heard", "goodbye"])
        else:
            digits = [f"digit-{c}" for c in number if c.isdigit()]
            await self._play(channel, ["registered", *digits, "goodbye"])
        with contextlib.suppress(ConnectionError):
            await channel.hang_up()

    async def _listen(self, channel: CallChannel, call_id: uuid.UUID) -> CallResult:
        s = self.settings
        stream = self.speech.open_stream(channel.rate, partials=False)
        # The level of each 20 ms decides the end of the turn and is measured per short batch
        # (numpy, on the loop); the recogniser gets longer chunks, each one worker hop.
        level_bytes = 2 * int(channel.rate * s.level_seconds)
        feed_bytes = 2 * int(channel.rate * s.feed_seconds)
        unmeasured = bytearray()
        unfed = bytearray()
        recording = bytearray()  # bounded by max_seconds: the turn ends there
        seconds = 0.0
        heard = False
        quiet = 0.0
        ended_by = "hangup"
        # Silence only ends the turn once speech began; before that the caller gets the whole
        # greeting plus `no_speech_seconds` to start.
        no_speech_at = len(self.prompts.get("greeting")) / 2 / RATE + s.no_speech_seconds
        while True:
            try:
                frame = await channel.receive()
            except IdleTimeout as exc:  # the gateway stopped sending audio: a long silence
                log.info("call %s: %s", call_id, exc)
                ended_by = "silence" if heard else "no-speech"
                break
            except ProtocolError as exc:
                log.warning("call %s: %s; closing it", call_id, exc)
                ended_by = "protocol-error"
                break
            if frame.kind is Kind.HANGUP:
                break
            if frame.kind is Kind.ERROR:
                log.warning("call %s: the gateway reported an error %r", call_id, frame.payload)
                break
            if frame.kind is Kind.DTMF:
                if frame.digit == "#":
                    ended_by = "dtmf"
                    break
                continue
            if frame.kind is Kind.UUID:
                log.warning("call %s: a second UUID frame; closing it", call_id)
                ended_by = "protocol-error"
                break
            unmeasured += frame.payload
            unfed += frame.payload
            recording += frame.payload
            if len(unmeasured) < level_bytes:
                continue
            for loud in loud_frames(unmeasured, channel.rate, s.speech_dbfs):
                seconds += LEVEL_SECONDS
                if loud:
                    heard, quiet = True, 0.0
                elif heard:
                    quiet += LEVEL_SECONDS
                if heard and quiet >= s.pause_seconds:
                    ended_by = "silence"
                elif not heard and seconds >= no_speech_at:
                    ended_by = "no-speech"
                elif seconds >= s.max_seconds:
                    ended_by = "max-duration"
            unmeasured.clear()
            if ended_by != "hangup":
                break
            if len(unfed) >= feed_bytes:
                await stream.accept(bytes(unfed))
                unfed.clear()
        if unmeasured:
            heard = heard or any(loud_frames(unmeasured, channel.rate, s.speech_dbfs))
            seconds += len(unmeasured) / 2 / channel.rate
        if unfed:
            await stream.accept(bytes(unfed))
        transcript = await stream.finish()
        return CallResult(
            call_id,
            transcript.text,
            transcript.words,
            seconds,
            ended_by,
            caller=self.callers.take(call_id),
            audio=bytes(recording) if heard else b"",
        )

    async def _play(self, channel: CallChannel, names: list[str]) -> None:
        """Send prompts in 20 ms frames at real-time pace (on the line's shared clock)."""
        frames = [f for name in names for f in self.prompts.frames(name)]
        push = getattr(channel, "push_audio", None)
        if push is not None:  # written by the clock's tick: nothing of this call wakes up
            await self.clock.play(push, frames)
            return
        try:
            for frame in frames:
                await channel.send_audio(frame)
                await self.clock.tick()
        except ConnectionError:
            return

    # -- WebSocket transport (FreeSWITCH mod_audio_fork and similar gateways) ---------------

    def websocket_routes(self, app: web.Application) -> None:
        """`GET /ws/{call_uuid}`: binary messages are 8 kHz s16le audio, text messages events."""
        app.router.add_get("/ws/{call_id}", self._websocket)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        try:
            call_id = uuid.UUID(request.match_info["call_id"])
        except ValueError as exc:
            raise web.HTTPBadRequest(text="the path must end with the call's UUID") from exc
        caller = request.query.get("caller", "").strip()[:32]
        if caller:
            self.callers.remember(call_id, caller)
        ws = web.WebSocketResponse(max_msg_size=64 * 1024, heartbeat=30)
        await ws.prepare(request)
        task = asyncio.current_task()
        if task is not None:
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)
        try:
            await self.run_call(call_id, WebSocketChannel(ws, self.settings))
        finally:
            await ws.close()
        return ws


class CallChannel(Protocol):
    """How a call's audio and events travel (AudioSocket over TCP, or a WebSocket)."""

    rate: int

    @property
    def closed(self) -> bool: ...

    async def receive(self) -> Frame:
        """The next event; HANGUP when the peer is gone; ProtocolError for garbage."""
        ...

    async def send_audio(self, pcm: bytes) -> None: ...

    async def hang_up(self) -> None: ...


class AudioSocketChannel:
    rate = RATE

    def __init__(self, frames: FrameReader, writer: asyncio.StreamWriter) -> None:
        self.frames = frames
        self.writer = writer

    @property
    def closed(self) -> bool:
        return self.writer.is_closing()

    async def receive(self) -> Frame:
        return await self.frames.next()

    async def send_audio(self, pcm: bytes) -> None:
        self.writer.write(encode_frame(Kind.AUDIO, pcm))
        await self.writer.drain()

    def push_audio(self, pcm: bytes) -> bool:
        """Write one frame without waiting; False when the connection is gone.

        Prompts are a few seconds of 16 kB/s, so a peer that stops reading costs at most
        that much of buffer before the call ends.
        """
        if self.writer.is_closing():
            return False
        self.writer.write(encode_frame(Kind.AUDIO, pcm))
        return True

    async def hang_up(self) -> None:
        self.writer.write(encode_frame(Kind.HANGUP))
        await self.writer.drain()


class WebSocketChannel:
    """Binary messages: audio (even length, ≤ the AudioSocket limit); text: JSON events
    `{"type": "dtmf", "digit": "#"}` or `{"type": "hangup"}`."""

    rate = RATE

    def __init__(self, ws: web.WebSocketResponse, settings: LineSettings) -> None:
        self.ws = ws
        self.timeout = settings.frame_timeout

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def receive(self) -> Frame:
        try:
            message = await self.ws.receive(timeout=self.timeout)
        except TimeoutError as exc:
            raise IdleTimeout(f"no message for {self.timeout:g} s") from exc
        if message.type is WSMsgType.BINARY:
            data = bytes(message.data)
            if len(data) % 2 or len(data) > MAX_AUDIO_PAYLOAD:
                raise ProtocolError(f"audio message of {len(data)} bytes")
            return Frame(Kind.AUDIO, data)
        if message.type is WSMsgType.TEXT:
            try:
                event = json.loads(message.data)
                kind = event["type"]
            except (ValueError, TypeError, KeyError) as exc:
                raise ProtocolError("a text message must be a JSON event with a type") from exc
            if kind == "dtmf":
                return Frame(Kind.DTMF, str(event.get("digit", ""))[:1].encode("ascii", "replace"))
            if kind == "hangup":
                return Frame(Kind.HANGUP)
            raise ProtocolError(f"unknown event {kind!r}")
        return Frame(Kind.HANGUP)  # close, closing, error

    async def send_audio(self, pcm: bytes) -> None:
        if self.ws.closed:
            raise ConnectionError("the WebSocket is closed")
        await self.ws.send_bytes(pcm)

    async def hang_up(self) -> None:
        await self.ws.close()
