"""Per-document analysis: spaCy once, then times, places, actors and event mentions.

The model loads once per process and documents stream through ``nlp.pipe`` in batches. Very long
texts are cut into chunks at line or sentence boundaries (the parser's memory grows with length)
and the chunks' offsets are shifted back, so every offset indexes the whole text.

Analysis is bounded for any input: only the first ``MAX_ANALYZED_CHARS`` of a text are analysed,
no chunk holds a run of more than ``MAX_RUN_CHARS`` without a sentence end, and an article whose
extraction outlasts ``ANALYSIS_SECONDS`` keeps what was found so far. Each limit that cuts an
article leaves a warning on its analysis.
"""
from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from storyline.models import AnalyzedDocument, Entity, Span
from storyline.nlp.language import detect_language

CHUNK_CHARS = 20_000
# Far longer than any news article (~40,000 words): a longer text is a dump, not one story.
MAX_ANALYZED_CHARS = 250_000
# Unpunctuated text is parsed as one sentence, and extraction's cost grows much faster than a
# sentence's length (a 19,000-character one took 97 s); 2,000 characters is ~350 words.
MAX_RUN_CHARS = 2_000
ANALYSIS_SECONDS = 60.0
BATCH_CHARS = 100_000
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s")


@dataclass
class DocumentInput:
    id: str
    text: str
    published: str | None = None
    url: str | None = None  # where it was published: a local paper's country helps read its place names
    language: str | None = None  # as ingest detected it; detected here when not given


def _cut(window: str, floor: int) -> int:
    """Where to end a piece of ``window``: its last newline, else its last sentence end, else its
    last space, each only past ``floor``; else the whole window."""
    cut = window.rfind("\n")
    if cut >= floor:
        return cut
    m = None
    for m in _SENTENCE_END.finditer(window):
        pass
    if m and m.end() > floor:
        return m.end()
    cut = window.rfind(" ")
    return cut if cut > 0 else len(window)


