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
import logging
import socket
import time
import uuid
import wave
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from voice.audio import decode_file
from voice.audiosocket import RATE, Frame, IdleTimeout, Kind, ProtocolError
from voice.channels import AudioSocketChannel, CallChannel, WebSocketChannel
from voice.line_clock import LineClock
from voice.stt import RecognitionStream, SpeechRecognizer, Transcript, Word
from voice.turns import LEVEL_SECONDS, Turn

log = logging.getLogger(__name__)

FRAME_BYTES = 320  # 20 ms of 8 kHz s16le


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


@dataclass
class LineSettings:
    max_seconds: float = 120.0  # longest turn of the caller
    pause_seconds: float = 2.0  # silence after speech that ends the turn (never before speech)
    no_speech_seconds: float = 10.0  # after the greeting: a caller who says nothing this long
    speech_dbfs: float = -35.0  # a 20 ms frame louder than this is speech
    frame_timeout: float = 10.0  # no frame this long: the turn ends (a half-sent frame: dropped)
    poll_seconds: float = 0.2  # the line reads callers' audio (and applies the rules) this often
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
        self._listener: socket.socket | None = None
        self._acceptor: asyncio.Task[None] | None = None
        self._calls: set[asyncio.Task[None]] = set()
        period = LEVEL_SECONDS
        self.clock = LineClock(period, max(1, round(self.settings.poll_seconds / period)))

    @property
    def port(self) -> int:
        assert self._listener is not None
        return int(self._listener.getsockname()[1])

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> PhoneLine:
        loop = asyncio.get_running_loop()
        family, kind, proto, _, address = (
            await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        )[0]
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(128)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._acceptor = loop.create_task(self._accept_calls(listener))
        return self

    async def close(self) -> None:
        if self._acceptor is not None:
            self._acceptor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._acceptor
        if self._listener is not None:
            self._listener.close()
        for task in list(self._calls):
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
        self.clock.stop()

    async def _accept_calls(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _ = await loop.sock_accept(listener)
            except OSError as exc:  # out of descriptors, a connection reset before accept…
                log.warning("voice line: accepting a connection failed: %s", exc)
                await asyncio.sleep(0.1)
                continue
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._track(loop.create_task(self._serve(conn)))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _serve(self, conn: socket.socket) -> None:
        channel = AudioSocketChannel(conn, self.clock, self.settings.frame_timeout)
        try:
            await self.handle(channel)
        except Exception:
            log.exception("voice line: a call failed")
        finally:
            await channel.close()

    async def handle(self, channel: AudioSocketChannel) -> None:
        """One AudioSocket connection: the UUID frame, then the call."""
        try:
            first = await channel.receive_first()
        except ProtocolError as exc:
            log.warning("voice line: dropped a connection before the call began: %s", exc)
            return
        if first.kind is Kind.HANGUP:  # connected and closed: a health check, not a call
            log.debug("voice line: a connection closed before the call began")
            return
        if first.kind is not Kind.UUID:
            log.warning("voice line: the first frame was %s, not the call UUID", first.kind.name)
            return
        await self.run_call(first.call_id, channel)

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
        """The caller's turn: audio arrives in batches (what came since the last poll); the
        turn's rules say where it ends, to the 20 ms; the recogniser gets longer chunks."""
        s = self.settings
        # Silence only ends the turn once speech began; before that the caller gets the whole
        # greeting plus `no_speech_seconds` to start.
        greeting = len(self.prompts.get("greeting")) / 2 / RATE
        turn = Turn(
            channel.rate,
            pause_seconds=s.pause_seconds,
            no_speech_seconds=greeting + s.no_speech_seconds,
            max_seconds=s.max_seconds,
            speech_dbfs=s.speech_dbfs,
        )
        stream = self.speech.open_stream(channel.rate, partials=False)
        hearing = _Hearing(turn, stream, 2 * int(channel.rate * s.feed_seconds))
        ended_by: str | None = None
        while ended_by is None:
            try:
                frames = await channel.receive()
            except IdleTimeout as exc:  # the gateway stopped sending audio: a long silence
                log.info("call %s: %s", call_id, exc)
                ended_by = "silence" if turn.heard else "no-speech"
                break
            except ProtocolError as exc:
                log.warning("call %s: %s; closing it", call_id, exc)
                ended_by = "protocol-error"
                break
            ended_by = hearing.take(frames, call_id)
            if ended_by is None:
                await hearing.feed()
        if turn.ended_by is None:
            turn.finish()
        transcript = await hearing.finish()
        return CallResult(
            call_id,
            transcript.text,
            transcript.words,
            turn.seconds,
            ended_by,
            caller=self.callers.take(call_id),
            audio=bytes(hearing.recording) if turn.heard else b"",
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
            self._track(task)
        try:
            await self.run_call(call_id, WebSocketChannel(ws, self.settings.frame_timeout))
        finally:
            await ws.close()
        return ws


class _Hearing:
    """What a call's turn keeps of the audio: the recording, and the recogniser's feed."""

    def __init__(self, turn: Turn, stream: RecognitionStream, feed_bytes: int) -> None:
        self.turn = turn
        self.stream = stream
        self.feed_bytes = feed_bytes
        self.recording = bytearray()  # bounded by max_seconds: the turn ends there
        self._unfed = bytearray()

    def take(self, frames: Sequence[Frame], call_id: uuid.UUID) -> str | None:
        """Hear a batch of frames in order; the reason the turn ended, if it did."""
        audio: list[bytes] = []
        for frame in frames:
            if frame.kind is Kind.AUDIO:
                audio.append(frame.payload)
                continue
            # an event: the audio before it counts first (the pause may have ended the turn)
            if self._hear(audio):
                return self.turn.ended_by
            audio = []
            if frame.kind is Kind.HANGUP:
                return "hangup"
            if frame.kind is Kind.ERROR:
                log.warning("call %s: the gateway reported an error %r", call_id, frame.payload)
                return "hangup"
            if frame.kind is Kind.UUID:
                log.warning("call %s: a second UUID frame; closing it", call_id)
                return "protocol-error"
            if frame.kind is Kind.DTMF and frame.digit == "#":
                return "dtmf"
        self._hear(audio)
        return self.turn.ended_by

    def _hear(self, audio: list[bytes]) -> bool:
        """Measure audio; True when the turn ended inside it."""
        if audio:
            kept = self.turn.push(audio[0] if len(audio) == 1 else b"".join(audio))
            self.recording += kept
            self._unfed += kept
        return self.turn.ended_by is not None

    async def feed(self) -> None:
        """Hand the recogniser what gathered, once it is a chunk's worth."""
        if len(self._unfed) >= self.feed_bytes:
            chunk, self._unfed = bytes(self._unfed), bytearray()
            await self.stream.accept(chunk)

    async def finish(self) -> Transcript:
        if self._unfed:
            chunk, self._unfed = bytes(self._unfed), bytearray()
            await self.stream.accept(chunk)
        return await self.stream.finish()
