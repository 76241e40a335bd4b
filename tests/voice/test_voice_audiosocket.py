"""The AudioSocket frame reader: many frames per read, the same rules as one frame at a time."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from voice.audiosocket import FrameReader, IdleTimeout, Kind, ProtocolError, encode_frame


def reader_with(data: bytes, *, eof: bool = True) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


async def test_frames_that_arrived_together_come_out_one_by_one_then_a_hangup():
    call = uuid.uuid4()
    data = (
        encode_frame(Kind.UUID, call.bytes)
        + encode_frame(Kind.AUDIO, b"\x01\x00" * 160)
        + encode_frame(Kind.AUDIO, b"\x02\x00" * 240)
        + encode_frame(Kind.DTMF, b"#")
    )
    frames = FrameReader(reader_with(data), timeout=1)
    got = [await frames.next() for _ in range(5)]
    assert [f.kind for f in got] == [Kind.UUID, Kind.AUDIO, Kind.AUDIO, Kind.DTMF, Kind.HANGUP]
    assert got[0].call_id == call and len(got[1].payload) == 320 and len(got[2].payload) == 480
    assert got[3].digit == "#"


async def test_a_frame_split_across_reads_is_put_together():
    reader = asyncio.StreamReader()
    frames = FrameReader(reader, timeout=1)
    wire = encode_frame(Kind.AUDIO, b"\x05\x00" * 160)
    pending = asyncio.create_task(frames.next())
    for offset in range(0, len(wire), 100):
        reader.feed_data(wire[offset : offset + 100])
        await asyncio.sleep(0)
    frame = await pending
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
async def test_bad_or_stalled_peers(data, eof, error, message):
    frames = FrameReader(reader_with(data, eof=eof), timeout=0.2)
    with pytest.raises(error, match=message):
        await frames.next()


async def test_a_trickling_frame_does_not_stretch_its_deadline():
    reader = asyncio.StreamReader()
    frames = FrameReader(reader, timeout=0.3)
    wire = encode_frame(Kind.AUDIO, b"\x00" * 320)
    pending = asyncio.create_task(frames.next())

    async def trickle() -> None:
        for byte in wire[:20]:
            reader.feed_data(bytes([byte]))
            await asyncio.sleep(0.05)  # 20 bytes over 1 s, each well within 0.3 s

    feeder = asyncio.create_task(trickle())
    with pytest.raises(ProtocolError, match="not completed"):
        await pending
    feeder.cancel()
