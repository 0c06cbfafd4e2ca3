"""Geocoding: toponyms in an article resolved to GeoNames entries with a precision and lat/lon.

Candidates come from spaCy GPE/LOC/FAC entities, ORG/PERSON entities that name a well-known place
(the small model tags some towns ORG), datelines ("BEIRUT —") and "Town, Abbr." pairs ("Barrie,
Ont."), country codes anywhere ("U.S.-led"), demonyms (``demonyms=True``: "Syrian" -> Syria, as
geoparsing corpora annotate them, also inside other names) and capitalised names NER missed. A
small town under a vague label ("Enfield Council", "the Innisfail skater") counts only with a cue
around it and the article's other places (or the source's country) behind it. Names match after
folding case, accents, punctuation, Arabic articles and a leading "the". Among same-named entries the
winner is the one the rest of the article supports (same country, same first-order division,
nearby, sibling divisions, the country of the source's address), then the bigger place; countries
and first-order divisions outrank towns that merely share their name, except a country's capital
and a city holding a good share of its division's people ("Washington", "Raqqa"). A town qualified
once ("London, Ky.", "Monroe County in Missouri") keeps that sense through the article.
The gazetteer (``data/gazetteer.tsv.gz``, built by ``scripts/build_gazetteer.py``) loads once
per process.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import marshal
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from storyline.models import Entity, Place
from storyline.resolve.names import fold

GAZETTEER = "gazetteer.tsv.gz"
PRECISION = {"P": "place", "F": "place", "A2": "admin2", "A1": "admin1", "C": "country", "R": "region"}
KIND_PRIOR = {"C": 9.0, "R": 7.5, "A1": 6.2, "F": 4.5, "A2": 3.5}  # log10-population scale, for P it is log10(pop)
ALT_PENALTY = 1.0  # a town matched only through an alternate spelling
SAME_COUNTRY, SAME_ADMIN1, NEARBY_KM = 1.4, 2.4, 250.0
SEAT_SHARE = 0.25  # a division's namesake city with this share of its people is what the bare name means
TIE = 0.5  # readings of a name this close in score are equally likely
ABBREVIATION_RE = re.compile(r"(?:[A-Z][a-z]{0,4}\.)+|(?:[A-Z]\. ?)+[A-Z][a-z]?\.?|[A-Z]{2,4}|[A-Z][a-z]{1,2}")
NOT_NAMES = {"north", "south", "east", "west", "central", "northern", "southern", "eastern", "western",
             "northeast", "northwest", "southeast", "southwest", "centre", "center", "capital", "city",
             # the nouns of street and institution names, which a few hamlets also bear ("Rode" is "Road")
             "road", "street", "avenue", "lane", "drive", "way", "boulevard", "highway", "store", "university",
             "college", "school", "church", "park", "hall", "hospital", "station", "court", "bridge"}
# "Hertford Road", "Fore Street": a street named after a place is a street
STREET_AFTER_RE = re.compile(r"\s+(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Crescent|Terrace|"
                             r"Highway|Hwy|Parkway|Pkwy)\b\.?")
DIRECTIONS = r"(?:north|south|east|west|central|upper|lower|northern|southern|eastern|western|" \
             r"north[- ]?(?:east|west)(?:ern)?|south[- ]?(?:east|west)(?:ern)?)"
NAME = r"[A-Z][^\W\d_]*(?:[-'’][A-Z]?[^\W\d_]+)?(?: [A-Z][^\W\d_]*){0,2}"
BORDER_RE = re.compile(rf"\b(?:the )?({NAME}) ?[-–/] ?({NAME}) border(?: (?:region|area|zone|strip))?\b"
                       rf"|\b(?:the )?border (?:region |area )?between ({NAME}) and ({NAME})\b")
DIRECTION_RE = re.compile(rf"(?i:\b(?:the )?{DIRECTIONS}) $")
SUFFIX_RE = re.compile(r" (?i:province|governorate|county|district|region|state|oblast|prefecture)\b")
CAPS_RE = re.compile(r"\b[A-Z][^\W\d_]+(?:['’](?![sS]\b)[^\W\d_]+|-[A-Z][^\W\d_]+)?(?: (?:[A-Z][^\W\d_]+|of|de|al|el)){0,3}\b"
                     r"(?!['’](?![sS]\b))")
# a news dateline: "BEIRUT —", "HOLLIDAY, Mo. —", "LOUISVILLE, KY--(Marketwire)" at the start of a line
DATELINE_RE = re.compile(r"(?m)^[ \t]*([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,2}?)"
                         r"(?:, ?([A-Z]{2}\b|[A-Z][a-z]{1,4}\.?))?(?= ?(?:\(|—|–|--?|,))"
                         r"|^([A-Z][a-z]+(?: [A-Z][a-z]+){0,2}) (?=\([A-Z][A-Za-z]+\))")  # "Washington (CNN)"
PLACE_LABELS = {"GPE", "LOC", "FAC"}
NAME_LABELS = {"ORG", "PERSON"}
STRICT_LABELS = NAME_LABELS | {"FAC", "CAPS"}  # labels that say little: only exact, well-known names
QUALIFIER_RE = re.compile(r",\s+((?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){0,3})")  # ", Syria" / ", New South Wales"
# "the town of Douentza", "the northern city of Mosul": the words before a name say it is a place
PLACE_NOUN_RE = re.compile(r"\b(?:town|city|village|port|capital|province|district|region|county|governorate"
                           r"|municipality|state|commune|settlement|camp)\s+of\s+$", re.I)


# Only a place is where things happen or come from: the cues that let a small town's name under a
# vague label count ("back to Innisfail", "Winnipeg police", "the Churchill doctor").
PLACE_BEFORE_RE = re.compile(r"(?<!according )\b(?:in|at|from|near|to|outside|around|across|into|towards?|through|"
                             r"between|of)\s+(?:the\s+)?$", re.I)
PLACE_AFTER_RE = re.compile(r"[\s-]+(?:(?i:police|council|councillors?|mayor|residents?|court|county|city|town|"
                            r"township|borough|village|area|region|district|hospital|airport|station|fire|natives?|"
                            r"man|woman|men|women|boy|girl|teen|family|community|officials|authorities)\b|"
                            r"[a-z]+(?:er|or|ist)s?\b)")
WITHIN_RE = re.compile(r", | in (?:the )?")  # "Barrie, Ontario", "Monroe County in northeast Missouri"
LIST_SEP_RE = re.compile(r",? (?:and|or) |, ")
TOWN_COMMA_RE = re.compile(r"\b[A-Z][\w'-]+, $")
SAINT_CONTINUES_RE = re.compile(r" [A-Z][a-z]+(?:['’]s)?")
UNIT_OF_RE = re.compile(r"(?i:(city|town|village|county|district|borough|municipality|province|state)) of (?=[A-Z])")


def name_key(name: str) -> str:
    """Gazetteer key of a name: its :func:`~storyline.resolve.names.fold` without spaces
    ("Ras al-Ain", "Ras Ain" and "RasAin" meet)."""
    return fold(name).replace(" ", "")


def index_names(kind: str, name: str, names: Iterable[str]) -> str:
    """A row's alternate names as the gazetteer stores them: folded once at build time, not at
    every load. Abbreviations stay as written; "~" marks a looser alternate of a division, and a
    second-order division's one-word alias ("Lamar" for "Lamar County") is one.
    """
    own, out = name_key(name), {}
    for alt in filter(None, names):
        if ABBREVIATION_RE.fullmatch(alt):
            out[alt] = None
            continue
        key = name_key(alt.lstrip("~"))
        if key and key != own:
            out[("~" if alt[0] == "~" or (kind == "A2" and " " not in alt.strip()) else "") + key] = None
    return "|".join(out)


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer row."""

    kind: str  # C | A1 | A2 | P | F (airport) | R
    geonameid: int | None
    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int
    bbox: tuple[float, float, float, float] | None  # s, w, n, e (countries and admin1)
    capital: bool = False  # a country's capital: "Washington" is the city before the state


