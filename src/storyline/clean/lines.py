"""Line-level cleaning of extracted article text.

First each line is judged alone (:mod:`.residue` patterns). Then the survivors are judged by
their place in the article: the title and datelines above the first paragraphs (or below the
last), lines a publisher repeats in many documents, and short headline-like lines between
paragraphs, which are either real subheadings (kept) or teasers for other stories (removed).
A subheading introduces the text below it; a teaser is cut off by a widget ("… re …") or stands
in its own block (a wider gap below it than the text uses) and shares no distinctive word with
what follows.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from storyline.clean.dates import find_date, is_dateline
from storyline.clean.residue import BULLET, residue_reason, words
from storyline.models import RemovedLine

_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_SENTENCE_END = (".", "!", "?", '"', "”", "'", "’", ")", ";")
_TRUNCATED = ("…", "...")
_SPACED_ELLIPSIS = re.compile(r"\s(?:…|\.\.\.)$")  # "talks will re …": cut by a widget, not a writer
_QUOTE = re.compile(r"[\"“”«»]")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(
    "the and for with from that this these those are was were has have had its his her their our your "
    "not but into onto over under after before about than then them they she him who whom what when "
    "where which while will would could should can may might must been being also more most some such "
    "very just only out off all any each other new says said how why per via".split()
)


@dataclass
class Line:
    text: str
    gap_before: int = 0  # blank lines above it in the input
    gap_after: int = 0


@dataclass
class Filtered:
    kept: list[str]
    removed: list[RemovedLine] = field(default_factory=list)
    title: str | None = None  # headline found at the top when none was given
    published: str | None = None  # date written in a dateline


def split_lines(text: str) -> list[Line]:
    """Non-blank, whitespace-normalised lines with the blank gaps around them; hard wraps undone."""
    lines: list[Line] = []
    gap = 0
    for raw in _INVISIBLE.sub("", text).splitlines():
        s = " ".join(raw.split())
        if not s:
            gap += 1
            continue
        if lines:
            lines[-1].gap_after = gap
        lines.append(Line(s, gap_before=gap))
        gap = 0
    return _unwrap(lines)


def _unwrap(lines: list[Line]) -> list[Line]:
    """Join lines cut at a fixed width (e-mail style text), so each line is a paragraph again.

    Wrapping is detected, not assumed: most lines run close to a common width and most of those
    stop mid-sentence. Sentence-per-line text (full lines ending in a period) is left alone.
    """
    if len(lines) < 6:
        return lines
    widths = sorted(len(ln.text) for ln in lines)
    width = widths[int(0.9 * (len(widths) - 1))]
    full = [ln for ln in lines if len(ln.text) >= 0.75 * width]
    open_ended = sum(not ln.text.endswith(_SENTENCE_END) for ln in full)
    if not (40 <= width <= 200 and len(full) >= 0.4 * len(lines) and open_ended >= 0.5 * len(full)):
        return lines
    out = [lines[0]]
    for ln in lines[1:]:
        prev = out[-1]
        if (prev.gap_after == 0 and len(prev.text) >= 0.6 * width
                and (not prev.text.endswith(_SENTENCE_END) or ln.text[:1].islower())):
            out[-1] = Line(f"{prev.text} {ln.text}", prev.gap_before, ln.gap_after)
        else:
            out.append(ln)
    return out


def _norm_title(s: str) -> str:
    return re.sub(r"[\W_]+", " ", s.lower()).strip()


def same_title(line: str, title: str) -> bool:
    """Equal up to case and punctuation, or one contains the other ("Title | Site")."""
    a, b = _norm_title(line), _norm_title(title)
    short, long = sorted((a, b), key=len)
    return bool(short) and short in long and len(short) >= 0.8 * len(long)


def is_body(s: str) -> bool:
    n = words(s)
    return n >= 25 or (n >= 8 and s.endswith(_SENTENCE_END))


def _starts_capital(s: str) -> bool:
    first = s.lstrip("\"'“‘(")[:1]
    return first.isupper() or first.isdigit()


def is_headline(s: str) -> bool:
    """Short line shaped like a headline: no closing punctuation, starts with a capital."""
    return (2 <= words(s) <= 16 and len(s) <= 120 and not BULLET.match(s)
            and not s.endswith((".", "!", "?", ":", ";", ",", '"', "”", "'", "’"))
            and _starts_capital(s))


def _title_shaped(s: str) -> bool:
    return words(s) <= 25 and not BULLET.match(s) and not s.endswith((".", ":", ";", ","))


def is_truncated(s: str) -> bool:
    """A headline cut off by a teaser widget: "Minister says talks will re …"."""
    return (s.endswith(_TRUNCATED) and not s.endswith("....") and words(s) <= 18 and not BULLET.match(s)
            and not re.search(r"[.!?]\s", s) and _starts_capital(s))


def _stems(s: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(s.lower()) if w not in _STOP}


def filter_lines(
    lines: list[Line],
    *,
    title: str | None,
    is_repeated: Callable[[str], bool] = lambda s: False,
    conservative: bool = False,
) -> Filtered:
    """Decide every line; ``conservative`` (for HTML already cleaned by trafilatura) skips the
    layout-based teaser guesses, which need the blank-line structure of plain text."""
    reasons: list[str | None] = [residue_reason(ln.text) for ln in lines]
    live = [i for i, r in enumerate(reasons) if r is None]
    found_title: str | None = None
    if title is not None:
        found = next((i for i in live[:8] if same_title(lines[i].text, title)), None)
        if found is not None:
            reasons[found] = "title"
    live = [i for i in live if reasons[i] is None]
    body = [i for i in live if is_body(lines[i].text)]
    first_body, last_body = (body[0], body[-1]) if body else (len(lines), -1)
    top = body[1] if len(body) > 1 else first_body
    published: str | None = None
    for i in live:  # datelines head or end the article; one mid-text may date the paragraphs below it
        if (i < top or i > last_body) and is_dateline(lines[i].text):
            reasons[i] = "dateline"
            published = published or (d[0] if (d := find_date(lines[i].text)) else None)
    live = [i for i in live if reasons[i] is None]
    if title is None and body:
        found = next((i for i in live if i < first_body and _title_shaped(lines[i].text)), None)
        if found is not None:
            found_title, reasons[found] = lines[found].text, "title"
    for i in live:  # a sentence in the body, or a quote, may be news every outlet repeats: keep it
        s = lines[i].text
        in_body = s.endswith(_SENTENCE_END) and (first_body < i < last_body or _QUOTE.search(s))
        if reasons[i] is None and not in_body and is_repeated(s):
            reasons[i] = "repeated_across_corpus"
    if published is None:  # a date inside a short line above the text: "TNN Nov 12, 2011 MUMBAI:"
        published = next((d[0] for i in live if i < first_body and reasons[i] is None and len(lines[i].text) <= 200
                          and words(lines[i].text) <= 15 and (d := find_date(lines[i].text))), None)

    _mark_teasers(lines, reasons, first_body, conservative)
    removed = [RemovedLine(ln.text, r) for ln, r in zip(lines, reasons) if r is not None]
    kept = [ln.text for ln, r in zip(lines, reasons) if r is None]
    return Filtered(kept, removed, found_title, published)


def _mark_teasers(lines: list[Line], reasons: list[str | None], first_body: int, conservative: bool) -> None:
    """Headline-like lines below the first paragraph that do not belong to the text below them."""
    live = [i for i, r in enumerate(reasons) if r is None]
    gaps = Counter(lines[i].gap_before for i in live[1:])
    normal = gaps.most_common(1)[0][0] if gaps else 0
    stems = {i: _stems(lines[i].text) for i in live}
    df = Counter(t for i in live for t in stems[i])
    rare = max(2, int(0.34 * len(live)))
    for k, i in enumerate(live):
        s, detached = lines[i].text, lines[i].gap_after > normal and not conservative
        if i <= first_body:
            continue
        if is_truncated(s) and (detached or _SPACED_ELLIPSIS.search(s)):
            reasons[i] = "related_teaser"
        elif detached and (is_headline(s) or s.endswith("?") and is_headline(s[:-1])):
            following = set().union(*(stems[j] for j in live[k + 1:k + 3]))
            if not {t for t in stems[i] & following if df[t] <= rare}:
                reasons[i] = "related_teaser"
