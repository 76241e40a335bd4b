"""The officials' side of a case: its forum topic in the authority's group, the messages
relayed between the citizen and the topic, and who may act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(slots=True)
class Topic:
    """Where a case is discussed: one forum topic in the responsible authority's group."""

    appeal_id: int
    authority: str
    chat_id: int
    thread_id: int
    created_at: datetime
    card_message_id: int | None = None
    closed: bool = False
    id: int | None = None


class LinkDirection(StrEnum):
    TO_CITIZEN = "to_citizen"  # an official's message copied to the citizen
    TO_GROUP = "to_group"  # a citizen's message copied into the topic
    NOTICE = "notice"  # a bot message to the citizen about the case (replies land in the topic)
    FEEDBACK = "feedback"  # the thanks for a rating: a reply to it is a comment on the result


@dataclass(frozen=True, slots=True)
class MessageLink:
    appeal_id: int
    citizen_chat_id: int
    citizen_message_id: int
    direction: LinkDirection
    group_chat_id: int | None = None
    group_message_id: int | None = None


#: An official's message that starts with this stays in the topic (an internal note).
NOTE_PREFIX = "!"


def is_internal_note(text: str | None) -> bool:
    return bool(text) and (text.lstrip().startswith(NOTE_PREFIX) or text.startswith("/note"))
