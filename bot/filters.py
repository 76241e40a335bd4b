"""Filters shared by the citizen routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject

from core.model import Citizen
from priemnaya.bootstrap import Services


class Consented(Filter):
    """Passes only citizens who gave consent to personal-data processing."""

    async def __call__(self, _event: TelegramObject, citizen: Citizen | None = None) -> bool:
        return citizen is not None and citizen.has_consent


class Label(Filter):
    """Matches a reply-keyboard button by its catalogue text id (e.g. "kb-help")."""

    def __init__(self, text_id: str) -> None:
        self.text_id = text_id

    async def __call__(self, message: Message, services: Services) -> bool:
        return message.text == services.texts(self.text_id)
