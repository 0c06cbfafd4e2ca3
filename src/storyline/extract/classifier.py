"""Event typing by a learned classifier grounded in the codebooks, over each mention's sentence.

Trigger lists say that something violent happened; which ACLED sub-event it is depends on the
whole sentence: who fights whom (an armed group against a checkpoint that fires back is a clash,
gunmen against villagers an attack on civilians), with what (a suicide vest, a roadside bomb), and
whether the happening is one ACLED codes at all (an earthquake "struck", a robbery, a summit).
Two linear heads — ACLED sub-event type (25 types or none) and PLOVER category (16 or none) —
read sparse features of the mention (trigger lemma and its dependents, the lexicon's key, the
actors' kinds, weapon, status, the sentence's content lemmas) and, where the sparse model is
unsure, the sentence's MiniLM embedding as well (a cascade: the encoder is the costly part).
Scores are temperature-calibrated probabilities. Weights, vocabulary and thresholds ship in
``data/typing/model.npz`` + ``model.json``, built by ``scripts/build_typing_model.py`` from the
project's own training set (``data/typing/train``); inference is numpy only.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
from spacy.tokens import Span, Token

from storyline.extract import ontology
from storyline.models import ActorRef, EventMention

CONTENT_POS = {"NOUN", "VERB", "ADJ", "ADV", "NUM"}
ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "agent", "compound", "amod", "nmod", "poss", "acl", "advcl",
            "xcomp", "ccomp", "prt", "npadvmod", "nummod", "conj", "appos"}
CROWDS = {"Protesters": "protesters", "Rioters": "rioters"}
NEAR = 4  # words either side of the trigger that describe it most directly
EMBED_TOKENS = 48  # word pieces of the sentence the encoder reads: the event is stated early
REMOTE = "Explosions/Remote violence"
GENERIC_KEYS = {"attack", "killing"}  # lexicon keys that say violence happened, not how


def _lemma(t: Token) -> str:
    return t.lemma_.lower() if t.pos_ != "PROPN" else f"<{t.ent_type_ or 'propn'}>"


def _actor(prefix: str, ref: ActorRef | None) -> list[str]:
    if ref is None:
        return [f"{prefix}=none"]
    out = [f"{prefix}={ref.kind or 'unknown'}"]
    if ref.name in CROWDS:
        out.append(f"{prefix}={CROWDS[ref.name]}")
    words = (ref.text or "").lower().split()
    if words:
        out.append(f"{prefix}_head={words[-1]}")
    return out


def _kind(ref: ActorRef | None) -> str:
    if ref is None:
        return "none"
    return CROWDS.get(ref.name, ref.kind or "unknown")


def features(sent: Span, head: Token, m: EventMention, rule_key: str) -> list[str]:
    """Sparse features of a mention: what the trigger is, what hangs on it, who the actors are and
    what the sentence talks about. ``rule_key`` is the lexicon's key before any learned retyping."""
    lemma = _lemma(head)
    out = [f"key={rule_key}", f"rule_plover={m.plover_type}", f"lemma={lemma}", f"lemma_pos={lemma}/{head.pos_}", f"status={m.status}",
           f"head={_lemma(head.head)}" if head.head.i != head.i else "head=ROOT", f"dep={head.dep_}"]
    for c in head.children:
        if c.dep_ in ARG_DEPS:
            out.append(f"{c.dep_}={_lemma(c)}")
            out.append(f"arg={_lemma(c)}")
        elif c.dep_ == "prep":
            out += [f"prep:{c.lower_}={_lemma(g)}" for g in c.children if g.dep_ == "pobj"]
            out += [f"arg={_lemma(g)}" for g in c.children if g.dep_ == "pobj"]
    if head.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass", "compound"):
        out.append(f"gov:{head.dep_}={_lemma(head.head)}")
    out += _actor("a1", m.actor1) + _actor("a2", m.actor2)
    # who acts on whom decides between neighbours a linear model cannot tell apart from the kinds
    # alone (armed group on soldiers: a clash; on villagers: an attack; police on a crowd: an
    # intervention), and the same trigger means another sub-event with other actors
    k1, k2 = (_kind(r) for r in (m.actor1, m.actor2))
    out += [f"pair={k1}>{k2}", f"lemma_a1={lemma}|{k1}", f"lemma_a2={lemma}|{k2}"]
    if m.weapon:
        out += [f"weapon={w}" for w in m.weapon.lower().split()[-2:]]
    if m.fatalities:
        out.append("killed")
    if m.injuries:
        out.append("injured")
    for t in sent:
        if t.i == head.i or t.is_stop or not t.is_alpha:
            continue
        if t.pos_ in CONTENT_POS:
            out.append(f"w={t.lemma_.lower()}")
            if abs(t.i - head.i) <= NEAR:
                out.append(f"near={t.lemma_.lower()}")
        elif t.ent_type_:
            out.append(f"ent={t.ent_type_}")
    # the next sentence often says what the first one left open ("... attacked a post. The troops
    # returned fire"; "... protested. Police fired tear gas"): its content words, marked as such
    following = sent.doc[sent.end:sent.end + 1]
    if len(following):
        for t in following[0].sent:
            if t.pos_ in CONTENT_POS and t.is_alpha and not t.is_stop:
                out.append(f"next={t.lemma_.lower()}")
    return out


