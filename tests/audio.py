"""Encoding test audio the way Telegram and phones deliver it (PyAV, no system ffmpeg)."""

from __future__ import annotations

from voice.audio import encode_pcm

__all__ = ["encode_pcm"]
