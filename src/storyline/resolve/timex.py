"""Find temporal expressions and normalise them TIMEX3-style against the publication date.

A regex grammar (``RULES``) proposes candidate spans; overlapping candidates are resolved
longest-first, adjacent clock times and days are merged ("12:00 UTC Monday"), and anaphoric
"the day"/"that day" take the last day mentioned before them. Relative expressions are anchored on
the publication date; the clause's tense (:mod:`storyline.resolve.timex_tense`) decides whether a bare
"Thursday" or "In February" points back (the default, news reports the past) or forward. We do
not use dateparser for the text itself: it copies the base day into month-only dates and reads
"Friday 22" as a day of month.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storyline.models import TimeExpr
from storyline.resolve import timex_calendar as cal
from storyline.resolve.timex_calendar import Date, Val
from storyline.resolve.timex_holidays import HOLIDAYS
from storyline.resolve.timex_lex import (
    DAYNUM,
    HOLIDAY_PREFIX,
    MILLENNIUM_YEAR,
    MONTH,
    NUM,
    NUMWORD,
    ORDINALS,
    PART_OF_DAY,
    SET_WORDS,
    UNIT,
    VAGUE_REFS,
    WEEKDAY,
    WEEKDAYS,
    YEAR,
    alt,
    duration,
    month_of,
    number,
    year_of,
)
from storyline.resolve.timex_tense import clause_tense


class _NoAnchor(Exception):
    """Raised by a rule that needs the publication date when there is none."""


@dataclass
class _Ctx:
    """Per-document state: the anchor and a cached tense lookup."""

    text: str
    pub: Date | None
    doc: Any = None
    _tense: dict[tuple[int, int], str] = field(default_factory=dict)

    def anchor(self) -> Date:
        if self.pub is None:
            raise _NoAnchor
        return self.pub

    def tense(self, start: int, end: int) -> str:
        """``past``, ``future`` or ``present`` for the clause around a span."""
        key = (start, end)
        if key not in self._tense:
            self._tense[key] = clause_tense(self.text, self.doc, start, end)
        return self._tense[key]


Handler = Callable[[re.Match[str], _Ctx], "Val | None"]
RULES: list[tuple[re.Pattern[str], Handler]] = []
ANAPHORIC = "@day"
SAME_LAST_YEAR = "@shift"  # "the same month a year ago": the last named period, a year back
PREV_YEAR = "@year"  # "the previous year": the year before the last named one
PREV_MONTH = "@month"  # "the previous month": the month before the last named one
QUARTER = "@quarter"  # "the quarter", "the latest quarter": the quarter being reported on
YEAR_AGO = "@ago"  # "a year ago": a year before publication, or before the quarter being reported on
SHIFT = "@rel"  # "two days later", "a year earlier": the last named date moved by an amount
WEEKDAY_OF = "@wday"  # "the previous Friday": the Friday before the last named day
TIME_ONLY = "@time"


def rule(pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler for a case-insensitive, word-bounded pattern."""
    def wrap(fn: Handler) -> Handler:
        RULES.append((re.compile(rf"(?<![\w'’])(?:{pattern})(?!\w|'s\w)", re.I), fn))
        return fn
    return wrap


def _direction(m: re.Match[str], ctx: _Ctx, mod: str | None = None) -> str:
    mod = (mod or "").lower()
    if mod in ("next", "coming", "following"):
        return "after"
    if mod in ("last", "past", "previous"):
        return "before"
    return "future" if ctx.tense(m.start(), m.end()) == "future" else "past"


def _rel_year(word: str | None, ctx: _Ctx) -> int:
    """Year named by a digit string or "this/last/next year" style words."""
    w = (word or "this year").lower()
    if re.fullmatch(YEAR, w, re.I):
        return year_of(w)
    y = ctx.anchor().year
    return y - 1 if re.match(r"(last|previous|the previous|the last|a year ago)", w) else y + 1 if w.startswith("next") else y


REL_YEAR = rf"{YEAR}|(?:this|last|next|the\s+previous|the\s+current|the)\s+year"
PREFIX = r"(?:(?:early|mid|late)[- ]|(?:the\s+)?(?:beginning|start|end|middle|close|turn)\s+of\s+(?:the\s+)?|(?:earlier|later)\s+in\s+)?"


# ----------------------------------------------------------------------------- absolute dates
@rule(rf"(?:{WEEKDAY},?\s+)?(?P<mon>{MONTH})\s+(?P<d>{DAYNUM})(?:,?\s+(?P<y>{YEAR}))?(?!\s*(?:%|,\d|\.\d))"
      rf"|(?:{WEEKDAY},?\s+)?(?:the\s+)?(?P<d2>{DAYNUM})\s+(?:of\s+)?(?P<mon2>{MONTH})(?:,?\s+(?P<y2>{YEAR}))?")
def _month_day(m: re.Match[str], ctx: _Ctx) -> Val | None:
    mon = month_of(m["mon"] or m["mon2"])
    d = int(re.sub(r"\D", "", m["d"] or m["d2"]))
    y = m["y"] or m["y2"]
    year = year_of(y) if y else cal.monthday_year(ctx.anchor(), mon, d, ctx.tense(m.start(), m.end()))
    try:
        return cal.day(Date(year, mon, d)) if year else None
    except ValueError:
        return None


