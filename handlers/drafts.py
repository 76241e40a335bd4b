"""Keeping the citizen's draft in FSM data and showing its summary card."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext

from bot.keyboards import card_keyboard
from bot.render import draft_card
from core import services as core
from core.draft import Draft
from priemnaya.bootstrap import Services

log = logging.getLogger(__name__)

DRAFT_KEY = "draft"


async def load_draft(state: FSMContext) -> Draft | None:
    data = await state.get_data()
    raw = data.get(DRAFT_KEY)
    return Draft.from_dict(raw) if raw else None


async def save_draft(state: FSMContext, draft: Draft) -> None:
    await state.update_data({DRAFT_KEY: draft.to_dict()})


async def drop_draft(state: FSMContext) -> None:
    await state.clear()


SECTOR_GUESSES = 3  # buttons offered when the classifier is unsure


def classify_draft(services: Services, draft: Draft) -> None:
    """Guess the sector from the text unless the citizen chose it."""
    if services.classifier is None or draft.sector_chosen_by_citizen or not draft.text:
        return
    guess = services.classifier.classify(draft.text)
    draft.sector_predicted = guess.sector
    draft.sector_reasons = list(guess.reasons[:5])
    if guess.confidence >= services.settings.classifier_threshold:
        draft.set_sector(guess.sector, confidence=guess.confidence, by_citizen=False)
    else:
        draft.offer_sectors([code for code, _ in guess.ranking[:SECTOR_GUESSES]])


async def place_draft(services: Services, draft: Draft) -> None:
    """Show where the case is about, as routing will see it (unless the citizen chose)."""
    if draft.municipality_chosen:
        return
    found = await core.guess_place(services.uow, draft.text, draft.location_object())
    guess = found.guess
    draft.guess_municipality(
        found.offered, (guess.code, guess.name, guess.source) if guess else None
    )


async def show_card(
    bot: Bot, services: Services, state: FSMContext, chat_id: int, draft: Draft
) -> None:
    """Send a fresh card (the latest is always at the bottom) and retire the previous one."""
    await place_draft(services, draft)
    previous = draft.card_message_id
    message = await bot.send_message(
        chat_id,
        draft_card(services, draft),
        reply_markup=card_keyboard(services.texts, draft, services.sector_title),
    )
    draft.card_message_id = message.message_id
    await save_draft(state, draft)
    if previous is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_text(
                text=services.texts("card-outdated"), chat_id=chat_id, message_id=previous
            )


async def refresh_card(bot: Bot, services: Services, chat_id: int, draft: Draft) -> None:
    """Re-render the current card in place (after a button press)."""
    if draft.card_message_id is None:
        return
    await place_draft(services, draft)
    with contextlib.suppress(TelegramBadRequest):  # "message is not modified" is fine
        await bot.edit_message_text(
            text=draft_card(services, draft),
            chat_id=chat_id,
            message_id=draft.card_message_id,
            reply_markup=card_keyboard(services.texts, draft, services.sector_title),
        )
