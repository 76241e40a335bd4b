"""The ЦУР curator group: a case nobody was responsible for gets a sector or an authority
from the buttons of its triage card (the group's membership is who may decide)."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import TriageAction, TriageCb
from bot.notifier import NotificationSender
from core import case_actions
from core import services as core
from core.casework import Outcome
from priemnaya.bootstrap import Services

router = Router(name=__name__)


@router.callback_query(TriageCb.filter())
async def triage_pressed(
    query: CallbackQuery,
    callback_data: TriageCb,
    services: Services,
    sender: NotificationSender,
) -> None:
    t, desk = services.texts, sender.desk
    message = query.message
    curators = services.settings.curator_chat_id
    if not isinstance(message, Message) or curators is None or message.chat.id != curators:
        await query.answer(t("triage-only-curators"), show_alert=True)
        return
    appeal = await core.appeal_by_id(services.uow, callback_data.appeal_id)
    if appeal is None:
        await query.answer(t("case-refused-no_case"), show_alert=True)
        return
    action, arg = callback_data.action, callback_data.arg
    if action in (TriageAction.SECTORS, TriageAction.AUTHORITIES, TriageAction.BACK):
        if action is TriageAction.SECTORS:
            markup = desk.triage_sectors_markup(appeal)
        elif action is TriageAction.AUTHORITIES:
            markup = desk.triage_authorities_markup(
                appeal, await core.load_directory(services.uow)
            )
        else:
            markup = desk.triage_markup(appeal)
        await message.edit_reply_markup(reply_markup=markup)
        await query.answer()
        return
    known = {s.code for s in services.sectors}
    if action is TriageAction.SECTOR and arg not in known:
        await query.answer(t("case-refused-invalid"), show_alert=True)
        return
    result = await case_actions.route_from_triage(
        services.uow,
        services.clock,
        services.deadlines,
        appeal_id=callback_data.appeal_id,
        curator_id=query.from_user.id,
        curator_name=query.from_user.full_name,
        sector=arg if action is TriageAction.SECTOR else None,
        target=arg if action is TriageAction.AUTHORITY else None,
    )
    if result.outcome is Outcome.NO_ROUTE:
        await query.answer(
            t("triage-no-route", sector=services.sector_title(arg)), show_alert=True
        )
        await message.edit_text(
            (message.html_text or "")
            + "\n\n"
            + t("triage-sector-set", sector=escape(services.sector_title(arg))),
            reply_markup=desk.triage_authorities_markup(
                appeal, await core.load_directory(services.uow)
            ),
        )
        return
    if result.outcome is not Outcome.DONE or result.appeal is None:
        await query.answer(t(f"case-refused-{result.outcome.value}"), show_alert=True)
        return
    directory = await core.load_directory(services.uow)
    authority = directory.authority(result.appeal.authority)
    name = authority.name if authority else (result.appeal.authority or "")
    await query.answer(t("triage-routed", authority=name, curator=query.from_user.full_name))
    await message.edit_text(
        (message.html_text or "")
        + "\n\n"
        + t("triage-routed", authority=escape(name), curator=escape(query.from_user.full_name)),
        reply_markup=None,
    )
    sender.wake()
