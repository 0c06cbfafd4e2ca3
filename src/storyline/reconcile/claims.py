"""Reconciliation: every attribute of every mention becomes a claim; per event a consensus is
chosen and claims that cannot both be true are shown as contradictions, with their sources.

Consensus rules: the most precise date and place consistent with the other claims; fatalities by
ACLED's conservative rule (the lowest figure reported, with the low-high range of all claims);
sources counted once per original (copies are not independent corroboration).
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from datetime import date, timedelta

from storyline.models import (
    Casualties,
    Claim,
    Contradiction,
    Event,
    EventActor,
    EventArticle,
    EventDate,
    Location,
    MentionRef,
)
from storyline.resolve.geo import haversine_km, precision_rank

PLACE_CONFLICT_KM = 100.0
REPORTING_WINDOW_DAYS = 3
NEGATED = "not "  # a denied value reads as the source's words: "not US"  # an undated reported event happened in the days before publication


def _claim(ref: MentionRef, attribute: str, value, independent: bool) -> Claim:
    m = ref.mention
    return Claim(attribute=attribute, value=value, article=ref.article_id, sentence=m.sentence, said_by=m.said_by,
                 text=m.sentence_text, independent=independent, mention=ref.key)


def mention_date(ref: MentionRef) -> dict | None:
    """The date a mention claims: its own time expression, else (for reported news) the days up
    to publication, as a low-precision claim."""
    t = ref.mention.time
    if t is not None and t.range_start and t.range_end:
        return {"start": t.range_start, "end": t.range_end, "precision": t.granularity}
    if ref.mention.role == "reported" and ref.published:
        end = date.fromisoformat(ref.published[:10])
        return {"start": (end - timedelta(days=REPORTING_WINDOW_DAYS)).isoformat(), "end": end.isoformat(), "precision": "reported_by"}
    return None


def _overlaps(a: dict, b: dict) -> bool:
    return a["start"] <= b["end"] and b["start"] <= a["end"]


def _span_days(d: dict) -> int:
    return (date.fromisoformat(d["end"]) - date.fromisoformat(d["start"])).days


def consensus_date(claims: list[Claim]) -> tuple[EventDate, list[Contradiction]]:
    """The most precise date consistent with most claims; disjoint precise dates contradict.
    Dates a text states outrank the publication window of undated reports."""
    if not claims:
        return EventDate(), []
    claims = [c for c in claims if c.value["precision"] != "reported_by"] or claims
    ranked = sorted(claims, key=lambda c: (_span_days(c.value), c.value["start"]))
    best = max(ranked, key=lambda c: (sum(_overlaps(c.value, o.value) for o in claims), -_span_days(c.value)))
    conflicting = [c for c in claims if not _overlaps(c.value, best.value) and c.value["precision"] != "reported_by"]
    contradictions = []
    if conflicting and best.value["precision"] != "reported_by":
        contradictions.append(Contradiction("date", [best] + conflicting, "dates that cannot both be right"))
    return EventDate(**best.value), contradictions


def consensus_place(claims: list[Claim]) -> tuple[Location, list[Contradiction]]:
    """The most precise place whose country agrees with the others; far-apart places contradict."""
    if not claims:
        return Location(), []
    countries = Counter(c.value.get("country_code") for c in claims if c.value.get("country_code"))
    top_country = countries.most_common(1)[0][0] if countries else None
    candidates = [c for c in claims if c.value.get("country_code") in (top_country, None)] or claims
    votes = Counter(c.value.get("name") for c in candidates)
    best = min(candidates, key=lambda c: (precision_rank(c.value.get("precision")), -votes[c.value.get("name")]))
    contradictions = []
    if best.value.get("precision") == "place" and best.value.get("lat") is not None:
        far = [c for c in claims if c.value.get("precision") == "place" and c.value.get("lat") is not None
               and haversine_km(best.value["lat"], best.value["lon"], c.value["lat"], c.value["lon"]) > PLACE_CONFLICT_KM]
        if far:
            contradictions.append(Contradiction("place", [best] + far, f"places more than {PLACE_CONFLICT_KM:.0f} km apart"))
    return Location(**best.value), contradictions


def consensus_count(claims: list[Claim], attribute: str) -> tuple[Casualties | None, list[Contradiction]]:
    """ACLED's conservative rule: best = the lowest figure any source gives; the range spans all."""
    if not claims:
        return None, []
    best = min(c.value["best"] for c in claims)
    low = min(c.value.get("low") if c.value.get("low") is not None else c.value["best"] for c in claims)
    high = max(c.value.get("high") if c.value.get("high") is not None else c.value["best"] for c in claims)
    contradictions = []
    if len({c.value["best"] for c in claims}) > 1:
        contradictions.append(Contradiction(attribute, sorted(claims, key=lambda c: c.value["best"]),
                                            f"sources give different {attribute} figures"))
    return Casualties(best, low, high), contradictions