@dataclass
class _Head:
    labels: list[str | None]
    sparse: np.ndarray  # (n_features, n_labels)
    dense: np.ndarray  # (384, n_labels), used by the second stage only
    bias: np.ndarray
    temperature: float


@dataclass
class Model:
    """Two heads, each with a sparse stage and a sparse+encoder stage sharing one vocabulary."""

    vocab: dict[str, int]
    stages: dict[str, dict[str, _Head]]  # stage ("sparse" | "full") -> head ("acled" | "plover") -> weights
    confident: float  # the sparse stage's top ACLED probability above which the encoder is skipped
    plover_threshold: float  # the PLOVER score from which the classifier's PLOVER answer replaces the lexicon's
    override: float  # the ACLED score from which the answer replaces a specific lexicon type

    def scores(self, feats: list[list[str]], vectors: np.ndarray | None, stage: str) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head, shape (len(feats), n_labels)."""
        out = {}
        for name, h in self.stages[stage].items():
            z = np.tile(h.bias, (len(feats), 1))
            for i, fs in enumerate(feats):
                idx = [self.vocab[f] for f in set(fs) if f in self.vocab]
                if idx:
                    z[i] += h.sparse[idx].sum(axis=0)
            if vectors is not None and stage == "full":
                z += vectors @ h.dense
            z /= h.temperature
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            out[name] = p / p.sum(axis=1, keepdims=True)
        return out


@functools.lru_cache(maxsize=1)
def load_model() -> Model | None:
    """The shipped model, or None before ``scripts/build_typing_model.py`` has made one."""
    base = resources.files("storyline.data").joinpath("typing")
    if not base.joinpath("model.json").is_file():
        return None
    meta = json.loads(base.joinpath("model.json").read_text("utf-8"))
    with base.joinpath("model.npz").open("rb") as fh:
        arrays = dict(np.load(fh))
    stages: dict[str, dict[str, _Head]] = {}
    for stage in ("sparse", "full"):
        stages[stage] = {}
        for head in ("acled", "plover"):
            p = f"{stage}_{head}_"
            stages[stage][head] = _Head(
                meta["labels"][head], arrays[p + "sparse"].astype(np.float32), arrays.get(p + "dense", np.zeros((0, 0))).astype(np.float32),
                arrays[p + "bias"].astype(np.float32), meta["temperature"][stage][head])
    return Model({f: i for i, f in enumerate(meta["vocab"])}, stages, meta["confident"], meta["plover_threshold"], meta["override"])


PLAIN_CONFIDENT = 0.4  # the encoder threshold for mentions whose ACLED type the classifier cannot change


def _retypable(m: EventMention) -> bool:
    """Whether ``type_mentions`` may take the classifier's ACLED answer for this mention: one that
    occurred and is typed from its own sentence. Only these get the encoder below ``confident``;
    the rest keep the lexicon's ACLED type, so the encoder (the costly part) is spent on them as
    before, only when the sparse stage is very unsure (for their PLOVER answer)."""
    return m.status == "occurred" and "antecedent_sentence" not in m.extra and "typed_from_document" not in m.extra


def classify(sents: list[Span], heads: list[Token], mentions: list[EventMention]) -> dict[str, np.ndarray]:
    """Calibrated probabilities per head for mentions (with their sentences and head tokens): the
    sparse stage for all, the encoder stage for those whose ACLED answer the sparse stage is not
    sure of; each sentence is embedded once, cut to its first ``EMBED_TOKENS`` word pieces."""
    model = load_model()
    feats = [features(s, h, m, m.type) for s, h, m in zip(sents, heads, mentions)]
    scores = model.scores(feats, None, "sparse")
    unsure = [i for i, p in enumerate(scores["acled"]) if p.max() < (model.confident if _retypable(mentions[i]) else PLAIN_CONFIDENT)]
    if unsure:
        from storyline.nlp.embeddings import embed

        texts = sorted({sents[i].text.strip() for i in unsure})
        row = dict(zip(texts, embed(texts, max_tokens=EMBED_TOKENS)))
        full = model.scores([feats[i] for i in unsure], np.stack([row[sents[i].text.strip()] for i in unsure]), "full")
        for name in scores:
            scores[name][unsure] = full[name]
    return scores


def type_mentions(doc, mentions: list[EventMention]) -> None:
    """Give each mention the classifier's types in place, scores in ``extra['type_score']`` and
    ``extra['plover_score']``.

    The lexicon's ACLED type stands where it is specific and the classifier is not sure of
    another (``override``): a trigger that names its means ("shelling", "car bomb") is rarely wrong
    about them, and ACLED types remote violence by its means whoever the victims are, so a remote
    weapon keeps its family unless the classifier is sure of none or of another weapon. A mention
    that did not occur (planned, denied, hypothetical) keeps the lexicon's type: the training set
    describes events that happened. Nor does the classifier retype a mention typed from another
    sentence ("The attacks destroyed ..." after "airstrikes"): it reads one sentence. Generic violence (attack, killing) and mentions the lexicon
    leaves outside ACLED take the classifier's answer. An ACLED answer sets the ACLED fields and a project key of that sub-event (the lexicon's
    own when it is one of them); none empties them, and a key that implies an ACLED type becomes
    ``attack`` (violence ACLED does not code, e.g. crime) or ``other``. PLOVER likewise needs
    ``plover_threshold`` to replace the lexicon's status-aware type."""
    model = load_model()
    if model is None or not mentions:
        return
    tokens = {t.idx: t for t in doc}
    heads = [tokens[m.start] for m in mentions]
    scores = classify([h.sent for h in heads], heads, mentions)
    acled_labels, plover_labels = (model.stages["sparse"][h].labels for h in ("acled", "plover"))
    for m, pa, pp in zip(mentions, scores["acled"], scores["plover"]):
        rule = m.acled_sub_event_type
        best = acled_labels[pa.argmax()]
        specific = rule is not None and m.type not in GENERIC_KEYS
        from_context = "antecedent_sentence" in m.extra or "typed_from_document" in m.extra
        if m.status != "occurred" or from_context or specific and pa.max() < model.override:
            best = rule
        elif m.acled_event_type == REMOTE and best is not None and ontology.sub_event_keys(best)[0] != REMOTE:
            best = rule
        if pp.max() >= model.plover_threshold:
            m.plover_type = plover_labels[pp.argmax()]
        if best is not None:
            event_type, keys = ontology.sub_event_keys(best)
            key = m.type if m.type in keys else keys[0]
        else:
            event_type, key = None, m.type
            if rule is not None:
                key = "attack" if m.plover_type == "ASSAULT" else "other"
        m.type, m.acled_event_type, m.acled_sub_event_type = key, event_type, best
        m.extra["type_score"] = round(float(pa[acled_labels.index(best)]), 3)
        m.extra["plover_score"] = round(float(pp[plover_labels.index(m.plover_type)]), 3) if m.plover_type in plover_labels else None
