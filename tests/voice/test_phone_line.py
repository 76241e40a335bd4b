"""The AudioSocket voice line with real Vosk (tiny model): turns, read-back, hostile peers."""

from __future__ import annotations

import asyncio
import struct
import uuid
from pathlib import Path

import pytest

from voice.audiosocket import RATE, Kind, ProtocolError, audio_frames, encode_frame, read_frame
from voice.phone_line import PROMPT_NAMES, CallResult, LineSettings, PhoneLine, Prompts
from voice.stt import SpeechRecognizer
from voice.tones import WORD_GAP_SECONDS, say_words, silence

NUMBER = "2026-000123"
# Every prompt is one 20 ms frame of its own constant level, so the caller can tell them apart.
LEVEL = {name: 1000 + 100 * i for i, name in enumerate(PROMPT_NAMES)}
PROMPTS = Prompts({name: struct.pack("<h", level) * 160 for name, level in LEVEL.items()})
NAME_OF = {level: name for name, level in LEVEL.items()}


class Registry:
    def __init__(self) -> None:
        self.calls: list[CallResult] = []

    async def __call__(self, result: CallResult) -> str:
        self.calls.append(result)
        return NUMBER


@pytest.fixture
async def line(tiny_model_dir: Path):
    registry = Registry()
    speech = SpeechRecognizer(tiny_model_dir, max_workers=2)
    server = PhoneLine(
        speech, registry, PROMPTS, LineSettings(pause_seconds=1.0, frame_timeout=0.5)
    )
    await server.start()
    server.registry = registry  # type: ignore[attr-defined]
    yield server
    await server.close()
    speech.close()


def speech8k(*words: str) -> bytes:
    return say_words(list(words), RATE)


