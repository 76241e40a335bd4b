"""Deadlines of a case as data: the 59-ФЗ frame, ЦУР targets per sector, priority topics,
one extension, and the reminder schedule. Working days follow the production calendar."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.notifications import CURATORS_CHAT, Notification, NotificationKind
from core.workdays import WorkCalendar

DEFAULT_POLICY_FILE = Path(__file__).parent / "data" / "deadlines.toml"


class DeadlinePolicyError(ValueError):
    """The policy file is malformed."""


@dataclass(frozen=True, slots=True)
class Deadlines:
    due_at: datetime  # the case's deadline: the ЦУР target, or the law's date if earlier
    law_due_at: datetime  # 59-ФЗ: 30 days from registration (plus an extension)
    priority: bool
    target_working_days: int


@dataclass(frozen=True)
class DeadlinePolicy:
    answer_days: int = 30
    extension_max_days: int = 30
    extensions_allowed: int = 1
    redirect_days: int = 7
    redirect_reminder_days: int = 2
    default_target: int = 15
    targets: dict[str, int] = field(default_factory=dict)
    priority_days: int = 8
    priority_patterns: tuple[re.Pattern[str], ...] = ()
    reminder_fractions: tuple[float, ...] = (0.5, 0.8)
    office_hours: tuple[int, int] | None = (9, 18)  # reminders wait for a working morning
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))

    # -- what the deadline is ---------------------------------------------------------------

    def is_priority(self, text: str) -> bool:
        normal = text.lower().replace("ё", "е")
        return any(p.search(normal) for p in self.priority_patterns)

    def deadlines(self, registered_at: datetime, sector: str | None, text: str) -> Deadlines:
        tz = self.tz
        day = registered_at.astimezone(tz).date()
        priority = self.is_priority(text)
        target = self.targets.get(sector or "", self.default_target)
        if priority:
            target = min(target, self.priority_days)
        law = self.calendar.on_or_after(day + timedelta(days=self.answer_days))
        due = min(self.calendar.add_working_days(day, target), law)
        return Deadlines(end_of_day(due, tz), end_of_day(law, tz), priority, target)

    def extended(
        self, due_at: datetime, law_due_at: datetime, days: int
    ) -> tuple[datetime, datetime]:
        """Both dates moved by `days` calendar days (at most the law's 30)."""
        tz = self.tz
        if not 0 < days <= self.extension_max_days:
            raise ValueError(f"an extension is 1..{self.extension_max_days} days")
        new = []
        for at in (due_at, law_due_at):
            last_day = (at.astimezone(tz) - timedelta(seconds=1)).date()
            new.append(end_of_day(self.calendar.on_or_after(last_day + timedelta(days=days)), tz))
        return new[0], new[1]

    def redirect_due(self, registered_at: datetime) -> datetime:
        """By when a case outside the authority's competence must be forwarded (7 days)."""
        day = registered_at.astimezone(self.tz).date() + timedelta(days=self.redirect_days)
        return end_of_day(self.calendar.on_or_after(day), self.tz)

    def redirect_timer(
        self, *, appeal_id: int, number: str, chat: int, since: datetime, now: datetime
    ) -> Notification | None:
        """A reminder `redirect_reminder_days` before the forwarding frame (59-ФЗ ст. 8 ч. 3)
        ends, for the case's holder since `since` (an authority's group, or ЦУР triage); it
        is dropped on delivery if the case was taken, moved or closed meanwhile."""
        until = self.redirect_due(since)
        at = self.during_office_hours(until - timedelta(days=self.redirect_reminder_days))
        if at <= now or at >= until:
            return None
        return Notification(
            kind=NotificationKind.REDIRECT_FRAME,
            chat_id=chat,
            created_at=now,
            appeal_id=appeal_id,
            payload={"number": number, "since": since.isoformat(), "until": until.isoformat()},
            not_before=at,
        )

    def during_office_hours(self, at: datetime) -> datetime:
        """`at`, or the next working morning when it falls at night or on a day off: a
        reminder is for people at work (the deadlines themselves never move)."""
        if self.office_hours is None:
            return at
        opens, closes = self.office_hours
        local = at.astimezone(self.tz)
        day = local.date()
        if self.calendar.is_working_day(day):
            if opens <= local.hour < closes:
                return at
            if local.hour < opens:
                return datetime.combine(day, time(opens), self.tz).astimezone(UTC)
        day = self.calendar.on_or_after(day + timedelta(days=1))
        return datetime.combine(day, time(opens), self.tz).astimezone(UTC)

    # -- how much is left -------------------------------------------------------------------

    def working_days_left(self, due_at: datetime, now: datetime) -> int:
        """Working days from today to the deadline's day; negative once it is overdue."""
        tz = self.tz
        today = now.astimezone(tz).date()
        last_day = (due_at.astimezone(tz) - timedelta(seconds=1)).date()
        if now >= due_at:
            return -max(1, self.calendar.working_days_between(last_day, today))
        return self.calendar.working_days_between(today, last_day) + (
            1 if self.calendar.is_working_day(today) else 0
        )

    # -- reminders --------------------------------------------------------------------------

    def reminders(
        self,
        *,
        appeal_id: int,
        number: str,
        authority_chat: int | None,
        start: datetime,
        due_at: datetime,
        law_due_at: datetime,
        now: datetime,
    ) -> list[Notification]:
        """The case's timers as outbox rows due in the future: they survive restarts, and
        a timer whose deadline has moved or whose case is closed is dropped on delivery."""
        due = due_at.isoformat()
        payload: dict[str, Any] = {"number": number, "due_at": due}
        rows: list[Notification] = []
        span = due_at - start
        if authority_chat is not None:
            for fraction in (*self.reminder_fractions, 1.0):
                rows.append(
                    Notification(
                        kind=NotificationKind.DEADLINE_REMINDER,
                        chat_id=authority_chat,
                        created_at=now,
                        appeal_id=appeal_id,
                        payload={**payload, "stage": round(fraction * 100)},
                        not_before=self.during_office_hours(start + span * fraction),
                    )
                )
        for stage, at in (("target", due_at), ("law", law_due_at)):
            rows.append(
                Notification(
                    kind=NotificationKind.OVERDUE_ALERT,
                    chat_id=CURATORS_CHAT,
                    created_at=now,
                    appeal_id=appeal_id,
                    payload={**payload, "stage": stage, "at": at.isoformat()},
                    not_before=self.during_office_hours(at),
                )
            )
        return [r for r in rows if r.not_before is None or r.not_before > now]


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The moment a day ends in the region (a deadline «до 12.12» lasts through 12.12)."""
    return datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)


def _office_hours(value: list[int]) -> tuple[int, int] | None:
    """`[opens, closes]` in local hours, or `[]` for reminders at any time."""
    if not value:
        return None
    opens, closes = (int(h) for h in value)
    if not 0 <= opens < closes <= 24:
        raise ValueError(f"office_hours {value}: 0 <= opens < closes <= 24")
    return opens, closes


@lru_cache(maxsize=8)
def load_policy(path: Path | None = None, timezone: str = "Europe/Moscow") -> DeadlinePolicy:
    source = path or DEFAULT_POLICY_FILE
    try:
        with source.open("rb") as fh:
            raw = tomllib.load(fh)
        law = raw.get("law", {})
        targets = {k: int(v) for k, v in raw.get("targets", {}).items()}
        priority = raw.get("priority", {})
        calendar = raw.get("calendar", {})
        policy = DeadlinePolicy(
            answer_days=int(law.get("answer_days", 30)),
            extension_max_days=int(law.get("extension_max_days", 30)),
            extensions_allowed=int(law.get("extensions_allowed", 1)),
            redirect_days=int(law.get("redirect_days", 7)),
            redirect_reminder_days=int(law.get("redirect_reminder_days", 2)),
            default_target=targets.pop("default", 15),
            targets=targets,
            priority_days=int(priority.get("working_days", 8)),
            priority_patterns=tuple(re.compile(p) for p in priority.get("patterns", [])),
            reminder_fractions=tuple(
                float(f) for f in raw.get("reminders", {}).get("fractions", [0.5, 0.8])
            ),
            office_hours=_office_hours(raw.get("reminders", {}).get("office_hours", [9, 18])),
            calendar=WorkCalendar(
                [date.fromisoformat(d) for d in calendar.get("extra_holidays", [])],
                [date.fromisoformat(d) for d in calendar.get("extra_working_days", [])],
            ),
            tz=ZoneInfo(timezone),
        )
    except (OSError, tomllib.TOMLDecodeError, ValueError, re.error) as exc:
        raise DeadlinePolicyError(f"{source}: {exc}") from exc
    if any(not 0 < f < 1 for f in policy.reminder_fractions):
        raise DeadlinePolicyError(f"{source}: reminder fractions lie between 0 and 1")
    if any(d <= 0 for d in (policy.default_target, policy.priority_days, *targets.values())):
        raise DeadlinePolicyError(f"{source}: targets are positive numbers of working days")
    return policy
