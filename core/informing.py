"""Use cases of targeted informing: subscriptions, announcements, their delivery rows,
known issues, polls. Channel-free; the bot's broadcaster drives the delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.broadcasts import (
    AnnouncementDraft,
    Audience,
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
    PollResults,
    Progress,
    Subscription,
    TopicKind,
)
from core.clock import Clock
from core.directory import Directory, OfficialRole
from core.errors import ConsentRequired, NotFound
from core.model import Appeal
from core.notifications import Notification, NotificationKind
from core.ports import UnitOfWork, UnitOfWorkFactory

#: Messages about a new case that follow its confirmation wait this long behind it.
AFTER_CONFIRMATION = timedelta(seconds=1)


async def _citizen_id(uow: UnitOfWork, tg_user_id: int) -> int:
    citizen = await uow.citizens.get_by_tg(tg_user_id)
    if citizen is None or not citizen.has_consent or citizen.id is None:
        raise ConsentRequired
    return citizen.id


async def subscription(uow_factory: UnitOfWorkFactory, tg_user_id: int) -> Subscription:
    """What the citizen follows now (nothing without consent)."""
    async with uow_factory() as uow:
        citizen = await uow.citizens.get_by_tg(tg_user_id)
        if citizen is None or citizen.id is None or not citizen.has_consent:
            return Subscription()
        return await uow.subscriptions.of(citizen.id)


async def toggle_topic(
    uow_factory: UnitOfWorkFactory, clock: Clock, tg_user_id: int, kind: TopicKind, code: str
) -> Subscription:
    """Follow a sector or place, or stop following it (a toggle button)."""
    async with uow_factory() as uow:
        citizen_id = await _citizen_id(uow, tg_user_id)
        current = await uow.subscriptions.of(citizen_id)
        chosen = current.sectors if kind is TopicKind.SECTOR else current.places
        if code in chosen:
            await uow.subscriptions.remove(citizen_id, kind, code)
        else:
            await uow.subscriptions.add(citizen_id, kind, code, clock.now())
        result = await uow.subscriptions.of(citizen_id)
        await uow.commit()
        return result


async def follow(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tg_user_id: int,
    sector: str,
    place: str | None,
) -> Subscription:
    """Follow a sector (and a place) at once: the offer after an appeal is registered. A
    citizen who follows the whole region keeps doing so."""
    async with uow_factory() as uow:
        citizen_id = await _citizen_id(uow, tg_user_id)
        before = await uow.subscriptions.of(citizen_id)
        await uow.subscriptions.add(citizen_id, TopicKind.SECTOR, sector, clock.now())
        if place is not None and (before.places or not before.sectors):
            await uow.subscriptions.add(citizen_id, TopicKind.PLACE, place, clock.now())
        result = await uow.subscriptions.of(citizen_id)
        await uow.commit()
        return result


async def unsubscribe(uow_factory: UnitOfWorkFactory, tg_user_id: int) -> bool:
    """Stop every subscription; False if there was none."""
    async with uow_factory() as uow:
        citizen = await uow.citizens.get_by_tg(tg_user_id)
        if citizen is None or citizen.id is None:
            return False
        removed = await uow.subscriptions.clear(citizen.id)
        await uow.commit()
        return removed > 0


async def answer_known_issue(
    uow: UnitOfWork, appeal: Appeal, chat_id: int | None, now: datetime
) -> Broadcast | None:
    """A new appeal on a sector and place with an announced outage gets the announcement
    as an immediate answer (it is still routed to the authority as usual)."""
    if chat_id is None or appeal.sector is None:
        return None
    for outage in await uow.broadcasts.outages(now):
        if outage.audience.covers(appeal.sector, appeal.municipality):
            assert appeal.id is not None and outage.id is not None
            await uow.notifications.add(
                Notification(
                    kind=NotificationKind.KNOWN_ISSUE,
                    chat_id=chat_id,
                    created_at=now,
                    appeal_id=appeal.id,
                    payload={"number": appeal.number, "broadcast": outage.id},
                    not_before=now + AFTER_CONFIRMATION,
                )
            )
            return outage
    return None


# -- announcing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Announcer:
    """Who may announce from a group: its authority's acting officials, or (authority None)
    anyone in the ЦУР group."""

    authority: str | None
    municipality: str | None  # an authority of one municipality announces there only

    @property
    def curator(self) -> bool:
        return self.authority is None


def announcer(
    directory: Directory, chat_id: int, tg_user_id: int, curators_chat: int | None
) -> Announcer | None:
    """The rights of this person in this group, or None (not allowed to announce)."""
    if curators_chat is not None and chat_id == curators_chat:
        return Announcer(None, None)
    authority = directory.by_chat(chat_id)
    if authority is None:
        return None
    official = authority.official(tg_user_id)
    if official is None or official.role is OfficialRole.OBSERVER:
        return None
    return Announcer(authority.code, authority.municipality)


async def count_audience(uow_factory: UnitOfWorkFactory, audience: Audience) -> int:
    async with uow_factory() as uow:
        return await uow.subscriptions.count_audience(audience)


async def announce(
    uow_factory: UnitOfWorkFactory, clock: Clock, draft: AnnouncementDraft
) -> Broadcast:
    """Register the announcement with one pending delivery row per current recipient."""
    if draft.authority is not None and (not draft.sectors or not draft.places):
        raise ValueError("only the ЦУР announces to every sector or the whole region")
    async with uow_factory() as uow:
        broadcast = await uow.broadcasts.add(draft.build(clock.now()))
        await uow.commit()
        return broadcast


async def get_broadcast(uow_factory: UnitOfWorkFactory, broadcast_id: int) -> Broadcast:
    async with uow_factory() as uow:
        found = await uow.broadcasts.get(broadcast_id)
    if found is None:
        raise NotFound(broadcast_id)
    return found


async def set_progress_message(
    uow_factory: UnitOfWorkFactory, broadcast_id: int, message_id: int
) -> None:
    async with uow_factory() as uow:
        await uow.broadcasts.set_progress_message(broadcast_id, message_id)
        await uow.commit()


async def progress(uow_factory: UnitOfWorkFactory, broadcast: Broadcast) -> Progress:
    assert broadcast.id is not None
    async with uow_factory() as uow:
        return await uow.broadcasts.progress(broadcast.id, broadcast.total)


async def cancel(uow_factory: UnitOfWorkFactory, clock: Clock, broadcast_id: int) -> int:
    """Stop a broadcast; returns how many recipients will not get it."""
    async with uow_factory() as uow:
        cancelled = await uow.broadcasts.cancel(broadcast_id, clock.now())
        await uow.commit()
        return cancelled


async def lift_outage(uow_factory: UnitOfWorkFactory, clock: Clock, broadcast_id: int) -> None:
    """New appeals on the topic no longer get the announcement as an answer."""
    async with uow_factory() as uow:
        await uow.broadcasts.lift_outage(broadcast_id, clock.now())
        await uow.commit()


# -- delivery (driven by a channel's broadcaster) -----------------------------------------


async def unfinished(uow_factory: UnitOfWorkFactory) -> list[int]:
    async with uow_factory() as uow:
        return await uow.broadcasts.unfinished()


async def release_claims(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    """At start-up: (claims dropped, rows that were in flight and will be sent again)."""
    async with uow_factory() as uow:
        counts = await uow.broadcasts.release_claims()
        await uow.commit()
        return counts


async def claim(
    uow_factory: UnitOfWorkFactory, broadcast_id: int, now: datetime, limit: int
) -> list[Delivery]:
    async with uow_factory() as uow:
        rows = await uow.broadcasts.claim(broadcast_id, now, limit)
        await uow.commit()
        return rows


async def unclaim(uow: UnitOfWork, delivery_ids: list[int]) -> None:
    """Give claimed rows back (a graceful stop)."""
    await uow.broadcasts.unclaim(delivery_ids)


async def open_rows(
    uow_factory: UnitOfWorkFactory, broadcast_id: int
) -> tuple[int, datetime | None]:
    async with uow_factory() as uow:
        return await uow.broadcasts.open_rows(broadcast_id)


# The steps below run inside a caller's transaction (the broadcaster commits them in groups).


async def start_part(uow: UnitOfWork, delivery_id: int) -> bool:
    """Mark the row in flight just before its request; False if it was cancelled."""
    return await uow.broadcasts.mark_sending(delivery_id)


async def part_sent(
    uow: UnitOfWork,
    delivery: Delivery,
    *,
    last: bool,
    now: datetime,
    message_id: int | None = None,
    poll_message_id: int | None = None,
    poll_id: str | None = None,
) -> None:
    await uow.broadcasts.mark_part(
        delivery.id,
        delivery.parts_done + 1,
        last=last,
        now=now,
        message_id=message_id,
        poll_message_id=poll_message_id,
        poll_id=poll_id,
    )


async def delivery_failed(
    uow: UnitOfWork,
    delivery: Delivery,
    status: DeliveryStatus,
    error: str,
    retry_at: datetime | None = None,
) -> None:
    """A final failure, a blocked bot (the citizen's subscription is removed), or back to
    pending until `retry_at`."""
    await uow.broadcasts.mark(delivery.id, status, error=error, retry_at=retry_at)
    if status is DeliveryStatus.BLOCKED:
        await uow.subscriptions.clear(delivery.citizen_id)


async def finish(uow_factory: UnitOfWorkFactory, broadcast_id: int, now: datetime) -> bool:
    async with uow_factory() as uow:
        done = await uow.broadcasts.finish(broadcast_id, BroadcastStatus.DONE, now)
        await uow.commit()
        return done


# -- polls --------------------------------------------------------------------------------


async def record_poll(uow_factory: UnitOfWorkFactory, poll_id: str, counts: list[int]) -> bool:
    """A recipient's poll changed (Telegram sends the poll's new state)."""
    async with uow_factory() as uow:
        ok = await uow.broadcasts.record_poll(poll_id, counts)
        await uow.commit()
        return ok


async def poll_results(uow_factory: UnitOfWorkFactory, broadcast_id: int) -> PollResults:
    async with uow_factory() as uow:
        broadcast = await uow.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.poll is None:
            raise NotFound(broadcast_id)
        answers, polls = await uow.broadcasts.poll_counts(broadcast_id)
    size = len(broadcast.poll.options)
    totals = [0] * size
    for counts in answers:
        for i, n in enumerate(counts[:size]):
            totals[i] += int(n)
    return PollResults(broadcast.poll.question, broadcast.poll.options, tuple(totals), polls)


async def close_poll(uow_factory: UnitOfWorkFactory, broadcast_id: int) -> list[tuple[int, int]]:
    """Freeze the poll's results; the channel then stops each recipient's poll."""
    async with uow_factory() as uow:
        polls = await uow.broadcasts.close_poll(broadcast_id)
        await uow.commit()
        return polls
