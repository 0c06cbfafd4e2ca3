"""The clean stage: RawDocument -> Article with main text, metadata and an audit trail.

HTML goes through trafilatura (main text + metadata); plain text is taken as given. Both then
pass the same line filter, because "already extracted" text from feeds and scrapers still
carries navigation, promotions, bot footers and teasers. Every removed line is kept with its
reason so an analyst can check that no fact was thrown away.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import ftfy
import lxml.html
import trafilatura
from trafilatura.settings import set_date_params

from storyline.clean.dates import to_iso_date
from storyline.clean.lines import filter_lines, split_lines
from storyline.clean.repeats import RepeatedLines
from storyline.errors import InputError
from storyline.models import Article, RawDocument
from storyline.nlp.language import detect_language


@dataclass
class _Prepared:
    text: str
    title: str | None
    published: str | None
    publisher: str | None
    url: str | None
    from_html: bool


CACHED_HTML_CHARS = 1_000_000  # pages parsed once for observe() and clean(); larger ones twice
_PAGE = re.compile(r"<(?:html|body|head)\b", re.I)
_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre")


def _extract_html(html: str, url: str | None) -> dict[str, Any] | None:
    """trafilatura's main text and metadata, or for a fragment (a feed item's description) that
    trafilatura finds too short, the fragment's own text. The cache is for ordinary pages only,
    so that it never holds dozens of 20 MB pages."""
    if len(html) <= CACHED_HTML_CHARS:
        return _extract_cached(html, url)
    return _extract(html, url)


@lru_cache(maxsize=32)
def _extract_cached(html: str, url: str | None) -> dict[str, Any] | None:
    return _extract(html, url)


def _extract(html: str, url: str | None) -> dict[str, Any] | None:
    """Dates come from markup only: htmldate's extensive search turns a year in the text ("the 2015
    deal") into "2015-01-01", while a real dateline in the text is found by the line filter."""
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_tables=False, include_comments=False,
        favor_precision=False, include_formatting=False, include_links=False, include_images=False,
        date_extraction_params=set_date_params(extensive=False),
    )
    if doc is not None and doc.text and doc.text.strip():
        return {k: getattr(doc, k, None) for k in ("text", "title", "date", "sitename", "url")}
    if _PAGE.search(html[:10_000]):
        return None
    return {"text": _fragment_text(html), "title": None, "date": None, "sitename": None, "url": None}


def _fragment_text(html: str) -> str:
    """The text of an HTML fragment, one line per block element, scripts and styles left out."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for el in root.xpath("//script|//style|//noscript"):
        el.drop_tree()
    for el in root.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    return root.text_content()


def _fix(s: str | None) -> str | None:
    s = ftfy.fix_text(_storable(s)).strip() if s else None
    return s or None


def content_hash(text: str) -> str:
    """sha256 of the text with whitespace collapsed and NFC applied: same words, same hash."""
    return hashlib.sha256(unicodedata.normalize("NFC", " ".join(text.split())).encode()).hexdigest()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses markup holding them


def _storable(s: str) -> str:
    """Lone surrogates (from badly decoded bytes or character references) cannot be encoded and
    PostgreSQL refuses NUL: both become U+FFFD, which keeps every offset."""
    return _UNSTORABLE.sub("\ufffd", s)


def _storable_or_none(s: str | None) -> str | None:
    return None if s is None else _storable(s)


class Cleaner:
    """Cleans documents; optionally learns template lines from a first ``observe`` pass.

    ``observe`` every document of a corpus first, then ``clean`` them: a line found in
    ``min_repeats`` different documents of one publisher is template residue.
    """

    def __init__(self, min_repeats: int = 3, max_tracked_lines: int = 500_000) -> None:
        self.repeats = RepeatedLines(min_repeats, max_tracked_lines)

    def observe(self, raw: RawDocument) -> None:
        try:
            doc = self._prepare(raw)
        except Exception:  # clean() reports it
            return
        lines = [ln.text for ln in split_lines(doc.text)]
        if lines:
            self.repeats.add(_group(doc), lines, signature=max(lines, key=len))

    def clean(self, raw: RawDocument) -> Article:
        doc = self._prepare(raw)
        group = _group(doc)
        result = filter_lines(
            split_lines(doc.text), title=doc.title, conservative=doc.from_html,
            is_repeated=lambda line: self.repeats.is_repeated(group, line),
        )
        if not result.kept:
            raise InputError(raw.source, "no article text left after removing boilerplate")
        text = "\n\n".join(result.kept)
        return Article(
            id=_storable(raw.id),
            text=text,
            title=_storable_or_none(doc.title or result.title),
            published=doc.published or result.published,
            publisher=_storable_or_none(doc.publisher),
            url=_storable_or_none(doc.url),
            removed=result.removed,
            source=_storable(raw.source),
            language=detect_language(text),
            content_hash=content_hash(text),
            source_id=_storable_or_none(raw.source_id),
        )

    def _prepare(self, raw: RawDocument) -> _Prepared:
        """Repaired text plus metadata; explicit RawDocument fields win over extracted ones."""
        doc = _Prepared(
            text=ftfy.fix_text(_storable(raw.text or "")), title=_fix(raw.title),
            published=to_iso_date(raw.published), publisher=_fix(raw.publisher), url=raw.url,
            from_html=False,
        )
        if raw.html and raw.html.strip():
            try:
                meta = _extract_html(_CONTROL.sub(" ", _storable(raw.html)), raw.url)
            except Exception as exc:  # lxml/trafilatura raise assorted types on broken markup
                raise InputError(raw.source, f"HTML could not be parsed ({type(exc).__name__})") from exc
            if meta and meta["text"].strip():
                doc.text, doc.from_html = ftfy.fix_text(meta["text"]), True
                doc.title = doc.title or _fix(meta["title"])
                doc.published = doc.published or to_iso_date(meta["date"])
                doc.publisher = doc.publisher or _fix(meta["sitename"])
                doc.url = doc.url or meta["url"]
            elif not doc.text.strip():
                raise InputError(raw.source, "HTML has no extractable article text")
        if not doc.text.strip():
            raise InputError(raw.source, "empty document: no text")
        return doc


def _group(doc: _Prepared) -> str:
    """Publisher, else the URL's host, else one group for the whole corpus."""
    if doc.publisher:
        return doc.publisher.lower()
    try:
        host = urlsplit(doc.url).hostname if doc.url else None
    except ValueError:  # malformed URL, e.g. an unclosed IPv6 bracket
        host = None
    return host.removeprefix("www.") if host else ""