# how vague a place is, most precise first: events and claims keep the most precise place they have
PRECISION_RANK = {"place": 0, "admin2": 1, "admin1": 2, "region": 3, "country": 4, "unresolved": 9}


def precision_rank(precision: str | None) -> int:
    return PRECISION_RANK.get(precision or "unresolved", 9)


def country_codes(code: str | None) -> list[str]:
    """The ISO codes of a place's ``country_code``: one, or two for a border region ("IQ-SY")."""
    return [c for c in (code or "").split("-") if c]


def countries_meet(a: str | None, b: str | None) -> bool:
    """Two places may be one: either country unknown, or a country in common (a border region
    lies in both of its countries)."""
    return not a or not b or a == b or bool(set(country_codes(a)) & set(country_codes(b)))


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; works on floats and, element-wise, on numpy arrays."""
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(np.subtract(lon2, lon1))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 12742.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    text: str
    key: str
    label: str
    kinds: frozenset[str] | None = None  # restrict candidates (e.g. "X province" -> A1/A2)
    direction: str | None = None  # "northern" etc.: a part of the place
    border: tuple[str, str] | None = None
    name: str = ""  # what to look up: the text without "northern", "province", ...
    weak: bool = False  # a small town's name under a vague label: kept only if the article's places back it
    whole: str = ""  # "Karak District", a division's full name, looked up besides name + kinds ("Karak" A1/A2)

    def __post_init__(self) -> None:
        self.name = self.name or self.text


class _Entries(Sequence[Entry]):
    """Gazetteer rows kept as plain tuples (quick to load) and made Entry objects when looked at;
    an article looks at a few hundred of the 200,000."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows
        self._made: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):  # type: ignore[override]
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = Entry(*self.rows[i])
        return made


