"""Greeting, consent to personal-data processing (152-ФЗ), help."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.callbacks import ConsentAction, ConsentCb
from bot.filters import Label
from bot.keyboards import consent_keyboard, main_keyboard
from core import services as core
from core.model import Citizen
from priemnaya.bootstrap import Services

router = Router(name=__name__)


def _name(message: Message | CallbackQuery) -> str:
    user = message.from_user
    return user.first_name if user and user.first_name else "гражданин"


@router.message(CommandStart())
async def cmd_start(message: Message, services: Services, citizen: Citizen | None) -> None:
    t = services.texts
    if citizen is not None and citizen.has_consent:
        await message.answer(
            t("start-greeting-back", name=_name(message)), reply_markup=main_keyboard(t)
        )
        return
    await message.answer(t("start-greeting", name=_name(message)))
    await message.answer(t("consent-request"), reply_markup=consent_keyboard(t))


@router.callback_query(ConsentCb.filter(F.action == ConsentAction.ACCEPT))
async def consent_accepted(
    query: CallbackQuery, services: Services, citizen: Citizen | None
) -> None:
    t = services.texts
    already = citizen is not None and citizen.has_consent
    if not already:
        await core.give_consent(
            services.uow,
            services.clock,
            query.from_user.id,
            version=services.settings.consent_version,
            full_name=query.from_user.full_name,  # how the official addresses the citizen
        )
    await query.answer()
    if query.message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
                chat_id=query.message.chat.id, message_id=query.message.message_id
            )
    await query.bot.send_message(  # type: ignore[union-attr]
        query.from_user.id,
        t("consent-already" if already else "consent-accepted"),
        reply_markup=main_keyboard(t),
    )


@router.callback_query(ConsentCb.filter(F.action == ConsentAction.DECLINE))
async def consent_declined(query: CallbackQuery, services: Services) -> None:
    await query.answer()
    await query.bot.send_message(  # type: ignore[union-attr]
        query.from_user.id,
        services.texts("consent-declined"),
        reply_markup=ReplyKeyboardRemove(),
    )


@router.message(Command("help"))
@router.message(Label("kb-help"))
async def cmd_help(message: Message, services: Services, citizen: Citizen | None) -> None:
    t = services.texts
    markup = main_keyboard(t) if citizen is not None and citizen.has_consent else None
    await message.answer(t("help"), reply_markup=markup)


@router.message(Command("revoke"))
async def cmd_revoke(message: Message, services: Services, state: FSMContext) -> None:
    t = services.texts
    assert message.from_user is not None
    revoked = await core.withdraw_consent(services.uow, message.from_user.id)
    await state.clear()
    await message.answer(
        t("consent-revoked" if revoked else "consent-revoke-nothing"),
        reply_markup=ReplyKeyboardRemove(),
    )
