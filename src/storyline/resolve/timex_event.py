"""The time of an event mention, held to the article's publication date.

A report can only tell of what has happened by the time it is published: an event that occurred
(or is denied to have occurred) never starts after publication; only a planned, threatened or
hypothetical one may. When the clause's tense made a bare name point forward ("Friday", "in
March" read as the coming one), the event's time is the latest such period on or before
publication; a time that names the future outright ("next week", "2030", "tomorrow") does not
date an event that has happened, and is dropped.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from storyline.models import TimeExpr
from storyline.resolve import timex_calendar as cal
from storyline.resolve.timex import parse_published
from storyline.resolve.timex_calendar import Date, Val
from storyline.resolve.timex_lex import MONTH, WEEKDAY

PAST_STATUSES = frozenset({"occurred", "denied"})
NAMED_PERIOD = re.compile(rf"{WEEKDAY}|{MONTH}|\b(?:spring|summer|autumn|fall|winter|quarter)\b", re.I)
EXPLICIT = re.compile(r"\b(?:1[5-9]|20)\d\d\b|'\d\d\b|\b(?:next|coming|following|tomorrow)\b", re.I)


def event_time(time: TimeExpr | None, published: str | None, status: str) -> TimeExpr | None:
    """``time`` for an event of ``status`` reported on ``published`` (see the module doc)."""
    pub = parse_published(published)
    if time is None or pub is None or status not in PAST_STATUSES or not time.range_start:
        return time
    start = Date.fromisoformat(time.range_start)
    if start <= pub:
        return time
    if EXPLICIT.search(time.text) or not NAMED_PERIOD.search(time.text):
        return None
    if re.search(WEEKDAY, time.text):
        return _moved(time, cal.day(start - dt.timedelta(weeks=-(-(start - pub).days // 7))))
    years = start.year - pub.year + ((start.month, start.day) > (pub.month, pub.day))
    end = Date.fromisoformat(time.range_end) if time.range_end else None
    head = time.value.partition("T")[0]
    return _moved(time, cal.shift_years(Val(head, time.granularity, time.type, start, end), -years))


def _moved(time: TimeExpr, to: Val) -> TimeExpr:
    """``time`` with the value and range of ``to``, keeping a clock or part of day ("T18:00")."""
    sep, clock = time.value.partition("T")[1:]
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return dataclasses.replace(time, value=to.value + sep + clock, range_start=iso(to.start), range_end=iso(to.end))
