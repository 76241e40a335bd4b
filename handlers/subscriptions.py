"""Citizens follow sectors and places (/subscribe with toggle buttons, /unsubscribe), and
accept the offer to follow a new case's topic."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import SubscribeAction, SubscribeCb
from core import informing
from core import services as core
from core.broadcasts import Subscription, TopicKind
from core.directory import Municipality
from core.errors import ConsentRequired, NotFound
from core.model import Citizen
from priemnaya.bootstrap import Services

router = Router(name=__name__)


def summary(services: Services, sub: Subscription, places: list[Municipality]) -> str:
    t = services.texts
    names = {m.code: m.name for m in places}
    sectors = ", ".join(s.title for s in services.sectors if s.code in sub.sectors)
    where = ", ".join(names.get(c, c) for c in sorted(sub.places, key=lambda c: names.get(c, c)))
    return t("subscribe-summary", sectors=sectors, places=where or t("subscribe-whole-region"))


def _button(text: str, action: SubscribeAction, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=SubscribeCb(action=action, arg=arg).pack()
    )


def _toggles(
    services: Services,
    items: list[tuple[str, str]],
    chosen: frozenset[str],
    action: SubscribeAction,
) -> list[list[InlineKeyboardButton]]:
    t = services.texts
    buttons = [
        _button(t("subscribe-on" if code in chosen else "subscribe-off", name=name), action, code)
        for code, name in items
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def sectors_screen(
    services: Services, sub: Subscription, places: list[Municipality]
) -> tuple[str, InlineKeyboardMarkup]:
    t = services.texts
    if sub.active:
        where = ", ".join(m.name for m in places if m.code in sub.places)
        sectors = ", ".join(s.title for s in services.sectors if s.code in sub.sectors)
        state = t(
            "subscribe-current", sectors=sectors, places=where or t("subscribe-whole-region")
        )
    else:
        state = t("subscribe-none")
    text = "\n\n".join([t("subscribe-title"), t("subscribe-explain"), state])
    rows = _toggles(
        services,
        [(s.code, s.title) for s in services.sectors],
        sub.sectors,
        SubscribeAction.SECTOR,
    )
    if places:
        rows.append([_button(t("subscribe-btn-places"), SubscribeAction.PLACES)])
    last = [_button(t("subscribe-btn-done"), SubscribeAction.DONE)]
    if sub.active or sub.places:
        last.append(_button(t("subscribe-btn-stop"), SubscribeAction.STOP))
    rows.append(last)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def places_screen(
    services: Services, sub: Subscription, places: list[Municipality]
) -> tuple[str, InlineKeyboardMarkup]:
    t = services.texts
    text = "\n\n".join([t("subscribe-places-title"), t("subscribe-places-explain")])
    rows = _toggles(
        services, [(m.code, m.name) for m in places], sub.places, SubscribeAction.PLACE
    )
    rows.append(
        [
            _button(t("subscribe-btn-sectors"), SubscribeAction.SECTORS),
            _button(t("subscribe-btn-done"), SubscribeAction.DONE),
        ]
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("subscribe"))
async def cmd_subscribe(message: Message, services: Services, citizen: Citizen | None) -> None:
    if citizen is None or not citizen.has_consent:
        await message.answer(services.texts("subscribe-need-consent"))
        return
    sub = await informing.subscription(services.uow, citizen.tg_user_id or 0)
    places = await core.municipality_choices(services.uow)
    text, markup = sectors_screen(services, sub, places)
    await message.answer(text, reply_markup=markup)


@router.message(Command("unsubscribe"))
async def cmd_unsubscribe(message: Message, services: Services) -> None:
    assert message.from_user is not None
    stopped = await informing.unsubscribe(services.uow, message.from_user.id)
    await message.answer(services.texts("unsubscribe-done" if stopped else "unsubscribe-nothing"))


@router.callback_query(SubscribeCb.filter(F.action == SubscribeAction.FOLLOW))
async def offer_accepted(query: CallbackQuery, callback_data: SubscribeCb, services: Services):
    t = services.texts
    try:
        person = await core.get_citizen(services.uow, query.from_user.id)
        if person is None or person.id is None:
            raise ConsentRequired
        appeal = await core.citizen_appeal(services.uow, person.id, int(callback_data.arg))
        if appeal.sector is None:
            raise NotFound(appeal.id)
        await informing.follow(
            services.uow, services.clock, query.from_user.id, appeal.sector, appeal.municipality
        )
    except (ConsentRequired, NotFound, ValueError):
        await query.answer(t("subscribe-need-consent"), show_alert=True)
        return
    await query.answer(t("subscribe-offer-done"), show_alert=True)
    if isinstance(query.message, Message):  # the card keeps its text, the button goes
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


@router.callback_query(SubscribeCb.filter())
async def subscription_pressed(
    query: CallbackQuery, callback_data: SubscribeCb, services: Services
) -> None:
    t, uid = services.texts, query.from_user.id
    action = callback_data.action
    places = await core.municipality_choices(services.uow)
    try:
        if action is SubscribeAction.SECTOR and callback_data.arg in {
            s.code for s in services.sectors
        }:
            sub = await informing.toggle_topic(
                services.uow, services.clock, uid, TopicKind.SECTOR, callback_data.arg
            )
        elif action is SubscribeAction.PLACE and callback_data.arg in {m.code for m in places}:
            sub = await informing.toggle_topic(
                services.uow, services.clock, uid, TopicKind.PLACE, callback_data.arg
            )
        elif action is SubscribeAction.STOP:
            await informing.unsubscribe(services.uow, uid)
            await query.answer()
            await _replace(query, t("unsubscribe-done"), None)
            return
        else:
            sub = await informing.subscription(services.uow, uid)
    except ConsentRequired:
        await query.answer(t("subscribe-need-consent"), show_alert=True)
        return
    await query.answer()
    if action is SubscribeAction.DONE:
        if sub.active:
            await _replace(
                query, t("subscribe-saved", summary=summary(services, sub, places)), None
            )
        else:
            await _replace(query, t("subscribe-saved-none"), None)
        return
    on_places = action in (SubscribeAction.PLACE, SubscribeAction.PLACES)
    screen = places_screen if on_places else sectors_screen
    await _replace(query, *screen(services, sub, places))


async def _replace(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    message = query.message
    if not isinstance(message, Message):
        return
    with contextlib.suppress(TelegramBadRequest):  # a double press: nothing to change
        await message.edit_text(text, reply_markup=markup)
