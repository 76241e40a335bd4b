"""Keyboards: the persistent reply keyboard and the inline buttons of each screen."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    ConsentAction,
    ConsentCb,
    DraftAction,
    DraftCb,
    MyAction,
    MyCb,
    PlaceCb,
    SectorCb,
)
from bot.render import fmt_date, status_name
from core.directory import Municipality
from core.draft import Draft
from core.i18n import Texts
from core.ports import AppealSummary
from priemnaya.bootstrap import Services


def main_keyboard(texts: Texts) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(text=texts("kb-new-appeal")),
                KeyboardButton(text=texts("kb-my-appeals")),
            ],
            [KeyboardButton(text=texts("kb-help"))],
        ],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=texts("kb-placeholder"),
    )


def consent_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts("consent-button-accept"),
                    callback_data=ConsentCb(action=ConsentAction.ACCEPT).pack(),
                ),
                InlineKeyboardButton(
                    text=texts("consent-button-decline"),
                    callback_data=ConsentCb(action=ConsentAction.DECLINE).pack(),
                ),
            ]
        ]
    )


def _draft_button(
    texts: Texts, text_id: str, action: DraftAction, draft: Draft
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=texts(text_id), callback_data=DraftCb(action=action, draft=draft.id).pack()
    )


def card_keyboard(
    texts: Texts, draft: Draft, sector_title: Callable[[str], str] = str
) -> InlineKeyboardMarkup:
    """Отправить / Изменить / Отменить, plus the sector choice while it is open."""
    rows = [
        [
            _draft_button(texts, "btn-submit", DraftAction.SUBMIT, draft),
            _draft_button(texts, "btn-edit", DraftAction.EDIT, draft),
            _draft_button(texts, "btn-cancel", DraftAction.CANCEL, draft),
        ]
    ]
    if draft.sector is None and draft.sector_guesses:
        rows.append(
            [
                InlineKeyboardButton(
                    text=sector_title(code),
                    callback_data=SectorCb(draft=draft.id, code=code).pack(),
                )
                for code in draft.sector_guesses
            ]
        )
        rows.append([_draft_button(texts, "btn-other-sector", DraftAction.SECTORS, draft)])
    elif draft.sector is None:
        rows.append([_draft_button(texts, "btn-choose-sector", DraftAction.SECTORS, draft)])
    if draft.places_offered and draft.municipality is None:
        rows.append([_draft_button(texts, "btn-choose-place", DraftAction.PLACES, draft)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def edit_keyboard(texts: Texts, draft: Draft) -> InlineKeyboardMarkup:
    rows = [
        [
            _draft_button(texts, "btn-edit-text", DraftAction.TEXT, draft),
            _draft_button(texts, "btn-edit-sector", DraftAction.SECTORS, draft),
        ]
    ]
    if draft.places_offered:
        rows.append([_draft_button(texts, "btn-edit-place", DraftAction.PLACES, draft)])
    if draft.attachments:
        rows.append(
            [_draft_button(texts, "btn-clear-attachments", DraftAction.CLEAR_ATTACHMENTS, draft)]
        )
    if draft.location:
        rows.append(
            [_draft_button(texts, "btn-clear-location", DraftAction.CLEAR_LOCATION, draft)]
        )
    rows.append([_draft_button(texts, "btn-back", DraftAction.BACK, draft)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def sector_keyboard(
    services: Services, draft: Draft, order: list[str] | None = None
) -> InlineKeyboardMarkup:
    """Sector buttons; `order` puts the classifier's best guesses first."""
    codes = [s.code for s in services.sectors]
    if order:
        codes = [c for c in order if c in codes] + [c for c in codes if c not in order]
    builder = InlineKeyboardBuilder()
    for code in codes:
        builder.button(
            text=services.sector_title(code), callback_data=SectorCb(draft=draft.id, code=code)
        )
    builder.adjust(2)
    builder.row(_draft_button(services.texts, "btn-back", DraftAction.BACK, draft))
    return builder.as_markup()


PLACES_PER_PAGE = 20


def place_keyboard(
    texts: Texts, draft: Draft, choices: list[Municipality], page: int = 0
) -> InlineKeyboardMarkup:
    """The directory's municipalities, two a row, a page at a time."""
    pages = max(1, -(-len(choices) // PLACES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * PLACES_PER_PAGE
    builder = InlineKeyboardBuilder()
    for index, m in enumerate(choices[first : first + PLACES_PER_PAGE], start=first):
        builder.button(text=m.name[:60], callback_data=PlaceCb(draft=draft.id, index=index))
    builder.adjust(2)
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text=texts("btn-places-prev"),
                callback_data=PlaceCb(draft=draft.id, page=page - 1).pack(),
            )
        )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(
                text=texts("btn-places-next"),
                callback_data=PlaceCb(draft=draft.id, page=page + 1).pack(),
            )
        )
    if nav:
        builder.row(*nav)
    builder.row(_draft_button(texts, "btn-back", DraftAction.BACK, draft))
    return builder.as_markup()


def my_list_keyboard(
    services: Services, items: list[AppealSummary], page: int, has_next: bool
) -> InlineKeyboardMarkup:
    t = services.texts
    rows = [
        [
            InlineKeyboardButton(
                text=t(
                    "my-item",
                    number=item.number,
                    status=status_name(services, item.status.value),
                    date=fmt_date(services, item.created_at)[:10],
                ),
                callback_data=MyCb(action=MyAction.VIEW, appeal_id=item.id, page=page).pack(),
            )
        ]
        for item in items
    ]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text=t("btn-prev"), callback_data=MyCb(action=MyAction.LIST, page=page - 1).pack()
            )
        )
    if has_next:
        nav.append(
            InlineKeyboardButton(
                text=t("btn-next"), callback_data=MyCb(action=MyAction.LIST, page=page + 1).pack()
            )
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_to_list_keyboard(
    texts: Texts, page: int, writable: int | None = None
) -> InlineKeyboardMarkup:
    """Back to the list; for an open appeal (`writable` = its id) also «Дополнить»."""
    rows = []
    if writable is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    text=texts("btn-write-to-case"),
                    callback_data=MyCb(action=MyAction.WRITE, appeal_id=writable).pack(),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                text=texts("btn-back-to-list"),
                callback_data=MyCb(action=MyAction.LIST, page=page).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def done_writing_keyboard(texts: Texts, appeal_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts("btn-done-writing"),
                    callback_data=MyCb(action=MyAction.DONE, appeal_id=appeal_id).pack(),
                )
            ]
        ]
    )


def voice_check_keyboard(texts: Texts, draft: Draft, message_id: int) -> InlineKeyboardMarkup:
    """Under «Я расслышал: …»: it is right, rewrite it as text, or send the appeal as it is."""
    from bot.callbacks import VoiceAction, VoiceCb

    def voice(text_id: str, action: VoiceAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=texts(text_id),
            callback_data=VoiceCb(action=action, draft=draft.id, msg=message_id).pack(),
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [voice("btn-voice-confirm", VoiceAction.CONFIRM)],
            [voice("btn-voice-fix", VoiceAction.FIX)],
            [_draft_button(texts, "btn-voice-as-is", DraftAction.SUBMIT, draft)],
        ]
    )