@rule(rf"(?P<d>{DAYNUM})(?=\s*(?:and|or|to|-|–)\s*(?P<d2>{DAYNUM})\s+(?:of\s+)?(?P<mon>{MONTH})(?:,?\s+(?P<y>{YEAR}))?)")
def _first_of_days(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """"24 and 25 April", "3-5 May": the first day of a coordination takes the last one's month."""
    d, d2 = (int(re.sub(r"\D", "", x)) for x in (m["d"], m["d2"]))
    if not d < d2 <= d + 14:
        return None
    mon = month_of(m["mon"])
    year = year_of(m["y"]) if m["y"] else cal.monthday_year(ctx.anchor(), mon, d, ctx.tense(m.start(), m.end()))
    try:
        return cal.day(Date(year, mon, d)) if year else None
    except ValueError:
        return None


@rule(r"(?P<y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)|(?P<m2>1[0-2]|0?[1-9])/(?P<d2>[12]\d|3[01]|0?[1-9])/(?P<y2>\d{2}|\d{4})")
def _numeric_date(m: re.Match[str], ctx: _Ctx) -> Val | None:
    y = m["y"] or m["y2"]
    year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 50 else 1900 + int(y))
    try:
        return cal.day(Date(year, int(m["m"] or m["m2"]), int(m["d"] or m["d2"])))
    except ValueError:
        return None


@rule(rf"{PREFIX}(?:(?P<mod>last|next|this)\s+)?(?P<mon>{MONTH})(?:,?\s+(?:of\s+)?(?P<y>{REL_YEAR}))?")
def _month(m: re.Match[str], ctx: _Ctx) -> Val | None:
    mon = month_of(m["mon"])
    if m["y"]:
        return cal.month(_rel_year(m["y"], ctx), mon)
    mod = (m["mod"] or "").lower()
    if mod == "this":  # "this September": the current year's, whichever side of publication
        return cal.month(ctx.anchor().year, mon)
    direction = {"last": "before", "next": "future"}.get(mod) or ctx.tense(m.start(), m.end())
    return cal.month(cal.month_near(ctx.anchor(), mon, direction), mon)


@rule(rf"{PREFIX}(?:(?P<fy>fiscal|financial)\s+(?:year\s+)?)?(?P<y>{YEAR})|'(?P<yy>\d\d)(?!s)"
      rf"|the\s+year\s+(?P<y3>{MILLENNIUM_YEAR})")
def _year(m: re.Match[str], ctx: _Ctx) -> Val | None:
    if m["y3"]:
        return cal.year(year_of(m["y3"]))
    if m["yy"]:
        return cal.year(1900 + int(m["yy"]) if int(m["yy"]) > 30 else 2000 + int(m["yy"]))
    before, after = ctx.text[max(0, m.start() - 12): m.start()], ctx.text[m.end(): m.end() + 12]
    if re.search(r"[$€£¥#]\s*$|[\d.,]$|\b(?:resolution|no\.|number|route|highway|flight|model|windows)\s+$", before, re.I) or re.match(r"\s*(?:%|percent|per\s*cent|points?\b|[.,]\d)", after):
        return None
    if ctx.doc is not None and not m["fy"]:
        span = ctx.doc.char_span(m.start("y"), m.end("y"))
        if span is not None and len(span) == 1:
            tok = span[0]
            head = tok.head
            if (tok.dep_ == "nummod" and head.tag_ == "NNS" and 0 < head.i - tok.i <= 2
                    and not re.match(r"(year|day|month|week)", head.lower_)):
                return None
    v = cal.year(year_of(m["y"]))
    return Val("FY" + v.value, "year", "DATE", v.start, v.end) if m["fy"] else v


@rule(r"(?:the\s+)?(?:(?:early|mid|late)[- ])?(?P<y>1[5-9]\d0|20\d0)'?s|(?:the\s+(?:(?:early|mid|late)[- ])?|'|(?<=0s\sand\s))'?(?P<yy>\d0)'?s")
def _decade(m: re.Match[str], ctx: _Ctx) -> Val | None:
    y = m["y"] or m["yy"]
    if not y or not y.isdigit():
        return None
    first = int(y) if len(y) == 4 else 1900 + int(y) if int(y) > 20 else 2000 + int(y)
    return cal.decade(first)


@rule(r"(?:the\s+)?(?:(?:early|mid|late)[- ])?(?P<n>1\d|20|21|\d)(?:st|nd|rd|th)[- ]century")
def _century(m: re.Match[str], ctx: _Ctx) -> Val | None:
    return cal.century((int(m["n"]) - 1) * 100)


@rule(rf"{PREFIX}(?:the\s+(?:(?P<y0>{YEAR})\s+)?)?(?P<ord>first|second|third|fourth|final|last|1st|2nd|3rd|4th)[- ]quarter"
      rf"(?:\s+(?:of\s+)?(?P<y>{REL_YEAR}))?|(?P<q>Q[1-4])\s+(?P<y2>{YEAR})"
      rf"|(?:the\s+)?(?P<rel>this|current|last|previous|next|coming)\s+quarter")
