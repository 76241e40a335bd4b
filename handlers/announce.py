"""Officials and the ЦУР announce in their group: /announce → text (or photo) → sectors →
places → known issue? → poll? → preview with the number of recipients → send. The progress
message then shows sent / failed / left and has the broadcast's buttons (stop, poll
results, close the poll, lift the known issue). Poll answers come back as poll updates."""

from __future__ import annotations

import contextlib
from html import escape
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Poll

from bot.broadcaster import Broadcaster
from bot.callbacks import AnnounceAction, AnnounceCb, BroadcastAction, BroadcastCb
from core import informing
from core import services as core
from core.broadcasts import (
    CAPTION_CHARS,
    OUTAGE_DAYS,
    TEXT_CHARS,
    AnnouncementDraft,
    PollError,
    PollSpec,
    parse_poll,
)
from core.errors import NotFound
from priemnaya.bootstrap import Services

CANCEL_WORDS = frozenset({"отмена", "/cancel", "отменить"})


# Filters are coroutines: aiogram runs magic filters in a worker thread, a round-trip every
# citizen's message would pay for on its way past this router (see handlers/desk.py).
async def in_group(message: Message) -> bool:
    return message.chat.type in ("group", "supergroup")


async def cancel_word(message: Message) -> bool:
    return (message.text or "").strip().lower() in CANCEL_WORDS


router = Router(name=__name__)
router.message.filter(in_group)
ALL = "*"


class AnnounceForm(StatesGroup):
    text = State()
    sectors = State()
    places = State()
    outage = State()
    poll_choice = State()
    poll = State()
    preview = State()


async def _rights(services: Services, chat_id: int, user_id: int) -> informing.Announcer | None:
    directory = await core.load_directory(services.uow)
    return informing.announcer(directory, chat_id, user_id, services.settings.curator_chat_id)


def _draft(data: dict[str, Any]) -> AnnouncementDraft:
    poll = data.get("poll")
    return AnnouncementDraft(
        chat_id=data["chat_id"],
        author_tg_id=data["author_tg_id"],
        author_name=data["author_name"],
        authority=data.get("authority"),
        text=data.get("text", ""),
        photo_file_id=data.get("photo"),
        sectors=list(data.get("sectors", [])),
        places=list(data.get("places", [])),
        outage_days=int(data.get("outage_days", 0)),
        poll=PollSpec(poll["question"], tuple(poll["options"])) if poll else None,
    )


def _cb(action: AnnounceAction, arg: str = "") -> str:
    return AnnounceCb(action=action, arg=arg).pack()


def _toggle_rows(
    services: Services, items: list[tuple[str, str]], chosen: list[str], action: AnnounceAction
) -> list[list[InlineKeyboardButton]]:
    t = services.texts
    buttons = [
        InlineKeyboardButton(
            text=t("subscribe-on" if code in chosen else "subscribe-off", name=name),
            callback_data=_cb(action, code),
        )
        for code, name in items
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _nav(services: Services) -> list[InlineKeyboardButton]:
    t = services.texts
    return [
        InlineKeyboardButton(text=t("announce-btn-next"), callback_data=_cb(AnnounceAction.NEXT)),
        InlineKeyboardButton(
            text=t("announce-btn-cancel"), callback_data=_cb(AnnounceAction.CANCEL)
        ),
    ]


def sectors_markup(services: Services, data: dict[str, Any]) -> InlineKeyboardMarkup:
    chosen = data.get("sectors", [])
    items = [(s.code, s.title) for s in services.sectors]
    if data.get("curator"):
        items.insert(0, (ALL, services.texts("announce-all-sectors").removeprefix("🌐 ")))
        chosen = chosen or ([ALL] if data.get("all_sectors") else [])
    rows = _toggle_rows(services, items, chosen, AnnounceAction.SECTOR)
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _nav(services)])


