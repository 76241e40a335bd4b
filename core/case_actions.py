"""What officials do to a case from its card: ask the citizen for details, extend the
deadline, redirect the case to another authority, close it. Each action is one
transaction: the status change, its history event and the outbox rows that tell the
citizen and the groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.casework import Outcome, Result, authorise, citizen_chat_of
from core.clock import Clock
from core.deadlines import DeadlinePolicy
from core.directory import Authority, OfficialRole
from core.model import ActorKind, Appeal, AppealStatus, EventKind, Resolution
from core.notifications import NotificationKind
from core.outbox import notify
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.services import resector, schedule_redirect_frame, schedule_timers


def _who(official_name: str, tg_user_id: int) -> dict[str, Any]:
    return {"tg_user_id": tg_user_id, "official": official_name}


async def _open_case(
    uow: UnitOfWork, clock: Clock, appeal_id: int, chat_id: int, tg_user_id: int, action: str
) -> Result:
    """The case, if it exists, is open and the person is its authority's official."""
    appeal = await uow.appeals.get(appeal_id)
    if appeal is None:
        return Result(Outcome.NO_CASE)
    _, official = await authorise(uow, appeal, chat_id, tg_user_id, clock, action)
    if official is None:
        return Result(Outcome.NOT_OFFICIAL, appeal)
    if not appeal.is_open:
        return Result(Outcome.CLOSED, appeal, official)
    return Result(Outcome.DONE, appeal, official)


async def check_official(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    appeal_id: int,
    chat_id: int,
    tg_user_id: int,
    action: str,
) -> Result:
    """Before a menu opens: may this person act on this open case? (A stranger is audited.)"""
    async with uow_factory() as uow:
        return await _open_case(uow, clock, appeal_id, chat_id, tg_user_id, action)


async def request_info(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    appeal_id: int,
    chat_id: int,
    tg_user_id: int,
    message_id: int,
    text: str | None,
) -> Result:
    """«Запросить уточнение»: the official's message goes to the citizen as a question; the
    case waits for the answer (INFO_REQUESTED) and returns to work when it comes."""
    async with uow_factory() as uow:
        found = await _open_case(uow, clock, appeal_id, chat_id, tg_user_id, "request_info")
        if found.outcome is not Outcome.DONE:
            return found
        appeal, official = found.appeal, found.official
        assert appeal is not None and official is not None
        citizen_chat = await citizen_chat_of(uow, appeal)
        if citizen_chat is None:
            return Result(Outcome.NO_CITIZEN, appeal, official)
        now = clock.now()
        who = _who(official.full_name, tg_user_id)
        if appeal.status is not AppealStatus.INFO_REQUESTED:
            appeal.change_status(AppealStatus.INFO_REQUESTED, now, ActorKind.OFFICIAL, **who)
        appeal.record(
            EventKind.INFO_REQUESTED,
            now,
            ActorKind.OFFICIAL,
            text=text,
            message_id=message_id,
            **who,
        )
        await uow.appeals.save(appeal)
        await notify(
            uow,
            appeal,
            NotificationKind.INFO_REQUEST,
            citizen_chat,
            now,
            from_chat_id=chat_id,
            message_id=message_id,
        )
        await uow.commit()
        return Result(Outcome.DONE, appeal, official)


