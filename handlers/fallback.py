"""What the bot does not understand gets a clear answer; forged buttons are refused."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.keyboards import consent_keyboard
from priemnaya.bootstrap import Services

router = Router(name=__name__)  # private chats, after every other citizen router
anywhere = Router(name=__name__ + ".anywhere")  # callbacks and groups, last of all

CONTENT = (
    F.text
    | F.photo
    | F.document
    | F.video
    | F.location
    | F.venue
    | F.contact
    | F.voice
    | F.audio
    | F.video_note
)


@router.message(F.sticker)
async def sticker_received(message: Message, services: Services) -> None:
    await message.answer(services.texts("unsupported-sticker"))


@router.message(F.poll)
async def poll_received(message: Message, services: Services) -> None:
    await message.answer(services.texts("unsupported-poll"))


@router.message(F.dice)
async def dice_received(message: Message, services: Services) -> None:
    await message.answer(services.texts("unsupported-dice"))


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message, services: Services) -> None:
    await message.answer(services.texts("help"))


@router.message(CONTENT)
async def content_without_consent(message: Message, services: Services) -> None:
    """Consented citizens never reach here: their content is taken by the intake router."""
    await _ask_consent(message, services)


@router.edited_message()
async def edit_without_draft(message: Message, services: Services) -> None:
    await message.answer(services.texts("edited-after-submit"))


@router.message()
async def anything_else(message: Message, services: Services) -> None:
    await message.answer(services.texts("unsupported-other"))


async def _ask_consent(message: Message, services: Services) -> None:
    t = services.texts
    await message.answer(t("consent-required"))
    await message.answer(t("consent-request"), reply_markup=consent_keyboard(t))


@anywhere.callback_query()
async def unknown_button(query: CallbackQuery, services: Services) -> None:
    """Forged, outdated or foreign callback data: refuse politely, reveal nothing."""
    await query.answer(services.texts("callback-invalid"), show_alert=True)
