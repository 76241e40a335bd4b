"""The voice line's glue: a finished call becomes an appeal through the same core as the bot."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from pathlib import Path

from core import services as core
from core.commands import SubmitAppeal
from core.draft import UNSURE_CONFIDENCE, TranscriptCheck
from core.i18n import Texts
from core.model import LOCAL_FILE_PREFIX, Attachment, AttachmentKind, Channel
from priemnaya.bootstrap import Services
from voice.audio import decode_file, encode_pcm
from voice.audiosocket import RATE
from voice.phone_line import PROMPT_NAMES, CallResult, Register, write_wav


def make_registrar(services: Services) -> Register:
    """Register a call's transcript (classified like any text); returns the case number."""

    async def register(call: CallResult) -> str | None:
        text = call.text.strip()
        if not text:
            return None
        sector = confidence = predicted = None
        reasons: tuple[str, ...] = ()
        if services.classifier is not None:
            guess = services.classifier.classify(text)
            predicted, reasons = guess.sector, tuple(guess.reasons[:5])
            if guess.confidence >= services.settings.classifier_threshold:
                sector, confidence = guess.sector, guess.confidence
        attachments = ()
        if call.audio:
            attachments = (await _keep_recording(call, services.settings.voice_recordings_dir),)
        submission = await core.submit_appeal(
            SubmitAppeal(
                text=text,
                channel=Channel.PHONE,
                idempotency_key=f"call:{call.call_id}",
                sector=sector,
                sector_confidence=confidence,
                sector_source="classifier" if sector else None,
                sector_predicted=predicted,
                sector_reasons=reasons,
                caller_phone=call.caller,
                attachments=attachments,
                meta={
                    "call_id": str(call.call_id),
                    "seconds": round(call.seconds, 1),
                    "ended_by": call.ended_by,
                    "unsure_words": [w.word for w in call.words if w.conf < UNSURE_CONFIDENCE],
                    "transcripts": [
                        {
                            "file_unique_id": f"call-{call.call_id}" if call.audio else None,
                            "text": text,
                            "words": [[w.word, round(w.conf, 3)] for w in call.words],
                            "check": TranscriptCheck.PHONE.value,
                        }
                    ],
                },
            ),
            services.uow,
            services.clock,
            services.deadlines,
        )
        return submission.appeal.number

    return register


async def _keep_recording(call: CallResult, directory: Path) -> Attachment:
    """Save what the caller said as OGG/Opus (what Telegram plays as a voice note)."""
    # complexity 0: a third of the CPU of the default, the same intelligibility for 8 kHz speech
    data = await asyncio.to_thread(
        encode_pcm, call.audio, RATE, codec_rate=RATE, options={"compression_level": "0"}
    )
    name = f"call-{call.call_id}.ogg"
    await asyncio.to_thread(_write_atomically, directory / name, data)
    return Attachment(
        kind=AttachmentKind.AUDIO,
        file_id=f"{LOCAL_FILE_PREFIX}{name}",
        file_unique_id=f"call-{call.call_id}",
        file_name=name,
        mime_type="audio/ogg",
        file_size=len(data),
    )


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)


def render_prompts(texts: Texts, directory: Path, espeak: str = "espeak-ng") -> list[Path]:
    """Speak every prompt of the catalogue with espeak-ng into 8 kHz WAV files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in PROMPT_NAMES:
            raw = Path(tmp) / f"{name}.wav"
            subprocess.run(
                [espeak, "-v", "ru", "-s", "150", "-w", str(raw), texts(f"voice-prompt-{name}")],
                check=True,
                capture_output=True,
            )
            target = directory / f"{name}.wav"
            write_wav(target, decode_file(raw, rate=RATE, silence_dbfs=None).pcm)
            written.append(target)
    return written
