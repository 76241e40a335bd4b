"""Voice notes, audio files and round videos: transcribed offline (Vosk) into the draft's text.

The bot answers «Я расслышал: …» with three buttons: «✅ Верно» (then the card), «✏️ Исправить
текстом» (the next text replaces the transcript) and «📨 Отправить как есть» (the card's own
submit). The recording itself is attached to the appeal and the transcript kept with it, so the
official hears what was said even where the recogniser was unsure; a recording that cannot be
used is refused with the reason.
"""

from __future__ import annotations

import contextlib
import io
import logging
from functools import partial

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    Audio,
    CallbackQuery,
    Document,
    InlineKeyboardMarkup,
    Message,
    Video,
    VideoNote,
    Voice,
)

from bot.callbacks import VoiceAction, VoiceCb
from bot.filters import Consented
from bot.keyboards import voice_check_keyboard
from core.draft import UNSURE_CONFIDENCE, Draft, DraftProblem, DraftRejected
from core.model import Attachment, AttachmentKind
from handlers.drafts import classify_draft, load_draft, save_draft, show_card
from handlers.intake import explain
from priemnaya.bootstrap import Services
from voice.audio import AudioError, AudioTooLong, SilentAudio, decode_audio

log = logging.getLogger(__name__)
router = Router(name=__name__)
router.message.filter(Consented())
router.callback_query.filter(Consented())

UNSURE = UNSURE_CONFIDENCE  # words below this confidence are marked for the citizen
FIX_KEY = "voice_fix"  # FSM data: the recording's message whose transcript is being rewritten
_AUDIO_FILE = F.document.mime_type.startswith("audio/")  # a recording sent as a file
_KINDS = {
    Voice: AttachmentKind.VOICE,
    Audio: AttachmentKind.AUDIO,
    VideoNote: AttachmentKind.VIDEO_NOTE,
    Document: AttachmentKind.DOCUMENT,
}


class VoiceForm(StatesGroup):
    correcting = State()  # the citizen is typing what the recording says


Media = Voice | Audio | VideoNote | Video | Document


def recording_of(message: Message) -> tuple[Media, Attachment]:
    """The recording a message carries and the attachment that keeps it."""
    media: Media | None = message.voice or message.audio or message.video_note or message.document
    if media is None:  # the router's filter admits only the kinds above
        raise ValueError("no recording in this message")
    kind = _KINDS.get(type(media), AttachmentKind.VIDEO)
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


@router.message(F.voice | F.audio | F.video_note | _AUDIO_FILE)
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
    words = [(w.word, w.conf) for w in transcript.words] or [(transcript.text, 1.0)]
    if not await _keep(message, services, state, attachment, transcript.text or None, words):
        return
    if transcript.is_empty:
        await message.answer(t("voice-no-speech"))
        await _card(message, bot, services, state)
        return
    heard = t("voice-heard", text=marked(words))
    if any(conf < UNSURE for _, conf in words):
        heard += "\n" + t("voice-heard-unsure")
    draft = await load_draft(state)
    assert draft is not None
    await message.answer(heard, reply_markup=voice_check_keyboard(t, draft, message.message_id))


async def _keep(
    message: Message,
    services: Services,
    state: FSMContext,
    attachment: Attachment,
    text: str | None,
    words: list[tuple[str, float]] | None = None,
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
    if text:
        draft.add_transcript(message.message_id, attachment.file_unique_id, text, words or [])
        classify_draft(services, draft)
    await save_draft(state, draft)
    return True


async def _card(message: Message, bot: Bot, services: Services, state: FSMContext) -> None:
    draft = await load_draft(state)
    if draft is not None:
        await show_card(bot, services, state, message.chat.id, draft)


async def _close_question(query: CallbackQuery, note: str) -> None:
    """Take the buttons off «Я расслышал: …» and say what was decided under it."""
    message = query.message
    if not isinstance(message, Message) or query.bot is None:
        return
    with contextlib.suppress(TelegramBadRequest):
        await query.bot.edit_message_text(
            text=f"{message.html_text}\n\n{note}",
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[]),
        )


@router.callback_query(VoiceCb.filter())
async def transcript_checked(
    query: CallbackQuery, callback_data: VoiceCb, bot: Bot, services: Services, state: FSMContext
) -> None:
    """«✅ Верно» shows the card; «✏️ Исправить текстом» waits for the citizen's text."""
    t = services.texts
    draft = await load_draft(state)
    if draft is None or draft.id != callback_data.draft:
        await query.answer(t("draft-missing"), show_alert=True)
        return
    if draft.transcript(callback_data.msg) is None:
        await query.answer(t("voice-check-missing"), show_alert=True)
        return
    await query.answer()
    chat_id = query.from_user.id
    if callback_data.action is VoiceAction.CONFIRM:
        draft.confirm_transcript(callback_data.msg)
        await save_draft(state, draft)
        await _close_question(query, t("voice-confirmed"))
        await show_card(bot, services, state, chat_id, draft)
        return
    await state.set_state(VoiceForm.correcting)
    await state.update_data({FIX_KEY: callback_data.msg})
    await _close_question(query, t("btn-voice-fix"))
    await bot.send_message(chat_id, t("voice-fix-prompt"))


@router.message(VoiceForm.correcting, F.text, ~F.text.startswith("/"))
async def transcript_rewritten(
    message: Message, bot: Bot, services: Services, state: FSMContext
) -> None:
    """The citizen's text replaces the transcript (the recording and what was heard stay)."""
    t = services.texts
    draft = await load_draft(state) or Draft()
    message_id = (await state.get_data()).get(FIX_KEY)
    try:
        found = isinstance(message_id, int) and draft.correct_transcript(
            message_id, message.text or "", services.draft_limits
        )
    except DraftRejected as problem:
        await message.answer(explain(services, problem))
        return
    await state.set_state(None)
    await state.update_data({FIX_KEY: None})
    if not found:  # the recording left the draft meanwhile: the text is an ordinary piece
        try:
            draft.add_message(message.message_id, services.draft_limits, text=message.text)
        except DraftRejected as problem:
            await message.answer(explain(services, problem))
            return
    else:
        await message.answer(t("voice-fix-done"))
    classify_draft(services, draft)
    await save_draft(state, draft)
    await show_card(bot, services, state, message.chat.id, draft)