async def places_markup(services: Services, data: dict[str, Any]) -> InlineKeyboardMarkup:
    chosen = data.get("places", [])
    items = [(m.code, m.name) for m in await core.municipality_choices(services.uow)]
    if data.get("curator"):
        items.insert(0, (ALL, services.texts("announce-whole-region").removeprefix("🌐 ")))
        chosen = chosen or ([ALL] if data.get("whole_region") else [])
    rows = _toggle_rows(services, items, chosen, AnnounceAction.PLACE)
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _nav(services)])


def outage_markup(services: Services) -> InlineKeyboardMarkup:
    t = services.texts
    row = [
        InlineKeyboardButton(
            text=t("announce-outage-no"), callback_data=_cb(AnnounceAction.OUTAGE, "0")
        )
    ]
    row += [
        InlineKeyboardButton(
            text=t("announce-outage-days", days=d),
            callback_data=_cb(AnnounceAction.OUTAGE, str(d)),
        )
        for d in OUTAGE_DAYS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row[:2], row[2:]])


def poll_markup(services: Services) -> InlineKeyboardMarkup:
    t = services.texts
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("announce-poll-yes"), callback_data=_cb(AnnounceAction.POLL, "1")
                ),
                InlineKeyboardButton(
                    text=t("announce-poll-no"), callback_data=_cb(AnnounceAction.POLL, "0")
                ),
            ]
        ]
    )


# -- the dialog -------------------------------------------------------------------------------


@router.message(Command("announce"))
async def cmd_announce(message: Message, state: FSMContext, services: Services) -> None:
    assert message.from_user is not None
    rights = await _rights(services, message.chat.id, message.from_user.id)
    if rights is None:
        await message.reply(services.texts("announce-not-allowed"))
        return
    await state.clear()
    await state.set_state(AnnounceForm.text)
    await state.update_data(
        chat_id=message.chat.id,
        author_tg_id=message.from_user.id,
        author_name=message.from_user.full_name,
        authority=rights.authority,
        curator=rights.curator,
        places=[rights.municipality] if rights.municipality else [],
        fixed_place=rights.municipality is not None,
    )
    await message.reply(services.texts("announce-prompt"))


@router.message(StateFilter(AnnounceForm.text, AnnounceForm.poll), cancel_word)
async def announce_cancelled_by_word(message: Message, state: FSMContext, services: Services):
    await state.clear()
    await message.reply(services.texts("announce-cancelled"))


@router.message(AnnounceForm.text)
async def announcement_text(message: Message, state: FSMContext, services: Services) -> None:
    t = services.texts
    text = (message.text or message.caption or "").strip()
    photo = message.photo[-1].file_id if message.photo else None
    limit = CAPTION_CHARS if photo else TEXT_CHARS
    if not text:
        await message.reply(t("announce-need-text"))
        return
    if len(text) > limit:
        await message.reply(t("announce-too-long", length=len(text), limit=limit))
        return
    await state.update_data(text=text, photo=photo)
    await state.set_state(AnnounceForm.sectors)
    data = await state.get_data()
    await message.reply(t("announce-sectors"), reply_markup=sectors_markup(services, data))


@router.message(AnnounceForm.poll)
async def poll_text(message: Message, state: FSMContext, services: Services) -> None:
    try:
        poll = parse_poll(message.text or "")
    except PollError as exc:
        await message.reply(services.texts(f"announce-poll-error-{exc}"))
        return
    await state.update_data(poll={"question": poll.question, "options": list(poll.options)})
    await _preview(message, state, services)


