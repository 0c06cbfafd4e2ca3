"""Score document clustering against gold events (B-cubed and adjusted Rand index).

The corpus directory holds ``<id>.txt`` files and ``gold.json`` with ``"clusters": {id: event}``
(the ECB+ layout); optional ``metadata.jsonl`` lines may give a ``published`` date per ``file``.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from storyline.cluster import cluster_mentions, doc_features, main_events
from storyline.evaluation.corpus import read_metadata
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


def evaluate_clusters(corpus_dir: Path) -> dict:
    """Cluster the corpus's documents into events and score article -> main event against gold."""
    corpus_dir = Path(corpus_dir)
    gold_path = corpus_dir / "gold.json"
    if not gold_path.is_file():
        raise InputError(str(gold_path), "missing gold file")
    gold: dict[str, str] = json.loads(gold_path.read_text(encoding="utf-8"))["clusters"]
    published = {doc: row["published"] for doc, row in read_metadata(corpus_dir, required=False).items()
                 if row.get("published")}
    docs = {}
    for doc_id in gold:
        path = corpus_dir / f"{doc_id}.txt"
        if not path.is_file():
            raise InputError(str(path), "gold names a document that is not in the corpus")
        docs[doc_id] = path.read_text(encoding="utf-8")
    feats = doc_features(docs, published)
    pred = main_events(feats, cluster_mentions(feats))
    p, r, f = b_cubed(pred, gold)
    ids = sorted(gold)
    return {
        "b3_precision": round(p, 4),
        "b3_recall": round(r, 4),
        "b3_f1": round(f, 4),
        "ari": round(float(adjusted_rand_score([gold[i] for i in ids], [pred[i] for i in ids])), 4),
        "n_articles": len(ids),
        "n_gold_clusters": len(set(gold.values())),
        "n_pred_clusters": len(set(pred.values())),
    }
