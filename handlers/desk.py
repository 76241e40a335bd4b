"""Authority groups: what officials write in a case's topic, and the buttons on its card.

A button that needs words (the question to the citizen, the reason of a redirect, the
number of the original case) asks for them in the topic; the official's next message
there is taken as the answer (FSM state per official and group)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import CaseAction, CaseCb
from bot.notifier import NotificationSender
from bot.pairing import edited_soon, until_paired
from bot.render import entities_of
from core import case_actions, casework
from core import services as core_services
from core.casework import Outcome, Result
from core.model import Resolution
from priemnaya.bootstrap import Services

router = Router(name=__name__)

MENUS = frozenset(
    {
        CaseAction.ASK,
        CaseAction.CLOSE,
        CaseAction.EXTEND,
        CaseAction.REDIRECT,
        CaseAction.REDIRECT_TO,
        CaseAction.BACK,
    }
)


class CaseInput(StatesGroup):
    question = State()  # «Запросить уточнение»: the question for the citizen
    redirect_reason = State()  # «Переадресовать»: why
    duplicate_of = State()  # «Закрыть → дубликат»: the original's number


CANCEL_WORDS = frozenset({"отмена", "/cancel", "отменить"})


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


async def awaited_input(message: Message, state: FSMContext) -> bool | dict[str, Any]:
    """The official's answer to the bot's request, in the same topic it was asked in."""
    if not await in_case_topic(message) or await state.get_state() is None:
        return False
    data = await state.get_data()
    if data.get("thread_id") != message.message_thread_id:
        return False
    return {"asked": data}


@router.message(awaited_input)
async def official_answered(
    message: Message,
    asked: dict[str, Any],
    state: FSMContext,
    services: Services,
    sender: NotificationSender,
) -> None:
    assert message.from_user is not None
    t = services.texts
    text = (message.text or message.caption or "").strip()
    if text.lower() in CANCEL_WORDS:
        await state.clear()
        await message.reply(t("case-input-cancelled"))
        return
    current = await state.get_state()
    common = {
        "appeal_id": asked["appeal_id"],
        "chat_id": message.chat.id,
        "tg_user_id": message.from_user.id,
    }
    if current == CaseInput.question.state:
        result = await case_actions.request_info(
            services.uow,
            services.clock,
            message_id=message.message_id,
            text=text or None,
            **common,
        )
    elif current == CaseInput.redirect_reason.state:
        if not text:
            await message.reply(t("case-ask-reason", authority=asked.get("target_name", "")))
            return
        result = await case_actions.redirect(
            services.uow,
            services.clock,
            services.deadlines,
            target=asked["target"],
            reason=text[:1000],
            **common,
        )
    else:
        result = await case_actions.close_case(
            services.uow,
            services.clock,
            resolution=Resolution.DUPLICATE,
            duplicate_of=text.split()[0] if text else None,
            **common,
        )
        if result.outcome in (Outcome.NO_CASE, Outcome.SAME_CASE) and result.appeal:
            await message.reply(t("case-duplicate-unknown"))
            return  # still waiting for a valid number
    await state.clear()
    await _after_action(message, result, services, sender)


async def _after_action(
    message: Message, result: Result, services: Services, sender: NotificationSender
) -> None:
    t = services.texts
    if result.outcome is Outcome.DONE:
        assert result.appeal is not None
        await sender.desk.refresh_card(result.appeal)
        sender.wake()
        await message.reply(t("case-action-done"))
    else:
        await message.reply(t(f"case-refused-{result.outcome.value}"))


@router.message(in_case_topic)
async def official_wrote(message: Message, services: Services, sender: NotificationSender) -> None:
    assert message.from_user is not None and message.message_thread_id is not None
    replied = message.reply_to_message
    result = await casework.official_message(
        services.uow,
        services.clock,
        chat_id=message.chat.id,
        thread_id=message.message_thread_id,
        tg_user_id=message.from_user.id,
        message_id=message.message_id,
        text=message.text or message.caption,
        # in a forum every message "replies" to the topic's first message: only a real reply
        reply_to_message_id=replied.message_id
        if replied is not None and replied.message_id != message.message_thread_id
        else None,
    )
    t = services.texts
    if result.outcome is Outcome.RELAYED:
        sender.wake()
    elif result.outcome is Outcome.NOT_OFFICIAL:
        await message.reply(t("case-not-official"))
    elif result.outcome is Outcome.NO_CITIZEN:
        await message.reply(t("case-no-citizen"))


async def _refuse(query: CallbackQuery, result: Result, services: Services) -> bool:
    """Answer a button press that may not proceed; True when it was refused."""
    if result.outcome is Outcome.DONE:
        return False
    await query.answer(services.texts(f"case-refused-{result.outcome.value}"), show_alert=True)
    return True


async def _acted(
    query: CallbackQuery,
    result: Result,
    services: Services,
    sender: NotificationSender,
    done: str,
) -> None:
    """Answer a button whose action ran: refused, or done — the card follows the case."""
    if await _refuse(query, result, services):
        return
    assert result.appeal is not None
    await query.answer(done)
    await sender.desk.refresh_card(result.appeal)
    sender.wake()


def _chat_of(query: CallbackQuery) -> int:
    return query.message.chat.id if query.message is not None else 0


@router.edited_message(in_case_topic)
async def official_edited(
    message: Message, services: Services, sender: NotificationSender
) -> None:
    assert message.from_user is not None
    user = message.from_user.id
    result = await until_paired(  # edited right after it was sent: its copy may be going out
        lambda: casework.official_edit(
            services.uow,
            services.clock,
            chat_id=message.chat.id,
            tg_user_id=user,
            message_id=message.message_id,
            text=message.text if message.text is not None else message.caption,
            entities=entities_of(message),
            caption=message.text is None,
        ),
        lambda r: r.outcome is not Outcome.NO_CASE,
        edited_soon(message),
    )
    if result.outcome is Outcome.RELAYED:
        sender.wake()


@router.callback_query(CaseCb.filter(F.action.in_(MENUS)))
async def menu_pressed(
    query: CallbackQuery,
    callback_data: CaseCb,
    services: Services,
    sender: NotificationSender,
    state: FSMContext,
) -> None:
    """A button that opens a menu or asks for words: check the person first."""
    message = query.message
    chat_id = message.chat.id if message is not None else 0
    action = callback_data.action
    result = await case_actions.check_official(
        services.uow,
        services.clock,
        appeal_id=callback_data.appeal_id,
        chat_id=chat_id,
        tg_user_id=query.from_user.id,
        action=action.value,
    )
    if await _refuse(query, result, services) or not isinstance(message, Message):
        return
    appeal, desk, t = result.appeal, sender.desk, services.texts
    assert appeal is not None and appeal.id is not None
    markup: InlineKeyboardMarkup | None = None
    if action is CaseAction.CLOSE:
        markup = desk.close_markup(appeal)
    elif action is CaseAction.EXTEND:
        markup = desk.extend_markup(appeal)
    elif action is CaseAction.REDIRECT:
        markup = desk.redirect_markup(appeal, await core_services.load_directory(services.uow))
    elif action is CaseAction.BACK:
        markup = desk.card_markup(appeal)
    if markup is not None or action is CaseAction.BACK:
        await message.edit_reply_markup(reply_markup=markup)
        await query.answer()  # after the edit: the new buttons are there when it ends
        return
    # The rest want words from the official: ask in the topic, wait for the next message.
    asked: dict[str, Any] = {"appeal_id": appeal.id, "thread_id": message.message_thread_id}
    if action is CaseAction.ASK:
        await state.set_state(CaseInput.question)
        prompt = t("case-ask-question", number=appeal.number)
    elif action is CaseAction.REDIRECT_TO:
        target = (await core_services.load_directory(services.uow)).authority(callback_data.arg)
        if target is None or target.code == appeal.authority:
            await query.answer(t("case-refused-unknown_target"), show_alert=True)
            return
        asked |= {"target": target.code, "target_name": target.name}
        await state.set_state(CaseInput.redirect_reason)
        prompt = t("case-ask-reason", authority=target.name)
        await message.edit_reply_markup(reply_markup=desk.card_markup(appeal))
    else:  # CLOSE_AS duplicate
        await state.set_state(CaseInput.duplicate_of)
        prompt = t("case-ask-duplicate", number=appeal.number)
        await message.edit_reply_markup(reply_markup=desk.card_markup(appeal))
    await state.set_data(asked)
    await query.answer()
    await message.answer(prompt)


@router.callback_query(CaseCb.filter(F.action == CaseAction.CONTACTS))
async def contacts_pressed(
    query: CallbackQuery, callback_data: CaseCb, services: Services
) -> None:
    t = services.texts
    chat_id = _chat_of(query)
    result, contacts = await casework.citizen_contacts(
        services.uow,
        services.clock,
        appeal_id=callback_data.appeal_id,
        chat_id=chat_id,
        tg_user_id=query.from_user.id,
    )
    if await _refuse(query, result, services) or contacts is None:
        return
    none = t("case-contacts-none")
    name, phone = contacts.full_name or none, contacts.phone or none
    text = t("case-contacts", name=name, phone=phone)
    if contacts.email:
        text = t("case-contacts-with-email", name=name, phone=phone, email=contacts.email)
    await query.answer(
        text,
        show_alert=True,  # only the presser sees an alert: nothing lands in the group
    )


@router.callback_query(CaseCb.filter(F.action == CaseAction.EXTEND_BY))
async def extend_pressed(
    query: CallbackQuery, callback_data: CaseCb, services: Services, sender: NotificationSender
) -> None:
    chat_id = _chat_of(query)
    days = int(callback_data.arg) if callback_data.arg.isdigit() else 0
    if not 0 < days <= services.deadlines.extension_max_days:
        await query.answer(services.texts("case-refused-invalid"), show_alert=True)
        return
    result = await case_actions.extend_deadline(
        services.uow,
        services.clock,
        services.deadlines,
        appeal_id=callback_data.appeal_id,
        chat_id=chat_id,
        tg_user_id=query.from_user.id,
        days=days,
    )
    await _acted(query, result, services, sender, services.texts("case-extended", days=days))


@router.callback_query(CaseCb.filter(F.action == CaseAction.CLOSE_AS))
async def close_pressed(
    query: CallbackQuery,
    callback_data: CaseCb,
    services: Services,
    sender: NotificationSender,
    state: FSMContext,
) -> None:
    if callback_data.arg == Resolution.DUPLICATE.value:
        await menu_pressed(query, callback_data, services, sender, state)
        return
    try:
        resolution = Resolution(callback_data.arg)
    except ValueError:
        await query.answer(services.texts("case-refused-invalid"), show_alert=True)
        return
    chat_id = _chat_of(query)
    result = await case_actions.close_case(
        services.uow,
        services.clock,
        appeal_id=callback_data.appeal_id,
        chat_id=chat_id,
        tg_user_id=query.from_user.id,
        resolution=resolution,
    )
    how = services.texts(f"case-close-{resolution.value}")
    await _acted(query, result, services, sender, services.texts("case-closed-as", how=how))


@router.callback_query(CaseCb.filter(F.action == CaseAction.TAKE))
async def take_pressed(
    query: CallbackQuery,
    callback_data: CaseCb,
    services: Services,
    sender: NotificationSender,
) -> None:
    t = services.texts
    chat_id = _chat_of(query)
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
