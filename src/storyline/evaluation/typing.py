"""Score ACLED sub-event typing on labelled news snippets (CASE 2021 task 2: ``snippets.jsonl``).

Each snippet runs through the same analysis as ``storyline inspect``; its answer is the ACLED
sub-event type of its first event mention (none without a mention or when that mention has no
ACLED type). Labels outside ACLED (organised crime, disasters, diplomacy, attributions) are right
when answered none. Reported: accuracy, macro-F1 over the 25 ACLED sub-event types, and the
share of out-of-ACLED snippets answered none, for the whole set and for two fixed halves: within
each label, snippets in file order alternate half "a", half "b". Develop on "a"; "b" tells
whether a change carries over.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from storyline.evaluation.halves import halves

LABELS = {
    "ABDUCT_DISSAP": "Abduction/forced disappearance", "AGREEMENT": "Agreement", "AIR_STRIKE": "Air/drone strike",
    "ARMED_CLASH": "Armed clash", "ARREST": "Arrests", "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "ATTACK": "Attack", "CHANGE_TO_GROUP_ACT": "Change to group/activity", "CHEM_WEAP": "Chemical weapon",
    "DISR_WEAP": "Disrupted weapons use", "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "GOV_REGAINS_TERIT": "Government regains territory", "GRENADE": "Grenade",
    "HQ_ESTABLISHED": "Headquarters or base established", "MOB_VIOL": "Mob violence",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory", "OTHER": "Other",
    "PEACE_PROTEST": "Peaceful protest", "PROPERTY_DISTRUCT": "Looting/property destruction",
    "PROTEST_WITH_INTER": "Protest with intervention", "REM_EXPLOS": "Remote explosive/landmine/IED",
    "SEX_VIOL": "Sexual violence", "SUIC_BOMB": "Suicide bomb", "VIOL_DEMONSTR": "Violent demonstration",
}
OUTSIDE = {"ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB"}
NONE = "none"


def score(pairs: list[tuple[str, str]]) -> dict:
    """Accuracy, macro-F1 over the ACLED types present in gold, and none-rate outside ACLED, for
    (gold, predicted) sub-event names (``NONE`` for no type)."""
    n = len(pairs)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in pairs:
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    types = sorted({g for g, _ in pairs} - {NONE})
    f1 = {t: 2 * tp[t] / (2 * tp[t] + fp[t] + fn[t]) for t in types}
    outside = [p for g, p in pairs if g == NONE]
    return {"n": n, "accuracy": round(sum(g == p for g, p in pairs) / n, 4) if n else 0.0,
            "macro_f1": round(sum(f1.values()) / len(f1), 4) if f1 else 0.0,
            "none_rate_outside_acled": round(outside.count(NONE) / len(outside), 4) if outside else None,
            "n_outside_acled": len(outside), "f1_by_type": {t: round(v, 3) for t, v in f1.items()}}


def evaluate_typing(corpus: Path) -> dict:
    """Analyse every snippet of ``corpus`` (a folder with snippets.jsonl, or the file) and score
    the answers overall and per fixed half, with the half-"a" confusions for error analysis."""
    from storyline.nlp.analyze import DocumentInput, analyze_documents

    path = corpus / "snippets.jsonl" if corpus.is_dir() else corpus
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    gold = [LABELS.get(r["label"], NONE) if r["label"] not in OUTSIDE else NONE for r in records]
    unknown = sorted({r["label"] for r in records} - set(LABELS) - OUTSIDE)
    if unknown:
        raise ValueError(f"{path}: unknown labels {unknown}")
    predicted = []
    for doc in analyze_documents(DocumentInput(r["id"], r["text"], None) for r in records):
        first = doc.event_mentions[0] if doc.event_mentions else None
        predicted.append(first.acled_sub_event_type if first and first.acled_sub_event_type else NONE)
    half = halves([r["label"] for r in records])
    out = {"all": score(list(zip(gold, predicted)))}
    for name in ("a", "b"):
        out[f"half_{name}"] = score([(g, p) for g, p, h in zip(gold, predicted, half) if h == name])
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r, g, p, h in zip(records, gold, predicted, half):
        if h == "a" and g != p:
            confusion[r["label"]][p] += 1
    out["half_a_errors"] = {label: dict(c.most_common()) for label, c in sorted(confusion.items())}
    return out
