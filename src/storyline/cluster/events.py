"""Group event mentions (or whole articles) into real-world events.

Two mentions can be one event only when nothing rules it out: the same type, overlapping times
(each widened by a few days of reporting slack), places within reach. Among those, the score mixes
what stays specific to one event: shared names and numbers (the whole document and, weighted more,
the lead where news states its main event), shared years, topical words and the lead's embedding.
Average linkage above ``THRESHOLD`` forms the events, so two similar events of one kind (the same
militia struck twice, two player arrests at one club) stay apart once their specifics disagree.

Every score is a function of the pair alone (no corpus statistics such as IDF), and average
linkage can only merge groups joined by at least one pair scoring >= THRESHOLD. So the events are
the average-linkage clusters inside the connected components of the graph of such pairs, each
clustered in a canonical order: the result does not depend on the order articles arrive in,
and an incremental index only re-clusters the components a new article touches.
Candidate pairs come from a sweep over time (mentions sorted by date, compared with those inside
the window) and a loose embedding prefilter, so cost grows with the events per time window
rather than with the square of the corpus.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, vstack
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfTransformer

from storyline.cluster.features import MentionFeatures

THRESHOLD = 0.3  # average pair score for one event
PREFILTER_COSINE = 0.2  # lead embeddings of one event's reports are rarely further apart
TIME_SLACK_DAYS = 3  # reports and resolved dates drift by a few days around the event
PLACE_KM = 100.0  # mention places are often a town for one report and the district for another
WEIGHTS = {
    "names": 0.24,  # capitalised words and numbers in the whole document
    "entities": 0.16,  # whole names in the whole document
    "lead_names": 0.20,  # capitalised words and numbers in the lead
    "words": 0.12,  # content words in the whole document
    "embedding": 0.12,  # meaning of the lead
    "numbers": 0.08,  # Jaccard of figures
    "years": 0.08,  # Jaccard of years talked about
}
_WORD = re.compile(r"[a-z][a-z'-]+")
_CAPITALISED = re.compile(r"\b[A-Z][\w'-]*")  # name words, without needing a tagger
_hasher = HashingVectorizer(n_features=2**20, alternate_sign=False, norm=None, analyzer=lambda toks: toks)
_tf = TfidfTransformer(use_idf=False, sublinear_tf=True)  # stateless: 1 + log(tf), L2 norm


def _ord(iso: str | None) -> float:
    if not iso:
        return math.nan
    try:
        return float(date.fromisoformat(iso[:10]).toordinal())
    except ValueError:
        return math.nan


def _name_words(text: str) -> list[str]:
    return [w.lower() for w in _CAPITALISED.findall(text) if w.lower() not in ENGLISH_STOP_WORDS]


def _channels(ms: list[MentionFeatures]) -> dict[str, csr_matrix]:
    """Per-mention sparse vectors of each overlap channel (hashed, so no vocabulary to fit)."""
    names, ents, lead_names, words, nums, years = [], [], [], [], [], []
    for m in ms:
        all_names = sorted(m.entities | {a.lower() for a in m.actors})
        names.append(_name_words(m.context or m.text) + sorted(m.numbers))
        ents.append(all_names)
        lead_names.append(_name_words(m.text) + [n for n in sorted(m.numbers) if n in m.text])
        words.append([w for w in _WORD.findall((m.context or m.text).lower()) if w not in ENGLISH_STOP_WORDS])
        nums.append(sorted(m.numbers))
        years.append(sorted(m.years))
    out = {k: _tf.fit_transform(_hasher.transform(v)).tocsr() for k, v in
           (("names", names), ("entities", ents), ("lead_names", lead_names), ("words", words))}
    for k, v in (("numbers", nums), ("years", years)):
        out[k] = (_hasher.transform(v) > 0).astype(np.float32).tocsr()
    return out


class _Table:
    """Features of a set of mentions as arrays, for scoring many pairs at once."""

    def __init__(self, ms: list[MentionFeatures]) -> None:
        self.ms = ms
        self.ch = _channels(ms)
        self.start = np.array([_ord(m.date_start) for m in ms])
        self.end = np.array([_ord(m.date_end or m.date_start) for m in ms])
        self.emb = np.array([m.embedding if m.embedding is not None else np.zeros(384) for m in ms], dtype=np.float32)
        self.lat = np.array([m.lat if m.lat is not None else math.nan for m in ms])
        self.lon = np.array([m.lon if m.lon is not None else math.nan for m in ms])
        self.country = np.array([m.country or "" for m in ms], dtype=object)
        self.type = np.array([m.type or "" for m in ms], dtype=object)

    def extend(self, other: _Table) -> None:
        self.ms = self.ms + other.ms
        self.ch = {k: vstack([self.ch[k], other.ch[k]]).tocsr() for k in self.ch}
        for a in ("start", "end", "emb", "lat", "lon", "country", "type"):
            setattr(self, a, np.concatenate([getattr(self, a), getattr(other, a)]))

    def compatible(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Hard constraints: type, time (ranges widened by slack), place."""
        ok = (self.type[i] == "") | (self.type[j] == "") | (self.type[i] == self.type[j])
        with np.errstate(invalid="ignore"):
            late = np.maximum(self.start[i], self.start[j]) - np.minimum(self.end[i], self.end[j])
            ok &= ~(late > 2 * TIME_SLACK_DAYS)
            ok &= ~(_km(self.lat[i], self.lon[i], self.lat[j], self.lon[j]) > PLACE_KM)
        ok &= (self.country[i] == "") | (self.country[j] == "") | (self.country[i] == self.country[j])
        return ok

    def score(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Weighted overlap of pairs (i[k], j[k]); -1 where a hard constraint fails."""
        s = WEIGHTS["embedding"] * np.einsum("ij,ij->i", self.emb[i], self.emb[j])
        for k in ("names", "entities", "lead_names", "words"):
            s += WEIGHTS[k] * np.asarray(self.ch[k][i].multiply(self.ch[k][j]).sum(axis=1)).ravel()
        for k in ("numbers", "years"):
            a, b = self.ch[k][i], self.ch[k][j]
            inter = np.asarray(a.multiply(b).sum(axis=1)).ravel()
            union = np.asarray(a.sum(axis=1)).ravel() + np.asarray(b.sum(axis=1)).ravel() - inter
            s += WEIGHTS[k] * np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        return np.where(self.compatible(i, j), s, -1.0)

    def candidates(self, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, j), i < j, j in ``new``, that pass the hard constraints and the prefilter.

        Dated mentions are swept in date order, so each is compared only with its time window.
        """
        n = len(self.ms)
        order = np.argsort(np.nan_to_num(self.start, nan=-np.inf), kind="stable")
        starts = np.nan_to_num(self.start[order], nan=-np.inf)
        undated = np.isnan(self.start)
        reach = np.nanmax(np.where(undated, np.nan, self.end - self.start)) if (~undated).any() else 0.0
        undated_ids = np.flatnonzero(undated)
        is_new = np.zeros(n, dtype=bool)
        is_new[new] = True
        out_i, out_j = [], []
        for j in new:
            if undated[j]:
                pool = np.arange(n)
            else:  # window: anything that can overlap j's range, plus every undated mention
                lo = np.searchsorted(starts, self.start[j] - reach - 2 * TIME_SLACK_DAYS, "left")
                hi = np.searchsorted(starts, self.end[j] + 2 * TIME_SLACK_DAYS, "right")
                pool = np.concatenate([order[lo:hi], undated_ids])
            pool = pool[(pool < j) | ~is_new[pool]]  # each pair once
            pool = pool[(self.emb[pool] @ self.emb[j]) >= PREFILTER_COSINE]
            pool = pool[self.compatible(pool, np.full(len(pool), j))]
            out_i.append(np.minimum(pool, j))
            out_j.append(np.maximum(pool, j))
        if not out_i:
            return np.zeros(0, int), np.zeros(0, int)
        return np.concatenate(out_i), np.concatenate(out_j)


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _cluster_block(table: _Table, members: list[int]) -> list[list[int]]:
    """Average linkage inside one component, members in canonical (key) order."""
    members = sorted(members, key=lambda k: table.ms[k].key)
    if len(members) == 1:
        return [members]
    iu, ju = np.triu_indices(len(members), 1)
    idx = np.array(members)
    sims = table.score(idx[iu], idx[ju])
    z = linkage(np.clip(1.0 - sims, 0.0, None), method="average")
    labels = fcluster(z, 1.0 - THRESHOLD, criterion="distance")
    groups: dict[int, list[int]] = {}
    for k, lab in zip(members, labels):
        groups.setdefault(int(lab), []).append(k)
    return list(groups.values())


class EventIndex:
    """Incremental clustering: add mentions in any order, get the events a batch run would give."""

    def __init__(self) -> None:
        self._table: _Table | None = None
        self._parent: list[int] = []
        self._event: dict[str, str] = {}

    def _find(self, a: int) -> int:
        while self._parent[a] != a:
            self._parent[a] = self._parent[self._parent[a]]
            a = self._parent[a]
        return a

    def add(self, mentions: Iterable[MentionFeatures]) -> set[str]:
        """Index mentions; return the keys whose event may have changed."""
        ms = list(mentions)
        if not ms:
            return set()
        part = _Table(ms)
        first = 0 if self._table is None else len(self._table.ms)
        if self._table is None:
            self._table = part
        else:
            self._table.extend(part)
        table = self._table
        self._parent.extend(range(first, first + len(ms)))
        new = np.arange(first, first + len(ms))
        i, j = table.candidates(new)
        keep = table.score(i, j) >= THRESHOLD
        for a, b in zip(i[keep], j[keep]):
            ra, rb = self._find(int(a)), self._find(int(b))
            if ra != rb:
                self._parent[max(ra, rb)] = min(ra, rb)
        roots = {self._find(int(k)) for k in new}
        members = [k for k in range(len(table.ms)) if self._find(k) in roots]
        blocks: dict[int, list[int]] = {}
        for k in members:
            blocks.setdefault(self._find(k), []).append(k)
        changed: set[str] = set()
        for block in blocks.values():
            for group in _cluster_block(table, block):
                event = min(table.ms[k].key for k in group)
                for k in group:
                    self._event[table.ms[k].key] = event
                    changed.add(table.ms[k].key)
        return changed

    @property
    def events(self) -> dict[str, str]:
        """Mention key -> event id (the smallest key among the event's mentions)."""
        return dict(self._event)


def cluster_mentions(mentions: list[MentionFeatures]) -> dict[str, str]:
    """Batch clustering: mention key -> event id."""
    index = EventIndex()
    index.add(sorted(mentions, key=lambda m: m.key))
    return index.events


def main_events(mentions: list[MentionFeatures], events: dict[str, str]) -> dict[str, str]:
    """Article id -> the event of its primary mention: the first reported one, else the first."""
    best: dict[str, tuple[int, int, str]] = {}
    for m in mentions:
        rank = (0 if m.role == "reported" else 1, _mention_index(m.key), m.key)
        if m.doc_id not in best or rank < best[m.doc_id]:
            best[m.doc_id] = rank
    return {doc: events[key] for doc, (_, _, key) in best.items()}


def _mention_index(key: str) -> int:
    tail = key.rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else 0
