"""The last line of defence: log the failure with the update, tell the citizen kindly."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from priemnaya.bootstrap import Services

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot, services: Services) -> bool:
    update = event.update
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    chat_id = None
    if update.message:
        chat_id = update.message.chat.id
    elif update.callback_query:
        chat_id = update.callback_query.from_user.id
        with contextlib.suppress(TelegramAPIError):
            await update.callback_query.answer()
    if chat_id is not None and chat_id > 0:
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(chat_id, services.texts("error-generic"))
    return True
