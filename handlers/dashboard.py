"""/dashboard in a private chat: a registered ЦУР analyst or authority head gets a one-time
sign-in link to the web analytics; anyone else is told who may have one."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from priemnaya.bootstrap import Services
from priemnaya.dashboard_links import link_url, signin_links

router = Router(name=__name__)


@router.message(Command("dashboard"))
async def cmd_dashboard(message: Message, services: Services) -> None:
    t = services.texts
    if not services.settings.web_enabled:
        await message.answer(t("dashboard-disabled"))
        return
    assert message.from_user is not None
    issued = await signin_links(services).issue(message.from_user.id)
    if issued is None:
        await message.answer(t("dashboard-not-allowed"))
        return
    url = link_url(services.settings, issued.token)
    await message.answer(t("dashboard-link", url=url, minutes=issued.minutes))
