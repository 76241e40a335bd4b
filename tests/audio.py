"""Encoding test audio the way Telegram and phones deliver it (PyAV, no system ffmpeg)."""

from __future__ import annotations

import io

import av
import numpy as np


def encode_pcm(
    pcm: bytes,
    rate: int,
    container: str,
    codec: str,
    *,
    codec_rate: int | None = None,
    layout: str = "mono",
) -> bytes:
    """Encode s16le mono PCM with PyAV into an in-memory file (e.g. ogg/libopus)."""
    out_rate = codec_rate or rate
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=out_rate, layout=layout)
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