@router.callback_query(AnnounceCb.filter())
async def announce_pressed(
    query: CallbackQuery,
    callback_data: AnnounceCb,
    state: FSMContext,
    services: Services,
    broadcaster: Broadcaster,
) -> None:
    t = services.texts
    message = query.message
    current = await state.get_state()
    if (
        not isinstance(message, Message)
        or current is None
        or not current.startswith("AnnounceForm")
    ):
        await query.answer(t("announce-expired"), show_alert=True)
        return
    data = await state.get_data()
    action, arg = callback_data.action, callback_data.arg
    if action is AnnounceAction.CANCEL:
        await state.clear()
        await query.answer()
        await _edit(message, t("announce-cancelled"), None)
        return
    if current == AnnounceForm.sectors.state:
        await _sectors_step(query, message, state, services, data, action, arg)
    elif current == AnnounceForm.places.state:
        await _places_step(query, message, state, services, data, action, arg)
    elif current == AnnounceForm.outage.state and action is AnnounceAction.OUTAGE:
        await state.update_data(outage_days=int(arg) if arg.isdigit() else 0)
        await state.set_state(AnnounceForm.poll_choice)
        await query.answer()
        await _edit(message, t("announce-poll-ask"), poll_markup(services))
    elif current == AnnounceForm.poll_choice.state and action is AnnounceAction.POLL:
        await query.answer()
        if arg == "1":
            await state.set_state(AnnounceForm.poll)
            await _edit(message, t("announce-poll-prompt"), None)
        else:
            await _edit(message, t("announce-poll-ask"), None)
            await _preview(message, state, services)
    elif current == AnnounceForm.preview.state and action is AnnounceAction.SEND:
        await _send(query, message, state, services, broadcaster)
    else:
        await query.answer(t("announce-expired"), show_alert=True)


async def _sectors_step(query, message, state, services, data, action, arg) -> None:
    t = services.texts
    known = {s.code for s in services.sectors}
    if action is AnnounceAction.SECTOR:
        if arg == ALL and data.get("curator"):
            await state.update_data(all_sectors=not data.get("all_sectors"), sectors=[])
        elif arg in known:
            chosen = list(data.get("sectors", []))
            chosen = [c for c in chosen if c != arg] if arg in chosen else [*chosen, arg]
            await state.update_data(sectors=chosen, all_sectors=False)
        await query.answer()
        await _edit(
            message, t("announce-sectors"), sectors_markup(services, await state.get_data())
        )
        return
    if action is AnnounceAction.NEXT:
        if not data.get("sectors") and not data.get("all_sectors"):
            await query.answer(t("announce-need-sector"), show_alert=True)
            return
        await query.answer()
        if data.get("fixed_place") or not await core.municipality_choices(services.uow):
            await state.set_state(AnnounceForm.outage)
            await _edit(message, t("announce-outage"), outage_markup(services))
            return
        await state.set_state(AnnounceForm.places)
        await _edit(message, t("announce-places"), await places_markup(services, data))


async def _places_step(query, message, state, services, data, action, arg) -> None:
    t = services.texts
    known = {m.code for m in await core.municipality_choices(services.uow)}
    if action is AnnounceAction.PLACE:
        if arg == ALL and data.get("curator"):
            await state.update_data(whole_region=not data.get("whole_region"), places=[])
        elif arg in known:
            chosen = list(data.get("places", []))
            chosen = [c for c in chosen if c != arg] if arg in chosen else [*chosen, arg]
            await state.update_data(places=chosen, whole_region=False)
        await query.answer()
        markup = await places_markup(services, await state.get_data())
        await _edit(message, t("announce-places"), markup)
        return
    if action is AnnounceAction.NEXT:
        if not data.get("places") and not data.get("whole_region"):
            await query.answer(t("announce-need-place"), show_alert=True)
            return
        await query.answer()
        await state.set_state(AnnounceForm.outage)
        await _edit(message, t("announce-outage"), outage_markup(services))


async def _preview(message: Message, state: FSMContext, services: Services) -> None:
    t, data = services.texts, await state.get_data()
    draft = _draft(data)
    count = await informing.count_audience(services.uow, draft.audience)
    broadcast = draft.build(services.clock.now())
    directory = await core.load_directory(services.uow)
    places = ", ".join(
        (m.name if (m := directory.municipality(c)) else c) for c in draft.places
    ) or t("subscribe-whole-region")
    sectors = ", ".join(services.sector_title(c) for c in draft.sectors) or t(
        "broadcast-all-sectors"
    )
    outage = (
        t("announce-summary-outage", days=draft.outage_days)
        if draft.outage_days
        else t("announce-summary-no")
    )
    poll = escape(draft.poll.question) if draft.poll else t("announce-summary-no")
    await message.answer(t("announce-preview-title"))
    body = Broadcaster.text_for(services, broadcast)
    if draft.photo_file_id:
        await message.answer_photo(draft.photo_file_id, caption=body)
    else:
        await message.answer(body)
    summary = t(
        "announce-summary",
        sectors=escape(sectors),
        places=escape(places),
        outage=outage,
        poll=poll,
        count=count,
    )
    buttons = [_nav(services)[1]]
    if count:
        buttons.insert(
            0,
            InlineKeyboardButton(
                text=t("announce-btn-send"), callback_data=_cb(AnnounceAction.SEND)
            ),
        )
    else:
        summary += "\n\n" + t("announce-nobody")
    await state.set_state(AnnounceForm.preview)
    await message.answer(summary, reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]))


