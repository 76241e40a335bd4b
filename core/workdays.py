"""The Russian production calendar: which days are working days.

Holidays, days off moved by government decree and working Saturdays come from
python-holidays (maintained, updated when a decree for the next year appears). A region
can add its own days (a decree not yet in the library, a regional holiday) through the
deadline policy's `[calendar]` table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


class WorkCalendar:
    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self._extra_off = frozenset(extra_holidays)
        self._extra_on = frozenset(extra_working_days)

    def is_working_day(self, day: date) -> bool:
        if day in self._extra_on:
            return True
        if day in self._extra_off:
            return False
        return _russia(day.year).is_working_day(day)

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (the day of registration does not count)."""
        day = start
        left = count
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def on_or_after(self, day: date) -> date:
        """`day`, or the next working day when it is a day off (a deadline on a Sunday
        ends on Monday)."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


@lru_cache(maxsize=16)
def _russia(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=year)
