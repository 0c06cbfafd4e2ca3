"""Score the geocoder on a corpus of geocoded toponyms (``<doc>.txt`` + ``gold.json``).

A gold toponym counts as found when a predicted place overlaps its span, and as correct when that
place lies within 161 km (100 miles), the usual geoparsing threshold. ``acc_161km_or_same_id`` also
counts a prediction of the gold's own GeoNames entry as correct whatever its point: it separates
choosing the wrong place from placing the right one elsewhere (the gazetteer has no GeoNames points
for divisions, only centres derived from their towns).
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from storyline.errors import InputError
from storyline.evaluation.corpus import read_metadata
from storyline.evaluation.halves import DOCUMENT_HALVES, document_halves
from storyline.models import Entity, Place
from storyline.nlp.pipeline import get_nlp
from storyline.resolve.geo import get_geocoder, haversine_km, source_country

THRESHOLD_KM = 161.0


def _load_gold(corpus_dir: Path) -> dict[str, list[dict[str, Any]]]:
    path = corpus_dir / "gold.json"
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"cannot read gold toponyms ({exc})") from exc
    return gold.get("toponyms", gold)


def evaluate_places(corpus_dir: Path, worst: int = 25) -> dict[str, Any]:
    """acc@161km, span recall/precision and error statistics, with the worst misses for tuning."""
    corpus_dir = Path(corpus_dir)
    gold = _load_gold(corpus_dir)
    docs = sorted(gold)
    texts = [(corpus_dir / f"{d}.txt").read_text(encoding="utf-8") for d in docs]
    meta = read_metadata(corpus_dir, required=False)
    geocoder = get_geocoder()
    n_gold = n_found = n_correct = n_same = n_pred = n_pred_hit = 0
    half = document_halves(docs)
    per_half = {h: [0, 0] for h in DOCUMENT_HALVES}  # gold, correct
    errors: list[float] = []
    misses: list[dict[str, Any]] = []
    for doc, text, parsed in zip(docs, texts, get_nlp().pipe(texts, batch_size=16)):
        entities = [Entity(e.start_char, e.end_char, e.text, e.label_) for e in parsed.ents]
        hints = [source_country(meta.get(doc, {}).get("url"))]
        places = [p for p in geocoder.locate(text, entities, hints=hints) if p.lat is not None]
        n_pred += len(places)
        n_pred_hit += sum(any(p.start < g["end"] and g["start"] < p.end for g in gold[doc]) for p in places)
        for g in gold[doc]:
            n_gold += 1
            per_half[half[doc]][0] += 1
            hit: Place | None = next((p for p in places if p.start < g["end"] and g["start"] < p.end), None)
            if hit is None:
                misses.append({"doc": doc, "text": g["text"], "error_km": None, "predicted": None})
                continue
            n_found += 1
            km = haversine_km(g["lat"], g["lon"], hit.lat or 0.0, hit.lon or 0.0)
            errors.append(km)
            same = g.get("geonameid") is not None and hit.geonameid == g["geonameid"]
            n_same += km <= THRESHOLD_KM or same
            if km <= THRESHOLD_KM:
                n_correct += 1
                per_half[half[doc]][1] += 1
            else:
                misses.append({"doc": doc, "text": g["text"], "error_km": round(km),
                               "predicted": f"{hit.name} ({hit.country_code}, {hit.precision})"})
    misses.sort(key=lambda m: -(m["error_km"] if m["error_km"] is not None else -1))  # wrong, then not found
    return {
        "corpus": str(corpus_dir),
        "n_docs": len(docs),
        "n_gold": n_gold,
        "n_pred": n_pred,
        "acc_161km": round(n_correct / n_gold, 4) if n_gold else 0.0,
        "acc_161km_or_same_id": round(n_same / n_gold, 4) if n_gold else 0.0,
        "halves": {h: {"n_gold": g, "acc_161km": round(c / g, 4) if g else 0.0} for h, (g, c) in per_half.items()},
        "span_recall": round(n_found / n_gold, 4) if n_gold else 0.0,
        "span_precision": round(n_pred_hit / n_pred, 4) if n_pred else 0.0,
        "acc_161km_found": round(n_correct / n_found, 4) if n_found else 0.0,
        "mean_error_km": round(statistics.mean(errors), 1) if errors else None,
        "median_error_km": round(statistics.median(errors), 1) if errors else None,
        "worst_misses": misses[:worst],
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(evaluate_places(Path(sys.argv[1]), worst=int(sys.argv[2]) if len(sys.argv) > 2 else 25),
                     indent=1, ensure_ascii=False))
