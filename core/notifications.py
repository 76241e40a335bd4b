"""Notifications to citizens: written in the same transaction as the change they report
(an outbox), delivered by a channel afterwards, so an acknowledged case is never lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    APPEAL_REGISTERED = "appeal_registered"  # to the citizen: the case number
    FORWARDED = "forwarded"  # to an authority's group: open the case's topic with its card
    TRIAGE = "triage"  # to the ЦУР curators: a case nobody is responsible for yet
    RELAY_TO_CITIZEN = "relay_to_citizen"  # an official's message, copied to the citizen
    RELAY_TO_GROUP = "relay_to_group"  # a citizen's follow-up, copied into the case's topic
    CASE_NOTICE = "case_notice"  # to the citizen: the case moved (taken in work, …)
    INFO_REQUEST = "info_request"  # to the citizen: the authority's question (a copied message)
    RESULT = "result"  # to the citizen: the case is closed; asks whether it was solved
    GROUP_NOTICE = "group_notice"  # into the case's topic: reopened, moved away, …
    DEADLINE_REMINDER = "deadline_reminder"  # into the case's topic at 50 %, 80 %, 100 %
    OVERDUE_ALERT = "overdue_alert"  # to the ЦУР curators: a deadline has passed
    REDIRECT_FRAME = "redirect_frame"  # the 7 days to forward a case are running out
    MIRROR_EDIT = "mirror_edit"  # an edited message: edit its copy on the other side
    KNOWN_ISSUE = "known_issue"  # to the citizen: the announced outage their appeal is about


#: `Notification.chat_id` of messages for the ЦУР curator group (its id is configuration).
CURATORS_CHAT = 0


@dataclass(slots=True)
class Notification:
    kind: NotificationKind
    chat_id: int
    created_at: datetime
    appeal_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    attempts: int = 0
    sent_at: datetime | None = None
    claimed_until: datetime | None = None  # a sender holds it until then
    not_before: datetime | None = None  # a timer: not to be delivered earlier
