"""Composing an appeal: text, photos (albums), documents and a location gather into a draft."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.filters import Consented, Label
from bot.keyboards import main_keyboard
from core import services as core
from core.draft import Draft, DraftProblem, DraftRejected
from core.model import Attachment, AttachmentKind, Location
from handlers.drafts import classify_draft, drop_draft, load_draft, save_draft, show_card
from priemnaya.bootstrap import Services

log = logging.getLogger(__name__)
router = Router(name=__name__)
router.message.filter(Consented())
router.edited_message.filter(Consented())

_pending_cards: set[asyncio.Task[None]] = set()
MB = 1024 * 1024


class AppealForm(StatesGroup):
    editing_text = State()


def message_parts(message: Message) -> tuple[str | None, Attachment | None, Location | None]:
    """The text, the attachment and the place a message carries."""
    text = message.text or message.caption
    attachment = None
    if message.photo:
        best = message.photo[-1]
        attachment = Attachment(
            AttachmentKind.PHOTO, best.file_id, best.file_unique_id, file_size=best.file_size
        )
    elif message.document:
        doc = message.document
        attachment = Attachment(
            AttachmentKind.DOCUMENT,
            doc.file_id,
            doc.file_unique_id,
            file_name=doc.file_name,
            mime_type=doc.mime_type,
            file_size=doc.file_size,
        )
    elif message.video:
        video = message.video
        attachment = Attachment(
            AttachmentKind.VIDEO,
            video.file_id,
            video.file_unique_id,
            file_name=video.file_name,
            mime_type=video.mime_type,
            file_size=video.file_size,
        )
    location = None
    if message.venue:
        venue = message.venue
        location = Location(
            venue.location.latitude,
            venue.location.longitude,
            ", ".join(p for p in (venue.title, venue.address) if p),
        )
    elif message.location:
        location = Location(message.location.latitude, message.location.longitude)
    return text, attachment, location


def explain(services: Services, problem: DraftRejected) -> str:
    t = services.texts
    d = problem.details
    match problem.problem:
        case DraftProblem.TEXT_TOO_LONG:
            return t("draft-text-too-long", length=d["length"], limit=d["limit"])
        case DraftProblem.FILE_TOO_BIG:
            return t(
                "draft-file-too-big",
                size=f"{d['size'] / MB:.1f}".replace(".", ","),
                limit=d["limit"] // MB,
            )
        case DraftProblem.TOO_MANY_ATTACHMENTS:
            return t("draft-too-many-attachments", limit=d["limit"])
        case DraftProblem.TEXT_TOO_SHORT:
            return t("draft-text-too-short", min=services.settings.appeal_text_min_chars)
        case _:
            return t("draft-need-text")


@router.message(Command("new"))
@router.message(Label("kb-new-appeal"))
async def cmd_new(message: Message, bot: Bot, services: Services, state: FSMContext) -> None:
    draft = await load_draft(state)
    if draft is not None and not draft.is_empty:
        await message.answer(services.texts("new-appeal-draft-exists"))
        await show_card(bot, services, state, message.chat.id, draft)
        return
    await message.answer(
        services.texts("new-appeal-prompt"), reply_markup=main_keyboard(services.texts)
    )


@router.message(Command("cancel"))
async def cmd_cancel(message: Message, bot: Bot, services: Services, state: FSMContext) -> None:
    draft = await load_draft(state)
    await drop_draft(state)
    if draft is None or draft.is_empty:
        await message.answer(services.texts("cancel-nothing"))
        return
    if draft.card_message_id is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_text(
                text=services.texts("card-cancelled"),
                chat_id=message.chat.id,
                message_id=draft.card_message_id,
            )
    await message.answer(services.texts("cancel-done"), reply_markup=main_keyboard(services.texts))


@router.message(AppealForm.editing_text, F.text, ~F.text.startswith("/"))
async def text_replaced(message: Message, bot: Bot, services: Services, state: FSMContext) -> None:
    draft = await load_draft(state) or Draft()
    try:
        draft.replace_text(message.message_id, message.text or "", services.draft_limits)
    except DraftRejected as problem:
        await message.answer(explain(services, problem))
        return
    await state.set_state(None)
    classify_draft(services, draft)
    await show_card(bot, services, state, message.chat.id, draft)


@router.message(F.contact)
async def contact_shared(message: Message, services: Services) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if contact.user_id != message.from_user.id:
        await message.answer(services.texts("contact-not-own"))
        return
    await core.save_phone(services.uow, message.from_user.id, contact.phone_number)
    await message.answer(services.texts("contact-saved"))


async def _add(message: Message, services: Services, state: FSMContext) -> Draft | None:
    """Add a message to the draft; None when refused (the citizen has been told why)."""
    draft = await load_draft(state) or Draft()
    text, attachment, location = message_parts(message)
    try:
        added = draft.add_message(
            message.message_id,
            services.draft_limits,
            text=text,
            attachment=attachment,
            location=location,
        )
    except DraftRejected as problem:
        await message.answer(explain(services, problem))
        return None
    if not added:
        return None
    if text:
        classify_draft(services, draft)
    await save_draft(state, draft)
    return draft


@router.message(F.media_group_id, F.photo | F.document | F.video)
async def album_part_received(
    message: Message, bot: Bot, services: Services, state: FSMContext, dispatcher: Dispatcher
) -> None:
    """Album parts arrive as separate updates: collect them, show one card when they settle."""
    draft = await _add(message, services, state)
    if draft is None or message.media_group_id in draft.album_ids:
        return
    draft.album_ids.append(message.media_group_id or "")
    await save_draft(state, draft)
    task = asyncio.create_task(_album_settled(bot, services, state, dispatcher, message.chat.id))
    _pending_cards.add(task)
    task.add_done_callback(_pending_cards.discard)


async def _album_settled(
    bot: Bot, services: Services, state: FSMContext, dispatcher: Dispatcher, chat_id: int
) -> None:
    await asyncio.sleep(services.settings.album_settle_seconds)
    try:
        async with dispatcher.fsm.events_isolation.lock(state.key):
            draft = await load_draft(state)
            if draft is not None:
                await show_card(bot, services, state, chat_id, draft)
    except Exception:
        log.exception("could not show the card after an album")


@router.message(F.text & ~F.text.startswith("/"))
@router.message(F.photo | F.document | F.video | F.location | F.venue)
async def piece_received(
    message: Message, bot: Bot, services: Services, state: FSMContext
) -> None:
    draft = await _add(message, services, state)
    if draft is not None:
        await show_card(bot, services, state, message.chat.id, draft)


@router.edited_message(F.text | F.caption)
async def piece_edited(message: Message, bot: Bot, services: Services, state: FSMContext) -> None:
    draft = await load_draft(state)
    text = message.text or message.caption or ""
    try:
        changed = draft is not None and draft.edit_piece(
            message.message_id, text, services.draft_limits
        )
    except DraftRejected as problem:
        await message.answer(explain(services, problem))
        return
    if not changed or draft is None:
        await message.answer(services.texts("edited-after-submit"))
        return
    classify_draft(services, draft)
    await save_draft(state, draft)
    await message.answer(services.texts("draft-text-edited"))
    await show_card(bot, services, state, message.chat.id, draft)