class Geocoder:
    """Gazetteer lookups and document-level toponym resolution."""

    def __init__(self, lines: Iterable[str]) -> None:
        rows: list[tuple] = []
        self.index: dict[str, list[tuple[int, bool]]] = {}
        self.demonyms: dict[str, int] = {}
        self.abbreviations: dict[str, list[int]] = {}  # "Ky.", "U.S.", "UK": matched as written
        self.countries: dict[str, int] = {}
        self.admin1: dict[tuple[str, str], int] = {}
        demonym_rows: list[tuple[str, str, str]] = []  # country code, or "" and a region's name
        regions: dict[str, int] = {}
        for line in lines:
            if line.startswith("#"):
                continue
            kind, gid, name, cc, a1, lat, lon, pop, names, bbox, flags = line.rstrip("\n").split("\t")
            if kind == "D":
                demonym_rows.append((cc, name, names))
                continue
            i = len(rows)
            box = tuple(float(x) for x in bbox.split(",")) if bbox else None
            rows.append((kind, int(gid) if gid else None, name, cc, a1, float(lat), float(lon), int(pop or 0), box,
                         flags == "capital"))
            if kind == "C":
                self.countries[cc] = i
            elif kind == "A1":
                self.admin1[(cc, a1)] = i
            elif kind == "R":
                regions[name] = i
            self._add(name_key(name), i, True)
            # alternate names come folded (see index_names); a town's are all "alternate", a
            # division's only when marked "~" ("Aleppo" for "Aleppo Governorate")
            for alt in filter(None, names.split("|")):
                if ABBREVIATION_RE.fullmatch(alt):
                    if kind in ("C", "A1"):  # "Ky.", "UK"; a town's short alias ("Bam" for Balm, Florida) is a name
                        self.abbreviations.setdefault(alt, []).append(i)
                    else:
                        self._add(name_key(alt), i, False)
                elif alt[0] == "~":
                    self._add(alt[1:], i, False)
                else:
                    self._add(alt, i, kind != "P")
        self.entries = _Entries(rows)
        targets = [(self.countries.get(cc) if cc else regions.get(name), names) for cc, name, names in demonym_rows]
        # a demonym shared by several countries goes to the most populous one
        for i, names in sorted((t for t in targets if t[0] is not None), key=lambda t: -rows[t[0]][7]):
            for d in re.split(r"[,/|]", names):
                if d.strip():
                    self.demonyms.setdefault(name_key(d), i)  # type: ignore[arg-type]

    _TABLES = ("index", "demonyms", "abbreviations", "countries", "admin1")

    def tables(self) -> tuple:
        """Everything the geocoder knows, as plain data (for the load cache)."""
        return (self.entries.rows, *(getattr(self, t) for t in self._TABLES))

    @classmethod
    def from_tables(cls, tables: tuple) -> Geocoder:
        geocoder = cls.__new__(cls)
        geocoder.entries = _Entries(tables[0])
        for name, value in zip(cls._TABLES, tables[1:]):
            setattr(geocoder, name, value)
        return geocoder

    def _add(self, key: str, i: int, exact: bool) -> None:
        if key:
            bucket = self.index.setdefault(key, [])
            if not bucket or bucket[-1][0] != i:  # an entry's names are added one after another
                bucket.append((i, exact))

    # ------------------------------------------------------------------ single names
    def candidates(self, name: str, kinds: Iterable[str] | None = None) -> list[tuple[Entry, bool]]:
        allowed = set(kinds) if kinds else None
        name = name.strip()
        if name in self.abbreviations:
            hits = [(i, True) for i in self.abbreviations[name]]
        elif name.isupper() and len(name) <= 3:
            return []  # a code that is no known abbreviation: "EU" is no town in France
        else:
            hits = self.index.get(name_key(name), [])
        return [(self.entries[i], exact) for i, exact in hits if allowed is None or self.entries[i].kind in allowed]

    def resolve_name(self, name: str, context_countries: Sequence[str] = ()) -> Place | None:
        """Best entry for a bare name, preferring places in the given ISO2 countries."""
        ctx = Counter(context_countries)
        scored = [(self._score(e, exact, ctx, Counter(), []), e) for e, exact in self.candidates(name)]
        if not scored:
            return None
        best = max(scored, key=lambda t: t[0])[1]
        return self._place(best, 0, len(name), name)

    # ------------------------------------------------------------------ documents
    def locate(self, text: str, entities: Sequence[Entity], demonyms: bool = True,
               hints: Sequence[str] = ()) -> list[Place]:
        """Resolve the toponyms of one document (offsets into ``text``), in text order.

        ``hints`` are countries the source itself points to (a local paper's ``.co.uk`` address):
        each counts as one mention of that country.
        """
        mentions = self._mentions(text, entities, demonyms)
        sure = [m for m in mentions if not m.weak]
        first, countries, admin1, points = self._context(sure, hints)
        # a small town under a vague label ("Enfield Council", "the Innisfail skater") is a place when
        # it lies in a division the article's sure places lie in, or near one of them
        admitted = [m for m in mentions if m.weak and (first.get(m.key) or self._supported(m, admin1, points, hints))]
        if admitted:
            for m in admitted:
                m.label, m.weak = "GPE", False
            mentions = sorted(sure + admitted, key=lambda m: m.start)
            first, countries, admin1, points = self._context(mentions, hints)
        else:
            mentions = sure
        divisions = Counter(e.country for e in first.values() if e is not None and e.kind == "A1")
        # "London, Ontario" / "EDMONTON, Ky.": the division named right after the town; the name keeps
        # that sense through the whole article ("LONDON, Ky. ... London Police said")
        withins: list[Entry | None] = []
        for k, m in enumerate(mentions):
            nxt = mentions[k + 1] if k + 1 < len(mentions) else None
            w = first.get(nxt.key) if nxt and WITHIN_RE.fullmatch(text, m.end, nxt.start) else None
            withins.append(w if w is not None and w.kind in ("A1", "C") else None)
        qualified = {m.key: w for m, w in zip(mentions, withins) if w is not None}
        places = []
        for m in mentions:
            if m.border:
                places.append(self._border(m))
                continue
            e = first.get(m.key)
            if e is not None or m.key in qualified:
                e = e or qualified[m.key]
                ctx_c = countries - Counter({e.country: 1})
                ctx_a = admin1 - Counter({(e.country, e.admin1): 1}) if e.kind != "C" else admin1
                ctx_d = divisions - Counter({e.country: 1}) if e.kind == "A1" else divisions
                e = self._best(m, ctx_c, ctx_a, [p for p in points if p[0] != m.key], qualified.get(m.key), ctx_d)
            place = self._place(e, m.start, m.end, m.text, m.direction) if e else Place(m.start, m.end, m.text, precision="unresolved")
            if m.label == "NORP":
                place.source = "demonym"
            places.append(place)
        return places

    def _context(self, mentions: Sequence[_Mention], hints: Sequence[str]) -> tuple[
            dict[str, Entry | None], Counter[str], Counter[tuple[str, str]], list[tuple[str, float, float]]]:
        """Pass 1: each name on its own. A name supports a country or division only when its
        near-tied readings agree on it: the seventeen US "Monroe County"s say "United States", not
        "Alabama"."""
        first: dict[str, Entry | None] = {}
        countries: Counter[str] = Counter(h for h in hints if h and h in self.countries)
        admin1: Counter[tuple[str, str]] = Counter()
        points: list[tuple[str, float, float]] = []
        for m in mentions:
            if m.border or first.get(m.key) is not None:
                continue
            ranked = self._ranked(m, Counter(), Counter(), [])
            first[m.key] = e = ranked[0][1] if ranked else None
            if e is None:
                continue
            close = [c for sc, c in ranked if sc >= ranked[0][0] - TIE]
            if len({c.country for c in close}) == 1:
                countries[e.country] += 1
            if len({(c.country, c.admin1) for c in close}) == 1 and e.kind in ("A1", "A2", "P"):
                admin1[(e.country, e.admin1)] += 1
                if e.kind in ("A2", "P"):
                    points.append((m.key, e.lat, e.lon))
        return first, countries, admin1, points

    def _supported(self, m: _Mention, admin1: Counter[tuple[str, str]], points: list[tuple[str, float, float]],
                   hints: Sequence[str] = ()) -> bool:
        """Whether a reading of a weak name lies in a division the article names, near one of its
        towns, or in the country its source is from (a local paper's local towns)."""
        return any(e.kind in ("P", "A2", "F") and ((e.country, e.admin1) in admin1 or e.country in hints or any(
            haversine_km(e.lat, e.lon, la, lo) < NEARBY_KM for _, la, lo in points))
            for e, _ in self.candidates(m.name, m.kinds))

    def _best(self, m: _Mention, ctx_c: Counter[str], ctx_a: Counter[tuple[str, str]],
              points: list[tuple[str, float, float]], within: Entry | None = None,
              ctx_d: Counter[str] | None = None) -> Entry | None:
        ranked = self._ranked(m, ctx_c, ctx_a, points, within, ctx_d)
        return ranked[0][1] if ranked else None

    def _ranked(self, m: _Mention, ctx_c: Counter[str], ctx_a: Counter[tuple[str, str]],
                points: list[tuple[str, float, float]], within: Entry | None = None,
                ctx_d: Counter[str] | None = None) -> list[tuple[float, Entry]]:
        """The mention's readings, best first, with their scores."""
        if m.label == "NORP":
            i = self.demonyms.get(m.key)
            return [(0.0, self.entries[i])] if i is not None else []
        every = self.candidates(m.name, m.kinds)
        if m.whole:  # Jordan's "Karak district" is its Karak governorate, not Pakistan's Karak District
            seen = {e for e, _ in every}
            every += [c for c in self.candidates(m.whole) if c[0] not in seen]
        # a name NER gave a vague label is a small town only inside a division the article names
        cands = [(e, x) for e, x in every if m.label not in STRICT_LABELS or self._notable(e, x, m.label)
                 or (within is not None or ctx_a.get((e.country, e.admin1))) and e.kind == "P"]
        if within is not None:  # the town must lie in the division or country named after it
            inside = [c for c in cands if c[0].country == within.country and within.kind == "C" or
                      (c[0].country, c[0].admin1) == (within.country, within.admin1) and c[0] is not within]
            cands = inside or [c for c in cands if m.label not in STRICT_LABELS or self._notable(*c, m.label)]
        # siblings support a division under its own name ("Wyoming", not "Aleppo"), and not one named
        # after its own seat ("Bamako", "Tehran"): there the city is meant
        key = name_key(m.name)
        seats = {(e.country, e.admin1) for e, _ in cands if e.kind == "P"}
        # a division named after a city that holds a good share of its people ("Raqqa") is, unqualified,
        # the city ("Quebec", where one in twenty Quebecers live in Quebec City, is not); so is one
        # named like its country's capital ("Washington")
        cities = [e for e, x in cands if e.kind == "P"]
        capitals = {c.country for c in cities if c.capital and name_key(c.name) == key}
        if within is None:  # "Washington" is the capital, not Washington, Missouri, unless the text says so
            cands = [(e, x) for e, x in cands if e.kind != "P" or e.capital or e.country not in capitals]
        cands = [(e, x) for e, x in cands if e.kind != "A1" or not any(
            name_key(c.name) == name_key(e.name) and c.country == e.country
            and (c.capital or c.admin1 == e.admin1 and c.population >= SEAT_SHARE * e.population) for c in cities)]
        scored = [(self._score(e, x, ctx_c, ctx_a, points, ctx_d if name_key(e.name) == key
                               and (e.country, e.admin1) not in seats else None), e) for e, x in cands]
        return sorted(scored, key=lambda t: -t[0])

    @staticmethod
    def _notable(e: Entry, exact: bool, label: str) -> bool:
        """Whether a name NER called an organisation, facility or person is still safely this place;
        an airport only when NER saw a facility or organisation ("Heathrow", never "Pearson said")."""
        if e.kind == "F":
            return label in ("FAC", "ORG")
        return exact and (e.kind in ("C", "A1", "R") or (e.kind == "A2" and " " in e.name)
                          or (e.kind == "P" and e.population >= 50_000))

    @staticmethod
    def _score(e: Entry, exact: bool, ctx_c: Counter[str], ctx_a: Counter[tuple[str, str]],
               points: list[tuple[str, float, float]], ctx_d: Counter[str] | None = None) -> float:
        """Prior by kind/population plus support from the article; sibling divisions ("Montana and
        Wyoming") support a division as towns in it support a town."""
        s = KIND_PRIOR.get(e.kind) or math.log10(e.population + 10)
        if e.kind == "A1" and ctx_d and ctx_d.get(e.country):
            s += SAME_ADMIN1
        if not exact:
            s -= ALT_PENALTY
        if e.kind != "C" and ctx_c.get(e.country):
            s += SAME_COUNTRY
        if e.kind in ("A1", "A2", "P", "F") and ctx_a.get((e.country, e.admin1)):
            s += SAME_ADMIN1
        if e.kind == "A1" and e.bbox:
            sth, w, n, east = e.bbox
            s += any(sth <= la <= n and w <= lo <= east for _, la, lo in points)
        elif e.kind in ("A2", "P", "F") and any(haversine_km(e.lat, e.lon, la, lo) < NEARBY_KM for _, la, lo in points):
            s += 1.0
        return s

    def _place(self, e: Entry, start: int, end: int, text: str, direction: str | None = None) -> Place:
        """"northern Iraq" is a region: part of the named place, at the named place's own point (a
        point made up inside that half would be neither the gazetteer's nor the region's)."""
        a1 = self.entries[self.admin1[(e.country, e.admin1)]].name if (e.country, e.admin1) in self.admin1 else None
        part = direction.lower().replace("ern", "").replace(" ", "").replace("-", "") if direction else None
        return Place(start, end, text, name=e.name, country_code=e.country or None, admin1=a1,
                     lat=round(e.lat, 5), lon=round(e.lon, 5), geonameid=e.geonameid,
                     precision="region" if part else PRECISION[e.kind], part=part)

    def _border(self, m: _Mention) -> Place:
        """A border region: the midpoint of the two places' closest known towns."""
        ends = [self.resolve_name(n) for n in m.border or ()]
        if not all(ends):
            return Place(m.start, m.end, m.text, precision="unresolved")
        a, b = ends  # type: ignore[misc]
        lat, lon = self._border_point(a, b)
        codes = "-".join(p.country_code or "" for p in (a, b))
        return Place(m.start, m.end, m.text, name=f"{a.name}–{b.name} border", country_code=codes,
                     lat=round(lat, 5), lon=round(lon, 5), precision="region")

    def _border_point(self, a: Place, b: Place) -> tuple[float, float]:
        pa = self._towns(a, b)
        pb = self._towns(b, a)
        return (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2

    def _towns(self, p: Place, toward: Place) -> tuple[float, float]:
        """The town of ``p``'s country nearest to ``toward`` (itself when ``p`` is a town)."""
        if p.precision == "place" or p.country_code not in self.towns:
            return p.lat or 0.0, p.lon or 0.0
        return min(self.towns[p.country_code],
                   key=lambda t: haversine_km(t[0], t[1], toward.lat or 0.0, toward.lon or 0.0))

    @functools.cached_property
    def division_re(self) -> re.Pattern[str]:
        """"Town, Abbr." with a press abbreviation of a division ("Barrie, Ont.", "HOLLIDAY, Mo.")."""
        dotted = sorted((a for a, ids in self.abbreviations.items() if "." in a and self.entries[ids[0]].kind == "A1"),
                        key=len, reverse=True)
        return re.compile(rf"\b({NAME}), ({'|'.join(map(re.escape, dotted))})(?!\w)")

    @functools.cached_property
    def country_code_re(self) -> re.Pattern[str]:
        """A country's abbreviation as written ("U.S.", "UK", "UAE"), or a division's with inner dots
        ("B.C.", "N.J."; not "Miss." or "Ill."), wherever it stands."""
        codes = sorted((a for a, ids in self.abbreviations.items()
                        if self.entries[ids[0]].kind == "C" or a.count(".") >= 2), key=len, reverse=True)
        return re.compile(rf"(?<![\w.])(?:{'|'.join(map(re.escape, codes))})(?![\w]|\.\w)")

    @functools.cached_property
    def towns(self) -> dict[str, list[tuple[float, float]]]:
        """Town coordinates per country, built on first use (only border regions need them)."""
        towns: dict[str, list[tuple[float, float]]] = {}
        for kind, _gid, _name, country, _a1, lat, lon, *_ in self.entries.rows:
            if kind == "P":
                towns.setdefault(country, []).append((lat, lon))
        return towns

    # ------------------------------------------------------------------ mentions
    def _mentions(self, text: str, entities: Sequence[Entity], demonyms: bool) -> list[_Mention]:
        out: list[_Mention] = []
        taken: list[tuple[int, int]] = []
        # "Paterson" after "Jim Paterson" is the person again
        surnames = {name_key(e.text.split()[-1]) for e in entities if e.label == "PERSON" and len(e.text.split()) > 1}
        personal = {name_key(w) for e in entities if e.label == "PERSON" and " " in e.text.strip() for w in e.text.split()}

        def cued(m: _Mention) -> bool:
            """A weak name stays only where the words around it make it a place: a preposition of
            place, a noun such as "police" or "residents", a list of places it stands in ("Red Deer,
            Innisfail and Edmonton"), or a town it follows as the division ("Clacton, Essex")."""
            if m.key in personal or STREET_AFTER_RE.match(text, m.end):
                return False
            listed = any(LIST_SEP_RE.fullmatch(text[b:m.start]) or LIST_SEP_RE.fullmatch(text[m.end:a])
                         for a, b in taken if b <= m.start <= b + 6 or m.end <= a <= m.end + 6)
            division = TOWN_COMMA_RE.search(text, max(0, m.start - 30), m.start) and any(
                e.kind in ("A1", "A2") for e, _ in self.candidates(m.name))
            return bool(PLACE_BEFORE_RE.search(text, max(0, m.start - 30), m.start)
                        or PLACE_AFTER_RE.match(text, m.end) or listed or division)

        def free(s: int, e: int) -> bool:
            return all(e <= a or s >= b for a, b in taken)

        qualified_keys = {m.key for m in (self._mention(text, e.start, e.end, e.label) for e in entities
                                          if e.label in STRICT_LABELS) if m is not None and self._qualified(text, m)}

        for mt in DATELINE_RE.finditer(text):  # always a place, however small, and a town if one is so named
            g = 1 if mt.group(1) else 3
            m = self._mention(text, mt.start(g), mt.end(g), "GPE")
            if m is not None and m.kinds is None and any(x and e.kind == "P" for e, x in self.candidates(m.name)):
                m.kinds = frozenset({"P", "C"})
            if m is not None and self.candidates(m.name, m.kinds):
                out.append(m)
                taken.append((m.start, m.end))
            code = mt.group(2) or ""  # US admin1 codes are postal codes; "Ky" is "Ky." without its dot
            state = self.admin1.get(("US", code)) if code.isupper() else next(
                (i for i in self.abbreviations.get(code.rstrip(".") + ".", ()) if self.entries[i].kind == "A1"), None)
            if state is not None and free(*mt.span(2)):
                a1 = self.entries[state]
                out.append(_Mention(mt.start(2), mt.end(2), mt.group(2), name_key(a1.name), "GPE", frozenset({"A1"}),
                                    name=a1.name))
                taken.append((mt.start(2), mt.end(2)))
        for mt in self.division_re.finditer(text):  # "Barrie, Ont.": a town, whatever NER made of it
            pair = [self._mention(text, *mt.span(g), "GPE") if free(*mt.span(g)) else None for g in (1, 2)]
            town = pair[0] or next((m for m in out if (m.start, m.end) == mt.span(1)), None)
            if town is None or not self.candidates(town.name, town.kinds):
                continue  # "John Smith, Ind." is no town
            for m in pair:
                if m is not None and self.candidates(m.name, m.kinds):
                    out.append(m)
                    taken.append((m.start, m.end))
        for mt in BORDER_RE.finditer(text):
            names = (mt.group(1), mt.group(2)) if mt.group(1) else (mt.group(3), mt.group(4))
            if free(mt.start(), mt.end()) and all(self.index.get(name_key(n)) for n in names):
                out.append(_Mention(mt.start(), mt.end(), mt.group(0), name_key(mt.group(0)), "LOC", border=names))
                taken.append((mt.start(), mt.end()))
        for ent in sorted(entities, key=lambda x: x.start):
            if ent.label == "NORP" and not demonyms:
                continue
            if ent.label not in PLACE_LABELS | NAME_LABELS | {"NORP"} or not free(ent.start, ent.end):
                continue
            end = ent.end
            saint = SAINT_CONTINUES_RE.match(text, end) if ent.text.endswith(("St.", "Ste.", "Mt.", "Ft.")) else None
            if saint and self.candidates(text[ent.start:saint.end()]):  # NER cut "Fort St." from "John"
                end = saint.end()
            m = self._mention(text, ent.start, end, ent.label)
            if m is None or not free(m.start, m.end) or m.key in NOT_NAMES:
                continue
            if m.key in surnames and " " not in m.text.strip() and (ent.label in STRICT_LABELS or not any(
                    e.kind in ("C", "A1", "R") or e.population >= 100_000 for e, _ in self.candidates(m.name))):
                continue  # "Mayor Ryan Bingham ... Bingham said": the man, not a small English town
            if ent.label == "NORP":
                if m.key not in self.demonyms:
                    continue
            elif ent.label in STRICT_LABELS:
                if m.key in qualified_keys:  # the text itself says it is a place
                    m.label = "GPE"
                elif self._best(m, Counter(), Counter(), []) is None:
                    m.weak = True
                    if ent.label == "PERSON" or self._town_name(text, m.text) is None or not cued(m):
                        continue
            out.append(m)
            taken.append((m.start, m.end))
        for mt in self.country_code_re.finditer(text):  # "U.S.-led", "the US Geological Survey"
            if free(*mt.span()) and not _shouted(text, *mt.span()):
                out.append(_Mention(mt.start(), mt.end(), mt.group(0), name_key(mt.group(0)), "GPE"))
                taken.append(mt.span())
        people = [(e.start, e.end) for e in entities if e.label == "PERSON"]
        named = [(e.start, e.end) for e in entities if e.label not in ("PERSON", "DATE", "TIME", "CARDINAL")]
        for mt in CAPS_RE.finditer(text):  # names NER missed, also inside organisation names
            words = [(w.start(), w.end()) for w in re.finditer(r"[^\s-]+", mt.group(0))]  # "Middlesex-London"
            i = 1 if mt.group(0).startswith("The ") else 0
            while i < len(words):
                for j in range(min(len(words), i + 4), i, -1):
                    s, e = mt.start() + words[i][0], mt.start() + words[j - 1][1]
                    sure = self._unmarked_place(text, s, text[s:e], surnames, any(a <= s and e <= b for a, b in named)) \
                        if free(s, e) and all(e <= a or s >= b for a, b in people) else None
                    m = _Mention(s, e, text[s:e], name_key(text[s:e]), "CAPS", weak=not sure)
                    if sure or sure is not None and cued(m):
                        out.append(m)
                        taken.append((s, e))
                        i = j - 1
                        break
                i += 1
        if demonyms:  # "German-Iraqi", "the Syrian Observatory": adjectives NER left inside other names
            for mt in re.finditer(r"\b[A-Z][a-z]+\b", text):
                if name_key(mt.group(0)) in self.demonyms and free(*mt.span()) and all(
                        mt.end() <= a or mt.start() >= b for a, b in people):
                    out.append(_Mention(mt.start(), mt.end(), mt.group(0), name_key(mt.group(0)), "NORP"))
        return sorted(out, key=lambda m: m.start)

    def _qualified(self, text: str, m: _Mention) -> bool:
        """"al Bukamal, Syria", "the town of Douentza": a name followed by the country or division
        it lies in, or introduced as a town, is a place whatever label NER gave it."""
        if PLACE_NOUN_RE.search(text, max(0, m.start - 40), m.start) and self.candidates(m.name, ("P", "A2", "A1")):
            return True
        after = QUALIFIER_RE.match(text, m.end)
        if after is None:
            return False
        within = {(e.country, e.admin1 if e.kind == "A1" else None)
                  for e, _ in self.candidates(after.group(1), ("C", "A1"))}
        return any((e.country, None) in within or (e.country, e.admin1) in within
                   for e, _ in self.candidates(m.name, ("P", "A2")))

    def _mention(self, text: str, start: int, end: int, label: str) -> _Mention | None:
        """Trim "the"/possessives, take in "province"-type suffixes and "northern"-type prefixes."""
        span = text[start:end]
        if span.lower().startswith("the "):
            start, span = start + 4, span[4:]
        unit = UNIT_OF_RE.match(span)
        if unit and not self.candidates(span) and self.candidates(span[unit.end():]):
            kind = unit.group(1).lower()
            kinds = {"province": {"A1"}, "state": {"A1"}, "county": {"A2", "P"}, "district": {"A2", "P"}}.get(kind, {"P"})
            start, span = start + unit.end(), span[unit.end():]
            end = start + len(span)
            if self.candidates(span, kinds):
                return _Mention(start, end, span, name_key(span), label, kinds=frozenset(kinds))
        if span.endswith(("'s", "’s")):
            end, span = end - 2, span[:-2]
        span = span.rstrip(",;:")
        if span.endswith(".") and span not in self.abbreviations:  # keep the dot of "Ky." and "U.S."
            span = span.rstrip(".")
        tail = re.search(SUFFIX_RE.pattern + "$", span)
        if tail and tail.start() > 0 and not self.candidates(span):  # NER took in the "province" of "Sichuan province"
            span = span[:tail.start()]
        end = start + len(span)
        if not span.strip():
            return None
        suffix = SUFFIX_RE.match(text, end)
        if suffix and label != "NORP":  # a name with "province" after it is a place, whatever NER said
            whole = text[start:suffix.end()]
            kinds = frozenset({"A2"} if suffix.group(0).strip().lower() == "county" else {"A1", "A2"})
            if self.candidates(span, kinds):  # "Aleppo province": the division, not the city
                return _Mention(start, suffix.end(), whole, name_key(span), "GPE", kinds=kinds, name=span, whole=whole)
            if self.candidates(whole):  # "Lamar County" is a name of its own
                return _Mention(start, suffix.end(), whole, name_key(whole), "GPE")
        inner = re.match(rf"(?i:(?:far )?{DIRECTIONS}) ", span)
        if inner and not self.candidates(span) and self.candidates(span[inner.end():]):
            name = span[inner.end():]
            return _Mention(start, end, span, name_key(name), label, direction=inner.group(0).split()[-1], name=name)
        prefix = DIRECTION_RE.search(text, max(0, start - 20), start)
        if prefix and label != "NORP" and not self.candidates(text[prefix.start():end]):
            word = prefix.group(0).strip().split()[-1]
            return _Mention(prefix.start(), end, text[prefix.start():end], name_key(span), label, direction=word, name=span)
        return _Mention(start, end, span, name_key(span), label)

    def _unmarked_place(self, text: str, start: int, span: str, surnames: set[str], in_entity: bool = False) -> bool | None:
        """Whether a capitalised name NER missed is a place: True when surely (a country, division
        or large city), False when only if the article's other places back it (a town), else None.

        A sentence-initial capital says little, unless NER put the word inside a longer name
        ("Kentucky State Police said") and it names a country or a place of half a million.
        """
        own = self._town_name(text, span)
        if own is None or name_key(span) in NOT_NAMES or name_key(span) in surnames \
                or span.isupper() and _shouted(text, start, start + len(span)):
            return None
        if not own:
            return False  # only some town's alternate name ("Enfield" for Enfield Town)
        cands = self.candidates(span)
        before = text[max(0, start - 3):start].rstrip(" \t")
        if not before or before.endswith(("\n", ".", "!", "?", '"', "“", ":")):
            if not in_entity or not any(x and (e.kind == "C" or e.population >= 500_000) for e, x in cands):
                return False
        return any(exact and (e.kind in ("C", "A1", "R") or (e.kind == "A2" and " " in span)
                              or (e.kind == "P" and e.population >= 100_000)) for e, exact in cands)

    def _town_name(self, text: str, span: str) -> bool | None:
        """Whether a name is exactly some place's own name (True) or only another name of a place
        (False); None when no place bears it or it is a single word the text also uses as a common
        word."""
        if " " not in span and re.search(rf"\b{re.escape(span.lower())}\b", text):
            return None
        cands = self.candidates(span)
        if not cands:
            return None
        key = name_key(span)
        return span in self.abbreviations or any(  # "ACT", "NSW"
            x and name_key(e.name) == key or x and " " in span for e, x in cands)


def _shouted(text: str, start: int, end: int) -> bool:
    """Whether the words either side are capitals too ("WE TOLD US SO"), where "US" may be "us"."""
    around = re.findall(r"[A-Za-z]+", text[max(0, start - 20):start])[-1:] + re.findall(r"[A-Za-z]+", text[end:end + 20])[:1]
    return bool(around) and all(w.isupper() for w in around)


# country-code top-level domains sold worldwide, which say nothing of where a paper is
VANITY_TLDS = {"ac", "ai", "am", "cc", "co", "fm", "gg", "im", "io", "la", "ly", "me", "ms", "nu", "sh", "st", "tk",
               "to", "tv", "vc", "ws"}


def source_country(url: str | None) -> str:
    """The country a source's address names ("www.cbc.ca" -> "CA", "bbc.co.uk" -> "GB"), or ""."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", (url or "").strip().lower()).split("/", 1)[0].split(":", 1)[0]
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) != 2 or not tld.isalpha() or tld in VANITY_TLDS:
        return ""
    return "GB" if tld == "uk" else tld.upper()


@functools.lru_cache(maxsize=1)
def get_geocoder() -> Geocoder:
    """The process-wide geocoder, loaded from the packaged gazetteer on first use.

    Building its index from the gazetteer takes seconds; the built tables are kept in the user's
    cache folder (``STORYLINE_CACHE``, else ``$XDG_CACHE_HOME/storyline`` or ``~/.cache/storyline``)
    under a name that changes with the gazetteer, this module and the Python version, and load
    from there in a fraction of that. Without a writable cache folder it is built every time."""
    data = resources.files("storyline.data").joinpath(GAZETTEER).read_bytes()
    digest = hashlib.sha1(data + Path(__file__).read_bytes() + sys.version.encode()).hexdigest()[:16]
    cached = cache_dir() / f"gazetteer-{digest}.marshal"
    try:
        return Geocoder.from_tables(marshal.loads(cached.read_bytes()))
    except (OSError, ValueError, EOFError, TypeError):
        pass
    geocoder = Geocoder(gzip.decompress(data).decode("utf-8").splitlines())
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(geocoder.tables()))
        os.replace(tmp, cached)  # whole or not at all, whoever writes it first
    except OSError:
        pass
    return geocoder


def cache_dir() -> Path:
    """Where derived files that are quick to rebuild are kept between runs."""
    if os.environ.get("STORYLINE_CACHE"):
        return Path(os.environ["STORYLINE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "storyline"
