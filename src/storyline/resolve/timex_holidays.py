"""Named days whose date is fixed by a calendar rule, for "on Christmas Eve", "Thanksgiving Day",
"Good Friday" (HeidelTime keeps a like list). Only days whose rule is the same wherever English
news is written, or that name one country's day unambiguously (US Thanksgiving); "Labor Day" and
"Independence Day" differ by country and are left out. A bare "Christmas", "Easter" or
"Thanksgiving" often names the season around the day ("Christmas sales", "over Easter") and is
left out too."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Date = dt.date


def easter(year: int) -> Date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return Date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


def _nth_weekday(month: int, weekday: int, n: int) -> Callable[[int], Date]:
    def day(year: int) -> Date:
        first = Date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return day


def _fixed(month: int, day: int) -> Callable[[int], Date]:
    return lambda year: Date(year, month, day)


HOLIDAYS: dict[str, Callable[[int], Date]] = {
    "New Year's Day": _fixed(1, 1), "New Year's Eve": _fixed(12, 31), "Christmas Eve": _fixed(12, 24),
    "Christmas Day": _fixed(12, 25), "Boxing Day": _fixed(12, 26),
    "Valentine's Day": _fixed(2, 14), "Halloween": _fixed(10, 31),
    "Easter Sunday": easter, "Easter Day": easter,
    "Good Friday": lambda y: easter(y) - dt.timedelta(days=2),
    "Easter Monday": lambda y: easter(y) + dt.timedelta(days=1),
    "Thanksgiving Day": _nth_weekday(11, 3, 4),
}
