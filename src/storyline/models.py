"""Typed models passed between stages.

Every stage is a small module that takes and returns these dataclasses, so a stage can run in
one process, in a worker pool or on a cluster: they are plain data, picklable and JSON-able
through :func:`to_dict`.
"""
from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any


def to_dict(obj: Any) -> Any:
    """Recursively turn dataclasses (and lists/dicts of them) into JSON-ready values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def from_dict(cls: type, data: Any) -> Any:
    """Rebuild a dataclass (with nested dataclasses, lists and optionals) from :func:`to_dict` output."""
    if data is None:
        return None
    kwargs = {}
    for name, hint in _fields(cls):
        if name in data:
            kwargs[name] = _coerce(hint, data[name])
    return cls(**kwargs)


@functools.lru_cache(maxsize=None)
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's field names with their resolved types (resolving is slow: once per class)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _coerce(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_coerce(item, v) for v in value]
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value)
    return value


# --------------------------------------------------------------------------- ingest -> clean
@dataclass
class RawDocument:
    """One document as read from disk, stdin, a feed or a WARC record, before cleaning."""

    id: str
    source: str  # file path (plus "#line" / "#record" where relevant) or "-" for stdin
    text: str | None = None  # plain text, when the input was text
    html: str | None = None  # raw HTML, when the input was markup
    url: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) or datetime string as given
    publisher: str | None = None
    title: str | None = None
    source_id: str | None = None  # the id as the input gave it, when it was too long to store as is


@dataclass
class RemovedLine:
    line: str
    reason: str


@dataclass
class Article:
    """A cleaned article: main text only, with metadata and an audit trail of removed lines."""

    id: str
    text: str
    title: str | None = None
    published: str | None = None  # ISO date YYYY-MM-DD
    publisher: str | None = None
    url: str | None = None
    removed: list[RemovedLine] = field(default_factory=list)
    source: str | None = None
    language: str | None = None
    content_hash: str = ""
    source_id: str | None = None  # the id as the input gave it, when it was too long to store as is


# --------------------------------------------------------------------------- NLP / extraction
@dataclass
class Span:
    start: int
    end: int


@dataclass
class Entity:
    start: int
    end: int
    text: str
    label: str  # spaCy label (PERSON, ORG, GPE, LOC, NORP, ...)


@dataclass
class TimeExpr:
    """A temporal expression normalised TIMEX3-style against the publication date."""

    start: int
    end: int
    text: str
    value: str  # TIMEX3 value ("2021-02-25", "2021-W07", "2019-12", "PRESENT_REF") or "unresolved"
    granularity: str  # day | week | month | year | range | time | duration | set | unresolved
    type: str = "DATE"  # DATE | TIME | DURATION | SET
    range_start: str | None = None  # ISO date: first day the expression can denote
    range_end: str | None = None  # ISO date: last day it can denote
    reason: str | None = None  # why unresolved


@dataclass
class Place:
    start: int
    end: int
    text: str
    name: str | None = None
    country_code: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    precision: str = "place"  # place | admin2 | admin1 | country | region | unresolved
    part: str | None = None  # "northern Iraq": north (lat/lon stay the named place's, as gazetteers give them)
    source: str = "name"  # name | demonym ("Syrian" -> Syria: a place for geoparsing, never an event's site)


@dataclass
class ActorRef:
    """An actor as written in a sentence and resolved to a canonical entity."""

    text: str
    name: str | None = None  # canonical name
    kind: str | None = None  # state_military | government | militia_rebel | civilians | ...
    country: str | None = None  # ISO alpha-2
    start: int | None = None
    end: int | None = None
    entity_id: str | None = None  # knowledge-base id, or a stable key for names outside it


@dataclass
class Count:
    """A casualty figure as ACLED codes it: best estimate plus the range the words allow."""

    best: int
    low: int | None = None
    high: int | None = None
    text: str = ""


@dataclass
class EventMention:
    sentence: int
    start: int
    end: int
    trigger: str
    type: str  # project key (airstrike, rocket_attack, ...)
    acled_event_type: str | None
    acled_sub_event_type: str | None
    plover_type: str | None
    status: str = "occurred"  # occurred | planned | threatened | denied | hypothetical
    role: str = "reported"  # reported | background
    actor1: ActorRef | None = None
    actor2: ActorRef | None = None
    place: Place | None = None
    time: TimeExpr | None = None
    fatalities: Count | None = None
    injuries: Count | None = None
    victims: str | None = None
    weapon: str | None = None
    said_by: str | None = None
    sentence_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. victim nationality claims


@dataclass
class AnalyzedDocument:
    id: str
    text: str
    published: str | None
    language: str | None = "en"
    sentences: list[Span] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    times: list[TimeExpr] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    event_mentions: list[EventMention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the happening the lead states (type "other"), whatever the extractor typed: the article's
    # central event when no typed mention is kept; None when the lead states none (an opinion column)
    lead_event: EventMention | None = None


@dataclass
class MentionRef:
    """A mention with where it comes from; index -1 is the article's lead event."""

    article_id: str
    index: int
    mention: EventMention
    published: str | None = None
    title: str | None = None

    @property
    def key(self) -> str:
        return f"{self.article_id}#{self.index if self.index >= 0 else 'lead'}"