def _quarter(m: re.Match[str], ctx: _Ctx) -> Val | None:
    if m["q"]:
        return cal.quarter(year_of(m["y2"]), int(m["q"][1]))
    ordw = (m["ord"] or "").lower()
    if m["rel"] or (ordw in ("final", "last") and not m["y"]):
        a = ctx.anchor()
        shift = {"last": -1, "previous": -1, "final": -1, "next": 1, "coming": 1}.get((m["rel"] or ordw).lower(), 0)
        q0 = (a.month - 1) // 3 + shift
        return cal.quarter(a.year + q0 // 4, q0 % 4 + 1)
    q = 4 if ordw in ("final", "last") else ORDINALS[ordw]
    if m["y0"]:
        return cal.quarter(year_of(m["y0"]), q)
    if m["y"]:
        return cal.quarter(_rel_year(m["y"], ctx), q)
    return cal.quarter(cal.quarter_near(ctx.anchor(), q, ctx.tense(m.start(), m.end())), q)


@rule(rf"(?:the\s+)?(?P<h>first|second)\s+half\s+of\s+(?P<y>{REL_YEAR})")
def _half(m: re.Match[str], ctx: _Ctx) -> Val | None:
    return cal.half(_rel_year(m["y"], ctx), 1 if m["h"].lower() == "first" else 2)


SEASON_CODE = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}


@rule(rf"{PREFIX}(?:(?P<mod>this|last|next|past|coming)\s+)?(?P<s>spring|summer|autumn|winter|fall)(?:\s+(?:of\s+)?(?P<y>{YEAR}))?")
def _season(m: re.Match[str], ctx: _Ctx) -> Val | None:
    code = SEASON_CODE[m["s"].lower()]
    if m["y"]:
        return cal.season(year_of(m["y"]), code)
    if m["s"].lower() == "fall" and not m["mod"]:
        return None  # "the fall of the Dow"
    a = ctx.anchor()
    y = a.year if cal.SEASONS[code][0] <= a.month else a.year - 1  # latest season begun by publication
    over = cal.season(y, code).end < a  # type: ignore[operator]
    direction = _direction(m, ctx, m["mod"])
    if direction == "after" or (direction == "future" and over):
        y += 1
    elif direction == "before" and not over:
        y -= 1
    return cal.season(y, code)


@rule(rf"(?-i:(?P<h>{alt(HOLIDAYS)}))(?:,?\s+(?P<y>{YEAR}))?(?!\w)")
def _holiday(m: re.Match[str], ctx: _Ctx) -> Val | None:
    make = HOLIDAYS[re.sub(r"\s+", " ", m["h"])]
    if m["y"]:
        return cal.day(make(year_of(m["y"])))
    d = cal.day_near(ctx.anchor(), make, ctx.tense(m.start(), m.end()))
    return cal.day(d) if d else None


@rule(r"year[- ]end(?!\w)")
def _year_end(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """"by year-end", "since year-end": the last day of the year the tense points to."""
    d = cal.day_near(ctx.anchor(), lambda y: Date(y, 12, 31), ctx.tense(m.start(), m.end()))
    return cal.day(d) if d else None


# ----------------------------------------------------------------------------- relative days
DAY_WORDS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
             "the day after tomorrow": 2, "last night": -1}


@rule(rf"(?:(?:earlier|later|early|late)\s+)?(?P<w>{alt(DAY_WORDS)})(?:'s)?(?:\s+(?P<p>morning|afternoon|evening|night))?"
      r"|(?:(?:earlier|later|early|late)\s+)?this\s+(?P<p2>morning|afternoon|evening)")
def _day_word(m: re.Match[str], ctx: _Ctx) -> Val | None:
    w = re.sub(r"\s+", " ", (m["w"] or "today").lower())
    d = ctx.anchor() + dt.timedelta(days=DAY_WORDS[w])
    v = cal.day(d)
    part = m["p"] or m["p2"] or ("night" if w in ("tonight", "last night") else None)
    if part:
        return Val(f"{v.value}T{PART_OF_DAY[part.lower()]}", "day", "TIME", d, d)
    return v


@rule(rf"(?:(?P<mod>last|next|this|coming|past)\s+|the\s+(?P<ana>previous|preceding|prior|following)\s+)?"
      rf"(?P<wd>{WEEKDAY})(?:\s+(?P<p>morning|afternoon|evening|night))?")
def _weekday(m: re.Match[str], ctx: _Ctx) -> Val | None:
    prev = re.search(r"(\w+)\s*$", ctx.text[max(0, m.start() - 20): m.start()])
    if prev and prev.group(1) in HOLIDAY_PREFIX:
        return None
    wd = WEEKDAYS[m["wd"]]
    if m["ana"]:  # "the previous Friday": the one before the day last named
        ctx.anchor()
        return Val(f"{WEEKDAY_OF}:{1 if m['ana'].lower() == 'following' else -1}:{wd}", "day")
    d = cal.weekday_near(ctx.anchor(), wd, _direction(m, ctx, m["mod"]))
    if m["p"]:
        return Val(f"{d.isoformat()}T{PART_OF_DAY[m['p'].lower()]}", "day", "TIME", d, d)
    return cal.day(d)


