"""The citizen's active appeal: chosen in /my with «Дополнить обращение», it receives what
the citizen sends next (text, photos, documents, a location, a voice note) until «Готово»."""

from __future__ import annotations

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ContentType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.filters import Consented, Label
from bot.keyboards import done_writing_keyboard
from bot.notifier import NotificationSender
from core import casework
from core.casework import Outcome
from priemnaya.bootstrap import Services

router = Router(name=__name__)
router.message.filter(Consented())

ACTIVE_KEY = "active_appeal"
ALBUM_KEY = "active_album"

#: What can be copied into the case's topic as it is.
RELAYABLE = {
    ContentType.TEXT,
    ContentType.PHOTO,
    ContentType.DOCUMENT,
    ContentType.VIDEO,
    ContentType.VOICE,
    ContentType.AUDIO,
    ContentType.VIDEO_NOTE,
    ContentType.LOCATION,
    ContentType.VENUE,
}


class ActiveCase(StatesGroup):
    writing = State()


async def start_writing(state: FSMContext, appeal_id: int, number: str) -> None:
    """Make the appeal the active one (a draft in progress stays where it is)."""
    await state.set_state(ActiveCase.writing)
    await state.update_data({ACTIVE_KEY: {"id": appeal_id, "number": number}, ALBUM_KEY: None})


async def stop_writing(state: FSMContext) -> str | None:
    """Leave the active appeal; its number, or None when none was active."""
    data = await state.get_data()
    active = data.get(ACTIVE_KEY)
    if await state.get_state() == ActiveCase.writing.state:
        await state.set_state(None)
    await state.update_data({ACTIVE_KEY: None, ALBUM_KEY: None})
    return active["number"] if active else None


@router.message(ActiveCase.writing, Command("cancel"))
async def cancel_writing(message: Message, services: Services, state: FSMContext) -> None:
    number = await stop_writing(state)
    await message.answer(services.texts("active-done", number=number or "—"))


@router.message(ActiveCase.writing, Command("new"))
@router.message(ActiveCase.writing, Label("kb-new-appeal"))
async def new_instead(state: FSMContext) -> None:
    """A new appeal ends the writing; the intake router then starts it."""
    await stop_writing(state)
    raise SkipHandler


async def not_a_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")


@router.message(ActiveCase.writing, not_a_command)
async def add_to_active(
    message: Message, services: Services, state: FSMContext, sender: NotificationSender
) -> None:
    assert message.from_user is not None
    t = services.texts
    data = await state.get_data()
    active = data.get(ACTIVE_KEY)
    if not active:
        await state.set_state(None)
        raise SkipHandler  # the state outlived its data: an ordinary message for the draft
    if message.content_type not in RELAYABLE:
        await message.answer(t("active-unsupported"))
        return
    result = await casework.citizen_message(
        services.uow,
        services.clock,
        tg_user_id=message.from_user.id,
        appeal_id=active["id"],
        message_id=message.message_id,
        text=message.text or message.caption,
    )
    if result.outcome is Outcome.CLOSED or result.appeal is None:
        await stop_writing(state)
        await message.answer(t("followup-closed", number=active["number"]))
        return
    sender.wake()
    album = message.media_group_id
    if album is not None and data.get(ALBUM_KEY) == album:
        return  # one answer per album
    await state.update_data({ALBUM_KEY: album})
    await message.answer(
        t("active-added", number=active["number"]),
        reply_markup=done_writing_keyboard(t, active["id"]),
    )
