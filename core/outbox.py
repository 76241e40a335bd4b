"""Writing to the outbox: what a use case has to tell a chat goes out after its commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.model import Appeal
from core.notifications import Notification, NotificationKind
from core.ports import UnitOfWork


async def notify(
    uow: UnitOfWork,
    appeal: Appeal,
    kind: NotificationKind,
    chat: int,
    now: datetime,
    **payload: Any,
) -> None:
    """An outbox row about the case (its number always in the payload), in this transaction."""
    assert appeal.id is not None
    await uow.notifications.add(
        Notification(
            kind=kind,
            chat_id=chat,
            created_at=now,
            appeal_id=appeal.id,
            payload={"number": appeal.number, **payload},
        )
    )