def nationality_contradictions(claims: list[Claim]) -> list[Contradiction]:
    """One source says the victims were of a nationality, another says they were not."""
    said = defaultdict(list)
    denied = defaultdict(list)
    for c in claims:
        if c.attribute == "victim_nationality_negated":
            denied[c.value.removeprefix(NEGATED)].append(c)
        else:
            said[c.value].append(c)
    return [Contradiction("victim nationality", said[n] + denied[n], f"victims said to be {n} and said not to be {n}")
            for n in sorted(set(said) & set(denied))]


def _actor_value(a) -> dict:
    return {"name": a.name or a.text, "kind": a.kind, "country": a.country, "text": a.text}


TOTAL = re.compile(r"\b(?:a total of|in total|in all|altogether)\b", re.I)


def _head(phrase: str) -> str:
    """The head noun of a victims phrase, singular: 'US contractors' -> 'contractor'."""
    word = phrase.split()[-1].lower() if phrase.split() else ""
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _enumeration(text: str) -> list[tuple[int, str]] | None:
    """'four US contractors and a US service member' -> [(4, 'contractor'), (1, 'member')]."""
    from storyline.extract.lexicon import parse_number

    parts = []
    for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", text.strip()):
        words = part.split()
        n = parse_number(words[0]) if len(words) > 1 else None
        if n is None:
            return None
        parts.append((n, _head(" ".join(words[1:]))))
    return parts or None


def refine_totals(claims: list[Claim]) -> list[Claim]:
    """A later total that updates one group of an earlier enumeration by the same source is read
    with the rest of it: "wounded four US contractors and a US service member ... A total of eight
    contractors were injured" claims 8 + 1 = 9 wounded, citing both sentences."""
    out = []
    for c in claims:
        refined = c
        total = _enumeration(c.value.get("text") or "") if TOTAL.search(c.text) else None
        if total and len(total) == 1:
            n, head = total[0]
            for listed in claims:
                parts = _enumeration(listed.value.get("text") or "") if listed.article == c.article else None
                same = [k for k, h in parts or [] if h == head]
                if parts and len(parts) > 1 and len(same) == 1 and same[0] < n:
                    best = n + sum(k for k, h in parts if h != head)
                    refined = dataclasses.replace(c, value={"best": best, "low": best, "high": best,
                                                            "text": f"{c.value['text']}, with the rest of: {listed.value['text']}"},
                                                  text=f"{listed.text} … {c.text}")
                    break
        out.append(refined)
    return out


def summarize(refs: list[MentionRef], independent: dict[str, bool]) -> str:
    """Extractive: the most informative reported sentence of the earliest independent source, cited,
    plus the most informative different sentence from another source."""
    def info(r: MentionRef) -> tuple:
        m = r.mention
        filled = sum(x is not None for x in (m.actor1, m.actor2, m.place, m.time, m.fatalities, m.injuries, m.said_by))
        return (m.role == "reported", independent.get(r.article_id, True), filled, len(m.sentence_text) <= 400)

    ranked = sorted(refs, key=info, reverse=True)
    picked: list[MentionRef] = []
    for r in ranked:
        if r.mention.sentence_text and all(r.mention.sentence_text != p.mention.sentence_text and r.article_id != p.article_id for p in picked):
            picked.append(r)
        if len(picked) == 2:
            break
    return " ".join(f"{p.mention.sentence_text.strip()} [{p.article_id}]" for p in picked)


