"""The citizen's word on a closed case: solved / partly / not solved, then a 1–5 rating, then
an optional comment (a reply to the thank-you message)."""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import FeedbackCb, RateCb
from bot.notifier import NotificationSender
from core import casework
from core.desk import LinkDirection
from core.feedback import RATINGS, FeedbackOutcome, give_verdict, rate
from core.model import Verdict
from priemnaya.bootstrap import Services

router = Router(name=__name__)


def rating_markup(appeal_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{'⭐' if stars == 5 else ''}{stars}",
                    callback_data=RateCb(appeal_id=appeal_id, stars=stars).pack(),
                )
                for stars in RATINGS
            ]
        ]
    )


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # an old message may not be editable
            await query.message.edit_text(text, reply_markup=markup)


@router.callback_query(FeedbackCb.filter())
async def verdict_pressed(
    query: CallbackQuery,
    callback_data: FeedbackCb,
    services: Services,
    sender: NotificationSender,
) -> None:
    t = services.texts
    try:
        verdict = Verdict(callback_data.verdict)
    except ValueError:
        await query.answer(t("appeal-not-found"), show_alert=True)
        return
    result = await give_verdict(
        services.uow,
        services.clock,
        services.deadlines,
        tg_user_id=query.from_user.id,
        appeal_id=callback_data.appeal_id,
        verdict=verdict,
    )
    if result.outcome in (FeedbackOutcome.NOT_YOURS, FeedbackOutcome.INVALID):
        await query.answer(t("appeal-not-found"), show_alert=True)
        return
    if result.outcome in (FeedbackOutcome.ALREADY, FeedbackOutcome.NOT_CLOSED):
        await query.answer(t("feedback-already"), show_alert=True)
        return
    assert result.appeal is not None and result.appeal.id is not None
    number = result.appeal.number
    key = "feedback-reopened" if result.outcome is FeedbackOutcome.REOPENED else "feedback-thanks"
    await _edit(
        query,
        t(key, number=number, verdict=t(f"verdict-{verdict.value}")),
        rating_markup(result.appeal.id),
    )
    await query.answer()  # after the edit: the rating buttons are there when it ends
    if result.outcome is FeedbackOutcome.REOPENED:
        await sender.desk.refresh_card(result.appeal)
        sender.wake()


@router.callback_query(RateCb.filter())
async def rating_pressed(query: CallbackQuery, callback_data: RateCb, services: Services) -> None:
    t = services.texts
    result = await rate(
        services.uow,
        services.clock,
        tg_user_id=query.from_user.id,
        appeal_id=callback_data.appeal_id,
        stars=callback_data.stars,
    )
    if result.outcome in (FeedbackOutcome.NOT_YOURS, FeedbackOutcome.INVALID):
        await query.answer(t("appeal-not-found"), show_alert=True)
        return
    if result.outcome is not FeedbackOutcome.RECORDED:
        await query.answer(t("feedback-already"), show_alert=True)
        return
    assert result.appeal is not None and result.appeal.id is not None
    await _edit(
        query, t("feedback-rated", number=result.appeal.number, stars=callback_data.stars), None
    )
    if isinstance(query.message, Message):  # a reply to it is a comment on the result
        await casework.link_notice(
            services.uow,
            result.appeal.id,
            query.from_user.id,
            query.message.message_id,
            LinkDirection.FEEDBACK,
        )
    await query.answer()
