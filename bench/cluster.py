"""Event clustering at 1k / 10k / 100k articles: wall time, peak memory, growth exponent.

Synthetic articles recombine real ECB+ text: each takes one real document's lead (and reuses its
lead embedding, so the encoder runs once on 772 leads) plus sentences drawn from other documents,
and a publication date spread over five years. Recycled leads chain tens of thousands of reports
into one candidate group at 100k: the clusterer must bound it (time slices of ``MAX_BLOCK``).
Run: python bench/cluster.py [--sizes 1000 10000 100000]
"""
from __future__ import annotations

import argparse
import math
import random
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from storyline.cluster import cluster_mentions, doc_features
from storyline.cluster.features import lead
from storyline.nlp.embeddings import embed

ECB = Path(__file__).resolve().parents[2] / "shared" / "eval" / "ecbplus-dev"


def synthetic(n: int, texts: list[str], vecs, rng: random.Random) -> tuple[dict, dict, list]:
    sents = [s for t in texts for s in t.splitlines() if len(s.split()) > 5]
    docs, pub, order = {}, {}, []
    for k in range(n):
        src = rng.randrange(len(texts))
        doc_id = f"s{k:06d}"
        docs[doc_id] = lead(texts[src]) + "\n" + "\n".join(rng.sample(sents, 5))
        pub[doc_id] = (date(2015, 1, 1) + timedelta(days=rng.randrange(5 * 365))).isoformat()
        order.append(src)
    ids = sorted(docs)
    return docs, pub, vecs[[order[int(i[1:])] for i in ids]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    sizes = ap.parse_args().sizes
    texts = [p.read_text(encoding="utf-8") for p in sorted(ECB.glob("*.txt"))]
    vecs = embed([lead(t) for t in texts])
    rng = random.Random(0)
    points = []
    for n in sizes:
        docs, pub, v = synthetic(n, texts, vecs, rng)
        tracemalloc.start()
        t0 = time.perf_counter()
        feats = doc_features(docs, pub, vectors=v)
        events = cluster_mentions(feats)
        secs = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        points.append((n, secs))
        print(f"{n:>7} articles  {secs:8.2f} s  peak {peak:8.1f} MiB  {len(set(events.values())):>7} events")
    if len(points) > 1:
        (n0, t0), (n1, t1) = points[0], points[-1]
        print(f"growth exponent (log-log slope {n0}->{n1}): {math.log(t1 / t0) / math.log(n1 / n0):.2f}")


if __name__ == "__main__":
    main()
