"""Request middleware: every message the bot sends or edits takes a token of the shared send
budget (Telegram's ~30/s per bot), and each private chat's last message is recorded for the
per-chat pacing of broadcasts. A 429 holds the whole budget for `retry_after`.

Registered inside RetryMiddleware, so each retry pays for itself.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramRetryAfter

from bot.pacing import ChatPacer, SendBudget

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import Response, TelegramMethod

#: Set by the broadcaster around its sends: they wait behind interactive traffic.
BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("background", default=False)

_COUNTED_PREFIXES = ("send", "copy", "forward", "edit", "stoppoll")
_FREE = frozenset({"sendchataction", "sendmessagedraft"})


def counts(method_name: str) -> bool:
    """Whether a Bot API method puts a message into a chat (and so spends the budget)."""
    lowered = method_name.lower()
    return lowered not in _FREE and lowered.startswith(_COUNTED_PREFIXES)


class SendBudgetMiddleware(BaseRequestMiddleware):
    def __init__(self, budget: SendBudget, chats: ChatPacer) -> None:
        self.budget = budget
        self.chats = chats

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if not counts(method.__api_method__):
            return await make_request(bot, method)
        await self.budget.acquire(background=BACKGROUND.get())
        chat_id = getattr(method, "chat_id", None)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:
            self.budget.hold(exc.retry_after)
            raise
        finally:
            if isinstance(chat_id, int):
                self.chats.record(chat_id)
