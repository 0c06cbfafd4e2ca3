"""Per-document analysis: spaCy once, then times, places, actors and event mentions.

The model loads once per process and documents stream through ``nlp.pipe`` in batches. Very long
texts are cut into chunks at line or sentence boundaries (the parser's memory grows with length)
and the chunks' offsets are shifted back, so every offset indexes the whole text.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import py3langid

from storyline.models import AnalyzedDocument, Entity, Span

CHUNK_CHARS = 20_000
MIN_LANGUAGE_CHARS = 40  # shorter texts are too short to judge their language


@dataclass
class DocumentInput:
    id: str
    text: str
    published: str | None = None


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language ('en' when too short to tell)."""
    sample = text[:5000]
    if len(sample.strip()) < MIN_LANGUAGE_CHARS:
        return "en"
    if sample.isupper():  # all-caps headlines confuse character n-gram models
        sample = sample.lower()
    lang, _score = py3langid.classify(sample)
    return lang


def split_chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """(offset, chunk) pieces of at most ~size chars, cut at newlines, else sentence ends, else spaces."""
    if len(text) <= size:
        return [(0, text)]
    chunks: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start:end]
            cut = window.rfind("\n")
            if cut < size // 2:
                m = None
                for m in re.finditer(r"[.!?][\"')\]]?\s", window):
                    pass
                cut = m.end() if m and m.end() > size // 2 else window.rfind(" ")
            if cut > 0:
                end = start + cut
        chunks.append((start, text[start:end]))
        start = end
    return chunks


def _shift(obj, offset: int):
    """A copy of a span-bearing dataclass (and nested ones) with start/end moved by offset."""
    if not dataclasses.is_dataclass(obj):
        return obj
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name in ("start", "end") and isinstance(value, int):
            changes[f.name] = value + offset
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _shift(value, offset)
    return dataclasses.replace(obj, **changes)


def _analyze_chunk(doc, text: str, published: str | None) -> AnalyzedDocument:
    from storyline.extract.mentions import extract_mentions
    from storyline.resolve.actors import DocumentActors
    from storyline.resolve.geo import get_geocoder
    from storyline.resolve.timex import extract_times

    entities = [Entity(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
    times = extract_times(text, published, doc)
    places = get_geocoder().locate(text, entities)
    actors = DocumentActors(text, entities)
    # a demonym ("Syrian") is a place for the geoparser, but never where an event happened
    event_places = get_geocoder().locate(text, entities, demonyms=False)
    mentions = extract_mentions(doc, published, times, event_places, actors.resolve)
    return AnalyzedDocument(
        id="", text=text, published=published,
        sentences=[Span(s.start_char, s.end_char) for s in doc.sents],
        entities=entities, times=times, places=places, event_mentions=mentions,
    )


def _pieces(items: Iterable[DocumentInput]) -> Iterator[tuple[str, tuple]]:
    """(text, context) for nlp.pipe: each English document's chunks; other languages as one empty
    text, so that they keep their place in the stream without being parsed."""
    for item in items:
        lang = detect_language(item.text)
        if lang != "en":
            yield "", (item, lang, 0, 1, 0)
            continue
        chunks = split_chunks(item.text)
        for i, (offset, chunk) in enumerate(chunks):
            yield chunk, (item, lang, i, len(chunks), offset)


def analyze_documents(items: Iterable[DocumentInput], batch_size: int = 32) -> Iterator[AnalyzedDocument]:
    """Analyze documents in order; non-English documents are flagged and not extracted."""
    from storyline.nlp.pipeline import get_nlp

    current: AnalyzedDocument | None = None
    for doc, (item, lang, index, total, offset) in get_nlp().pipe(_pieces(items), as_tuples=True, batch_size=batch_size):
        if lang != "en":
            yield AnalyzedDocument(id=item.id, text=item.text, published=item.published, language=lang,
                                   warnings=[f"language detected as {lang!r}: not English, no extraction"])
            continue
        if index == 0:
            current = AnalyzedDocument(id=item.id, text=item.text, published=item.published, language=lang)
        part = _analyze_chunk(doc, doc.text, item.published)
        n_sent = len(current.sentences)
        current.sentences += [_shift(s, offset) for s in part.sentences]
        current.entities += [_shift(e, offset) for e in part.entities]
        current.times += [_shift(t, offset) for t in part.times]
        current.places += [_shift(p, offset) for p in part.places]
        current.event_mentions += [dataclasses.replace(_shift(m, offset), sentence=m.sentence + n_sent) for m in part.event_mentions]
        if index == total - 1:
            yield current


def analyze_text(doc_id: str, text: str, published: str | None) -> AnalyzedDocument:
    """One document through :func:`analyze_documents` (for evaluations and tests)."""
    return next(analyze_documents([DocumentInput(doc_id, text, published)]))