def reconcile_event(event_id: str, refs: list[MentionRef], duplicate_of: dict[str, str], ontology_lookup) -> Event:
    """One event from its mentions: claims, consensus, contradictions, sources and summary.
    Variant spellings of one actor across its reports ("Kataib Hezbollah", "Kait'ib Hezbollah")
    are given one name first."""
    from storyline.resolve.actors import merge_across_documents

    independent = {r.article_id: r.article_id not in duplicate_of for r in refs}
    named = [a for r in refs for a in (r.mention.actor1, r.mention.actor2) if a is not None]
    canonical = merge_across_documents(sorted({a.name or a.text for a in named}))
    claims: list[Claim] = []
    for r in refs:
        m, ind = r.mention, independent[r.article_id]
        claims.append(_claim(r, "type", m.type, ind))
        if (d := mention_date(r)) is not None:
            claims.append(_claim(r, "date", d, ind))
        if m.place is not None and m.place.precision != "unresolved":
            p = m.place
            claims.append(_claim(r, "place", {"name": p.name, "admin1": p.admin1, "country": p.country_code,
                                             "country_code": p.country_code, "lat": p.lat, "lon": p.lon,
                                             "precision": p.precision}, ind))
        for role in ("actor1", "actor2"):
            if (a := getattr(m, role)) is not None:
                value = _actor_value(a)
                value["name"] = canonical.get(value["name"], value["name"])
                claims.append(_claim(r, role, value, ind))
        for attr in ("fatalities", "injuries"):
            if (c := getattr(m, attr)) is not None:
                claims.append(_claim(r, attr, {"best": c.best, "low": c.low, "high": c.high, "text": c.text}, ind))
        if m.victims:
            claims.append(_claim(r, "victims", m.victims, ind))
        if m.weapon:
            claims.append(_claim(r, "weapon", m.weapon, ind))
        if m.extra.get("victim_nationality"):
            claims.append(_claim(r, "victim_nationality", m.extra["victim_nationality"], ind))
        if m.extra.get("victim_nationality_negated"):  # shown and exported as what it says: "not US"
            claims.append(_claim(r, "victim_nationality_negated", NEGATED + m.extra["victim_nationality_negated"], ind))

    by_attr: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_attr[c.attribute].append(c)
    # copies repeat their original's words: count each figure once per original source
    for a in ("fatalities", "injuries"):
        refined = refine_totals(by_attr[a])
        swap = {id(old): new for old, new in zip(by_attr[a], refined) if old is not new}
        claims = [swap.get(id(c), c) for c in claims]
        by_attr[a] = refined
    counted = {a: [c for c in by_attr[a] if c.independent] or by_attr[a] for a in ("fatalities", "injuries")}

    type_votes = Counter(r.mention.type for r in refs if r.mention.role == "reported") or Counter(r.mention.type for r in refs)
    ev_type = type_votes.most_common(1)[0][0]
    acled_type, acled_sub, plover = ontology_lookup(ev_type)
    ev_date, c_date = consensus_date(by_attr["date"])
    location, c_place = consensus_place(by_attr["place"])
    fatalities, c_fat = consensus_count(counted["fatalities"], "fatalities")
    injuries, c_inj = consensus_count(counted["injuries"], "injuries")
    contradictions = c_date + c_place + c_fat + c_inj + nationality_contradictions(
        by_attr["victim_nationality"] + by_attr["victim_nationality_negated"])

    actors: dict[tuple[str, str], EventActor] = {}
    for c in by_attr["actor1"] + by_attr["actor2"]:
        key = (c.attribute, c.value["name"])
        entry = actors.setdefault(key, EventActor(c.attribute, c.value["name"], c.value["kind"], c.value["country"]))
        if c.value["text"] and c.value["text"] not in entry.aliases:
            entry.aliases.append(c.value["text"])

    roles: dict[str, str] = {}
    for r in refs:
        if r.mention.role == "reported" or r.article_id not in roles:
            roles[r.article_id] = r.mention.role
    articles = [EventArticle(a, roles[a], independent[a]) for a in sorted(roles)]
    originals = {duplicate_of.get(a, a) for a in roles}

    return Event(
        id=event_id, type=ev_type, acled_event_type=acled_type, acled_sub_event_type=acled_sub, plover_type=plover,
        date=ev_date, location=location, actors=list(actors.values()), fatalities=fatalities, injuries=injuries,
        articles=articles, claims=claims, contradictions=contradictions, summary=summarize(refs, independent),
        sources=len(originals), mentions=sorted(r.key for r in refs),
    )
