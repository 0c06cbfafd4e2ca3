"""Build the event-typing classifier (``extract/classifier.py``) from the project's training set.

    python scripts/build_typing_model.py

Reads ``src/storyline/data/typing/train/*.jsonl`` (written for Storyline from the ACLED codebook's
and the PLOVER manual's definitions; see SCHEMA.md), runs each text through the same analysis as
the product (spaCy, actors, lexicon mentions, without the classifier), takes the mention at the
labelled trigger and its features, and fits two L2 logistic-regression heads per stage (sparse
features; sparse features + the sentence's MiniLM embedding) with a fixed seed. Temperatures are
fitted on out-of-fold predictions. Writes ``data/typing/model.npz`` and ``model.json``. No
evaluation corpus is read.
"""
from __future__ import annotations

import glob
import json
from collections.abc import Iterator
from pathlib import Path

from storyline.models import EventMention

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "src/storyline/data/typing/train"

def load_training() -> list[dict]:
    return [json.loads(line) for f in sorted(glob.glob(str(TRAIN / "*.jsonl"))) for line in open(f, encoding="utf-8") if line.strip()]

def analyzed(texts: list[str]) -> Iterator[tuple[object, list[EventMention]]]:
    """(spaCy doc, lexicon mentions) per text, through the product's own resolve steps."""
    from storyline.extract.mentions import extract_mentions
    from storyline.models import Entity
    from storyline.nlp.pipeline import get_nlp
    from storyline.resolve.actors import DocumentActors
    from storyline.resolve.geo import get_geocoder
    from storyline.resolve.timex import extract_times

    for doc in get_nlp().pipe(texts, batch_size=64):
        entities = [Entity(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
        times = extract_times(doc.text, None, doc)
        places = [p for p in get_geocoder().locate(doc.text, entities) if p.source != "demonym"]
        yield doc, extract_mentions(doc, None, times, places, DocumentActors(doc.text, entities).resolve, classify=False)

def at_trigger(doc, mentions: list[EventMention], text: str, trigger: str) -> tuple[object, EventMention]:
    """The mention at the labelled trigger (else a bare one at the trigger's top token, typed
    'none': the lexicon did not fire but the sentence still teaches its words) and its head token."""

    start = text.find(trigger)
    end = start + len(trigger)
    inside = [m for m in mentions if m.start < end and start < m.end]
    heads = {t.idx: t for t in doc}
    if inside:
        m = inside[0]
        return heads[m.start], m
    toks = [t for t in doc if t.idx < end and start < t.idx + len(t.text)] or [doc[0]]
    tok = min(toks, key=lambda t: len(list(t.ancestors)))
    sent = tok.sent
    m = EventMention(sentence=0, start=tok.idx, end=tok.idx + len(tok.text), trigger=tok.text, type="none",
                     acled_event_type=None, acled_sub_event_type=None, plover_type=None, sentence_text=sent.text)
    return tok, m


C = {"sparse": 3.0, "full": 3.0}  # inverse L2 strength (logistic regression)
MIN_COUNT = 2  # a feature seen once in the training set says nothing general
CONFIDENT = 0.6  # sparse-stage top ACLED probability above which the encoder is not run for a mention
# whose ACLED type can change (the sentence's embedding carries more to news unlike the training
# set's than its sparse words do; higher costs more encoder time than the speed target allows)
PLOVER_THRESHOLD = 0.9  # PLOVER score from which the classifier's answer replaces the lexicon's
OVERRIDE = 0.7  # ACLED score from which the answer replaces a specific lexicon type
SEED = 0
EMBED_SCALE = 4.0  # unit-length sentence vectors are scaled to weigh against binary features under one L2 penalty


def featurized(rows: list[dict]) -> tuple[list[list[str]], list[str]]:
    """Features of the mention at each example's trigger, and that mention's sentence. With
    STORYLINE_TYPING_CACHE=DIR, rows already analysed by the same code are read from DIR."""
    import hashlib
    import inspect
    import os
    import pickle

    from storyline.extract import classifier, mentions
    from storyline.extract.classifier import features

    cache_dir = os.environ.get("STORYLINE_TYPING_CACHE")
    lexicon = (ROOT / "src/storyline/data/lexicon/triggers.json").read_text("utf-8")
    version = hashlib.sha1((inspect.getsource(classifier) + inspect.getsource(mentions) + lexicon).encode()).hexdigest()[:12]
    cache: dict = {}
    path = Path(cache_dir) / f"features-{version}.pkl" if cache_dir else None
    if path and path.is_file():
        cache = pickle.loads(path.read_bytes())
    key = [json.dumps([r["text"], r["trigger"]]) for r in rows]
    todo = [i for i, k in enumerate(key) if k not in cache]
    for i, (doc, mentions_) in zip(todo, analyzed([rows[i]["text"] for i in todo])):
        head, m = at_trigger(doc, mentions_, rows[i]["text"], rows[i]["trigger"])
        cache[key[i]] = (features(head.sent, head, m, m.type), head.sent.text)
    if path and todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(cache))
    return [cache[k][0] for k in key], [cache[k][1] for k in key]


def embedded(sents: list[str]):
    """MiniLM vectors of the sentences (cached per sentence under STORYLINE_TYPING_CACHE)."""
    import os
    import pickle

    import numpy as np

    from storyline.extract.classifier import EMBED_TOKENS
    from storyline.nlp.embeddings import embed

    cache_dir = os.environ.get("STORYLINE_TYPING_CACHE")
    path = Path(cache_dir) / f"embeddings-{EMBED_TOKENS}.pkl" if cache_dir else None
    cache = pickle.loads(path.read_bytes()) if path and path.is_file() else {}
    todo = sorted({s for s in sents if s not in cache})
    if todo:
        cache.update(zip(todo, embed(todo, max_tokens=EMBED_TOKENS)))
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pickle.dumps(cache))
    return np.stack([cache[s] for s in sents])


