"""AudioSocket frames on the line's polled sockets: many frames per read, the same rules as
one frame at a time, and a polite hang-up."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

from voice.audiosocket import FrameParser, IdleTimeout, Kind, ProtocolError, encode_frame
from voice.channels import AudioSocketChannel
from voice.line_clock import LineClock


@pytest.fixture
async def clock() -> AsyncIterator[LineClock]:
    clock = LineClock(period=0.005, poll_ticks=2)  # polls every 10 ms
    yield clock
    clock.stop()


@pytest.fixture
def pair():
    """A TCP connection on loopback: the line's side and the caller's."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        caller = socket.create_connection(listener.getsockname())
        line_side, _ = listener.accept()
    caller.setblocking(False)
    yield line_side, caller
    line_side.close()
    caller.close()


async def test_frames_that_arrived_together_come_out_in_one_batch_then_a_hangup(clock, pair):
    line_side, caller = pair
    call = uuid.uuid4()
    caller.sendall(
        encode_frame(Kind.UUID, call.bytes)
        + encode_frame(Kind.AUDIO, b"\x01\x00" * 160)
        + encode_frame(Kind.AUDIO, b"\x02\x00" * 240)
        + encode_frame(Kind.DTMF, b"#")
    )
    channel = AudioSocketChannel(line_side, clock, timeout=1)
    first = await channel.receive_first()
    assert first.kind is Kind.UUID and first.call_id == call
    batch = await channel.receive()  # the rest of what came with the UUID
    assert [f.kind for f in batch] == [Kind.AUDIO, Kind.AUDIO, Kind.DTMF]
    assert len(batch[0].payload) == 320 and len(batch[1].payload) == 480
    assert batch[2].digit == "#"
    caller.shutdown(socket.SHUT_WR)
    assert [f.kind for f in await channel.receive()] == [Kind.HANGUP]


async def test_a_frame_split_across_reads_is_put_together(clock, pair):
    line_side, caller = pair
    channel = AudioSocketChannel(line_side, clock, timeout=1)
    wire = encode_frame(Kind.AUDIO, b"\x05\x00" * 160)
    pending = asyncio.create_task(channel.receive())
    for offset in range(0, len(wire), 100):
        caller.sendall(wire[offset : offset + 100])
        await asyncio.sleep(0.012)
    (frame,) = await pending
    assert frame.kind is Kind.AUDIO and frame.payload == b"\x05\x00" * 160


@pytest.mark.parametrize(
    ("data", "eof", "error", "message"),
    [
        (bytes([0x42, 0, 0]), False, ProtocolError, "unknown frame type"),
        (bytes([0x10]) + (60000).to_bytes(2, "big"), False, ProtocolError, "limit"),
        (encode_frame(Kind.AUDIO, b"\x00" * 3), False, ProtocolError, "odd"),
        (bytes([0x10, 0]), False, ProtocolError, "not completed"),  # a stalled header
        (bytes([0x10, 0, 8, 1, 2]), True, ProtocolError, "inside a frame"),
        (b"", False, IdleTimeout, "no frame"),
    ],
    ids=["unknown", "oversized", "odd-audio", "slowloris", "cut", "idle"],
)
async def test_bad_or_stalled_peers(clock, pair, data, eof, error, message):
    line_side, caller = pair
    caller.sendall(data)
    if eof:
        caller.shutdown(socket.SHUT_WR)
    channel = AudioSocketChannel(line_side, clock, timeout=0.2)
    with pytest.raises(error, match=message):
        await channel.receive()


async def test_good_frames_before_garbage_are_heard_first(clock, pair):
    line_side, caller = pair
    caller.sendall(encode_frame(Kind.AUDIO, b"\x01\x00" * 160) + bytes([0x42, 0, 0]))
    channel = AudioSocketChannel(line_side, clock, timeout=1)
    (frame,) = await channel.receive()
    assert frame.kind is Kind.AUDIO
    with pytest.raises(ProtocolError, match="unknown frame type"):
        await channel.receive()


async def test_a_trickling_frame_does_not_stretch_its_deadline(clock, pair):
    line_side, caller = pair
    channel = AudioSocketChannel(line_side, clock, timeout=0.3)
    wire = encode_frame(Kind.AUDIO, b"\x00" * 320)
    pending = asyncio.create_task(channel.receive())

    async def trickle() -> None:
        for byte in wire[:20]:
            caller.sendall(bytes([byte]))
            await asyncio.sleep(0.05)  # 20 bytes over 1 s, each well within 0.3 s

    feeder = asyncio.create_task(trickle())
    with pytest.raises(ProtocolError, match="not completed"):
        await pending
    feeder.cancel()


async def test_a_live_call_is_read_once_per_poll_not_once_per_packet(pair):
    """Ten 20 ms packets over 0.2 s arrive in a few batches: the kernel gathers them
    between the polls (every 0.1 s), the line does not wake for each."""
    line_side, caller = pair
    clock = LineClock(period=0.02, poll_ticks=5)
    channel = AudioSocketChannel(line_side, clock, timeout=1)
    packet = encode_frame(Kind.AUDIO, bytes(320))

    async def talk() -> None:
        for _ in range(10):
            caller.sendall(packet)
            await asyncio.sleep(0.02)
        caller.shutdown(socket.SHUT_WR)

    talker = asyncio.create_task(talk())
    batches = []
    while (batch := await channel.receive())[-1].kind is not Kind.HANGUP:
        batches.append(batch)
    await talker
    clock.stop()
    assert sum(len(b) for b in batches) == 10
    assert len(batches) <= 4  # 0.2 s of packets: two or three polls, not ten wake-ups
    assert clock.ticks <= 6


async def test_hang_up_reaches_a_caller_who_is_still_talking(clock, pair):
    """Closing a socket with unread data resets the connection: the caller sees an error
    instead of the end of the call (and on a real network what is still in flight, the
    hangup included, is lost). The line shuts its side, reads what still comes, then
    closes: the caller reads everything, then a clean end."""
    line_side, caller = pair
    channel = AudioSocketChannel(line_side, clock, timeout=1)
    caller.sendall(encode_frame(Kind.AUDIO, bytes(320)) * 20)  # unread when the line hangs up
    assert channel.push_audio(b"\x07\x00" * 160)
    await channel.hang_up()
    closing = asyncio.create_task(channel.close(linger=1.0))
    await asyncio.sleep(0.05)
    received = b""
    while True:
        try:
            chunk = caller.recv(65536)
        except BlockingIOError:
            await asyncio.sleep(0.01)
            continue
        if not chunk:
            break
        received += chunk
    caller.sendall(encode_frame(Kind.AUDIO, bytes(320)))  # still talking: not a reset
    caller.shutdown(socket.SHUT_WR)
    await asyncio.wait_for(closing, 2)
    parser = FrameParser()
    parser.feed(received)
    assert [f.kind for f in parser.take()] == [Kind.AUDIO, Kind.HANGUP]


async def test_a_peer_that_stops_reading_is_dropped(clock, pair):
    line_side, caller = pair
    line_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    caller.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    channel = AudioSocketChannel(line_side, clock, timeout=1)
    frame = b"\x00\x00" * 160
    pushed = 0
    while channel.push_audio(frame):  # nobody reads on the caller's side
        pushed += 1
        assert pushed < 100_000
    assert channel.closed
    assert not channel.push_audio(frame)
    with pytest.raises(ConnectionError):
        await channel.send_audio(frame)
