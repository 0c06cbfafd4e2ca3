"""API latency on a large event database: p50/p95/p99 per query shape, over HTTP to uvicorn.

The database (SQLite, built once and reused with ``--db``) holds ``--events`` synthetic events
written through ``storyline.store.db.write_event``, as the event engine writes them:
- dates uniform over 2019-01-01 .. 2024-12-31, day precision (a tenth month or week ranges);
- ~100 countries (the gazetteer's, weighted towards the first 20), each with 12 admin1 names and
  places scattered around the country's point; a tenth of events located to the admin1 or country;
- project types from the ontology (with their ACLED and PLOVER labels), one or two actors from a
  pool of 2,000 names with aliases (a few hundred appear often);
- fatalities: none for ~45 %, else a long tail (1 .. 400); 1-8 independent sources; ~12 % with a
  contradiction; a 25-40 word summary and 2-5 claims, each with a sentence from a 600-word vocabulary.

Each shape is asked ``--requests`` times with varied values, one request at a time, after a warm-up.

    python bench/api.py --events 100000 --db /tmp/bench-api.db
"""
from __future__ import annotations

import argparse
import random
import socket
import statistics
import threading
import time
from pathlib import Path

START = "2019-01-01"
DAYS = 6 * 365


def synthetic_events(n: int, seed: int = 7):
    """(Event, refs) pairs with the distributions the module docstring describes."""
    import datetime as dt

    from storyline.extract import ontology
    from storyline.models import (
        Casualties,
        Claim,
        Contradiction,
        Event,
        EventActor,
        EventArticle,
        EventDate,
        EventMention,
        Location,
        MentionRef,
    )
    from storyline.resolve.geo import get_geocoder

    rng = random.Random(seed)
    geo = get_geocoder()
    countries = sorted(geo.countries, key=lambda cc: -geo.entries[geo.countries[cc]].population)[:100]
    weights = [5 if i < 20 else 1 for i in range(len(countries))]
    vocab = [f"{a}{b}" for a in ("ka", "lo", "mi", "ru", "te", "sa", "no", "vi", "da", "pe", "zu", "ho")
             for b in ("ran", "mel", "tos", "vik", "dun", "lap", "ser", "gim", "bor", "quo", "fen", "wal",
                       "nix", "pol", "jur", "tam", "hes", "cor", "lin", "mab", "rez", "sul", "tov", "yar",
                       "ben", "dor", "fas", "gul", "hin", "kem", "lor", "mur", "nas", "ost", "pim", "ras",
                       "sev", "tur", "umb", "vel", "wes", "xan", "yol", "zef", "bak", "cid", "dew", "eli", "fon", "gar")]
    actors = [f"{rng.choice(vocab).title()} {rng.choice(['Brigade', 'Front', 'Movement', 'Army', 'Police', 'Council', 'Militia'])}"
              f" {i}" for i in range(2000)]
    keys = [k for k in ontology.keys() if k not in ("other",)]
    mention = EventMention(sentence=0, start=0, end=1, trigger="x", type="attack", acled_event_type=None,
                           acled_sub_event_type=None, plover_type=None)
    day0 = dt.date.fromisoformat(START)
    for i in range(n):
        cc = rng.choices(countries, weights)[0]
        centre = geo.entries[geo.countries[cc]]
        a1 = f"{cc} Region {rng.randrange(12)}"
        precision = rng.choices(["place", "admin1", "country"], [9, 0.7, 0.3])[0]
        lat, lon = centre.lat + rng.uniform(-3, 3), centre.lon + rng.uniform(-3, 3)
        place = f"{rng.choice(vocab).title()}{rng.randrange(50)}" if precision == "place" else a1 if precision == "admin1" else None
        start = day0 + dt.timedelta(days=rng.randrange(DAYS))
        span = rng.choices([0, 6, 29], [8, 1, 1])[0]
        key = rng.choice(keys)
        labels = ontology.lookup(key)
        names = rng.sample(actors[:300] if rng.random() < 0.7 else actors, rng.choice([1, 2]))
        ev_actors = [EventActor(f"actor{j + 1}", name, rng.choice(["militia_rebel", "state_military", "civilians"]), cc,
                                [name, name.split()[0]]) for j, name in enumerate(names)]
        killed = 0 if rng.random() < 0.45 else min(400, int(rng.paretovariate(1.2)))
        articles = [EventArticle(f"art-{i}-{k}", "reported", k < 6) for k in range(rng.randint(1, 8))]
        claims = [Claim("fatalities" if k == 0 else "type", {"best": killed} if k == 0 else key, articles[k % len(articles)].id, k,
                        said_by=rng.choice([None, "the army", "a local official"]),
                        text=" ".join(rng.choices(vocab, k=rng.randint(12, 24))).capitalize() + ".")
                  for k in range(rng.randint(2, 5))]
        contradictions = []
        if rng.random() < 0.12:
            other = Claim("fatalities", {"best": killed + 5}, articles[-1].id, 9, text=claims[0].text)
            contradictions = [Contradiction("fatalities", [claims[0], other], "sources give different figures")]
        ev = Event(id=f"ev-{i:08x}", type=key, acled_event_type=labels.acled_event_type,
                   acled_sub_event_type=labels.acled_sub_event_type, plover_type=labels.plover_type,
                   date=EventDate(start.isoformat(), (start + dt.timedelta(days=span)).isoformat(),
                                  "day" if span == 0 else "week" if span == 6 else "month"),
                   location=Location(place, a1 if precision != "country" else None, cc, cc, round(lat, 4), round(lon, 4), precision),
                   actors=ev_actors, fatalities=Casualties(killed, killed, killed + 5 if contradictions else killed) if killed else None,
                   injuries=None, articles=articles, claims=claims, contradictions=contradictions,
                   summary=" ".join(rng.choices(vocab, k=rng.randint(25, 40))).capitalize() + ".",
                   sources=sum(a.independent for a in articles))
        yield ev, [MentionRef(articles[0].id, 0, mention)]


