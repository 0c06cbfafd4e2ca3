"""Score the events ``storyline run`` builds: each article's ``main_event`` against gold clusters.

The corpus goes through exactly what a user runs (ingest, clean, analyse, event engine) into a
temporary SQLite database; the articles export is scored with B-cubed and the adjusted Rand index.
An article without a main event counts as an event of its own. The score is also given for two
fixed halves of the gold clusters (by the parity of a numeric topic prefix, "12-ecb" -> even, else
of a hash of the label), so a change can be developed on one half and checked on the other.
"""
from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from storyline.errors import InputError


def b_cubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over the items of ``gold``."""
    members: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in gold:
        members[("p", pred[item])].add(item)
        members[("g", gold[item])].add(item)
    p = r = 0.0
    for item in gold:
        a, b = members[("p", pred[item])], members[("g", gold[item])]
        p += len(a & b) / len(a)
        r += len(a & b) / len(b)
    p, r = p / len(gold), r / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def half(label: str) -> str:
    """Which fixed half a gold cluster falls in: 'odd' or 'even'."""
    m = re.match(r"(\d+)", label)
    n = int(m.group(1)) if m else hashlib.blake2b(label.encode(), digest_size=2).digest()[0]
    return "odd" if n % 2 else "even"


def scores(pred: dict[str, str], gold: dict[str, str]) -> dict:
    p, r, f = b_cubed(pred, gold)
    ids = sorted(gold)
    return {"b3_precision": round(p, 4), "b3_recall": round(r, 4), "b3_f1": round(f, 4),
            "ari": round(float(adjusted_rand_score([gold[i] for i in ids], [pred[i] for i in ids])), 4),
            "n_articles": len(ids), "n_gold_clusters": len(set(gold.values())),
            "n_pred_clusters": len(set(pred.values()))}


def score_articles(articles: list[dict], gold: dict[str, str]) -> dict:
    """Scores of the articles export (``id``, ``main_event``, ``main_event_reason``) against gold."""
    by_id = {a["id"]: a for a in articles}
    missing = sorted(set(gold) - set(by_id))
    if missing:
        raise InputError(missing[0], f"gold names {len(missing)} article(s) the run did not store")
    pred = {i: by_id[i]["main_event"] or f"alone:{i}" for i in gold}
    out = scores(pred, gold)
    for name in ("odd", "even"):
        part = {i: g for i, g in gold.items() if half(g) == name}
        if part:
            out[f"half_{name}"] = scores({i: pred[i] for i in part}, part)
    reasons = Counter(by_id[i].get("main_event_reason") or "none given" for i in gold if not by_id[i]["main_event"])
    out["without_main_event"] = dict(reasons)
    return out


def evaluate_clusters(corpus_dir: Path, progress: Callable[[str], None] | None = None) -> dict:
    """Run the product on the corpus in a temporary database and score its articles export."""
    from storyline.ingest.run import ingest_paths
    from storyline.pipeline import analyze_pending, update_events
    from storyline.report.exports import article_records
    from storyline.store.db import Store

    corpus_dir = Path(corpus_dir)
    gold_path = corpus_dir / "gold.json"
    if not gold_path.is_file():
        raise InputError(str(gold_path), "missing gold file")
    gold: dict[str, str] = json.loads(gold_path.read_text(encoding="utf-8"))["clusters"]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "eval.db"))
        try:
            ingest_paths([str(corpus_dir)], store)
            if progress:
                progress("analysing")
            analyze_pending(store)
            if progress:
                progress("building events")
            update_events(store)
            articles = list(article_records(store))
        finally:
            store.close()
    return score_articles(articles, gold)
