"""Closing the loop: the citizen says whether the problem was solved, rates the answer 1–5
and may comment. «Не решено» reopens the case, tells its topic and calls the head in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.clock import Clock
from core.deadlines import DeadlinePolicy
from core.model import ActorKind, Appeal, AppealStatus, EventKind, Verdict
from core.notifications import NotificationKind
from core.outbox import notify
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.services import schedule_timers

RATINGS = range(1, 6)


class FeedbackOutcome(StrEnum):
    RECORDED = "recorded"
    REOPENED = "reopened"  # «не решено»: the case is back with the authority
    NOT_YOURS = "not_yours"  # no such case of this citizen (or a forged button)
    NOT_CLOSED = "not_closed"  # nothing to judge yet: the case is open
    ALREADY = "already"  # this result was judged (or rated) already
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    outcome: FeedbackOutcome
    appeal: Appeal | None = None


async def _own_closed_case(
    uow: UnitOfWork, tg_user_id: int, appeal_id: int
) -> tuple[Appeal | None, FeedbackOutcome | None]:
    citizen = await uow.citizens.get_by_tg(tg_user_id)
    appeal = await uow.appeals.get(appeal_id)
    if citizen is None or appeal is None or appeal.citizen_id != citizen.id:
        return None, FeedbackOutcome.NOT_YOURS
    if appeal.is_open:
        return appeal, FeedbackOutcome.NOT_CLOSED
    return appeal, None


async def give_verdict(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    policy: DeadlinePolicy,
    *,
    tg_user_id: int,
    appeal_id: int,
    verdict: Verdict,
) -> FeedbackResult:
    async with uow_factory() as uow:
        appeal, refused = await _own_closed_case(uow, tg_user_id, appeal_id)
        if refused is not None:
            return FeedbackResult(refused, appeal)
        assert appeal is not None and appeal.id is not None
        if appeal.verdict is not None:
            return FeedbackResult(FeedbackOutcome.ALREADY, appeal)
        now = clock.now()
        appeal.verdict = verdict
        appeal.updated_at = now
        appeal.version += 1
        appeal.record(EventKind.FEEDBACK, now, ActorKind.CITIZEN, verdict=verdict.value)
        outcome = FeedbackOutcome.RECORDED
        if verdict is Verdict.NOT_SOLVED:
            await _reopen(uow, appeal, now, policy)
            outcome = FeedbackOutcome.REOPENED
        await uow.appeals.save(appeal)
        await uow.commit()
        return FeedbackResult(outcome, appeal)


async def _reopen(uow: UnitOfWork, appeal: Appeal, now: datetime, policy: DeadlinePolicy) -> None:
    """Back to the authority with a fresh target; its topic hears it, its head is called."""
    assert appeal.id is not None
    appeal.change_status(AppealStatus.REOPENED, now, ActorKind.CITIZEN, verdict="not_solved")
    fresh = policy.deadlines(now, appeal.sector, appeal.text)
    appeal.due_at = fresh.due_at
    appeal.record(
        EventKind.DEADLINE_SET,
        now,
        ActorKind.SYSTEM,
        due_at=fresh.due_at.isoformat(),
        law_due_at=appeal.law_due_at.isoformat() if appeal.law_due_at else None,
        reopened=True,
    )
    directory = await uow.directory.load()
    authority = directory.authority(appeal.authority)
    chat = authority.chat_id if authority is not None else None
    if chat is not None:
        await notify(
            uow,
            appeal,
            NotificationKind.GROUP_NOTICE,
            chat,
            now,
            notice="reopened",
            mention_heads=True,
        )
    await schedule_timers(uow, appeal, chat, now, policy)


async def rate(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, tg_user_id: int, appeal_id: int, stars: int
) -> FeedbackResult:
    if stars not in RATINGS:
        return FeedbackResult(FeedbackOutcome.INVALID)
    async with uow_factory() as uow:
        appeal, refused = await _own_closed_case(uow, tg_user_id, appeal_id)
        if refused is FeedbackOutcome.NOT_CLOSED and appeal is not None and appeal.verdict:
            refused = None  # «не решено» reopened it; the rating of the answer still counts
        if refused is not None:
            return FeedbackResult(refused, appeal)
        assert appeal is not None
        if appeal.rating is not None:
            return FeedbackResult(FeedbackOutcome.ALREADY, appeal)
        now = clock.now()
        appeal.rating = stars
        appeal.updated_at = now
        appeal.version += 1
        appeal.record(EventKind.FEEDBACK, now, ActorKind.CITIZEN, rating=stars)
        await uow.appeals.save(appeal)
        await uow.commit()
        return FeedbackResult(FeedbackOutcome.RECORDED, appeal)


def record_comment(appeal: Appeal, now: datetime, text: str | None, message_id: int) -> None:
    """The citizen's comment on the result (a reply to the thank-you for the rating)."""
    appeal.record(EventKind.FEEDBACK, now, ActorKind.CITIZEN, comment=text, message_id=message_id)
