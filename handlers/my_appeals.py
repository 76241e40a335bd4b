"""«Мои обращения»: the citizen's own appeals, their status and history."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MyAction, MyCb
from bot.filters import Label
from bot.keyboards import (
    back_to_list_keyboard,
    done_writing_keyboard,
    main_keyboard,
    my_list_keyboard,
)
from bot.render import appeal_details
from core import services as core
from core.errors import NotFound
from core.model import Citizen
from handlers.active_case import start_writing, stop_writing
from priemnaya.bootstrap import Services

router = Router(name=__name__)
PAGE_SIZE = 8


async def _page(services: Services, citizen: Citizen, page: int) -> tuple[str, object] | None:
    assert citizen.id is not None
    items, total = await core.citizen_appeals(
        services.uow, citizen.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    if total == 0:
        return None
    has_next = (page + 1) * PAGE_SIZE < total
    return (
        services.texts("my-title", total=total),
        my_list_keyboard(services, items, page, has_next),
    )


@router.message(Command("my"))
@router.message(Label("kb-my-appeals"))
async def cmd_my(message: Message, services: Services, citizen: Citizen | None) -> None:
    page = await _page(services, citizen, 0) if citizen is not None else None
    if page is None:
        markup = main_keyboard(services.texts) if citizen and citizen.has_consent else None
        await message.answer(services.texts("my-empty"), reply_markup=markup)
        return
    text, markup = page
    await message.answer(text, reply_markup=markup)  # type: ignore[arg-type]


@router.callback_query(MyCb.filter(F.action == MyAction.LIST))
async def list_page(
    query: CallbackQuery, callback_data: MyCb, services: Services, citizen: Citizen | None
) -> None:
    page = await _page(services, citizen, max(callback_data.page, 0)) if citizen else None
    await query.answer()
    if page is None or query.message is None:
        return
    text, markup = page
    with contextlib.suppress(TelegramBadRequest):
        await query.bot.edit_message_text(  # type: ignore[union-attr]
            text=text,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=markup,  # type: ignore[arg-type]
        )


@router.callback_query(MyCb.filter(F.action == MyAction.VIEW))
async def appeal_opened(
    query: CallbackQuery, callback_data: MyCb, services: Services, citizen: Citizen | None
) -> None:
    """Details of one appeal — only the owner ever sees them, whatever the button says."""
    try:
        if citizen is None or citizen.id is None:
            raise NotFound(callback_data.appeal_id)
        appeal = await core.citizen_appeal(services.uow, citizen.id, callback_data.appeal_id)
    except NotFound:
        await query.answer(services.texts("appeal-not-found"), show_alert=True)
        return
    await query.answer()
    if query.message is None:
        return
    with contextlib.suppress(TelegramBadRequest):
        await query.bot.edit_message_text(  # type: ignore[union-attr]
            text=appeal_details(services, appeal),
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=back_to_list_keyboard(
                services.texts, callback_data.page, appeal.id if appeal.is_open else None
            ),
        )


@router.callback_query(MyCb.filter(F.action == MyAction.WRITE))
async def write_to_appeal(
    query: CallbackQuery,
    callback_data: MyCb,
    services: Services,
    state: FSMContext,
    citizen: Citizen | None,
) -> None:
    """«Дополнить обращение»: the appeal becomes the active one; what the citizen sends next
    goes to its topic until «Готово»."""
    t = services.texts
    try:
        if citizen is None or citizen.id is None:
            raise NotFound(callback_data.appeal_id)
        appeal = await core.citizen_appeal(services.uow, citizen.id, callback_data.appeal_id)
    except NotFound:
        await query.answer(t("appeal-not-found"), show_alert=True)
        return
    if not appeal.is_open:
        await query.answer(t("followup-closed", number=appeal.number), show_alert=True)
        return
    await query.answer()
    assert appeal.id is not None
    await start_writing(state, appeal.id, appeal.number)
    await query.bot.send_message(  # type: ignore[union-attr]
        query.from_user.id,
        t("active-start", number=appeal.number),
        reply_markup=done_writing_keyboard(t, appeal.id),
    )


@router.callback_query(MyCb.filter(F.action == MyAction.DONE))
async def done_writing(query: CallbackQuery, services: Services, state: FSMContext) -> None:
    number = await stop_writing(state)
    await query.answer()
    if query.message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
                chat_id=query.message.chat.id, message_id=query.message.message_id
            )
    if number is not None:
        await query.bot.send_message(  # type: ignore[union-attr]
            query.from_user.id, services.texts("active-done", number=number)
        )
