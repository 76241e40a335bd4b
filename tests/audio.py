"""Encoding test audio the way Telegram and phones deliver it (PyAV, no system ffmpeg)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np

from voice.audio import encode_pcm

__all__ = ["encode_pcm", "video_note_mp4"]


def video_note_mp4(pcm: bytes, rate: int = 16000, side: int = 64) -> bytes:
    """A round video the way Telegram keeps one: MP4 with an H.264-ish picture and AAC sound."""
    seconds = len(pcm) / 2 / rate
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as output:
        video = output.add_stream("mpeg4", rate=10)
        video.width = video.height = side
        video.pix_fmt = "yuv420p"
        audio = output.add_stream("aac", rate=48000, layout="mono")
        for index in range(max(1, int(seconds * 10))):
            picture = np.full((side, side, 3), (index * 7) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            for packet in video.encode(frame):
                output.mux(packet)
        for packet in video.encode(None):
            output.mux(packet)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=48000)
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        source = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        source.sample_rate = rate
        for converted in [*resampler.resample(source), *resampler.resample(None)]:
            for packet in audio.encode(converted):
                output.mux(packet)
        for packet in audio.encode(None):
            output.mux(packet)
    return buffer.getvalue()