async def _send(
    query: CallbackQuery,
    message: Message,
    state: FSMContext,
    services: Services,
    broadcaster: Broadcaster,
) -> None:
    draft = _draft(await state.get_data())
    await state.clear()
    broadcast = await informing.announce(services.uow, services.clock, draft)
    assert broadcast.id is not None
    await informing.set_progress_message(services.uow, broadcast.id, message.message_id)
    broadcast.progress_message_id = message.message_id
    await query.answer()
    await broadcaster.report(broadcast)
    if broadcast.total:
        await broadcaster.enqueue(broadcast.id)


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_text(text, reply_markup=markup)


# -- the progress message's buttons, and poll answers ------------------------------------------


@router.callback_query(BroadcastCb.filter())
async def broadcast_pressed(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    services: Services,
    broadcaster: Broadcaster,
) -> None:
    t, message = services.texts, query.message
    try:
        broadcast = await informing.get_broadcast(services.uow, callback_data.broadcast_id)
    except NotFound:
        await query.answer(t("callback-invalid"), show_alert=True)
        return
    rights = None
    if isinstance(message, Message) and message.chat.id == broadcast.chat_id:
        rights = await _rights(services, message.chat.id, query.from_user.id)
    if rights is None or rights.authority != broadcast.authority:
        await query.answer(t("broadcast-not-yours"), show_alert=True)
        return
    action, bid = callback_data.action, callback_data.broadcast_id
    if action is BroadcastAction.CANCEL:
        await informing.cancel(services.uow, services.clock, bid)
        await query.answer(t("broadcast-cancelled"))
    elif action is BroadcastAction.LIFT:
        await informing.lift_outage(services.uow, services.clock, bid)
        await query.answer(t("broadcast-lifted"))
    elif action is BroadcastAction.CLOSE_POLL and broadcast.poll is not None:
        await broadcaster.close_poll(bid)
        await query.answer(t("broadcast-poll-closing"))
        broadcast.poll_closed = True
        await message.answer(await results_text(services, bid, closed=True))  # type: ignore[union-attr]
    elif action is BroadcastAction.RESULTS and broadcast.poll is not None:
        await query.answer()
        await message.answer(await results_text(services, bid, closed=broadcast.poll_closed))  # type: ignore[union-attr]
    else:
        await query.answer()
    await broadcaster.report(await informing.get_broadcast(services.uow, bid))


async def results_text(services: Services, broadcast_id: int, *, closed: bool) -> str:
    t = services.texts
    results = await informing.poll_results(services.uow, broadcast_id)
    voters = results.voters
    lines = "\n".join(
        t(
            "broadcast-poll-line",
            option=escape(option),
            count=count,
            percent=round(100 * count / voters) if voters else 0,
        )
        for option, count in zip(results.options, results.counts, strict=True)
    )
    return t(
        "broadcast-poll-results",
        id=broadcast_id,
        closed=t("broadcast-poll-closed-mark") if closed else "",
        question=escape(results.question),
        lines=lines,
        voters=voters,
        polls=results.polls,
    )


polls = Router(name=__name__ + ".polls")


@polls.poll()
async def poll_changed(poll: Poll, services: Services) -> None:
    """The new state of a recipient's (anonymous) poll: its counts are kept for the results."""
    await informing.record_poll(services.uow, poll.id, [o.voter_count for o in poll.options])
