"""Date parsing for metadata and datelines.

Kept deliberately strict (explicit month names, ISO, RFC 2822): a loose parser would read
"5" or "May" in a headline as a date and give articles wrong publication dates.
"""
from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATE_PATTERNS = [
    re.compile(rf"\b{_YEAR}\s?[-/]\s?(?P<mnum>[01]?\d)\s?[-/]\s?(?P<day>[0-3]?\d)(?!\d)"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),
]
_TIME = re.compile(
    r"\b[0-2]?\d(?:\s?[:.]\s?[0-5]\d){1,2}\s*(?:[ap]\.?\s?(?:m\b\.?)?)?|\b[01]?\d\s*[ap]\.?\s?m\b\.?"
    r"|(?:\b(?:gmt|utc)\s?)?[+-]\d\d?(?::?\d\d?)?\b", re.I)
# A month and day with no year: enough to call a line a dateline, too little to date the article.
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b", re.I)
_STAMP_WORD = re.compile(r"\b(?:published|updated|posted)\b", re.I)
_FILLER = re.compile(
    r"\b(?:published|updated|posted|last|modified|created|first|originally|release[ds]?|date|on|at|in|"
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|"
    r"[ecmpa][sd]?t|gmt|utc|bst|cet|cest|ist|jst|aest|z|uk|us|hrs|time)\b|[^\w]+",
    re.I,
)


_NUMERIC = re.compile(r"\b(?P<a>[0-3]?\d)\s?(?P<sep>[/.-])\s?(?P<b>[0-3]?\d)\s?(?P=sep)\s?(?P<y>(?:19|20)?\d\d)\b")


def _numeric(m: re.Match[str]) -> date | None:
    """d/m/y or m/d/y, only when one part exceeds 12: "05/03/2013" is left undecided."""
    a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
    year = y if y > 99 else (2000 + y if y < 50 else 1900 + y)
    day, month = (a, b) if a > 12 else (b, a) if b > 12 else (0, 0)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_date(s: str) -> tuple[str, re.Match[str]] | None:
    """First unambiguous calendar date written in ``s`` as ISO, with the match that produced it."""
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(s):
            g = m.groupdict()
            month = int(g["mnum"]) if g.get("mnum") else _MONTHS[g["mon"][:3].lower()]
            try:
                return date(int(g["year"]), month, int(g["day"])).isoformat(), m
            except ValueError:
                continue
    for m in _NUMERIC.finditer(s):
        if d := _numeric(m):
            return d.isoformat(), m
    return None


def to_iso_date(value: str | None) -> str | None:
    """Normalise a metadata date (ISO, datetime, RFC 2822 or "June 27, 2021") to YYYY-MM-DD."""
    if not value or not value.strip():
        return None
    found = find_date(value)
    if found:
        return found[0]
    try:
        return parsedate_to_datetime(value.strip()).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def is_dateline(line: str) -> bool:
    """True if the line holds only a date or timestamp, with weekday, zone, "Updated:" and the like."""
    if len(line) > 100 or not any(c.isdigit() for c in line):
        return False
    rest = _NUMERIC.sub(" ", line)
    for pattern in (*_DATE_PATTERNS, _MONTH_DAY):
        rest = pattern.sub(" ", rest)
    if rest == line and not _STAMP_WORD.search(line):
        return False
    rest = _TIME.sub(" ", rest)
    return rest != line and not _FILLER.sub(" ", rest).strip()
