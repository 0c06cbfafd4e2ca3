"""Score :func:`storyline.resolve.timex.extract_times` against a TIMEX3-annotated corpus.

The corpus directory holds ``<doc>.txt``, ``metadata.jsonl`` (``file``, ``published``) and
``gold.json`` (``{"timex": {doc: [{start, end, text, type, value}]}}``). Some corpora (MEANTIME)
annotate only the first few sentences of each article; predictions past the last paragraph that
carries gold anywhere in the corpus are therefore not scored (``scored_paragraphs`` in the result),
so unannotated text does not count as false positives.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from storyline.evaluation.corpus import read_metadata
from storyline.models import TimeExpr
from storyline.nlp.pipeline import get_nlp
from storyline.resolve.timex import extract_times


def _prf(tp_p: int, n_pred: int, tp_r: int, n_gold: int) -> tuple[float, float, float]:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _paragraph_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n+", text)]


def _paragraph_of(starts: list[int], pos: int) -> int:
    return sum(1 for s in starts if s <= pos) - 1


def _shape(value: str) -> str:
    """Value pattern for error grouping: 2008-W35 -> 9999-W99."""
    return re.sub(r"\d", "9", value)


def _overlaps(a: dict[str, Any] | TimeExpr, b: dict[str, Any] | TimeExpr) -> bool:
    ga = a if isinstance(a, dict) else vars(a)
    gb = b if isinstance(b, dict) else vars(b)
    return ga["start"] < gb["end"] and gb["start"] < ga["end"]


def _load(corpus_dir: Path) -> tuple[list[str], dict[str, str | None], dict[str, list[dict[str, Any]]]]:
    meta = {doc: row.get("published") for doc, row in read_metadata(corpus_dir).items()}
    gold = json.loads((corpus_dir / "gold.json").read_text(encoding="utf-8"))
    gold = gold.get("timex", gold)
    return sorted(meta), meta, gold


def evaluate_times(corpus_dir: Path, verbose: bool = True) -> dict[str, Any]:
    """Span and value P/R/F1 of extracted times, overall and per TIMEX type (recall by the gold
    type, precision by the predicted type).

    A prediction is span-correct if it overlaps a gold mention and value-correct if it also has
    the same value; precision is over predictions, recall over gold.
    """
    corpus_dir = Path(corpus_dir)
    names, meta, gold = _load(corpus_dir)
    texts = [(corpus_dir / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    scope = 0
    for name, text in zip(names, texts):
        starts = _paragraph_starts(text)
        for g in gold.get(name, []):
            scope = max(scope, _paragraph_of(starts, g["start"]))
    nlp = get_nlp()
    n_gold = n_pred = span_tp_p = span_tp_r = val_tp_p = val_tp_r = matched = matched_ok = 0
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    errors: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)

    def err(cat: str, example: str) -> None:
        errors[cat] += 1
        if len(examples[cat]) < 4:
            examples[cat].append(example)

    for name, text, doc in zip(names, texts, nlp.pipe(texts, batch_size=16)):
        starts = _paragraph_starts(text)
        preds = [p for p in extract_times(text, meta[name], doc) if _paragraph_of(starts, p.start) <= scope]
        golds = gold.get(name, [])
        n_gold += len(golds)
        n_pred += len(preds)
        for p in preds:
            hits = [g for g in golds if _overlaps(p, g)]
            span_tp_p += bool(hits)
            val_tp_p += any(g["value"] == p.value for g in hits)
            by_type[p.type]["pred"] += 1
            by_type[p.type]["pred_ok"] += any(g["value"] == p.value for g in hits)
            if not hits:
                err(f"spurious {p.granularity}", f"{p.text!r}={p.value}")
        for g in golds:
            hits = [p for p in preds if _overlaps(p, g)]
            t = by_type[g["type"]]
            t["gold"] += 1
            ok = any(p.value == g["value"] for p in hits)
            t["span_hit"] += bool(hits)
            t["value_hit"] += ok
            span_tp_r += bool(hits)
            val_tp_r += ok
            if hits:
                matched += 1
                matched_ok += ok
                if not ok:
                    err(f"wrong value {g['type']} {_shape(g['value'])} <- {_shape(hits[0].value)}",
                        f"{g['text']!r}={g['value']} got {hits[0].text!r}={hits[0].value}")
            else:
                err(f"missed {g['type']} {_shape(g['value'])}", f"{g['text']!r}={g['value']}")
    vp, vr, vf = _prf(val_tp_p, n_pred, val_tp_r, n_gold)
    sp, sr, sf = _prf(span_tp_p, n_pred, span_tp_r, n_gold)
    worst = [[cat, n, examples[cat]] for cat, n in errors.most_common(15)]
    result: dict[str, Any] = {
        "value_f1": round(vf, 4), "value_precision": round(vp, 4), "value_recall": round(vr, 4),
        "span_f1": round(sf, 4), "span_precision": round(sp, 4), "span_recall": round(sr, 4),
        "value_accuracy_matched": round(matched_ok / matched, 4) if matched else 0.0,
        "n_gold": n_gold, "n_pred": n_pred, "n_docs": len(names), "scored_paragraphs": scope + 1,
        "by_type": {
            t: {"n_gold": c["gold"], "n_pred": c["pred"],
                "value_precision": round(c["pred_ok"] / c["pred"], 4) if c["pred"] else 0.0,
                "value_recall": round(c["value_hit"] / c["gold"], 4) if c["gold"] else 0.0,
                "span_recall": round(c["span_hit"] / c["gold"], 4) if c["gold"] else 0.0}
            for t, c in sorted(by_type.items())
        },
        "worst_errors": worst,
    }
    if verbose:
        for cat, n, ex in worst:
            print(f"{n:4d}  {cat}  {'; '.join(ex)}", file=sys.stderr)
    return result


if __name__ == "__main__":
    print(json.dumps(evaluate_times(Path(sys.argv[1])), indent=2))