async def extend_deadline(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    policy: DeadlinePolicy,
    *,
    appeal_id: int,
    chat_id: int,
    tg_user_id: int,
    days: int,
) -> Result:
    """«Продлить срок»: once, by up to 30 days, by the authority's head; the citizen is told
    the new date and the reminders follow it."""
    async with uow_factory() as uow:
        found = await _open_case(uow, clock, appeal_id, chat_id, tg_user_id, "extend")
        if found.outcome is not Outcome.DONE:
            return found
        appeal, official = found.appeal, found.official
        assert appeal is not None and official is not None
        if official.role is not OfficialRole.HEAD:
            return Result(Outcome.NOT_HEAD, appeal, official)
        if appeal.extensions >= policy.extensions_allowed:
            return Result(Outcome.NO_EXTENSIONS_LEFT, appeal, official)
        if appeal.due_at is None or appeal.law_due_at is None:
            deadlines = policy.deadlines(appeal.created_at, appeal.sector, appeal.text)
            appeal.due_at, appeal.law_due_at = deadlines.due_at, deadlines.law_due_at
        now = clock.now()
        due, law_due = policy.extended(appeal.due_at, appeal.law_due_at, days)
        appeal.extend(
            due,
            law_due,
            now,
            ActorKind.OFFICIAL,
            days=days,
            **_who(official.full_name, tg_user_id),
        )
        await uow.appeals.save(appeal)
        citizen_chat = await citizen_chat_of(uow, appeal)
        if citizen_chat is not None:
            await notify(
                uow,
                appeal,
                NotificationKind.CASE_NOTICE,
                citizen_chat,
                now,
                notice="extended",
                due_at=law_due.isoformat(),
            )
        await schedule_timers(uow, appeal, chat_id, now, policy)
        await uow.commit()
        return Result(Outcome.DONE, appeal, official)


async def redirect(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    policy: DeadlinePolicy,
    *,
    appeal_id: int,
    chat_id: int,
    tg_user_id: int,
    target: str,
    reason: str,
) -> Result:
    """«Переадресовать»: the case moves to another authority (a new topic there, the old one
    closed with a note), the citizen is told where it went, and the reason is kept as a
    routing correction in the history."""
    async with uow_factory() as uow:
        found = await _open_case(uow, clock, appeal_id, chat_id, tg_user_id, "redirect")
        if found.outcome is not Outcome.DONE:
            return found
        appeal, official = found.appeal, found.official
        assert appeal is not None and official is not None
        directory = await uow.directory.load()
        to = directory.authority(target)
        if to is None or to.code == appeal.authority or to.chat_id is None:
            return Result(Outcome.UNKNOWN_TARGET, appeal, official)
        now = clock.now()
        source = appeal.authority
        topic = await uow.topics.current(appeal.id or 0)
        who = _who(official.full_name, tg_user_id)
        since = appeal.assigned_at or appeal.created_at
        late = now > policy.redirect_due(since)  # past 59-ФЗ's 7 days: kept for the record
        if topic is not None:
            await uow.topics.close(topic.id or 0)
            await notify(
                uow,
                appeal,
                NotificationKind.GROUP_NOTICE,
                topic.chat_id,
                now,
                notice="redirected",
                thread_id=topic.thread_id,
                target_name=to.name,
                reason=reason,
                close_topic=True,
            )
        await _hand_over(
            uow,
            appeal,
            to,
            now,
            policy,
            ActorKind.OFFICIAL,
            {"redirected": True, **who},
            source=source,
            reason=reason,
            late=late,
            **who,
        )
        await uow.commit()
        return Result(Outcome.DONE, appeal, official)


async def route_from_triage(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    policy: DeadlinePolicy,
    *,
    appeal_id: int,
    curator_id: int,
    curator_name: str,
    sector: str | None = None,
    target: str | None = None,
) -> Result:
    """A ЦУР curator decides a case nobody was responsible for: gives it a sector (kept as a
    labeled example; the routing table then finds the authority) or hands it to an authority
    directly (kept as a routing correction). The channel checks that the curator acts from
    the ЦУР group."""
    async with uow_factory() as uow:
        appeal = await uow.appeals.get(appeal_id)
        if appeal is None:
            return Result(Outcome.NO_CASE)
        if appeal.status is not AppealStatus.TRIAGE:
            return Result(Outcome.ALREADY if appeal.is_open else Outcome.CLOSED, appeal)
        directory = await uow.directory.load()
        now = clock.now()
        who = {"tg_user_id": curator_id, "curator": curator_name}
        if sector is not None and sector != appeal.sector:
            await resector(uow, appeal, sector, now, ActorKind.OPERATOR, source="curator", **who)
        to = directory.authority(target) if target else None
        if target is not None and (to is None or to.chat_id is None or not to.active):
            return Result(Outcome.UNKNOWN_TARGET, appeal)
        if to is None:
            to = directory.route(appeal.sector, appeal.municipality)
        if to is None or to.chat_id is None:
            await uow.appeals.save(appeal)  # the sector is kept; still waiting for a curator
            await uow.commit()
            return Result(Outcome.NO_ROUTE, appeal)
        await _hand_over(
            uow,
            appeal,
            to,
            now,
            policy,
            ActorKind.OPERATOR,
            {"triaged": True, **who},
            source=None,
            reason="triage",
            **who,
        )
        await uow.commit()
        return Result(Outcome.DONE, appeal)


