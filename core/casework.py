"""Use cases of the officials' side: topics, relaying messages both ways, taking a case.

Channels call these; every relay is an event in the history plus an outbox row, so a
message accepted from an official or a citizen is never lost on a Telegram error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.clock import Clock
from core.desk import LinkDirection, MessageLink, Topic, is_internal_note
from core.directory import Authority, Official
from core.feedback import record_comment
from core.model import ActorKind, Appeal, AppealStatus, EventKind
from core.notifications import NotificationKind
from core.outbox import notify
from core.ports import UnitOfWork, UnitOfWorkFactory


class Outcome(StrEnum):
    RELAYED = "relayed"
    NOTE = "note"
    NOT_OFFICIAL = "not_official"  # refused (and audited)
    NO_CASE = "no_case"  # the topic belongs to no case
    NO_CITIZEN = "no_citizen"  # e.g. a phone appeal of a caller unknown to the bot
    DONE = "done"
    ALREADY = "already"
    CLOSED = "closed"  # the case is no longer open
    COMMENTED = "commented"  # the citizen's comment on the result, kept in the history
    NO_ANSWER_YET = "no_answer_yet"  # closing before anything was said to the citizen
    NOT_HEAD = "not_head"  # only the authority's head extends a deadline (59-ФЗ ст. 12 ч. 2)
    NO_EXTENSIONS_LEFT = "no_extensions_left"
    UNKNOWN_TARGET = "unknown_target"  # a redirect to no (other) authority with a group
    SAME_CASE = "same_case"  # a case marked as a duplicate of itself
    NO_ROUTE = "no_route"  # a curator's sector has no authority here: choose one by hand


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    appeal: Appeal | None = None
    official: Official | None = None


async def record_topic(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    appeal_id: int,
    authority: Authority,
    thread_id: int,
) -> Topic:
    assert authority.chat_id is not None
    async with uow_factory() as uow:
        topic = await uow.topics.add(
            Topic(appeal_id, authority.code, authority.chat_id, thread_id, clock.now())
        )
        await uow.commit()
        return topic


async def set_card(uow_factory: UnitOfWorkFactory, topic_id: int, message_id: int) -> None:
    async with uow_factory() as uow:
        await uow.topics.set_card(topic_id, message_id)
        await uow.commit()


async def drop_topic(uow_factory: UnitOfWorkFactory, topic_id: int) -> None:
    async with uow_factory() as uow:
        await uow.topics.close(topic_id)
        await uow.commit()


async def current_topic(uow_factory: UnitOfWorkFactory, appeal_id: int) -> Topic | None:
    async with uow_factory() as uow:
        return await uow.topics.current(appeal_id)


async def authorise(
    uow: UnitOfWork, appeal: Appeal, chat_id: int, tg_user_id: int, clock: Clock, action: str
) -> tuple[Authority | None, Official | None]:
    """The case's authority and the person's place in it; a stranger is audited (committed)."""
    directory = await uow.directory.load()
    authority = directory.authority(appeal.authority)
    official = None
    if authority is not None and authority.chat_id == chat_id:
        official = authority.official(tg_user_id)
    if official is not None and not official.role.acts:
        official = None  # an observer reads, never acts
    if official is None:
        appeal.record(
            EventKind.ACCESS_DENIED,
            clock.now(),
            ActorKind.OFFICIAL,
            tg_user_id=tg_user_id,
            chat_id=chat_id,
            action=action,
        )
        await uow.appeals.save(appeal)
        await uow.commit()
    return authority, official


async def citizen_chat_of(uow: UnitOfWork, appeal: Appeal) -> int | None:
    """The citizen's private chat with the bot (None for a caller unknown to the bot)."""
    if appeal.citizen_id is None:
        return None
    citizen = await uow.citizens.get(appeal.citizen_id)
    return citizen.tg_user_id if citizen is not None else None