@rule(r"(?:(?:earlier|later|early|late)\s+(?:in\s+)?)?(?:the|that|this)\s+(?:same\s+|trading\s+|very\s+)?day"
      r"|(?:the\s+)?(?:start|end|close|beginning)\s+of\s+(?:the\s+)?(?:trading\s+)?day|late\s+in\s+the\s+day")
def _anaphoric_day(m: re.Match[str], ctx: _Ctx) -> Val | None:
    ctx.anchor()
    return Val(ANAPHORIC, "day")


@rule(r"the\s+same\s+(?:period|month|quarter|week|day|time)\s+(?:a\s+year\s+(?:ago|earlier|before)|(?:of\s+)?(?:the\s+)?(?:last|previous|prior)\s+year)"
      r"|(?P<prev>the\s+(?:previous|preceding|prior)\s+year|the\s+year\s+(?:previous|before|earlier))"
      r"|(?P<same>the\s+(?:(?:entire|whole|full|same|fiscal)\s+)?year(?:(?=(?P<ended>\s+(?:ended|ending)\b)))?)"
      r"|(?P<next>the\s+following\s+year|the\s+year\s+after)"
      r"|the\s+(?:(?P<pm>previous|preceding|prior)|(?P<nm>following|next))\s+month"
      r"|(?:(?:earlier|later)\s+(?:in\s+)?)?(?:that|the\s+same)\s+(?:(?P<thaty>year)|(?P<thatm>month))(?![-\w])")