async def call(
    port: int, frames: list[bytes], *, hang_up: bool = False, call_id: uuid.UUID | None = None
) -> list[str]:
    """Dial in, send the frames, and return the prompts heard until the line hangs up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode_frame(Kind.UUID, (call_id or uuid.uuid4()).bytes))
    for frame in frames:
        writer.write(frame)
    await writer.drain()
    if hang_up:
        writer.close()
        await writer.wait_closed()
        return []
    heard: list[str] = []
    while True:
        frame = await read_frame(reader, timeout=10)
        if frame.kind is Kind.HANGUP:
            break
        if frame.kind is Kind.AUDIO:
            (level,) = struct.unpack_from("<h", frame.payload)
            heard.append(NAME_OF.get(level, "?"))
    writer.close()
    return heard


async def test_a_pause_ends_the_turn_and_the_number_is_read_back_digit_by_digit(line):
    heard = await call(
        line.port, audio_frames(speech8k("один", "два", "два") + silence(1.5, RATE))
    )
    (result,) = line.registry.calls
    assert result.text == "один два два" and result.ended_by == "silence"
    assert [w.word for w in result.words] == ["один", "два", "два"]
    assert heard == ["greeting", "registered", *(f"digit-{c}" for c in "2026000123"), "goodbye"]


async def test_hash_key_ends_the_turn_and_30ms_packets_work(line):
    frames = audio_frames(speech8k("два", "один"), frame_bytes=480)
    heard = await call(line.port, [*frames, encode_frame(Kind.DTMF, b"#")])
    (result,) = line.registry.calls
    assert result.text == "два один" and result.ended_by == "dtmf"
    assert heard[-1] == "goodbye"


async def test_caller_who_hangs_up_mid_sentence_keeps_what_was_said(line):
    await call(line.port, audio_frames(speech8k("один", "один")), hang_up=True)
    for _ in range(100):
        if line.registry.calls:
            break
        await asyncio.sleep(0.05)
    (result,) = line.registry.calls
    assert result.text == "один один" and result.ended_by == "hangup"


async def test_silence_only_registers_nothing(line):
    heard = await call(
        line.port, audio_frames(silence(0.6, RATE)) + [encode_frame(Kind.DTMF, b"#")]
    )
    assert line.registry.calls == []
    assert heard == ["greeting", "not-heard", "goodbye"]


async def test_silence_before_speech_does_not_end_the_turn(line):
    """A caller who waits three pauses' worth before speaking is still heard (the line once
    hung up after the first 2 s of silence)."""
    frames = audio_frames(silence(3.0, RATE) + speech8k("два", "один") + silence(1.5, RATE))
    heard = await call(line.port, frames)
    (result,) = line.registry.calls
    assert result.text == "два один" and result.ended_by == "silence"
    assert heard[0] == "greeting" and heard[-1] == "goodbye" and "registered" in heard


async def test_a_caller_who_never_speaks_is_told_so_after_the_no_speech_timeout(tiny_model_dir):
    registry = Registry()
    with SpeechRecognizer(tiny_model_dir, max_workers=1) as speech:
        settings = LineSettings(pause_seconds=1.0, no_speech_seconds=2.0, frame_timeout=5)
        server = await PhoneLine(speech, registry, PROMPTS, settings).start()
        try:
            # 2.5 s of silence: over the no-speech timeout (the greeting is 20 ms) but the
            # frames after it, speech included, are never listened to
            frames = audio_frames(silence(2.5, RATE) + speech8k("один"))
            heard = await call(server.port, frames)
        finally:
            await server.close()
    assert registry.calls == []
    assert heard == ["greeting", "not-heard", "goodbye"]


async def test_a_gateway_that_stops_sending_audio_ends_the_turn_not_the_call(line):
    """Asterisk sends no frames while no RTP arrives: after speech that is the pause."""
    reader, writer = await asyncio.open_connection("127.0.0.1", line.port)
    writer.write(encode_frame(Kind.UUID, uuid.uuid4().bytes))
    writer.writelines(audio_frames(speech8k("один", "два")))
    await writer.drain()  # then nothing for longer than frame_timeout (0.5 s)
    heard = []
    while (frame := await read_frame(reader, timeout=10)).kind is not Kind.HANGUP:
        (level,) = struct.unpack_from("<h", frame.payload)
        heard.append(NAME_OF.get(level, "?"))
    writer.close()
    (result,) = line.registry.calls
    assert result.text == "один два" and result.ended_by == "silence"
    assert heard[-1] == "goodbye" and "registered" in heard


@pytest.mark.parametrize(
    "garbage",
    [
        bytes([0x42, 0, 2]) + b"xx",  # unknown frame type
        bytes([0x10]) + (60000).to_bytes(2, "big"),  # an audio frame far over the limit
        bytes([0x10, 0]),  # a header cut short, then nothing (slowloris)
        encode_frame(Kind.AUDIO, b"\x00\x01\x02"),  # odd-sized audio
    ],
    ids=["unknown-type", "oversized", "slowloris", "odd-audio"],
)
async def test_hostile_peer_is_dropped_while_another_call_goes_on(line, garbage):
    reader, writer = await asyncio.open_connection("127.0.0.1", line.port)
    writer.write(encode_frame(Kind.UUID, uuid.uuid4().bytes) + garbage)
    await writer.drain()
    good = asyncio.create_task(
        call(line.port, audio_frames(speech8k("два", "два")) + [encode_frame(Kind.DTMF, b"#")])
    )
    closed = await asyncio.wait_for(_closed(reader), timeout=5)
    assert closed
    heard = await asyncio.wait_for(good, timeout=20)
    assert heard[-1] == "goodbye"
    assert [r.text for r in line.registry.calls] == ["два два"]
    writer.close()


async def _closed(reader: asyncio.StreamReader) -> bool:
    """True once the server has closed the connection (after any prompt audio it sent)."""
    while True:
        try:
            await read_frame(reader, timeout=5)
        except ProtocolError:
            return True
        if reader.at_eof():
            return True


async def test_first_frame_must_be_the_call_uuid(line):
    reader, writer = await asyncio.open_connection("127.0.0.1", line.port)
    writer.write(encode_frame(Kind.AUDIO, bytes(320)))
    await writer.drain()
    assert await reader.read() == b""  # closed at once, nothing played
    writer.close()


async def test_simultaneous_calls_are_recognised_apart(line):
    words = [("один", "один", "один"), ("два", "два"), ("один", "два")]
    heard = await asyncio.gather(
        *(
            call(line.port, audio_frames(speech8k(*w)) + [encode_frame(Kind.DTMF, b"#")])
            for w in words
        )
    )
    assert all(h[-1] == "goodbye" for h in heard)
    assert sorted(r.text for r in line.registry.calls) == sorted(" ".join(w) for w in words)


@pytest.fixture
async def ws_client(line):
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    app = web.Application()
    line.websocket_routes(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def test_websocket_gateway_call_is_registered_and_read_back(line, ws_client):
    from aiohttp import WSMsgType

    call_id = uuid.uuid4()
    ws = await ws_client.ws_connect(f"/ws/{call_id}?caller=%2B79001234567")
    pcm = speech8k("один", "два")
    for offset in range(0, len(pcm), 320):
        await ws.send_bytes(pcm[offset : offset + 320])
    await ws.send_str('{"type": "dtmf", "digit": "#"}')
    heard = []
    async for message in ws:
        assert message.type is WSMsgType.BINARY
        (level,) = struct.unpack_from("<h", message.data)
        heard.append(NAME_OF.get(level, "?"))
    (result,) = line.registry.calls
    assert result.text == "один два" and result.caller == "+79001234567"
    assert result.call_id == call_id
    assert heard == ["greeting", "registered", *(f"digit-{c}" for c in "2026000123"), "goodbye"]


@pytest.mark.parametrize(
    "bad", [b"\x00\x01\x02", '{"type": "fax"}', "not json"], ids=["odd-audio", "event", "text"]
)
async def test_websocket_garbage_closes_that_call_only(line, ws_client, bad):
    ws = await ws_client.ws_connect(f"/ws/{uuid.uuid4()}")
    await (ws.send_bytes(bad) if isinstance(bad, bytes) else ws.send_str(bad))
    async for _ in ws:  # prompt audio may arrive first; then the server closes
        pass
    assert ws.closed
    assert line.registry.calls == []


async def test_websocket_path_must_carry_the_call_uuid(ws_client):
    response = await ws_client.get("/ws/not-a-uuid")
    assert response.status == 400


async def test_prompts_of_simultaneous_calls_share_one_clock():
    """Ten players of twenty frames wake the line about twenty times, not two hundred."""
    from voice.line_clock import LineClock

    clock = LineClock(period=0.005)
    played = [0] * 10

    async def player(index: int) -> None:
        for _ in range(20):
            played[index] += 1
            await clock.tick()

    await asyncio.gather(*(player(i) for i in range(10)))
    assert played == [20] * 10
    assert 20 <= clock.ticks <= 22
    await asyncio.gather(player(0))  # the clock starts again after it stopped
    assert played[0] == 40
    clock.stop()


async def test_the_clock_writes_prompt_frames_itself_and_a_cancelled_prompt_stops():
    """Players on a non-blocking channel are written by the tick: ten prompts of twenty
    frames take about twenty wake-ups; cancelling a playback stops its frames."""
    from voice.line_clock import LineClock

    clock = LineClock(period=0.005)
    written: list[list[bytes]] = [[] for _ in range(10)]
    frames = [bytes([i]) * 320 for i in range(20)]

    def pusher(index: int):
        def push(frame: bytes) -> bool:
            written[index].append(frame)
            return True

        return push

    await asyncio.gather(*(clock.play(pusher(i), frames) for i in range(10)))
    assert written == [frames] * 10
    assert 19 <= clock.ticks <= 21

    stopped: list[bytes] = []

    def keep(frame: bytes) -> bool:
        stopped.append(frame)
        return True

    playback = asyncio.create_task(clock.play(keep, frames))
    gone: list[bytes] = []

    def closed_after_three(frame: bytes) -> bool:
        gone.append(frame)
        return len(gone) < 3

    await asyncio.wait_for(clock.play(closed_after_three, frames), 1)  # returns on a closed peer
    assert len(gone) == 3
    playback.cancel()
    with pytest.raises(asyncio.CancelledError):
        await playback
    count = len(stopped)
    await asyncio.sleep(0.05)
    assert 3 <= count < 20 and len(stopped) == count
    clock.stop()


async def test_listening_calls_share_the_polls_and_the_clock_sleeps_between_them():
    """Ten calls listening for 0.2 s wake the line at its polls (every 5 ticks), together:
    a handful of wake-ups, not one per call per tick."""
    from voice.line_clock import LineClock

    clock = LineClock(period=0.01, poll_ticks=5)
    polls = [0] * 10

    async def listener(index: int) -> None:
        for _ in range(4):
            await clock.poll()
            polls[index] += 1

    await asyncio.gather(*(listener(i) for i in range(10)))
    assert polls == [4] * 10
    assert 4 <= clock.ticks <= 6
    clock.stop()


async def test_audio_after_the_pause_is_not_the_callers_turn(line):
    """A gateway that sends faster than real time: the turn ends at the pause, to the 20 ms;
    what follows is neither recognised nor recorded."""
    said = speech8k("один", "два")
    await call(line.port, audio_frames(said + silence(1.5, RATE) + speech8k("два", "два")))
    (result,) = line.registry.calls
    assert result.text == "один два" and result.ended_by == "silence"
    # the pause is 1 s on this line and began with the 0.3 s gap that closes `said`
    spoken = said[: -len(silence(WORD_GAP_SECONDS, RATE))]
    assert result.audio == spoken + silence(1.0, RATE)
    assert result.seconds == pytest.approx(len(result.audio) / 2 / RATE)