def build(db: str, n: int) -> None:
    from storyline.store.db import Store, write_event

    store = Store(db)
    t0, batch = time.perf_counter(), 2000
    events = synthetic_events(n)
    for start in range(0, n, batch):
        with store.writing() as s:
            for _ in range(min(batch, n - start)):
                write_event(s, *next(events))
    store.close()
    print(f"built {n:,} events in {time.perf_counter() - t0:.0f} s -> {db} ({Path(db).stat().st_size / 1e6:.0f} MB)")


def shapes(rng: random.Random, countries: list[str], words: list[str], actors: list[str]) -> dict:
    """Query shape -> a function giving the next request's path and parameters."""
    import datetime as dt

    def window(days: int) -> dict:
        start = dt.date.fromisoformat(START) + dt.timedelta(days=rng.randrange(DAYS - days))
        return {"date_from": start.isoformat(), "date_to": (start + dt.timedelta(days=days)).isoformat()}

    return {
        "first page, newest first": lambda: ("/events", {}),
        "country (name)": lambda: ("/events", {"country": rng.choice(countries)}),
        "country + 90-day window": lambda: ("/events", {"country": rng.choice(countries), **window(90)}),
        "ACLED type + killed >= 10, deadliest": lambda: ("/events", {"acled_event_type": rng.choice(
            ["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots"]),
            "fatalities_min": 10, "sort": "-fatalities"}),
        "disputed + 3 sources, page 5": lambda: ("/events", {"contradictions": "true", "sources_min": 3, "offset": 200}),
        "free text (2 words)": lambda: ("/events", {"q": " ".join(rng.sample(words, 2))}),
        "free text + country + year": lambda: ("/events", {"q": rng.choice(words), "country": rng.choice(countries),
                                                           **window(365)}),
        "actor": lambda: ("/events", {"actor": rng.choice(actors)}),
        "deep page (offset 20,000)": lambda: ("/events", {"offset": 20000, "sort": "date"}),
        # the views' side requests, reported apart
        "facets, unfiltered": lambda: ("/events/facets", {}),
        "facets, country": lambda: ("/events/facets", {"country": rng.choice(countries)}),
        "histogram, country": lambda: ("/events/histogram", {"country": rng.choice(countries)}),
        "map points, 90-day window": lambda: ("/events/map", window(90)),
        "events page (HTML), country": lambda: ("/", {"country": rng.choice(countries)}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--db", default="/tmp/storyline-bench-api.db")
    ap.add_argument("--requests", type=int, default=150)
    args = ap.parse_args()

    import httpx
    import uvicorn
    from sqlalchemy import text

    from storyline.api.app import create_app
    from storyline.store.db import Store

    have = 0
    if Path(args.db).exists():
        store = Store(args.db)
        with store.engine.connect() as conn:
            have = conn.execute(text("SELECT count(*) FROM events")).scalar()
        store.close()
    if have != args.events:
        Path(args.db).unlink(missing_ok=True)
        build(args.db, args.events)
    store = Store(args.db)
    with store.engine.connect() as conn:
        countries = [r[0] for r in conn.execute(text("SELECT country_code FROM events GROUP BY country_code ORDER BY count(*) DESC LIMIT 40"))]
        actors = [r[0] for r in conn.execute(text("SELECT name FROM event_actors GROUP BY key ORDER BY count(*) DESC LIMIT 200"))]
        n_actors = conn.execute(text("SELECT count(*) FROM event_actors")).scalar()
    store.close()
    from storyline.api.query import country_name

    names = [country_name(c) for c in countries]
    words = [w for w in " ".join(a.split()[0] for a in actors).lower().split()][:50]
    print(f"database: {args.events:,} events, {len(countries)}+ countries, {n_actors:,} actor rows, "
          f"{Path(args.db).stat().st_size / 1e6:.0f} MB SQLite")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(args.db), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    rng = random.Random(11)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        print(f"{'query shape':40} {'p50':>7} {'p95':>7} {'p99':>7}  ms   (matches, median)")
        worst = 0.0
        for name, make in shapes(rng, names, words, actors).items():
            for _ in range(5):
                path, params = make()
                client.get(path, params=params)  # warm-up
            times, totals = [], []
            for _ in range(args.requests):
                path, params = make()
                t0 = time.perf_counter()
                r = client.get(path, params=params)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path, params, r.status_code, r.text[:200])
                if path == "/events":
                    totals.append(r.json()["total"])
            q = statistics.quantiles(times, n=100)
            if path == "/events":
                worst = max(worst, q[98])
            print(f"{name:40} {q[49]:7.1f} {q[94]:7.1f} {q[98]:7.1f}      {statistics.median(totals) if totals else '':>8}")
    server.should_exit = True
    print(f"worst p99 of the filtered, paged /events shapes: {worst:.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
