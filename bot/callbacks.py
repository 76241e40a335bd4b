"""Inline-button payloads (aiogram CallbackData factories; each well under 64 bytes)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ConsentAction(StrEnum):
    ACCEPT = "y"
    DECLINE = "n"


class ConsentCb(CallbackData, prefix="c"):
    action: ConsentAction


class DraftAction(StrEnum):
    SUBMIT = "ok"
    EDIT = "ed"
    CANCEL = "x"
    TEXT = "tx"
    SECTORS = "sc"
    CLEAR_ATTACHMENTS = "ca"
    CLEAR_LOCATION = "cl"
    BACK = "bk"


class DraftCb(CallbackData, prefix="d"):
    action: DraftAction
    draft: str


class SectorCb(CallbackData, prefix="s"):
    draft: str
    code: str


class MyAction(StrEnum):
    LIST = "l"
    VIEW = "v"


class MyCb(CallbackData, prefix="m"):
    action: MyAction
    appeal_id: int = 0
    page: int = 0


class CaseAction(StrEnum):
    TAKE = "t"


class CaseCb(CallbackData, prefix="k"):
    """A button on a case card in an authority's group."""

    action: CaseAction
    appeal_id: int