async def _hand_over(
    uow: UnitOfWork,
    appeal: Appeal,
    to: Authority,
    now: datetime,
    policy: DeadlinePolicy,
    actor: ActorKind,
    assigned: dict[str, Any],
    **correction: Any,
) -> None:
    """The case goes to `to`: its status and a routing correction in the history, its topic
    opened there, the citizen told, the deadline timers and the 7-day frame started anew."""
    assert to.chat_id is not None
    appeal.assign(to.code, appeal.municipality, now, actor, **assigned)
    appeal.record(
        EventKind.REDIRECTED,
        now,
        actor,
        target=to.code,
        target_name=to.name,
        sector=appeal.sector,
        municipality=appeal.municipality,
        **correction,
    )
    await uow.appeals.save(appeal)
    await notify(uow, appeal, NotificationKind.FORWARDED, to.chat_id, now, authority=to.code)
    citizen_chat = await citizen_chat_of(uow, appeal)
    if citizen_chat is not None:
        await notify(
            uow,
            appeal,
            NotificationKind.CASE_NOTICE,
            citizen_chat,
            now,
            notice="redirected",
            authority=to.name,
        )
    await schedule_timers(uow, appeal, to.chat_id, now, policy)
    await schedule_redirect_frame(uow, appeal, to.chat_id, now, policy)


async def close_case(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    appeal_id: int,
    chat_id: int,
    tg_user_id: int,
    resolution: Resolution,
    duplicate_of: str | None = None,
) -> Result:
    """«Закрыть»: решено (ANSWERED) or не в компетенции / дубликат (CLOSED). The citizen gets
    the result and, unless it is a duplicate, is asked whether the problem was solved."""
    async with uow_factory() as uow:
        found = await _open_case(uow, clock, appeal_id, chat_id, tg_user_id, "close")
        if found.outcome is not Outcome.DONE:
            return found
        appeal, official = found.appeal, found.official
        assert appeal is not None and official is not None
        extra: dict[str, Any] = {}
        if resolution is Resolution.DUPLICATE:
            original = await uow.appeals.get_by_number(duplicate_of or "")
            if original is None:
                return Result(Outcome.NO_CASE, appeal, official)
            if original.id == appeal.id:
                return Result(Outcome.SAME_CASE, appeal, official)
            extra["duplicate_of"] = original.number
        elif not _answered_since_opened(appeal):
            return Result(Outcome.NO_ANSWER_YET, appeal, official)
        now = clock.now()
        appeal.close(
            resolution, now, ActorKind.OFFICIAL, **extra, **_who(official.full_name, tg_user_id)
        )
        await uow.appeals.save(appeal)
        citizen_chat = await citizen_chat_of(uow, appeal)
        if citizen_chat is not None:
            await notify(
                uow,
                appeal,
                NotificationKind.RESULT,
                citizen_chat,
                now,
                resolution=resolution.value,
                **extra,
            )
        await uow.commit()
        return Result(Outcome.DONE, appeal, official)


def _answered_since_opened(appeal: Appeal) -> bool:
    """Whether the authority said anything to the citizen since the case (re)opened."""
    for event in reversed(appeal.history):
        if event.kind is EventKind.AUTHORITY_MESSAGE:
            return True
        if event.kind is EventKind.STATUS_CHANGED and event.data.get("new") == "reopened":
            return False
    return False
