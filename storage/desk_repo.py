"""Topics of appeals and links between relayed messages, in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from core.desk import LinkDirection, MessageLink, Topic
from storage.tables import AppealTopicRow, MessageLinkRow


def _topic(row: AppealTopicRow) -> Topic:
    return Topic(
        id=row.id,
        appeal_id=row.appeal_id,
        authority=row.authority,
        chat_id=row.chat_id,
        thread_id=row.thread_id,
        card_message_id=row.card_message_id,
        created_at=row.created_at,
        closed=row.closed,
    )


class SqlTopicRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, topic: Topic) -> Topic:
        row = AppealTopicRow(
            appeal_id=topic.appeal_id,
            authority=topic.authority,
            chat_id=topic.chat_id,
            thread_id=topic.thread_id,
            card_message_id=topic.card_message_id,
            created_at=topic.created_at,
            closed=topic.closed,
        )
        self.session.add(row)
        await self.session.flush()
        topic.id = row.id
        return topic

    async def current(self, appeal_id: int) -> Topic | None:
        """The open topic of a case (the latest one: a redirect opens a new topic)."""
        row = (
            await self.session.exec(
                select(AppealTopicRow)
                .where(AppealTopicRow.appeal_id == appeal_id, AppealTopicRow.closed.is_(False))  # type: ignore[attr-defined]
                .order_by(AppealTopicRow.id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).scalar_one_or_none()
        return _topic(row) if row else None

    async def by_thread(self, chat_id: int, thread_id: int) -> Topic | None:
        row = (
            await self.session.exec(
                select(AppealTopicRow)
                .where(AppealTopicRow.chat_id == chat_id, AppealTopicRow.thread_id == thread_id)
                .order_by(AppealTopicRow.id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).scalar_one_or_none()
        return _topic(row) if row else None

    async def set_card(self, topic_id: int, message_id: int) -> None:
        await self.session.exec(
            update(AppealTopicRow)
            .where(AppealTopicRow.id == topic_id)
            .values(card_message_id=message_id)
        )

    async def close(self, topic_id: int) -> None:
        """Forget a topic (deleted in Telegram, or the case moved): the next message opens a
        new one."""
        await self.session.exec(
            update(AppealTopicRow).where(AppealTopicRow.id == topic_id).values(closed=True)
        )


class SqlLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, link: MessageLink) -> None:
        try:
            async with self.session.begin_nested():  # a savepoint: a duplicate spoils nothing
                self.session.add(
                    MessageLinkRow(
                        appeal_id=link.appeal_id,
                        citizen_chat_id=link.citizen_chat_id,
                        citizen_message_id=link.citizen_message_id,
                        group_chat_id=link.group_chat_id,
                        group_message_id=link.group_message_id,
                        direction=link.direction.value,
                    )
                )
        except IntegrityError:  # linked before (a redelivered update, or a new role for it)
            values: dict[str, Any] = {"direction": link.direction.value}
            if link.group_message_id is not None:  # the counterpart is known now
                values |= {
                    "group_chat_id": link.group_chat_id,
                    "group_message_id": link.group_message_id,
                }
            await self.session.exec(
                update(MessageLinkRow)
                .where(
                    MessageLinkRow.citizen_chat_id == link.citizen_chat_id,
                    MessageLinkRow.citizen_message_id == link.citizen_message_id,
                )
                .values(**values)
            )

    async def by_citizen_message(self, chat_id: int, message_id: int) -> MessageLink | None:
        row = (
            await self.session.exec(
                select(MessageLinkRow).where(
                    MessageLinkRow.citizen_chat_id == chat_id,
                    MessageLinkRow.citizen_message_id == message_id,
                )
            )
        ).scalar_one_or_none()
        return _link(row) if row is not None else None

    async def by_group_message(self, chat_id: int, message_id: int) -> MessageLink | None:
        """The pair of a message in a case's topic (the latest, if several were linked)."""
        row = (
            await self.session.exec(
                select(MessageLinkRow)
                .where(
                    MessageLinkRow.group_chat_id == chat_id,
                    MessageLinkRow.group_message_id == message_id,
                )
                .order_by(MessageLinkRow.id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).scalar_one_or_none()
        return _link(row) if row is not None else None


def _link(row: MessageLinkRow) -> MessageLink:
    return MessageLink(
        appeal_id=row.appeal_id,
        citizen_chat_id=row.citizen_chat_id,
        citizen_message_id=row.citizen_message_id,
        direction=LinkDirection(row.direction),
        group_chat_id=row.group_chat_id,
        group_message_id=row.group_message_id,
    )