async def official_message(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    chat_id: int,
    thread_id: int,
    tg_user_id: int,
    message_id: int,
    text: str | None,
    reply_to_message_id: int | None = None,
) -> Result:
    """An official wrote in a case's topic: relay it to the citizen, or keep it as a note.
    A reply to a citizen's message in the topic arrives as a reply to their original."""
    async with uow_factory() as uow:
        topic = await uow.topics.by_thread(chat_id, thread_id)
        appeal = await uow.appeals.get(topic.appeal_id) if topic else None
        if appeal is None:
            return Result(Outcome.NO_CASE)
        _, official = await authorise(uow, appeal, chat_id, tg_user_id, clock, "message")
        if official is None:
            return Result(Outcome.NOT_OFFICIAL, appeal)
        now = clock.now()
        who = {"tg_user_id": tg_user_id, "official": official.full_name}
        if is_internal_note(text):
            appeal.record(EventKind.INTERNAL_NOTE, now, ActorKind.OFFICIAL, text=text, **who)
            await uow.appeals.save(appeal)
            await uow.commit()
            return Result(Outcome.NOTE, appeal, official)
        citizen_chat = await citizen_chat_of(uow, appeal)
        appeal.record(
            EventKind.AUTHORITY_MESSAGE,
            now,
            ActorKind.OFFICIAL,
            text=text,
            message_id=message_id,
            relayed=citizen_chat is not None,
            **who,
        )
        await uow.appeals.save(appeal)
        if citizen_chat is None:
            await uow.commit()
            return Result(Outcome.NO_CITIZEN, appeal, official)
        await notify(
            uow,
            appeal,
            NotificationKind.RELAY_TO_CITIZEN,
            citizen_chat,
            now,
            from_chat_id=chat_id,
            message_id=message_id,
            reply_to=await _counterpart(uow, appeal, chat_id, reply_to_message_id),
        )
        await uow.commit()
        return Result(Outcome.RELAYED, appeal, official)


async def _counterpart(
    uow: UnitOfWork, appeal: Appeal, group_chat: int, group_message: int | None
) -> int | None:
    """The citizen's side of a message in the case's topic (None when it has none)."""
    if group_message is None:
        return None
    link = await uow.links.by_group_message(group_chat, group_message)
    return link.citizen_message_id if link and link.appeal_id == appeal.id else None


async def official_edit(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    chat_id: int,
    tg_user_id: int,
    message_id: int,
    text: str | None,
    entities: list[dict[str, Any]] | None,
    caption: bool,
) -> Result:
    """An official edited a message the citizen got: the citizen's copy is edited too."""
    async with uow_factory() as uow:
        link = await uow.links.by_group_message(chat_id, message_id)
        if link is None or link.direction is not LinkDirection.TO_CITIZEN:
            return Result(Outcome.NO_CASE)  # a note, or never relayed: nothing to mirror
        appeal = await uow.appeals.get(link.appeal_id)
        if appeal is None:
            return Result(Outcome.NO_CASE)
        _, official = await authorise(uow, appeal, chat_id, tg_user_id, clock, "edit")
        if official is None:
            return Result(Outcome.NOT_OFFICIAL, appeal)
        appeal.record(
            EventKind.AUTHORITY_MESSAGE,
            clock.now(),
            ActorKind.OFFICIAL,
            text=text,
            message_id=message_id,
            edited=True,
            tg_user_id=tg_user_id,
            official=official.full_name,
        )
        await uow.appeals.save(appeal)
        await _mirror(
            uow,
            appeal,
            clock.now(),
            link.citizen_chat_id,
            link.citizen_message_id,
            text,
            entities,
            caption,
        )
        await uow.commit()
        return Result(Outcome.RELAYED, appeal, official)


