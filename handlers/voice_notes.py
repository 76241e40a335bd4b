"""Voice notes, audio files and round videos: transcribed offline (Vosk) into the draft's text.

The recording itself is attached to the appeal, so the official hears what was said even
where the recogniser was unsure; a recording that cannot be used is refused with the reason.
"""

from __future__ import annotations

import io
import logging
from functools import partial

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import Audio, Message, Video, VideoNote, Voice

from bot.filters import Consented
from core.draft import Draft, DraftProblem, DraftRejected
from core.model import Attachment, AttachmentKind
from handlers.drafts import classify_draft, load_draft, save_draft, show_card
from handlers.intake import explain
from priemnaya.bootstrap import Services
from voice.audio import AudioError, AudioTooLong, SilentAudio, decode_audio

log = logging.getLogger(__name__)
router = Router(name=__name__)
router.message.filter(Consented())

UNSURE = 0.6  # words below this confidence are marked for the citizen


def recording_of(message: Message) -> tuple[Voice | Audio | VideoNote | Video, Attachment]:
    """The recording a message carries and the attachment that keeps it."""
    media: Voice | Audio | VideoNote | Video | None = (
        message.voice or message.audio or message.video_note
    )
    if media is None:  # the router's filter admits only the three kinds above
        raise ValueError("no recording in this message")
    kind = {Voice: AttachmentKind.VOICE, Audio: AttachmentKind.AUDIO}.get(
        type(media), AttachmentKind.VIDEO
    )
    return media, Attachment(
        kind,
        media.file_id,
        media.file_unique_id,
        file_name=getattr(media, "file_name", None),
        mime_type=getattr(media, "mime_type", None),
        file_size=media.file_size,
    )


def marked(words: list[tuple[str, float]]) -> str:
    """The transcript with unsure words marked «?» for the citizen."""
    return " ".join(w if conf >= UNSURE else f"{w}?" for w, conf in words)


@router.message(F.voice | F.audio | F.video_note)
async def recording_received(
    message: Message, bot: Bot, services: Services, state: FSMContext
) -> None:
    t = services.texts
    media, attachment = recording_of(message)
    limit = services.draft_limits.attachment_max_bytes
    if (attachment.file_size or 0) > limit:
        problem = DraftRejected(DraftProblem.FILE_TOO_BIG, size=attachment.file_size, limit=limit)
        await message.answer(explain(services, problem))
        return
    speech = services.speech
    if speech is None:
        if await _keep(message, services, state, attachment, None):
            await message.answer(t("voice-not-configured"))
            await _card(message, bot, services, state)
        return
    try:
        data = await bot.download(media, destination=io.BytesIO())
        assert data is not None
        decode = partial(
            decode_audio,
            rate=speech.sample_rate,
            max_seconds=services.settings.voice_max_seconds,
        )
        audio = await speech.run(decode, data.getvalue())
        transcript = await speech.transcribe_audio(audio)
    except SilentAudio:
        await message.answer(t("voice-silent"))
        return
    except AudioTooLong:
        await message.answer(t("voice-too-long", limit=int(services.settings.voice_max_seconds)))
        return
    except AudioError:
        await message.answer(t("voice-corrupt"))
        return
    except (TelegramAPIError, OSError, RuntimeError):
        log.exception("could not transcribe voice message %s", message.message_id)
        if await _keep(message, services, state, attachment, None):
            await message.answer(t("voice-failed"))
            await _card(message, bot, services, state)
        return
    unsure = [w.word for w in transcript.words if w.conf < UNSURE]
    if not await _keep(message, services, state, attachment, transcript.text or None, unsure):
        return
    if transcript.is_empty:
        await message.answer(t("voice-no-speech"))
    else:
        words = [(w.word, w.conf) for w in transcript.words] or [(transcript.text, 1.0)]
        heard = t("voice-heard", text=marked(words))
        if any(conf < UNSURE for _, conf in words):
            heard += "\n" + t("voice-heard-unsure")
        await message.answer(heard)
    await _card(message, bot, services, state)


async def _keep(
    message: Message,
    services: Services,
    state: FSMContext,
    attachment: Attachment,
    text: str | None,
    unsure: list[str] | None = None,
) -> bool:
    """Put the recording (and its transcript) into the draft; False when refused or repeated."""
    draft = await load_draft(state) or Draft()
    try:
        added = draft.add_message(
            message.message_id, services.draft_limits, text=text, attachment=attachment
        )
    except DraftRejected as problem:
        await message.answer(explain(services, problem))
        return False
    if not added:
        return False
    draft.unsure_words.extend(unsure or [])
    if text:
        classify_draft(services, draft)
    await save_draft(state, draft)
    return True


async def _card(message: Message, bot: Bot, services: Services, state: FSMContext) -> None:
    draft = await load_draft(state)
    if draft is not None:
        await show_card(bot, services, state, message.chat.id, draft)
