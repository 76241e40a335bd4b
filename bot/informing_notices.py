"""Outbox notices of targeted informing to a citizen: the offer to follow a new case's sector
and place, and the automatic answer that their problem is a known, announced outage."""

from __future__ import annotations

from html import escape

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import SubscribeAction, SubscribeCb
from core import informing
from core import services as core
from core.errors import NotFound
from core.notifications import Notification, NotificationKind
from priemnaya.bootstrap import Services

KNOWN_ISSUE_CHARS = 3500  # the announcement quoted in the answer (a message holds 4096)
KINDS = frozenset({NotificationKind.SUBSCRIBE_OFFER, NotificationKind.KNOWN_ISSUE})


async def deliver(bot: Bot, services: Services, n: Notification) -> None:
    if n.kind is NotificationKind.SUBSCRIBE_OFFER:
        await _offer(bot, services, n)
    else:
        await _known_issue(bot, services, n)


async def _offer(bot: Bot, services: Services, n: Notification) -> None:
    t = services.texts
    sector, place = n.payload.get("sector"), n.payload.get("place")
    if not sector or n.appeal_id is None:
        return
    current = await informing.subscription(services.uow, n.chat_id)
    if current.follows(sector, place):
        return  # subscribed meanwhile
    directory = await core.load_directory(services.uow)
    municipality = directory.municipality(place)
    topic = services.sector_title(sector)
    if municipality is not None:
        topic = t("subscribe-offer-topic", sector=topic, place=municipality.name)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("subscribe-offer-yes"),
                    callback_data=SubscribeCb(
                        action=SubscribeAction.FOLLOW, arg=str(n.appeal_id)
                    ).pack(),
                ),
                InlineKeyboardButton(
                    text=t("subscribe-offer-no"),
                    callback_data=SubscribeCb(action=SubscribeAction.DONE, arg="offer").pack(),
                ),
            ]
        ]
    )
    await bot.send_message(
        n.chat_id, t("subscribe-offer", topic=escape(topic)), reply_markup=markup
    )


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
