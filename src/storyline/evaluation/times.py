"""Score :func:`storyline.resolve.timex.extract_times` against a TIMEX3-annotated corpus.

The corpus directory holds ``<doc>.txt``, ``metadata.jsonl`` (``file``, ``published``) and
``gold.json`` (``{"timex": {doc: [{start, end, text, type, value}]}}``). Some corpora (MEANTIME)
annotate only the first few sentences of each article; predictions past the last paragraph that
carries gold anywhere in the corpus are therefore not scored (``scored_paragraphs`` in the result),
so unannotated text does not count as false positives.

Every figure is given for the whole set and for two fixed halves of its documents (sorted ids,
even positions in ``dev``, odd in ``held_out``). Rules are developed on ``dev`` only, so
``held_out`` shows whether a change generalises; error examples are listed for ``dev`` alone.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.evaluation.corpus import read_metadata
from storyline.evaluation.halves import DOCUMENT_HALVES, document_halves
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


@dataclass
class _Tally:
    """Counts for one set of documents; precision is over predictions, recall over gold."""

    n_docs: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    by_type: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def err(self, cat: str, example: str) -> None:
        self.errors[cat] += 1
        if len(self.examples[cat]) < 4:
            self.examples[cat].append(example)

    def add_document(self, preds: list[TimeExpr], golds: list[dict[str, Any]]) -> None:
        c = self.counts
        self.n_docs += 1
        c["gold"] += len(golds)
        c["pred"] += len(preds)
        for p in preds:
            hits = [g for g in golds if _overlaps(p, g)]
            ok = any(g["value"] == p.value for g in hits)
            c["span_tp_p"] += bool(hits)
            c["val_tp_p"] += ok
            self.by_type[p.type]["pred"] += 1
            self.by_type[p.type]["pred_ok"] += ok
            if not hits:
                self.err(f"spurious {p.granularity}", f"{p.text!r}={p.value}")
        for g in golds:
            hits = [p for p in preds if _overlaps(p, g)]
            ok = any(p.value == g["value"] for p in hits)
            t = self.by_type[g["type"]]
            t["gold"] += 1
            t["span_hit"] += bool(hits)
            t["value_hit"] += ok
            c["span_tp_r"] += bool(hits)
            c["val_tp_r"] += ok
            if hits:
                c["matched"] += 1
                c["matched_ok"] += ok
                if not ok:
                    self.err(f"wrong value {g['type']} {_shape(g['value'])} <- {_shape(hits[0].value)}",
                             f"{g['text']!r}={g['value']} got {hits[0].text!r}={hits[0].value}")
            else:
                self.err(f"missed {g['type']} {_shape(g['value'])}", f"{g['text']!r}={g['value']}")

    def scores(self) -> dict[str, Any]:
        c = self.counts
        vp, vr, vf = _prf(c["val_tp_p"], c["pred"], c["val_tp_r"], c["gold"])
        sp, sr, sf = _prf(c["span_tp_p"], c["pred"], c["span_tp_r"], c["gold"])
        return {
            "value_f1": round(vf, 4), "value_precision": round(vp, 4), "value_recall": round(vr, 4),
            "span_f1": round(sf, 4), "span_precision": round(sp, 4), "span_recall": round(sr, 4),
            "value_accuracy_matched": round(c["matched_ok"] / c["matched"], 4) if c["matched"] else 0.0,
            "n_gold": c["gold"], "n_pred": c["pred"], "n_docs": self.n_docs,
        }

    def type_scores(self) -> dict[str, Any]:
        return {
            t: {"n_gold": c["gold"], "n_pred": c["pred"],
                "value_precision": round(c["pred_ok"] / c["pred"], 4) if c["pred"] else 0.0,
                "value_recall": round(c["value_hit"] / c["gold"], 4) if c["gold"] else 0.0,
                "span_recall": round(c["span_hit"] / c["gold"], 4) if c["gold"] else 0.0}
            for t, c in sorted(self.by_type.items())
        }


def evaluate_times(corpus_dir: Path, verbose: bool = True) -> dict[str, Any]:
    """Span and value P/R/F1 of extracted times for the whole set and each half, per TIMEX type
    (recall by the gold type, precision by the predicted type), and the commonest errors of the
    ``dev`` half.

    A prediction is span-correct if it overlaps a gold mention and value-correct if it also has
    the same value.
    """
    corpus_dir = Path(corpus_dir)
    names, meta, gold = _load(corpus_dir)
    halves = document_halves(names)
    texts = [(corpus_dir / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    scope = 0
    for name, text in zip(names, texts):
        starts = _paragraph_starts(text)
        for g in gold.get(name, []):
            scope = max(scope, _paragraph_of(starts, g["start"]))
    whole = _Tally()
    part = {h: _Tally() for h in DOCUMENT_HALVES}
    for name, text, doc in zip(names, texts, get_nlp().pipe(texts, batch_size=16)):
        starts = _paragraph_starts(text)
        preds = [p for p in extract_times(text, meta[name], doc) if _paragraph_of(starts, p.start) <= scope]
        whole.add_document(preds, gold.get(name, []))
        part[halves[name]].add_document(preds, gold.get(name, []))
    worst = [[cat, n, part["dev"].examples[cat]] for cat, n in part["dev"].errors.most_common(15)]
    result: dict[str, Any] = {
        **whole.scores(), "scored_paragraphs": scope + 1,
        "halves": {h: part[h].scores() for h in DOCUMENT_HALVES},
        "by_type": whole.type_scores(),
        "worst_errors_dev": worst,
    }
    if verbose:
        for cat, n, ex in worst:
            print(f"{n:4d}  {cat}  {'; '.join(ex)}", file=sys.stderr)
    return result


if __name__ == "__main__":
    print(json.dumps(evaluate_times(Path(sys.argv[1])), indent=2))