async def citizen_edit(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    tg_user_id: int,
    message_id: int,
    text: str | None,
    entities: list[dict[str, Any]] | None,
    caption: bool,
) -> Result:
    """A citizen edited a follow-up that went to the topic: the topic's copy is edited too."""
    async with uow_factory() as uow:
        link = await uow.links.by_citizen_message(tg_user_id, message_id)
        if (
            link is None
            or link.direction is not LinkDirection.TO_GROUP
            or link.group_chat_id is None
            or link.group_message_id is None
        ):
            return Result(Outcome.NO_CASE)
        appeal = await uow.appeals.get(link.appeal_id)
        if appeal is None or await citizen_chat_of(uow, appeal) != tg_user_id:
            return Result(Outcome.NO_CASE)
        appeal.record(
            EventKind.CITIZEN_MESSAGE,
            clock.now(),
            ActorKind.CITIZEN,
            text=text,
            message_id=message_id,
            edited=True,
        )
        await uow.appeals.save(appeal)
        await _mirror(
            uow,
            appeal,
            clock.now(),
            link.group_chat_id,
            link.group_message_id,
            text,
            entities,
            caption,
        )
        await uow.commit()
        return Result(Outcome.RELAYED, appeal)


async def _mirror(
    uow: UnitOfWork,
    appeal: Appeal,
    now: datetime,
    chat_id: int,
    message_id: int,
    text: str | None,
    entities: list[dict[str, Any]] | None,
    caption: bool,
) -> None:
    await notify(
        uow,
        appeal,
        NotificationKind.MIRROR_EDIT,
        chat_id,
        now,
        message_id=message_id,
        text=text or "",
        entities=entities or [],
        caption=caption,
    )


async def citizen_followup(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    tg_user_id: int,
    reply_to_message_id: int,
    message_id: int,
    text: str | None,
) -> Result:
    """A citizen replied to a bot message about a case: the reply goes to the case's topic."""
    async with uow_factory() as uow:
        link = await uow.links.by_citizen_message(tg_user_id, reply_to_message_id)
        appeal = await uow.appeals.get(link.appeal_id) if link else None
        if link is None or appeal is None or await citizen_chat_of(uow, appeal) != tg_user_id:
            return Result(Outcome.NO_CASE)
        if link.direction is LinkDirection.FEEDBACK:
            record_comment(appeal, clock.now(), text, message_id)
            await uow.appeals.save(appeal)
            await uow.commit()
            return Result(Outcome.COMMENTED, appeal)
        # a reply to the copy of an official's message answers their original
        reply_to = link.group_message_id if link.direction is LinkDirection.TO_CITIZEN else None
        return await _to_topic(uow, clock, appeal, tg_user_id, message_id, text, reply_to)


async def citizen_message(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    tg_user_id: int,
    appeal_id: int,
    message_id: int,
    text: str | None,
) -> Result:
    """A citizen writes to the appeal they chose as active: the message goes to its topic."""
    async with uow_factory() as uow:
        appeal = await uow.appeals.get(appeal_id)
        if appeal is None or await citizen_chat_of(uow, appeal) != tg_user_id:
            return Result(Outcome.NO_CASE)
        return await _to_topic(uow, clock, appeal, tg_user_id, message_id, text, None)


async def _to_topic(
    uow: UnitOfWork,
    clock: Clock,
    appeal: Appeal,
    tg_user_id: int,
    message_id: int,
    text: str | None,
    reply_to: int | None,
) -> Result:
    """The citizen's message joins the case: history, a link for edits, a copy into its topic
    (an answer to the authority's question puts the case back in work)."""
    if not appeal.is_open:
        return Result(Outcome.CLOSED, appeal)
    now = clock.now()
    appeal.record(
        EventKind.CITIZEN_MESSAGE, now, ActorKind.CITIZEN, text=text, message_id=message_id
    )
    answered_question = appeal.status is AppealStatus.INFO_REQUESTED
    if answered_question:  # the details came: the case is back in work
        appeal.change_status(_status_before_question(appeal), now, ActorKind.CITIZEN)
    await uow.appeals.save(appeal)
    assert appeal.id is not None
    await uow.links.add(MessageLink(appeal.id, tg_user_id, message_id, LinkDirection.TO_GROUP))
    directory = await uow.directory.load()
    authority = directory.authority(appeal.authority)
    if authority is None or authority.chat_id is None:
        await uow.commit()  # kept in the history; a curator sees it with the case
        return Result(Outcome.NO_CASE, appeal)
    await notify(
        uow,
        appeal,
        NotificationKind.RELAY_TO_GROUP,
        authority.chat_id,
        now,
        from_chat_id=tg_user_id,
        message_id=message_id,
        refresh_card=answered_question,
        reply_to=reply_to,
    )
    await uow.commit()
    return Result(Outcome.RELAYED, appeal)


