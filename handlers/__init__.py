"""aiogram routers, one module per area; `get_routers()` gives them in the order they match."""

from __future__ import annotations

from aiogram import F, Router

from handlers import (
    active_case,
    announce,
    dashboard,
    desk,
    draft_card,
    errors,
    fallback,
    feedback,
    followups,
    intake,
    my_appeals,
    start,
    subscriptions,
    triage,
    voice_notes,
)


def get_routers() -> list[Router]:
    citizens = Router(name="citizens")
    citizens.message.filter(F.chat.type == "private")
    citizens.edited_message.filter(F.chat.type == "private")
    citizens.include_routers(
        start.router,
        subscriptions.router,
        my_appeals.router,
        feedback.router,
        draft_card.router,
        followups.router,
        active_case.router,
        voice_notes.router,
        intake.router,
        fallback.router,
    )
    dashboard.router.message.filter(F.chat.type == "private")
    return [
        errors.router,
        announce.router,  # before the desk: an announcement typed in a case topic stays here
        announce.polls,
        desk.router,
        triage.router,
        dashboard.router,
        citizens,
        fallback.anywhere,
    ]