def split_chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """(offset, chunk) pieces of at most ~size chars, cut at newlines, else sentence ends, else
    spaces; a run of more than MAX_RUN_CHARS without a sentence end is a piece (or pieces) alone."""
    chunks: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        window = text[start:start + size]
        ends = [0, *(m.end() for m in _SENTENCE_END.finditer(window)), len(window)]
        run = next((a for a, b in zip(ends, ends[1:]) if b - a > MAX_RUN_CHARS), None)
        if run is not None:
            cut = run if run > 0 else _cut(window[:MAX_RUN_CHARS], MAX_RUN_CHARS // 2)
        elif start + size < len(text):
            cut = _cut(window, size // 2)
        else:
            cut = len(window)
        chunks.append((start, text[start:start + cut]))
        start += cut
    return chunks or [(0, text)]


def analysed_length(text: str) -> int:
    """How much of ``text`` is analysed: all of it up to MAX_ANALYZED_CHARS, else up to a line or
    sentence end near that limit."""
    if len(text) <= MAX_ANALYZED_CHARS:
        return len(text)
    return _cut(text[:MAX_ANALYZED_CHARS], int(0.9 * MAX_ANALYZED_CHARS))


# "DOUENTZA, Mali — Seventeen soldiers...": a dateline opening a paragraph, up to its dash
DATELINE = re.compile(r"^([A-Z][A-Z .'-]{2,}?(?:,\s*[A-Z][\w .'-]+)?(?:\s*\([^)\n]*\))?\s*)(—|–|--|-)(?=\s)", re.M)


# "- The US launched airstrikes ...": a bulleted line of a summary box
BULLET = re.compile(r"(?<=\S)\n([ \t]*)[-•*](?= \S)")


def parse_form(text: str) -> str:
    """What spaCy reads, always the same length as the text so every offset still fits it.
    A dateline ends in a full stop, so the parser does not take the city for the subject of the
    first sentence; so do a headline and each line before a bulleted line ("- The strikes came
    after ..."), which the parser would otherwise run together into one sentence. All-caps text
    (wire headlines, shouting bulletins) is read in title case, which the tagger and NER handle
    far better."""
    text = DATELINE.sub(lambda m: m.group(1) + "." + " " * (len(m.group(2)) - 1), text)
    text = BULLET.sub(lambda m: (" " if text[m.start() - 1] in ".!?:;" else ".") + "\n" + m.group(1), text)
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or sum(c.isupper() for c in letters) < 0.9 * len(letters):
        return text
    titled = text.title()
    return titled if len(titled) == len(text) else text


def _restore_text(obj, original: str, sentences: list[Span]):
    """Surface strings of spans taken from the original text (not the form spaCy read)."""
    if not dataclasses.is_dataclass(obj):
        return obj
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            changes[f.name] = _restore_text(value, original, sentences)
    start, end = getattr(obj, "start", None), getattr(obj, "end", None)
    if isinstance(start, int) and isinstance(end, int):
        for name in ("text", "trigger"):
            if isinstance(getattr(obj, name, None), str):
                changes[name] = original[start:end]
    if isinstance(getattr(obj, "sentence", None), int) and hasattr(obj, "sentence_text") and obj.sentence < len(sentences):
        sent = sentences[obj.sentence]
        changes["sentence_text"] = original[sent.start:sent.end]
    return dataclasses.replace(obj, **changes)


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


def _analyze_chunk(doc, text: str, published: str | None, url: str | None = None) -> AnalyzedDocument:
    from storyline.extract.lead import lead_event
    from storyline.extract.mentions import extract_mentions
    from storyline.resolve.actors import DocumentActors
    from storyline.resolve.geo import get_geocoder, source_country
    from storyline.resolve.timex import extract_times

    entities = [Entity(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
    times = extract_times(text, published, doc)
    places = get_geocoder().locate(text, entities, hints=[source_country(url)])
    actors = DocumentActors(text, entities)
    # a demonym ("Syrian") is a place for the geoparser, but never where an event happened
    event_places = [p for p in places if p.source != "demonym"]
    mentions = extract_mentions(doc, published, times, event_places, actors.resolve)
    return AnalyzedDocument(
        id="", text=text, published=published,
        sentences=[Span(s.start_char, s.end_char) for s in doc.sents],
        entities=entities, times=times, places=places, event_mentions=mentions,
        lead_event=lead_event(doc, times, event_places, actors.resolve, published),
    )


def _pieces(items: Iterable[DocumentInput]) -> Iterator[tuple[str, tuple]]:
    """(text, context) for nlp.pipe: each English document's chunks; other languages as one empty
    text, so that they keep their place in the stream without being parsed."""
    for item in items:
        lang = item.language or detect_language(item.text)
        if lang != "en":
            yield "", (item, lang, 0, 1, 0, False, None)
            continue
        length = analysed_length(item.text)
        cut = None if length == len(item.text) else (
            f"text is {len(item.text):,} characters, over the {MAX_ANALYZED_CHARS:,} analysed for one article: "
            f"characters {length:,} to {len(item.text):,} not analysed")
        chunks = split_chunks(item.text[:length])
        for i, (offset, chunk) in enumerate(chunks):
            parsed = parse_form(chunk)
            yield parsed, (item, lang, i, len(chunks), offset, parsed != chunk, cut)


def _batches(pieces: Iterable[tuple[str, tuple]], size: int) -> Iterator[list[tuple[str, tuple]]]:
    """Pieces in batches of ``size``, or fewer when they hold over BATCH_CHARS: spaCy keeps a whole
    batch in memory, and 32 chunks of a long text took 1.2 GB where 5 take 0.7 GB."""
    batch: list[tuple[str, tuple]] = []
    chars = 0
    for piece in pieces:
        if batch and (len(batch) >= size or chars + len(piece[0]) > BATCH_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(piece)
        chars += len(piece[0])
    if batch:
        yield batch


def analyze_documents(items: Iterable[DocumentInput], batch_size: int = 32) -> Iterator[AnalyzedDocument]:
    """Analyze documents in order; non-English documents are flagged and not extracted."""
    from storyline.nlp.pipeline import get_nlp

    current: AnalyzedDocument | None = None
    reshaped = False
    spent = 0.0
    nlp = get_nlp()
    parsed = (pair for batch in _batches(_pieces(items), batch_size)
              for pair in nlp.pipe(batch, as_tuples=True, batch_size=len(batch)))
    for doc, (item, lang, index, total, offset, changed, cut) in parsed:
        if lang != "en":
            yield AnalyzedDocument(id=item.id, text=item.text, published=item.published, language=lang,
                                   warnings=[f"language detected as {lang!r}: not English, no extraction"])
            continue
        if index == 0:
            spent = 0.0
        if spent <= ANALYSIS_SECONDS:
            started = time.monotonic()
            part = _analyze_chunk(doc, doc.text, item.published, item.url)
            if index == 0:
                current = AnalyzedDocument(id=item.id, text=item.text, published=item.published, language=lang,
                                           warnings=[cut] if cut else [], lead_event=part.lead_event)
                reshaped = False
            reshaped |= changed
            n_sent = len(current.sentences)
            current.sentences += [_shift(s, offset) for s in part.sentences]
            current.entities += [_shift(e, offset) for e in part.entities]
            current.times += [_shift(t, offset) for t in part.times]
            current.places += [_shift(p, offset) for p in part.places]
            current.event_mentions += [dataclasses.replace(_shift(m, offset), sentence=m.sentence + n_sent) for m in part.event_mentions]
            spent += time.monotonic() - started
            if spent > ANALYSIS_SECONDS and index < total - 1:
                current.warnings.append(
                    f"analysis stopped after {spent:.0f} s, over the {ANALYSIS_SECONDS:.0f} s budget for one article: "
                    f"characters {offset + len(doc.text):,} to {len(item.text):,} not analysed")
        if index == total - 1:
            if reshaped:
                for items in (current.entities, current.times, current.places, current.event_mentions):
                    items[:] = [_restore_text(x, current.text, current.sentences) for x in items]
                if current.lead_event is not None:
                    current.lead_event = _restore_text(current.lead_event, current.text, current.sentences)
            yield current


def analyze_text(doc_id: str, text: str, published: str | None) -> AnalyzedDocument:
    """One document through :func:`analyze_documents` (for evaluations and tests)."""
    return next(analyze_documents([DocumentInput(doc_id, text, published)]))