def _status_before_question(appeal: Appeal) -> AppealStatus:
    """Where a case returns once the citizen answered the authority's question."""
    for event in reversed(appeal.history):
        if event.kind is EventKind.STATUS_CHANGED and event.data.get("new") == "info_requested":
            old = AppealStatus(event.data["old"])
            if old in (AppealStatus.ROUTED, AppealStatus.IN_PROGRESS):
                return old
            break
    return AppealStatus.IN_PROGRESS


async def take_case(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, appeal_id: int, chat_id: int, tg_user_id: int
) -> Result:
    """«Взять в работу»: the official becomes the executor; the citizen is told."""
    async with uow_factory() as uow:
        appeal = await uow.appeals.get(appeal_id)
        if appeal is None:
            return Result(Outcome.NO_CASE)
        _, official = await authorise(uow, appeal, chat_id, tg_user_id, clock, "take")
        if official is None:
            return Result(Outcome.NOT_OFFICIAL, appeal)
        if appeal.status is AppealStatus.IN_PROGRESS:
            return Result(Outcome.ALREADY, appeal, official)
        if not appeal.is_open:
            return Result(Outcome.CLOSED, appeal, official)
        now = clock.now()
        appeal.change_status(
            AppealStatus.IN_PROGRESS,
            now,
            ActorKind.OFFICIAL,
            tg_user_id=tg_user_id,
            official=official.full_name,
        )
        await uow.appeals.save(appeal)
        citizen_chat = await citizen_chat_of(uow, appeal)
        if citizen_chat is not None:
            await notify(
                uow, appeal, NotificationKind.CASE_NOTICE, citizen_chat, now, notice="taken"
            )
        await uow.commit()
        return Result(Outcome.DONE, appeal, official)


@dataclass(frozen=True, slots=True)
class Contacts:
    phone: str | None
    full_name: str | None
    email: str | None = None  # given by an integrated system (Open311)


async def citizen_contacts(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, appeal_id: int, chat_id: int, tg_user_id: int
) -> tuple[Result, Contacts | None]:
    """The citizen's personal data for the case's official (152-ФЗ: shown to the person who
    needs it, never posted into the group; every look is written into the history)."""
    async with uow_factory() as uow:
        appeal = await uow.appeals.get(appeal_id)
        if appeal is None:
            return Result(Outcome.NO_CASE), None
        _, official = await authorise(uow, appeal, chat_id, tg_user_id, clock, "contacts")
        if official is None:
            return Result(Outcome.NOT_OFFICIAL, appeal), None
        citizen = await uow.citizens.get(appeal.citizen_id) if appeal.citizen_id else None
        contacts = Contacts(
            phone=(citizen.phone if citizen else None) or appeal.caller_phone,
            full_name=citizen.full_name if citizen else None,
            email=citizen.email if citizen else None,
        )
        appeal.record(
            EventKind.CONTACTS_VIEWED,
            clock.now(),
            ActorKind.OFFICIAL,
            tg_user_id=tg_user_id,
            official=official.full_name,
        )
        await uow.appeals.save(appeal)
        await uow.commit()
        return Result(Outcome.DONE, appeal, official), contacts


async def link_notice(
    uow_factory: UnitOfWorkFactory,
    appeal_id: int,
    citizen_chat_id: int,
    message_id: int,
    direction: LinkDirection = LinkDirection.NOTICE,
    group: tuple[int, int] | None = None,
) -> None:
    """Remember a message the citizen has about a case (a reply to it is a follow-up), and
    its counterpart in the topic when there is one (edits and replies are mirrored)."""
    async with uow_factory() as uow:
        await uow.links.add(
            MessageLink(
                appeal_id,
                citizen_chat_id,
                message_id,
                direction,
                group_chat_id=group[0] if group else None,
                group_message_id=group[1] if group else None,
            )
        )
        await uow.commit()
