"""Calendar arithmetic and TIMEX3 value builders used by :mod:`storyline.resolve.timex`.

Kept apart from the grammar so the anchoring rules (latest weekday on or before publication,
ISO weeks, quarters) can be read and tested on their own.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

Date = dt.date

SEASONS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 2)}


@dataclass
class Val:
    """A normalised value plus the first and last day it can denote."""

    value: str
    granularity: str
    type: str = "DATE"
    start: Date | None = None
    end: Date | None = None


def add_months(d: Date, n: int) -> Date:
    """``d`` moved by ``n`` months, clamping the day to the target month's length."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return Date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_end(year: int, month: int) -> Date:
    return Date(year, month, calendar.monthrange(year, month)[1])


def day(d: Date) -> Val:
    return Val(d.isoformat(), "day", "DATE", d, d)


def week(d: Date) -> Val:
    """The ISO week containing ``d`` (Monday..Sunday), valued ``YYYY-Www``."""
    monday = d - dt.timedelta(days=d.weekday())
    iso = monday.isocalendar()
    return Val(f"{iso[0]}-W{iso[1]:02d}", "week", "DATE", monday, monday + dt.timedelta(days=6))


def weekend(d: Date) -> Val:
    """The weekend (Saturday, Sunday) of the ISO week containing ``d``."""
    w = week(d)
    assert w.end is not None
    return Val(w.value + "-WE", "range", "DATE", w.end - dt.timedelta(days=1), w.end)


def month(year: int, m: int) -> Val:
    return Val(f"{year:04d}-{m:02d}", "month", "DATE", Date(year, m, 1), month_end(year, m))


def year(y: int) -> Val:
    return Val(f"{y:04d}", "year", "DATE", Date(y, 1, 1), Date(y, 12, 31))


def quarter(y: int, q: int) -> Val:
    return Val(f"{y:04d}-Q{q}", "range", "DATE", Date(y, 3 * q - 2, 1), month_end(y, 3 * q))


def reported_quarter(d: Date) -> Val:
    """The quarter a report published on ``d`` is about: the one just ended during the first
    month of a quarter (results season), else the current one."""
    q0 = (d.month - 1) // 3 - (1 if (d.month - 1) % 3 == 0 else 0)
    return quarter(d.year + q0 // 4, q0 % 4 + 1)


def half(y: int, h: int) -> Val:
    return Val(f"{y:04d}-H{h}", "range", "DATE", Date(y, 6 * h - 5, 1), month_end(y, 6 * h))


def season(y: int, code: str) -> Val:
    first, last = SEASONS[code]
    end_year = y + 1 if last < first else y
    return Val(f"{y:04d}-{code}", "range", "DATE", Date(y, first, 1), month_end(end_year, last))


def decade(first_year: int) -> Val:
    return Val(f"{first_year // 10:03d}", "range", "DATE", Date(first_year, 1, 1), Date(first_year + 9, 12, 31))


def century(first_year: int) -> Val:
    return Val(f"{first_year // 100:02d}", "range", "DATE", Date(first_year, 1, 1), Date(first_year + 99, 12, 31))


def shift_years(v: Val, k: int) -> Val:
    """The same calendar period ``k`` years later (Feb 29 falls back to Feb 28)."""
    def move(d: Date | None) -> Date | None:
        return add_months(d, 12 * k) if d else None
    return Val(f"{int(v.value[:4]) + k:04d}{v.value[4:]}", v.granularity, v.type, move(v.start), move(v.end))


def weekday_near(anchor: Date, wd: int, direction: str) -> Date:
    """The weekday ``wd`` relative to ``anchor``.

    ``past``: latest on or before (the same day counts); ``future``: earliest on or after;
    ``before``/``after``: strictly before/after ("last Friday", "next Friday").
    """
    if direction in ("past", "before"):
        back = (anchor.weekday() - wd) % 7
        if back == 0 and direction == "before":
            back = 7
        return anchor - dt.timedelta(days=back)
    ahead = (wd - anchor.weekday()) % 7
    if ahead == 0 and direction == "after":
        ahead = 7
    return anchor + dt.timedelta(days=ahead)


NEAR_DAYS = 45  # a date this close to publication keeps its side whatever the clause's tense
NEAR_MONTHS = 1


def month_near(anchor: Date, m: int, direction: str) -> int:
    """Year of month ``m`` relative to ``anchor``.

    ``before`` is strictly before ("last September"). ``past`` is on or before and ``future`` on
    or after, unless the other side's month is adjacent and nearer: a past-tense "was extended
    until November" written in late October is this November. ``present`` takes the nearest.
    """
    if direction == "before":
        return anchor.year if m < anchor.month else anchor.year - 1
    back, ahead = (anchor.month - m) % 12, (m - anchor.month) % 12
    latest = anchor.year - (m > anchor.month)  # the latest such month on or before the anchor
    earliest = anchor.year + (m < anchor.month)  # the earliest on or after
    if direction == "past":
        return earliest if 0 < ahead <= NEAR_MONTHS else latest
    if direction == "future":
        return latest if 0 < back <= NEAR_MONTHS and back < ahead else earliest
    return latest if back < ahead else earliest


def monthday_year(anchor: Date, m: int, d: int, direction: str) -> int | None:
    """Year for a day of month without a year (see :func:`day_near`)."""
    found = day_near(anchor, lambda y: Date(y, m, d), direction)
    return found.year if found else None


def day_near(anchor: Date, make: Callable[[int], Date], direction: str) -> Date | None:
    """The yearly day ``make(year)`` relative to ``anchor``: the tense decides (``past`` on or
    before, ``future`` on or after) unless the other side's date is within ``NEAR_DAYS`` and
    nearer, as newswire drops the year of dates close to publication; else the nearest."""
    cands = []
    for y in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            cands.append(make(y))
        except ValueError:
            continue
    if not cands:
        return None
    prior = [c for c in cands if c <= anchor]
    later = [c for c in cands if c >= anchor]
    if direction == "past" and prior:
        if later and (min(later) - anchor).days <= NEAR_DAYS:
            return min(later)
        return max(prior)
    if direction == "future" and later:
        if prior and (anchor - max(prior)).days <= NEAR_DAYS and anchor - max(prior) < min(later) - anchor:
            return max(prior)
        return min(later)
    return min(cands, key=lambda c: abs((c - anchor).days))


def quarter_near(anchor: Date, q: int, direction: str) -> int:
    """Year of quarter ``q``: the nearest to ``anchor`` (results are reported just after a quarter
    ends and forecast just before one begins, so "the third quarter" in October is this year's
    whatever the tense); a tie goes ahead in a future-tense clause, else back."""
    cur = (anchor.month - 1) // 3 + 1
    back, ahead = (cur - q) % 4, (q - cur) % 4
    if back == 0:
        return anchor.year
    if ahead < back or ahead == back and direction == "future":
        return anchor.year if q > cur else anchor.year + 1
    return anchor.year if q < cur else anchor.year - 1
