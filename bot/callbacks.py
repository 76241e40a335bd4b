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
    PLACES = "pl"  # the municipality buttons


class DraftCb(CallbackData, prefix="d"):
    action: DraftAction
    draft: str


class SectorCb(CallbackData, prefix="s"):
    draft: str
    code: str


class PlaceCb(CallbackData, prefix="p"):
    """A municipality of the directory (its position by name), or a page of them."""

    draft: str
    index: int = -1  # -1: show `page`
    page: int = 0


class MyAction(StrEnum):
    LIST = "l"
    VIEW = "v"
    WRITE = "w"  # make this appeal the active one: what the citizen sends goes to it
    DONE = "d"  # stop writing to the active appeal


class MyCb(CallbackData, prefix="m"):
    action: MyAction
    appeal_id: int = 0
    page: int = 0


class CaseAction(StrEnum):
    TAKE = "t"
    ASK = "q"  # ask the citizen for details
    CLOSE = "c"  # the close menu
    CLOSE_AS = "ca"  # arg: a Resolution
    EXTEND = "e"  # the extension menu
    EXTEND_BY = "eb"  # arg: days
    REDIRECT = "r"  # the list of authorities
    REDIRECT_TO = "rt"  # arg: the authority's code
    BACK = "b"  # the card's main buttons again
    CONTACTS = "p"  # the citizen's contacts, in an alert only the presser sees


class CaseCb(CallbackData, prefix="k"):
    """A button on a case card in an authority's group."""

    action: CaseAction
    appeal_id: int
    arg: str = ""


class TriageAction(StrEnum):
    SECTORS = "s"  # the sector list
    SECTOR = "ss"  # arg: a sector code
    AUTHORITIES = "a"  # the authority list
    AUTHORITY = "at"  # arg: an authority's code
    BACK = "b"


class TriageCb(CallbackData, prefix="g"):
    """A button on a triage card in the ЦУР curator group."""

    action: TriageAction
    appeal_id: int
    arg: str = ""


class FeedbackCb(CallbackData, prefix="f"):
    """The citizen's verdict on a closed case (a Verdict value)."""

    appeal_id: int
    verdict: str


class RateCb(CallbackData, prefix="r"):
    """The citizen's rating of the answer, 1–5."""

    appeal_id: int
    stars: int


class VoiceAction(StrEnum):
    CONFIRM = "ok"  # «Верно»: the transcript is right
    FIX = "fx"  # «Исправить текстом»: the next text replaces it


class VoiceCb(CallbackData, prefix="v"):
    """A button under «Я расслышал: …» (msg: the recording's message in the draft)."""

    action: VoiceAction
    draft: str
    msg: int
class SubscribeAction(StrEnum):
    SECTOR = "s"  # arg: a sector code (toggle)
    PLACE = "p"  # arg: a municipality code (toggle)
    PLACES = "ps"  # the municipality buttons
    SECTORS = "ss"  # the sector buttons
    DONE = "d"
    STOP = "x"  # unsubscribe from everything
    FOLLOW = "f"  # the offer after an appeal: arg "sector:place"


class SubscribeCb(CallbackData, prefix="sb"):
    """The citizen's subscription buttons (/subscribe)."""

    action: SubscribeAction
    arg: str = ""


class AnnounceAction(StrEnum):
    SECTOR = "s"  # arg: a sector code, or "*" for every sector (ЦУР)
    PLACE = "p"  # arg: a municipality code, or "*" for the whole region (ЦУР)
    NEXT = "n"  # to the next step
    OUTAGE = "o"  # arg: days the known issue lasts ("0": not an outage)
    POLL = "q"  # arg: "1" add a poll, "0" without
    SEND = "ok"
    CANCEL = "x"


class AnnounceCb(CallbackData, prefix="an"):
    """The /announce dialog's buttons in an authority's or the ЦУР group."""

    action: AnnounceAction
    arg: str = ""


class BroadcastAction(StrEnum):
    CANCEL = "x"  # stop sending
    RESULTS = "r"  # the poll's results
    CLOSE_POLL = "c"
    LIFT = "l"  # new appeals on the topic no longer get the announcement


class BroadcastCb(CallbackData, prefix="bc"):
    """Buttons on a broadcast's progress message."""

    action: BroadcastAction
    broadcast_id: int