def _anaphoric_year(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """"the previous year", "later that year", "the following month": the year or month of the
    last period the text named, moved (TimeML anchors anaphoric expressions on the reference time)."""
    ctx.anchor()
    if m["pm"] or m["nm"] or m["thatm"]:
        return Val(f"{PREV_MONTH}:{-1 if m['pm'] else 1 if m['nm'] else 0}", "month")
    if m["thaty"]:
        return Val(f"{PREV_YEAR}:0", "year")
    if m["ended"]:
        return Val("P1Y", "duration", "DURATION")  # "for the year ended March 31": a fiscal year's length
    if m["prev"] or m["next"] or m["same"]:
        return Val(f"{PREV_YEAR}:{-1 if m['prev'] else 1 if m['next'] else 0}", "year")
    return Val(f"{SAME_LAST_YEAR}:-1", "range")


# ----------------------------------------------------------------------------- relative weeks/months/years
@rule(rf"{PREFIX}(?:(?P<pre>earlier|later)\s+(?:in\s+)?)?(?:the\s+)?(?P<rel>this|last|next|current|coming)"
      rf"\s+(?P<u>week(?:end)?|month|year)|(?P<we>the\s+weekend)"
      rf"|(?:the\s+)?(?:beginning|start|end|middle|close)\s+of\s+the\s+(?P<u2>week|month|year)"
      rf"|(?P<pre2>earlier|later)\s+in\s+the\s+(?P<u3>week|month|year)")
def _relative_unit(m: re.Match[str], ctx: _Ctx) -> Val | None:
    a = ctx.anchor()
    rel = (m["rel"] or "this").lower()
    step = {"last": -1, "next": 1, "coming": 1}.get(rel, 0)
    unit = (m["u"] or m["u2"] or m["u3"] or "weekend").lower()
    if unit == "week":
        v = cal.week(a + dt.timedelta(weeks=step))
    elif unit == "weekend":
        sat = a - dt.timedelta(days=(a.weekday() - 5) % 7)  # latest Saturday on or before
        over = a > sat + dt.timedelta(days=1)
        if step == 1 or (step == 0 and over and _direction(m, ctx) == "future"):
            sat += dt.timedelta(days=7)
        elif step == -1 and not over:
            sat -= dt.timedelta(days=7)
        v = cal.weekend(sat)
    elif unit == "month":
        d = cal.add_months(a, step)
        v = cal.month(d.year, d.month)
    else:
        v = cal.year(a.year + step)
    pre = (m["pre"] or m["pre2"] or "").lower()
    if pre == "earlier" and v.start is not None:
        return Val(v.value, "range", "DATE", v.start, min(a, v.end or a))
    if pre == "later" and v.end is not None:
        return Val(v.value, "range", "DATE", max(a, v.start or a), v.end)
    return v


@rule(rf"(?:(?P<n>{NUM})\s+)?(?P<u>{UNIT})(?P<pl>s)?\s+(?:(?P<dir>ago|earlier|later)"
      r"|(?P<rel>before|after)(?=\s*(?:[.,;:!?)'\"”’]|$)))(?!\s+than)")
def _ago(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """"three days ago" counts back from publication; "three days earlier", "a year later" and a
    clause-final "two weeks before" move the last date the text named (TimeML anchors them on
    the reference time). "two days before the vote" names its own anchor and stays a duration."""
    if not m["n"] and not m["pl"]:
        return None
    n = number(m["n"]) if m["n"] else None
    direction = (m["dir"] or m["rel"]).lower()
    if n is None:
        if direction != "ago":
            return None
        return Val("PAST_REF", "range", "DATE", None, ctx.anchor())  # "years ago", "several months ago"
    if n != int(n):
        return None
    a, unit, n = ctx.anchor(), m["u"].lower(), int(n)
    if direction != "ago":
        if unit not in ("day", "week", "month", "year"):
            return None
        return Val(f"{SHIFT}:{n if direction in ('later', 'after') else -n}:{unit}", "day")
    if unit in ("day", "week"):
        return cal.day(a - dt.timedelta(days=n * (7 if unit == "week" else 1)))
    if unit == "month":
        d = cal.add_months(a, -n)
        return cal.month(d.year, d.month)
    if unit == "year" and n == 1:
        return Val(f"{YEAR_AGO}:-1", "year")
    if unit in ("year", "decade"):
        return cal.year(a.year - n * (10 if unit == "decade" else 1))
    return None


@rule(r"(?:the\s+)?(?:comparable\s+)?year[- ](?:earlier|ago)(?:[- ](?P<ord>first|second|third|fourth)[- ]quarter"
      r"|\s+(?P<q>quarter)|\s+period)?")
def _year_earlier(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """Results tables compare with "the year-earlier quarter", "year-ago profit": the period being
    reported on (the last quarter named, else the last date), a year back."""
    ctx.anchor()
    if m["ord"]:
        return Val(f"{QUARTER}:-1:{ORDINALS[m['ord'].lower()]}", "range")
    return Val(f"{YEAR_AGO}:-1" if m["q"] else f"{SAME_LAST_YEAR}:-1", "range")


@rule(r"(?:the|that)\s+(?:(?:latest|most\s+recent|just[- ]ended|fiscal|same|current|comparable)\s+)?quarter(?!-\w)")
def _the_quarter(m: re.Match[str], ctx: _Ctx) -> Val | None:
    ctx.anchor()
    return Val(f"{QUARTER}:0:0", "range")


# ----------------------------------------------------------------------------- durations, sets, vague
MODIFIER = r"(?:about|almost|nearly|over|more\s+than|less\s+than|at\s+least|around|roughly|approximately|some|just|only|up\s+to|under|another|an\s+additional)"


@rule(rf"(?:(?:the\s+)?(?P<rel>past|last|next|first|previous|coming|following)\s+)?(?:{MODIFIER}\s+)?(?P<n>{NUM}|another|an\s+additional)"
      rf"(?:[- ](?:consecutive|straight|trading|business|full|successive|calendar|working|more|additional|extra))?[- ](?P<u>{UNIT})s?(?P<set>\s+a\s+(?:{UNIT}))?")
def _duration(m: re.Match[str], ctx: _Ctx) -> Val | None:
    after = ctx.text[m.end(): m.end() + 6]
    before = ctx.text[max(0, m.start() - 12): m.start()]
    if re.match(r"[- ]old\b|\s+of\s+age", after):
        return None
    n = 1.0 if re.match(r"another|an\s+additional", m["n"], re.I) else number(m["n"])  # "two more weeks", "another year"
    if m["n"].lower() in ("a", "an") and m["u"].lower() in ("second", "quarter"):
        return None  # "a second A380", "about a quarter of its dealers"
    if m["n"].lower() in ("a", "an") and re.search(r"(?:\d|\bonce|\btwice|\btimes|\bper)\s*$", before):
        return Val(duration(1, m["u"]), "set", "SET")
    v = Val(duration(n, m["u"]), "duration", "DURATION")
    rel = (m["rel"] or "").lower()
    if ctx.pub and n is not None and n == int(n) and rel in ("past", "last", "previous", "next", "coming"):
        days = {"day": 1, "week": 7}.get(m["u"].lower().rstrip("s"))
        months = {"month": 1, "quarter": 3, "year": 12}.get(m["u"].lower().rstrip("s"))
        sign = 1 if rel in ("next", "coming") else -1
        if days or months:  # "the past two weeks": the window ending on publication
            other = ctx.pub + dt.timedelta(days=sign * int(n) * days) if days else cal.add_months(ctx.pub, sign * int(n) * (months or 0))
            v.start, v.end = min(other, ctx.pub), max(other, ctx.pub)
    return v


@rule(rf"(?P<n>\d+|{NUMWORD})(?=\s*(?:and|to|or|-|–)\s*(?:\d+|{NUMWORD})[- ](?P<u>{UNIT})s?\b)")
def _range_first(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """"between 60 and 90 days", "two to three years": the first amount takes the second's unit."""
    n = number(m["n"])
    return Val(duration(n, m["u"]), "duration", "DURATION") if n is not None else None


@rule(r"(?:the\s+)?(?:past|last|previous)\s+(?P<u>decade|century)|(?:the\s+)?past\s+(?P<u2>day|week|month|year|quarter)")
def _past_unit(m: re.Match[str], ctx: _Ctx) -> Val | None:
    return Val(duration(1, m["u"] or m["u2"]), "duration", "DURATION")


@rule(r"(?P<pre>for|over|in|within|after|than|the\s+(?:past|last|next|coming)(?:\s+few)?)\s+(?:the\s+|just\s+|only\s+|mere\s+)?(?P<u>(?:years|decades|months|weeks|days|hours|minutes))"
      r"|(?P<u2>years|decades|months)[- ]long")
def _vague_duration(m: re.Match[str], ctx: _Ctx) -> Val | None:
    pre = (m["pre"] or "").lower()
    unit = m["u"] or m["u2"]
    if pre.startswith("the") and not pre.endswith("few") and ("next" in pre or "coming" in pre):
        return Val("FUTURE_REF", "range", "DATE", ctx.pub, None)
    return Val(duration(None, unit), "duration", "DURATION")


@rule(r"(?:an?\s+)?intraday|(?:in\s+)?(?:early\s+|late\s+)?(?P<p>morning|afternoon|evening)(?=\s+(?:trading|session|deals))")
def _trading_day(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """Market reports: "an intraday low" spans one day; "in morning trading" is that day's morning."""
    if not m["p"]:
        return Val("P1D", "duration", "DURATION")
    ctx.anchor()
    return Val(f"{ANAPHORIC}:{PART_OF_DAY[m['p'].lower()]}", "day", "TIME")


@rule(rf"(?P<w>{alt(SET_WORDS)})|(?:every|each|per)\s+(?:(?P<n>{NUM})\s+)?(?P<u>{UNIT})s?")
def _set(m: re.Match[str], ctx: _Ctx) -> Val | None:
    if m["w"]:
        return Val(SET_WORDS[m["w"].lower()], "set", "SET")
    return Val(duration(number(m["n"]) if m["n"] else 1, m["u"]), "set", "SET")


@rule(rf"(?:every|each)\s+(?:(?P<wd>{WEEKDAY})|(?P<mon>{MONTH})|(?P<s>spring|summer|autumn|winter|fall))"
      rf"|(?<=\bon\s)(?P<wds>{WEEKDAY})s")
def _named_set(m: re.Match[str], ctx: _Ctx) -> Val | None:
    """"every Tuesday", "on Tuesdays", "each July", "every summer": TIMEX3 sets valued by the
    recurring period with the unknown parts as X (XXXX-WXX-2, XXXX-07, XXXX-SU)."""
    if m["wd"] or m["wds"]:
        return Val(f"XXXX-WXX-{WEEKDAYS[m['wd'] or m['wds']] + 1}", "set", "SET")
    if m["mon"]:
        return Val(f"XXXX-{month_of(m['mon']):02d}", "set", "SET")
    return Val(f"XXXX-{SEASON_CODE[m['s'].lower()]}", "set", "SET")


@rule(r"(?:in\s+)?recent\s+(?P<u>days|weeks|months|years|decades)")
def _recent_units(m: re.Match[str], ctx: _Ctx) -> Val | None:
    if ctx.pub is None:
        return Val("PAST_REF", "range", "DATE")
    back = {"days": 7, "weeks": 42, "months": 183, "years": 5 * 365, "decades": 30 * 365}[m["u"].lower()]
    return Val("PAST_REF", "range", "DATE", ctx.pub - dt.timedelta(days=back), ctx.pub)


VAGUE_LOOKUP = {re.sub(r"\s+", " ", w): v for v, ws in VAGUE_REFS.items() for w in ws}


@rule(alt(VAGUE_LOOKUP))
def _vague(m: re.Match[str], ctx: _Ctx) -> Val | None:
    v = VAGUE_LOOKUP[re.sub(r"\s+", " ", m.group().lower())]
    if re.match(r"-\w|\s+that\b", ctx.text[m.end():]):  # "soon-to-open", "currently that"
        return None
    if re.search(r"\bmost\s+$", ctx.text[max(0, m.start() - 6): m.start()]):
        return None  # "the most recent model" ranks items, it does not place an event in time
    if v == "FUTURE_REF" and (re.match(r"\s+(?:after|before|as)\b", ctx.text[m.end():])
                              or re.search(r"\bas\s+$", ctx.text[max(0, m.start() - 4): m.start()])):
        return None  # "as soon as", "shortly after the vote": placed against another event, not now
    start = end = None
    if ctx.pub is not None:
        start = ctx.pub if v == "FUTURE_REF" else None
        end = ctx.pub if v == "PAST_REF" else None
        if v == "PRESENT_REF":
            start = end = ctx.pub
    return Val(v, "range", "DATE", start, end)


# ----------------------------------------------------------------------------- clock times
TZ = r"UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|BST|CET|CEST|IST|JST|AEST|AEDT|local\s+time"


@rule(rf"(?:(?P<h>[01]?\d|2[0-3])(?:[:.](?P<mi>[0-5]\d))?\s*(?P<ap>[ap]\.m\.|[ap]m\b)"
      rf"|(?P<h2>[01]?\d|2[0-3]):(?P<mi2>[0-5]\d)|(?P<h3>[01]\d|2[0-3])(?P<mi3>[0-5]\d)(?=\s+(?:{TZ})))"
      rf"(?:\s*(?P<tz>{TZ}))?(?:\s*\((?:GMT|UTC)\s*[+-]\s*\d{{1,2}}\))?|(?P<w>noon|midday|mid-day|midnight)")
def _clock(m: re.Match[str], ctx: _Ctx) -> Val | None:
    if m["w"]:
        hh, mm = (24, 0) if m["w"].lower() == "midnight" else (12, 0)
    else:
        hh = int(m["h"] or m["h2"] or m["h3"])
        mm = int(m["mi"] or m["mi2"] or m["mi3"] or 0)
        ap = (m["ap"] or "").lower()
        if ap.startswith("p") and hh < 12:
            hh += 12
        elif ap.startswith("a") and hh == 12:
            hh = 0
        if not ap and not m["tz"] and m["h2"] and re.search(r"\d[:.]?$", ctx.text[: m.start()]):
            return None
    if m["h"] and hh > 24:
        return None
    zone = "Z" if m["tz"] and m["tz"].upper() in ("UTC", "GMT") else ""
    return Val(f"T{hh:02d}:{mm:02d}{zone}", "time", TIME_ONLY)


# ----------------------------------------------------------------------------- driver
@dataclass
class _Cand:
    start: int
    end: int
    val: Val | None
    reason: str | None = None
    order: int = 0


def parse_published(published: str | None) -> Date | None:
    """The publication date: ISO first, else a written date ("03-02-2009" read day-first)."""
    if not published:
        return None
    try:
        return Date.fromisoformat(published.strip()[:10])
    except ValueError:
        import dateparser

        # "03-02-2009" is day-first (European dashes); "03/02/2009" stays month-first.
        order = "DMY" if re.fullmatch(r"\s*\d{1,2}[-.]\d{1,2}[-.]\d{4}.*", published) else "MDY"
        parsed = dateparser.parse(published, settings={"DATE_ORDER": order})
        return parsed.date() if parsed else None


def _candidates(text: str, ctx: _Ctx) -> list[_Cand]:
    cands: list[_Cand] = []
    for order, (pattern, handler) in enumerate(RULES):
        for m in pattern.finditer(text):
            if m.end() == m.start():
                continue
            try:
                v = handler(m, ctx)
            except _NoAnchor:
                cands.append(_Cand(m.start(), m.end(), None, "no publication date to anchor", order))
                continue
            if v is not None:
                cands.append(_Cand(m.start(), m.end(), v, None, order))
    return cands


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Longest non-overlapping candidates (ties: earlier rule), in text order."""
    chosen: list[_Cand] = []
    taken = bytearray(max((c.end for c in cands), default=0))
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.order, c.start)):
        if not any(taken[c.start: c.end]):
            chosen.append(c)
            taken[c.start: c.end] = b"\x01" * (c.end - c.start)
    return sorted(chosen, key=lambda c: c.start)


# the second day ends the phrase: punctuation, a function word or a name follows, not a counted noun
COORDINATED_DAY = re.compile(rf"\s*(?:and|or|to|through|-|–)\s*(?P<d>{DAYNUM})(?:,?\s+(?P<y>{YEAR}))?(?![\w%]|[.,:]\d)"
                             r"(?=\s*(?:[^\w\s%]|$)|\s+(?:(?-i:[A-Z])|(?:in|at|on|and|or|when|while|to|with|for|from|before|after"
                             r"|during|as|by|the|this|next|last)\b))")


def _coordinated_days(text: str, cands: list[_Cand]) -> list[_Cand]:
    """"April 24 and 25", "March 3-5, 1999": a day of month after a month-first date shares its
    month (and the year that closes the coordination), and is a date of its own."""
    out: list[_Cand] = []
    taken = [(c.start, c.end) for c in cands]
    drop: set[int] = set()
    for c in cands:
        if c.start in drop:
            continue
        out.append(c)
        v = c.val
        first = re.fullmatch(rf"(?:{WEEKDAY},?\s+)?(?P<mon>{MONTH})\s+(?P<d>{DAYNUM})", text[c.start: c.end])
        m = COORDINATED_DAY.match(text, c.end)
        if not (first and m and v and v.granularity == "day" and v.start):
            continue
        d1, d2 = int(re.sub(r"\D", "", first["d"])), int(re.sub(r"\D", "", m["d"]))
        if not d1 < d2 <= d1 + 14 or any(s < m.end("d") and m.start("d") < e for s, e in taken):
            continue
        if m["y"]:  # the closing year is part of the second date, not a year of its own
            drop.update(s for s, e in taken if s < m.end("y") and m.start("y") < e)
        year = year_of(m["y"]) if m["y"] else v.start.year
        try:
            c.val = cal.day(Date(year, v.start.month, d1))
            out.append(_Cand(m.start("d"), m.end(), cal.day(Date(year, v.start.month, d2)), None, c.order))
        except ValueError:
            continue
    return out


def _merge_clock(text: str, cands: list[_Cand]) -> list[_Cand]:
    """Join a clock time with an adjacent day ("12:00 UTC Monday", "Friday at 9 a.m.")."""
    out: list[_Cand] = []
    for c in cands:
        prev = out[-1] if out else None
        gap = text[prev.end: c.start] if prev else ""
        if prev and re.fullmatch(r"\s*(?:,\s*|on\s+|at\s+)?", gap, re.I):
            a, b = prev.val, c.val
            clock, day = (a, b) if a and a.type == TIME_ONLY else (b, a)
            if clock and day and clock.type == TIME_ONLY and day.granularity == "day" and "T" not in day.value and day.value[0] != "@":
                full = Val(day.value + clock.value, "time", "TIME", day.start, day.end)
                if "," not in gap:
                    out[-1] = _Cand(prev.start, c.end, full)
                    continue
                if clock is a:  # "at 16:15 UTC, June 1st": keep both mentions, date the clock
                    prev.val = full
        out.append(c)
    return out


@dataclass
class _Memory:
    """What the text has named so far, for anaphora ("the same day", "the previous year")."""

    day: Val | None = None
    day_end: int = 0
    cal: Val | None = None  # last calendar date, month, quarter or year
    quarter: Val | None = None  # last quarter named


def _resolve_anaphora(v: Val, ctx: _Ctx, mem: _Memory) -> Val:
    if v.value.startswith(ANAPHORIC):
        day = mem.day or cal.day(ctx.anchor())
        part = v.value[len(ANAPHORIC) + 1:]
        return Val(f"{day.value}T{part}", "day", "TIME", day.start, day.end) if part else day
    kind, *args = v.value.split(":")
    k = int(args[0])
    if kind == QUARTER:
        base = mem.quarter or cal.reported_quarter(ctx.anchor())
        q = int(args[1]) or int(base.value[-1])
        return cal.quarter(int(base.value[:4]) + k, q)
    if kind == YEAR_AGO:
        return cal.shift_years(mem.quarter, k) if mem.quarter else cal.year(ctx.anchor().year + k)
    if kind == SHIFT:
        return _shift(mem, ctx, k, args[1])
    if kind == WEEKDAY_OF:
        base = mem.day.start if mem.day and mem.day.start else ctx.anchor()
        return cal.day(cal.weekday_near(base, int(args[1]), "after" if k > 0 else "before"))
    if kind == PREV_MONTH:
        base_day = mem.cal.start if mem.cal and mem.cal.granularity in ("day", "month") else ctx.anchor()
        d = cal.add_months(base_day or ctx.anchor(), k)
        return cal.month(d.year, d.month)
    base = mem.cal or (cal.year(ctx.anchor().year) if kind == PREV_YEAR else cal.day(ctx.anchor()))
    if kind == PREV_YEAR:
        return cal.year(int(base.value[:4]) + k)
    return cal.shift_years(base, k)


def _shift(mem: _Memory, ctx: _Ctx, n: int, unit: str) -> Val:
    """The last named date moved by ``n`` units, at the finer of its precision and the unit's
    ("a year earlier" than the third quarter is the third quarter before; "two days later" than
    March is a day); publication when nothing was named."""
    if unit == "year":
        return cal.shift_years(mem.cal, n) if mem.cal else cal.year(ctx.anchor().year + n)
    if unit == "month":
        base = mem.cal.start if mem.cal and mem.cal.granularity in ("day", "month") and mem.cal.start else ctx.anchor()
        d = cal.add_months(base, n)
        return cal.month(d.year, d.month)
    base = mem.day.start if mem.day and mem.day.start else ctx.anchor()
    return cal.day(base + dt.timedelta(days=n * (7 if unit == "week" else 1)))


def _finish(c: _Cand, text: str, ctx: _Ctx, mem: _Memory) -> TimeExpr:
    span = text[c.start: c.end]
    v = c.val
    if v is None:
        return TimeExpr(c.start, c.end, span, "unresolved", "unresolved", "DATE", reason=f"{c.reason} '{span}'")
    if v.value.startswith("@"):
        v = _resolve_anaphora(v, ctx, mem)
    if v.type == TIME_ONLY:
        if ctx.pub is None:
            return TimeExpr(c.start, c.end, span, "unresolved", "unresolved", "TIME",
                            reason=f"no publication date to anchor '{span}'")
        same_sentence = mem.day and mem.day.start and not re.search(r"[.!?]\s|\n", text[mem.day_end: c.start])
        d = mem.day.start if same_sentence and mem.day and mem.day.start else ctx.pub
        v = Val(d.isoformat() + v.value, "time", "TIME", d, d)
    if v.granularity == "day" and v.start and not c.val.value.startswith("@"):
        mem.day, mem.day_end = cal.day(v.start), c.end
    if re.fullmatch(r"\d{4}(-\d\d(-\d\d)?|-Q\d)?", v.value) and not c.val.value.startswith("@"):
        mem.cal = v  # only a date the text names is a reference: "a year earlier" twice is the same year
        if v.value[5:6] == "Q":
            mem.quarter = v
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return TimeExpr(c.start, c.end, span, v.value, v.granularity, v.type, iso(v.start), iso(v.end))


def extract_times(text: str, published: str | None, doc: Any = None) -> list[TimeExpr]:
    """All temporal expressions in ``text``, normalised against ``published`` (ISO date or None).

    ``doc`` is an optional spaCy Doc of the same text, used to read the tense of each clause
    and to tell years ("the 2015 deal") from counts ("2000 workers").
    """
    ctx = _Ctx(text, parse_published(published), doc if doc is not None and doc.text == text else None)
    chosen = _merge_clock(text, _coordinated_days(text, _select(_candidates(text, ctx))))
    mem = _Memory()
    return [_finish(c, text, ctx, mem) for c in chosen]
