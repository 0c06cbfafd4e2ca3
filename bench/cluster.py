"""The event engine at scale: 100k articles taken in by batches of 1,000, time per batch as the
database grows, peak memory, and a projection to 1M.

The articles are synthetic, so that 100k of them need no spaCy pass: events (each reported by 1-8
outlets over 0-3 days, a year of them, in topics of related events that share a region and its
armed groups) are written as short articles with a headline, a dateline, names, places and figures,
and a lead vector that sits near its event's and its topic's (an exact encoder pass over 100k
leads would take most of an hour here). About 4.5 reports per event: 100k articles hold about
22k events. Everything after analysis is the product's own path:
``pipeline.prepare`` (records, signatures), ``Store.save_analyses`` and ``EventEngine.run`` on a
SQLite file. Run: python bench/cluster.py [--articles 100000] [--batch 1000]
"""
from __future__ import annotations

import argparse
import hashlib
import random
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from storyline.cluster import EventEngine
from storyline.models import AnalyzedDocument, Article, EventMention
from storyline.pipeline import prepare
from storyline.store.db import Store

SYLLABLES = ["ka", "ro", "mi", "ta", "lu", "ben", "dor", "sa", "vel", "ku", "an", "zi", "pol", "er", "gan", "tu",
             "ish", "mar", "no", "pe", "ri", "yo", "hal", "dun"]
VERBS = ["attacked", "raided", "shelled", "seized", "blocked", "bombed", "stormed", "ambushed"]
LEADS = ["{a1} fighters {verb} {a2} positions in {town}, {place}, on {day}, killing {dead} people, {who} said.",
         "At least {dead} people were killed when {a1} {verb} {a2} in {town} on {day}, according to {who}.",
         "{who} said {dead} died after {a1} {verb} a {a2} base near {town} in {place} on {day}.",
         "In {town}, {a1} {verb} {a2} on {day}; {dead} dead, {who} told reporters."]
FILLER = ["Officials said the situation remained tense.", "Residents described the night as the worst in months.",
          "The government promised an investigation.", "Aid groups called for calm.", "Talks are expected next week.",
          "Schools in the district stayed closed.", "Roads out of the area were cut for several hours.",
          "The attack was the third in the region this month.", "Both sides blamed each other for the violence."]


def name(rng: random.Random, n: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n)).capitalize()


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def synthetic(n_articles: int, seed: int = 0):
    """Articles in publication order, each with its analysis and its lead vector."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    out, topic, k = [], None, 0
    start = date(2023, 1, 1)
    while len(out) < n_articles:
        if topic is None or rng.random() < 0.2:  # a new topic: a region, its armed groups, a direction in vector space
            topic = (name(rng, 3), [name(rng) for _ in range(5)], unit(gen.normal(size=384)))
        place, groups, tvec = topic
        a1, a2 = rng.sample(groups, 2)
        day = start + timedelta(days=int(len(out) / n_articles * 365))
        town, who, verb, dead = name(rng, 2), f"{name(rng)} {name(rng, 3)}", rng.choice(VERBS), rng.randrange(0, 40)
        evec = unit(0.4 * tvec + unit(gen.normal(size=384)))
        for _ in range(rng.randrange(1, 9)):
            pub = day + timedelta(days=rng.randrange(0, 4))
            first = rng.choice(LEADS).format(a1=a1, a2=a2, verb=verb, town=town, place=place, day=f"{day:%A}", dead=dead, who=who)
            body = [first, f"The {a2} said {rng.randrange(2, 90)} of its members were missing.", *rng.sample(FILLER, 3)]
            text = "\n\n".join(body)
            art = Article(id=f"a{k:07d}", text=text, title=f"{dead} dead as {a1} {verb} {a2} in {town}", published=pub.isoformat(),
                          publisher=f"outlet-{rng.randrange(40)}", content_hash=hashlib.sha256(text.encode()).hexdigest())
            lead = EventMention(sentence=0, start=0, end=len(verb), trigger=verb, type="other", acled_event_type=None,
                                acled_sub_event_type=None, plover_type=None, sentence_text=first, extra={"lead": True})
            out.append((art, AnalyzedDocument(art.id, text, art.published, lead_event=lead),
                        unit(evec + 0.35 * unit(gen.normal(size=384)))))
            k += 1
    return out[:n_articles]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    data = synthetic(args.articles)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "scale.db"))
        engine = EventEngine(store)
        total, times = time.perf_counter(), []
        print(f"{'articles':>9} {'batch s':>8} {'prepare+save':>13} {'engine':>7} {'peak RSS MB':>12}")
        for b in range(0, len(data), args.batch):
            part = data[b:b + args.batch]
            t0 = time.perf_counter()
            store.add_articles([a for a, _, _ in part])
            vectors = np.vstack([v for _, _, v in part])
            store.save_analyses(prepare([(a, d) for a, d, _ in part], lambda texts, **_: vectors[:len(texts)]))
            t1 = time.perf_counter()
            engine.run(batch=args.batch)
            t2 = time.perf_counter()
            times.append(t2 - t0)
            done = b + len(part)
            if done % 10_000 == 0 or done == len(data):
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"{done:>9} {t2 - t0:>8.2f} {t1 - t0:>13.2f} {t2 - t1:>7.2f} {peak:>12.0f}")
        elapsed = time.perf_counter() - total
        n_events = len(store.events())
        store.close()
    per_10k = [sum(times[i:i + 10]) for i in range(0, len(times), 10)]
    print(f"total {elapsed:.0f} s for {len(data):,} articles, {n_events:,} events; seconds per 10 batches: "
          + " ".join(f"{t:.0f}" for t in per_10k))
    # the first batches pay for warming up (the database's first pages, caches); the growth of the
    # per-batch time with the database is fitted on the rest, by least squares
    steady = np.array(times[10:] or times)
    slope, intercept = np.polyfit(np.arange(len(steady)) + len(times) - len(steady), steady, 1) if len(steady) > 1 else (0.0, steady[0])
    projected = sum(intercept + slope * i for i in range(1_000_000 // args.batch))
    print(f"per-batch time fitted on batches 11-{len(times)}: {intercept:.2f} s + {slope * 1000:.2f} ms per batch already taken in; "
          f"projected for 1M articles: {projected / 60:.0f} min (last batch {(intercept + slope * (1_000_000 // args.batch)):.1f} s)")

if __name__ == "__main__":
    main()
