"""Buttons of the draft card: send, edit, cancel, choose the sector."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Update

from bot.callbacks import DraftAction, DraftCb, PlaceCb, SectorCb
from bot.filters import Consented
from bot.informing_notices import offer_markup
from bot.keyboards import card_keyboard, edit_keyboard, place_keyboard, sector_keyboard
from bot.notifier import LEASE as CONFIRMATION_LEASE
from bot.notifier import NotificationSender
from core import services as core
from core.commands import SubmitAppeal
from core.draft import Draft, DraftRejected
from core.model import AppealStatus, Channel, Citizen
from handlers.drafts import drop_draft, load_draft, refresh_card, save_draft
from handlers.intake import AppealForm, explain
from priemnaya.bootstrap import Services

log = logging.getLogger(__name__)
router = Router(name=__name__)
router.callback_query.filter(Consented())


def idempotency_key(user_id: int, draft_id: str) -> str:
    return f"tg:{user_id}:{draft_id}"


def _sector_source(draft: Draft) -> str | None:
    if draft.sector is None:
        return None
    return "citizen" if draft.sector_chosen_by_citizen else "classifier"


async def _current(state: FSMContext, draft_id: str) -> Draft | None:
    draft = await load_draft(state)
    if draft is None or draft.id != draft_id:
        return None
    return draft


async def _set_markup(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    if query.message is None:
        return
    with contextlib.suppress(TelegramBadRequest):
        await query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=markup,
        )


@router.callback_query(DraftCb.filter(F.action == DraftAction.SUBMIT))
async def submit_pressed(
    query: CallbackQuery,
    callback_data: DraftCb,
    bot: Bot,
    services: Services,
    state: FSMContext,
    citizen: Citizen,
    sender: NotificationSender,
    event_update: Update,
) -> None:
    t = services.texts
    key = idempotency_key(query.from_user.id, callback_data.draft)
    draft = await _current(state, callback_data.draft)
    if draft is None:
        # A repeated press after the case was registered (or after a restart): same answer.
        async with services.uow() as uow:
            existing = await uow.appeals.get_by_idempotency_key(key)
        if existing is not None:
            await query.answer(
                t("appeal-already-registered", number=existing.number), show_alert=True
            )
        else:
            await query.answer(t("draft-missing"), show_alert=True)
        return
    problems = draft.problems_before_sending(services.draft_limits)
    if problems:
        await query.answer(explain(services, DraftRejected(problems[0])), show_alert=True)
        return
    assert citizen.id is not None
    submission = await core.submit_appeal(
        SubmitAppeal(
            text=draft.text,
            channel=Channel.BOT,
            idempotency_key=key,
            citizen_id=citizen.id,
            attachments=tuple(draft.attachment_objects()),
            location=draft.location_object(),
            municipality=draft.municipality if draft.municipality_chosen else None,
            sector=draft.sector,
            sector_confidence=draft.sector_confidence,
            sector_source=_sector_source(draft),
            sector_predicted=draft.sector_predicted,
            sector_reasons=tuple(draft.sector_reasons),
            notify_chat_id=query.from_user.id,
            deliver_within=CONFIRMATION_LEASE,
            meta={
                "update_id": event_update.update_id,
                # the official's card marks what the recogniser was unsure of
                **({"unsure_words": draft.unsure_words} if draft.unsure_words else {}),
                # what the recogniser heard in each recording, and what the citizen did with it
                **({"transcripts": draft.transcripts_for_appeal()} if draft.transcripts else {}),
            },
        ),
        services.uow,
        services.clock,
        services.deadlines,
    )
    # The case is committed: from here on nothing the citizen sent can be lost.
    await drop_draft(state)
    if submission.created:
        await query.answer()
    else:
        # A concurrent second press (or a redelivered update) found the case already registered.
        await query.answer(
            t("appeal-already-registered", number=submission.appeal.number), show_alert=True
        )
    if query.message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_text(
                text=t("card-submitted", number=submission.appeal.number),
                chat_id=query.from_user.id,
                message_id=query.message.message_id,
                reply_markup=await offer_markup(services, submission.appeal),
            )
    if submission.notification is not None:
        await sender.deliver_claimed(submission.notification)
    if submission.appeal.status is not AppealStatus.REGISTERED:
        sender.wake()  # routed or sent to triage: its group message is waiting in the outbox


@router.callback_query(DraftCb.filter(F.action == DraftAction.CANCEL))
async def cancel_pressed(
    query: CallbackQuery, callback_data: DraftCb, bot: Bot, services: Services, state: FSMContext
) -> None:
    draft = await _current(state, callback_data.draft)
    await query.answer()
    if draft is None:
        await _set_markup(query, InlineKeyboardMarkup(inline_keyboard=[]))
        return
    await drop_draft(state)
    if query.message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_text(
                text=services.texts("card-cancelled"),
                chat_id=query.from_user.id,
                message_id=query.message.message_id,
            )
    await bot.send_message(query.from_user.id, services.texts("cancel-done"))


@router.callback_query(DraftCb.filter())
async def edit_pressed(
    query: CallbackQuery, callback_data: DraftCb, bot: Bot, services: Services, state: FSMContext
) -> None:
    """The «Изменить» menu and its items."""
    t = services.texts
    draft = await _current(state, callback_data.draft)
    if draft is None:
        await query.answer(t("draft-missing"), show_alert=True)
        return
    await query.answer()
    match callback_data.action:
        case DraftAction.EDIT:
            await _set_markup(query, edit_keyboard(t, draft))
        case DraftAction.BACK:
            await _set_markup(query, card_keyboard(t, draft, services.sector_title))
        case DraftAction.SECTORS:
            order = None
            if services.classifier is not None and draft.text:
                order = [code for code, _ in services.classifier.classify(draft.text).ranking]
            await _set_markup(query, sector_keyboard(services, draft, order))
        case DraftAction.PLACES:
            choices = await core.municipality_choices(services.uow)
            await _set_markup(query, place_keyboard(t, draft, choices))
        case DraftAction.TEXT:
            await state.set_state(AppealForm.editing_text)
            await bot.send_message(query.from_user.id, t("edit-text-prompt"))
        case DraftAction.CLEAR_ATTACHMENTS:
            draft.clear_attachments()
            await save_draft(state, draft)
            await refresh_card(bot, services, query.from_user.id, draft)
        case DraftAction.CLEAR_LOCATION:
            draft.clear_location()
            await save_draft(state, draft)
            await refresh_card(bot, services, query.from_user.id, draft)


@router.callback_query(SectorCb.filter())
async def sector_chosen(
    query: CallbackQuery, callback_data: SectorCb, bot: Bot, services: Services, state: FSMContext
) -> None:
    t = services.texts
    draft = await _current(state, callback_data.draft)
    known = {s.code for s in services.sectors}
    if draft is None or callback_data.code not in known:
        await query.answer(
            t("draft-missing" if draft is None else "callback-invalid"), show_alert=True
        )
        return
    draft.set_sector(callback_data.code, confidence=None, by_citizen=True)
    await save_draft(state, draft)
    await query.answer(services.sector_title(callback_data.code))
    await refresh_card(bot, services, query.from_user.id, draft)


@router.callback_query(PlaceCb.filter())
async def place_chosen(
    query: CallbackQuery, callback_data: PlaceCb, bot: Bot, services: Services, state: FSMContext
) -> None:
    """A page of municipalities, or the one the citizen chose for the draft."""
    t = services.texts
    draft = await _current(state, callback_data.draft)
    if draft is None:
        await query.answer(t("draft-missing"), show_alert=True)
        return
    choices = await core.municipality_choices(services.uow)
    if callback_data.index < 0:
        await query.answer()
        await _set_markup(query, place_keyboard(t, draft, choices, callback_data.page))
        return
    if callback_data.index >= len(choices):
        await query.answer(t("callback-invalid"), show_alert=True)
        return
    chosen = choices[callback_data.index]
    draft.choose_municipality(chosen.code, chosen.name)
    await save_draft(state, draft)
    await query.answer(chosen.name)
    await refresh_card(bot, services, query.from_user.id, draft)