def _temperature(logits, y) -> float:
    """The temperature that minimises the negative log-likelihood of out-of-fold predictions."""
    import numpy as np

    best, best_t = None, 1.0
    for t in np.arange(0.3, 3.01, 0.05):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = -(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean()
        if best is None or nll < best:
            best, best_t = nll, float(t)
    return round(best_t, 2)


def fit_head(X, y: list, c: float) -> tuple:
    """Weights and out-of-fold calibrated temperature of one multinomial logistic regression."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    classes = sorted(set(y), key=lambda v: (v is not None, v or ""))
    yi = np.array([classes.index(v) for v in y])
    oof = np.zeros((len(yi), len(classes)))
    for train, test in StratifiedKFold(3, shuffle=True, random_state=SEED).split(X, yi):
        m = LogisticRegression(C=c, max_iter=5000).fit(X[train], yi[train])
        oof[np.ix_(test, m.classes_)] = m.decision_function(X[test])
        missing = np.setdiff1d(np.arange(len(classes)), m.classes_)
        oof[np.ix_(test, missing)] = -1e4
    model = LogisticRegression(C=c, max_iter=5000).fit(X, yi)
    return classes, model.coef_.T, model.intercept_, _temperature(oof, yi)


def cross_validate(X, y: list, grid: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0)) -> None:
    """Macro-F1 of 3-fold cross-validation on the training set for each inverse L2 strength (run
    with STORYLINE_TYPING_CV=1; ``C`` is set from it by hand). No evaluation corpus is involved."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    classes = sorted(set(y), key=lambda v: (v is not None, v or ""))
    yi = np.array([classes.index(v) for v in y])
    for c in grid:
        pred = np.zeros_like(yi)
        for train, test in StratifiedKFold(3, shuffle=True, random_state=SEED).split(X, yi):
            pred[test] = LogisticRegression(C=c, max_iter=5000).fit(X[train], yi[train]).predict(X[test])
        print(f"C={c}: cross-validated macro-F1 {f1_score(yi, pred, average='macro'):.3f}", flush=True)


def main() -> None:
    import os
    import time
    from collections import Counter

    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    from storyline.extract.classifier import EMBED_TOKENS

    started = time.time()
    rows = load_training()
    feats, sents = featurized(rows)
    counts = Counter(f for fs in feats for f in set(fs))
    vocab = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocab)}
    r, c = zip(*((i, index[f]) for i, fs in enumerate(feats) for f in set(fs) if f in index))
    X = csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(vocab)))
    E = embedded(sents)
    XE = hstack([X, csr_matrix(E * EMBED_SCALE)]).tocsr()
    arrays, meta = {}, {"vocab": vocab, "labels": {}, "temperature": {"sparse": {}, "full": {}}, "confident": CONFIDENT, "plover_threshold": PLOVER_THRESHOLD, "override": OVERRIDE,
                        "embed_tokens": EMBED_TOKENS, "embed_scale": EMBED_SCALE, "n_examples": len(rows)}
    if os.environ.get("STORYLINE_TYPING_CV"):
        for stage, data in (("sparse", X), ("full", XE)):
            print(f"acled {stage}:", flush=True)
            cross_validate(data, [row["acled"] for row in rows])
        return
    for head in ("acled", "plover"):
        y = [row[head] for row in rows]
        for stage, data in (("sparse", X), ("full", XE)):
            classes, coef, bias, temp = fit_head(data, y, C[stage])
            meta["labels"][head] = classes
            meta["temperature"][stage][head] = temp
            arrays[f"{stage}_{head}_sparse"] = coef[: len(vocab)].astype(np.float16)
            if stage == "full":
                arrays[f"{stage}_{head}_dense"] = (coef[len(vocab):] * EMBED_SCALE).astype(np.float16)
            arrays[f"{stage}_{head}_bias"] = bias.astype(np.float32)
            print(f"{head} {stage}: {len(classes)} labels, temperature {temp}", flush=True)
    out = ROOT / "src/storyline/data/typing"
    np.savez_compressed(out / "model.npz", **arrays)
    (out / "model.json").write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} examples, {len(vocab)} features, {(out / 'model.npz').stat().st_size / 1e6:.1f} MB weights, "
          f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
