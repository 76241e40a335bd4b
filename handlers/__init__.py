"""aiogram routers, one module per area; `get_routers()` gives them in the order they match."""

from __future__ import annotations

from aiogram import F, Router

from handlers import (
    active_case,
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
    triage,
    voice_notes,
)


def get_routers() -> list[Router]:
    citizens = Router(name="citizens")
    citizens.message.filter(F.chat.type == "private")
    citizens.edited_message.filter(F.chat.type == "private")
    citizens.include_routers(
        start.router,
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
    routers = [errors.router, desk.router, triage.router, dashboard.router]
    return [*routers, citizens, fallback.anywhere]
