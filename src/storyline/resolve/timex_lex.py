"""Word lists and regex building blocks for the temporal grammar in :mod:`storyline.resolve.timex`.

Month and weekday names are matched case-sensitively (``(?-i:...)``) so "may", "march" and
"sun" in running text are not read as dates.
"""
from __future__ import annotations

import re

MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"), ("May",),
         ("June", "Jun"), ("July", "Jul"), ("August", "Aug"), ("September", "Sep", "Sept"),
         ("October", "Oct"), ("November", "Nov"), ("December", "Dec")]
    )
    for name in names
}
WEEKDAYS = {n: i for i, n in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])}
# Capitalised words that turn a weekday into a named holiday ("Black Monday", "Good Friday").
HOLIDAY_PREFIX = {"Black", "Good", "Cyber", "Super", "Ash", "Holy", "Easter", "Bloody", "Maundy", "Blue", "Giving"}

SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SINGLE = {"single": 1.0, "a single": 1.0}
VAGUE_NUM = {"several", "few", "a few", "many", "some", "a number of", "numerous"}
COUPLE = {"a couple of": 2.0, "couple of": 2.0}  # TimeML (and HeidelTime) count "a couple of years" as two
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}

UNITS = {"second": ("T", "S", 1), "minute": ("T", "M", 1), "hour": ("T", "H", 1), "day": ("", "D", 1),
         "night": ("", "D", 1), "week": ("", "W", 1), "fortnight": ("", "W", 2), "month": ("", "M", 1),
         "quarter": ("", "Q", 1), "year": ("", "Y", 1), "decade": ("", "Y", 10), "century": ("", "Y", 100)}
SET_WORDS = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "quarterly": "P1Q", "annual": "P1Y",
             "annually": "P1Y", "yearly": "P1Y", "hourly": "PT1H", "nightly": "P1D", "biannual": "P6M"}
PART_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}

VAGUE_REFS = {
    "PRESENT_REF": ["now", "currently", "current", "at present", "presently", "nowadays", "the time being",
                    "at the moment", "these days", "the present"],
    "PAST_REF": ["recently", "recent", "the past", "lately"],
    "FUTURE_REF": ["soon", "the future", "shortly", "the near term", "the near future", "the long term",
                   "the short term", "the long run", "the short run",
                   "eventually"],
}


def alt(words) -> str:
    """A regex alternation, longest first so "Sept" wins over "Sep"."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


FULL_MONTHS = [m for m in MONTHS if len(m) > 4 or m in ("May", "June", "July")]
# an abbreviation needs its dot or a number after it: "Jan Kavan" is a name
MONTH = rf"(?-i:{alt(FULL_MONTHS)}|(?:{alt(set(MONTHS) - set(FULL_MONTHS))})(?:\.|(?=\s*\d)))"
WEEKDAY = rf"(?-i:{alt(WEEKDAYS)})"
NUMWORD = rf"(?:{alt(TENS)})(?:[- ](?:{alt(SMALL[1:10])}))?|{alt(SMALL)}|hundred|dozen"
NUM = rf"(?:\d+(?:\.\d+)?|{NUMWORD}|{alt(VAGUE_NUM | set(COUPLE))}|(?:a\s+)?single|an?)(?:\s+and\s+a\s+half)?"
UNIT = rf"(?:{alt(UNITS)}|centuries)"
# spoken years in broadcast transcripts: "nineteen seventy-nine", "nineteen oh five", "nineteen hundred"
SPELLED_YEAR = (rf"(?:fifteen|sixteen|seventeen|eighteen|nineteen)[- ](?:hundred|oh[- ](?:{alt(SMALL[1:10])})"
                rf"|(?:{alt(TENS)})(?:[- ](?:{alt(SMALL[1:10])}))?|{alt(SMALL[10:])})(?![- ]\w+[- ]old)")
MILLENNIUM_YEAR = rf"two\s+thousand(?:\s+(?:and\s+)?(?:{alt(SMALL[1:])}))?"  # only after "the year"
YEAR = rf"(?:1[5-9]\d\d|20\d\d|{SPELLED_YEAR})"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"


def year_of(words: str) -> int:
    """The year a digit or spoken year names: "1979", "nineteen seventy-nine", "two thousand and one"."""
    w = re.sub(r"[\s-]+", " ", words.lower().strip())
    if w.isdigit():
        return int(w)
    if w.startswith("two thousand"):
        rest = w[len("two thousand"):].strip()
        rest = rest[4:] if rest.startswith("and ") else rest
        return 2000 + (int(number(rest) or 0) if rest else 0)
    century, _, rest = w.partition(" ")
    hundreds = SMALL.index(century) * 100
    if rest == "hundred":
        return hundreds
    rest = rest[3:] if rest.startswith("oh ") else rest
    return hundreds + int(number(rest) or 0)


def month_of(name: str) -> int:
    return MONTHS[name.rstrip(".")]


def number(words: str) -> float | None:
    """Value of a spelled or digit number ("twenty-five", "2.5", "two and a half"); None for vague ones."""
    w = re.sub(r"\s+", " ", words.lower().strip())
    extra = 0.0
    if w.endswith(" and a half"):
        w, extra = w[: -len(" and a half")], 0.5
    if w in VAGUE_NUM:
        return None
    if w in SINGLE:
        return SINGLE[w] + extra
    if w in COUPLE:
        return COUPLE[w] + extra
    if w in ("a", "an"):
        return 1 + extra
    if re.fullmatch(r"\d+(\.\d+)?", w):
        return float(w) + extra
    if w == "dozen":
        return 12 + extra
    if w == "hundred":
        return 100 + extra
    if w in SMALL:
        return SMALL.index(w) + extra
    parts = re.split(r"[- ]", w)
    if parts[0] in TENS:
        return TENS[parts[0]] + (SMALL.index(parts[1]) if len(parts) > 1 else 0) + extra
    return None


def fmt_num(n: float) -> str:
    return str(int(n)) if n == int(n) else f"{n:g}"


def duration(n: float | None, unit: str) -> str:
    """TIMEX3 duration for ``n`` units (``X`` when the amount is vague): 3 days -> P3D."""
    u = unit.lower().rstrip("s")
    u = "century" if u == "centurie" else u
    time_part, code, mult = UNITS[u]
    amount = "X" if n is None else fmt_num(n * mult)
    return f"P{time_part}{amount}{code}"
