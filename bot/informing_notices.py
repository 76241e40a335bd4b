"""Targeted informing around a new case: the submitted card's offer to follow its sector and
place, and the outbox notice that the problem is a known, announced outage."""

from __future__ import annotations

from html import escape

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import SubscribeAction, SubscribeCb
from core import informing
from core.errors import NotFound
from core.model import Appeal
from core.notifications import Notification, NotificationKind
from priemnaya.bootstrap import Services

KNOWN_ISSUE_CHARS = 3500  # the announcement quoted in the answer (a message holds 4096)
KINDS = frozenset({NotificationKind.KNOWN_ISSUE})


async def deliver(bot: Bot, services: Services, n: Notification) -> None:
    await _known_issue(bot, services, n)


async def offer_markup(services: Services, appeal: Appeal) -> InlineKeyboardMarkup | None:
    """The submitted card's button: follow the new case's sector and place — unless the
    citizen already does (or the case has no sector)."""
    if appeal.sector is None or appeal.id is None or appeal.citizen_id is None:
        return None
    async with services.uow() as uow:
        current = await uow.subscriptions.of(appeal.citizen_id)
        directory = await uow.directory.load()
    if current.follows(appeal.sector, appeal.municipality):
        return None
    t = services.texts
    topic = services.sector_title(appeal.sector)
    municipality = directory.municipality(appeal.municipality)
    if municipality is not None:
        topic = t("subscribe-offer-topic", sector=topic, place=municipality.name)
    data = SubscribeCb(action=SubscribeAction.FOLLOW, arg=str(appeal.id)).pack()
    button = InlineKeyboardButton(text=t("subscribe-offer", topic=topic), callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def _known_issue(bot: Bot, services: Services, n: Notification) -> None:
    try:
        broadcast = await informing.get_broadcast(services.uow, int(n.payload["broadcast"]))
    except NotFound:
        return
    text = services.texts(
        "known-issue-answer",
        number=n.payload.get("number", ""),
        text=escape(broadcast.text[:KNOWN_ISSUE_CHARS]),
    )
    await bot.send_message(n.chat_id, text)