# --------------------------------------------------------------------------- event engine
@dataclass
class RecordTokens:
    """The words an event record is compared by (counts, so a record is stored once, small)."""

    names: dict[str, int] = field(default_factory=dict)  # capitalised words and figures of the text
    entities: list[str] = field(default_factory=list)  # whole names (lowercased runs) and actors
    lead_names: dict[str, int] = field(default_factory=dict)  # capitalised words and figures of the lead
    words: dict[str, int] = field(default_factory=dict)  # content words
    numbers: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)


@dataclass
class EventRecord:
    """One article-level event as the event engine clusters it; computed once per article version.

    ``central`` marks the event the article is about: it carries the article's lead and text."""

    key: str  # "<article id>#<n>@<content hash prefix>", n = 0 for the central record
    article_id: str
    content_hash: str
    central: bool
    mentions: list[int]  # indexes into the analysis's event_mentions; -1 is its lead_event
    type: str = ""  # project key; "" a generic violent mention that may stand for any violent type
    type_group: str = ""
    date_start: str | None = None  # the record's own time window, when its text dates it
    date_end: str | None = None
    published: str | None = None
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    admin1: str | None = None
    role: str = "reported"  # reported | background
    family: str = ""  # ACLED event type (or the project key outside ACLED); "" generic or unknown
    attacker: str | None = None  # the armed side that acts (its resolved name or kind), if named
    target: str | None = None  # the armed side acted on, if named
    tokens: RecordTokens = field(default_factory=RecordTokens)
    embedding: Any = None  # the central record's lead vector, numpy float32 (a blob, not JSON); None otherwise


# --------------------------------------------------------------------------- events
@dataclass
class EventDate:
    """When an event happened: a day, or the range of days the sources allow, and how precise."""

    start: str | None = None  # ISO date
    end: str | None = None
    precision: str = "unknown"  # day | week | month | year | range | reported_by | unknown


@dataclass
class Location:
    """Where an event happened, with the precision a coder would give it."""

    name: str | None = None
    admin1: str | None = None
    country: str | None = None
    country_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str = "unknown"  # place | admin2 | admin1 | region | country | unknown


@dataclass
class EventActor:
    role: str  # actor1 | actor2
    name: str
    kind: str | None = None
    country: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class Casualties:
    """A consensus figure (ACLED's conservative best estimate) and the range the sources give."""

    best: int
    low: int | None = None
    high: int | None = None


@dataclass
class EventArticle:
    id: str
    role: str  # reported | background
    independent: bool = True  # False when the article is a copy of another source


@dataclass
class Claim:
    """One source's statement of one attribute of an event, traced to its sentence."""

    attribute: str  # type | date | place | actor1 | actor2 | fatalities | injuries | victim_nationality | ...
    value: Any
    article: str
    sentence: int
    said_by: str | None = None
    text: str = ""  # the sentence
    independent: bool = True  # False when the article is a copy of another source
    mention: str | None = None  # "<article>#<index>"


@dataclass
class Contradiction:
    attribute: str
    claims: list[Claim]
    note: str = ""


@dataclass
class Event:
    id: str
    type: str
    acled_event_type: str | None
    acled_sub_event_type: str | None
    plover_type: str | None
    date: EventDate
    location: Location
    actors: list[EventActor]
    fatalities: Casualties | None
    injuries: Casualties | None
    articles: list[EventArticle]
    claims: list[Claim] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    summary: str = ""
    sources: int = 0  # independent sources
    mentions: list[str] = field(default_factory=list)  # "<article>#<index>"

    def actor(self, role: str) -> EventActor | None:
        """The first actor in ``role`` (actor1 | actor2), if any."""
        return next((a for a in self.actors if a.role == role), None)
