"""A citizen's reply to a bot message about a case goes to the case's topic."""

from __future__ import annotations

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message

from bot.notifier import NotificationSender
from bot.pairing import edited_soon, is_fresh, until_paired
from bot.render import entities_of
from core import casework
from core.casework import Outcome
from priemnaya.bootstrap import Services

router = Router(name=__name__)


async def replies_to_the_bot(message: Message) -> bool:
    """A coroutine filter (a magic filter would cost a worker-thread hop per message)."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.is_bot


@router.message(replies_to_the_bot)
async def reply_about_a_case(
    message: Message, services: Services, sender: NotificationSender
) -> None:
    assert message.from_user is not None and message.reply_to_message is not None
    replied = message.reply_to_message
    # A quick reply to a message the outbox has just sent may come before the sender wrote
    # down which case it belongs to: look again for a moment.
    result = await until_paired(
        lambda: casework.citizen_followup(
            services.uow,
            services.clock,
            tg_user_id=message.from_user.id,  # type: ignore[union-attr]
            reply_to_message_id=replied.message_id,
            message_id=message.message_id,
            text=message.text or message.caption,
        ),
        lambda r: r.appeal is not None,
        is_fresh(replied.date, message.date),
    )
    if result.outcome is Outcome.NO_CASE and result.appeal is None:
        raise SkipHandler  # a reply to something else: an ordinary message for the draft
    assert result.appeal is not None
    t = services.texts
    if result.outcome is Outcome.CLOSED:
        await message.answer(t("followup-closed", number=result.appeal.number))
        return
    if result.outcome is Outcome.COMMENTED:
        await message.answer(t("feedback-comment-saved", number=result.appeal.number))
        return
    sender.wake()
    await message.answer(t("followup-sent", number=result.appeal.number))


@router.edited_message()
async def followup_edited(
    message: Message, services: Services, sender: NotificationSender
) -> None:
    """A follow-up the topic has a copy of was edited: so is the copy (else: the draft's)."""
    assert message.from_user is not None
    result = await until_paired(
        lambda: casework.citizen_edit(
            services.uow,
            services.clock,
            tg_user_id=message.from_user.id,  # type: ignore[union-attr]
            message_id=message.message_id,
            text=message.text if message.text is not None else message.caption,
            entities=entities_of(message),
            caption=message.text is None,
        ),
        lambda r: r.outcome is Outcome.RELAYED,
        edited_soon(message),
    )
    if result.outcome is not Outcome.RELAYED:
        raise SkipHandler
    sender.wake()
