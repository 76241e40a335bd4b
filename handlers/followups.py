"""A citizen's reply to a bot message about a case goes to the case's topic."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message

from bot.notifier import NotificationSender
from bot.render import entities_of
from core import casework
from core.casework import Outcome
from priemnaya.bootstrap import Services

router = Router(name=__name__)

LINK_RETRIES = 4
LINK_RETRY_SECONDS = 0.25
FRESH = timedelta(seconds=10)


def edited_soon(message: Message) -> bool:
    """Edited within moments of being sent (its relay may not have written its pair yet)."""
    sent_at = message.date.timestamp()
    return (message.edit_date or sent_at) - sent_at < FRESH.total_seconds()


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
    for attempt in range(LINK_RETRIES + 1):
        result = await casework.citizen_followup(
            services.uow,
            services.clock,
            tg_user_id=message.from_user.id,
            reply_to_message_id=replied.message_id,
            message_id=message.message_id,
            text=message.text or message.caption,
        )
        # A quick reply to a message the outbox has just sent may come before the sender
        # wrote down which case it belongs to: look again for a moment.
        fresh = message.date - replied.date < FRESH
        if result.appeal is not None or not fresh or attempt == LINK_RETRIES:
            break
        await asyncio.sleep(LINK_RETRY_SECONDS)
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
    for attempt in range(LINK_RETRIES + 1):
        result = await casework.citizen_edit(
            services.uow,
            services.clock,
            tg_user_id=message.from_user.id,
            message_id=message.message_id,
            text=message.text if message.text is not None else message.caption,
            entities=entities_of(message),
            caption=message.text is None,
        )
        # edited right after it was sent: its copy may be going out this very moment
        if (
            result.outcome is Outcome.RELAYED
            or not edited_soon(message)
            or attempt == LINK_RETRIES
        ):
            break
        await asyncio.sleep(LINK_RETRY_SECONDS)
    if result.outcome is not Outcome.RELAYED:
        raise SkipHandler
    sender.wake()
