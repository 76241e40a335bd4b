"""Authority groups: what officials write in a case's topic, and the buttons on its card."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CaseAction, CaseCb
from bot.notifier import NotificationSender
from core import casework
from core.casework import Outcome
from priemnaya.bootstrap import Services

router = Router(name=__name__)


# Filters are coroutines: aiogram runs plain callables and magic filters in a worker thread,
# a round-trip every private message would pay for on its way past this router.
async def in_case_topic(message: Message) -> bool:
    """A person's content message in a forum topic (not a service message, not a bot)."""
    return (
        message.chat.type == "supergroup"
        and bool(message.is_topic_message)
        and message.from_user is not None
        and not message.from_user.is_bot
        and message.content_type in _CONTENT
    )


_CONTENT = frozenset(
    {"text", "photo", "document", "voice", "audio", "video", "video_note", "location"}
)


@router.message(in_case_topic)
async def official_wrote(message: Message, services: Services, sender: NotificationSender) -> None:
    assert message.from_user is not None and message.message_thread_id is not None
    result = await casework.official_message(
        services.uow,
        services.clock,
        chat_id=message.chat.id,
        thread_id=message.message_thread_id,
        tg_user_id=message.from_user.id,
        message_id=message.message_id,
        text=message.text or message.caption,
    )
    t = services.texts
    if result.outcome is Outcome.RELAYED:
        sender.wake()
    elif result.outcome is Outcome.NOT_OFFICIAL:
        await message.reply(t("case-not-official"))
    elif result.outcome is Outcome.NO_CITIZEN:
        await message.reply(t("case-no-citizen"))


@router.callback_query(CaseCb.filter(F.action == CaseAction.TAKE))
async def take_pressed(
    query: CallbackQuery,
    callback_data: CaseCb,
    services: Services,
    sender: NotificationSender,
) -> None:
    t = services.texts
    chat_id = query.message.chat.id if query.message is not None else 0
    result = await casework.take_case(
        services.uow,
        services.clock,
        appeal_id=callback_data.appeal_id,
        chat_id=chat_id,
        tg_user_id=query.from_user.id,
    )
    if result.outcome is Outcome.NOT_OFFICIAL or result.outcome is Outcome.NO_CASE:
        await query.answer(t("case-not-official"), show_alert=True)
        return
    if result.outcome is Outcome.ALREADY:
        await query.answer(t("case-already-taken"))
        return
    if result.outcome is Outcome.CLOSED:
        await query.answer(t("case-is-closed"), show_alert=True)
        return
    assert result.appeal is not None and result.official is not None
    await query.answer(t("case-taken-by", official=result.official.full_name))
    await sender.desk.refresh_card(result.appeal)
    sender.wake()
