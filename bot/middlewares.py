"""Cross-cutting work for every update: who the citizen is, and whether they consented."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from core import services as core
from priemnaya.bootstrap import Services


class CitizenMiddleware(BaseMiddleware):
    """Puts `citizen` (or None) into handler data for updates from a private chat."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        citizen = None
        if user is not None and (chat is None or chat.type == "private"):
            citizen = await core.get_citizen(self.services.uow, user.id)
        data["citizen"] = citizen
        return await handler(event, data)
