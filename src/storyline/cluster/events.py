"""Group event mentions (or whole articles) into real-world events.

Two records can be one event only when nothing rules it out: the same type, overlapping time
windows (no slack: each record's window already says how precisely it is dated, so two different
days never overlap while a week contains its days), places within reach. Among those, the score
mixes what stays specific to one event: shared names and numbers (the whole document and, weighted
more, the lead where news states its main event), shared years, topical words and the lead's
embedding.

Clustering runs in two stages. Pairs scoring >= ``LINK`` join a candidate group (a connected
component): in practice one story or topic. Inside each group the word and name channels are
re-weighted by how rare each term is *within the group* (a local IDF), so what every report of the
topic shares ("Chargers", "DUI", "arrested") counts little and what tells its events apart (which
player, which day) counts more; average linkage above ``CUT`` on those scores forms the events.
This keeps two similar events of one kind apart (the same militia struck twice, two player arrests
at one club).

Every link score is a function of the pair alone and every group-level statistic a function of the
group's members alone, so the events do not depend on the order articles arrive in: an incremental
index re-clusters only the groups a new record touches. Candidate pairs come from a sweep over time
(records sorted by date, compared with those inside their window) and a loose embedding prefilter.
A group larger than ``MAX_BLOCK`` (recycled boilerplate leads can chain thousands of reports over
years) is clustered in consecutive time slices of at most ``MAX_BLOCK`` members, so memory and
time stay bounded and grow with the reports per time window, not with the square of the corpus.
Last, a record left alone joins the event it matches best if that match reaches ``ATTACH``.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, vstack
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from storyline.cluster.features import MentionFeatures

LINK = 0.2  # pair score that puts two records in one candidate group
CUT = 0.18  # average group-weighted score for one event
ATTACH = 0.75 * LINK  # best match of a record left alone (or mentioned in passing) with an event, to join it
PREFILTER_COSINE = 0.2  # lead embeddings of one event's reports are rarely further apart
PLACE_KM = 100.0  # mention places are often a town for one report and the district for another
MAX_BLOCK = 1000  # largest group clustered at once (average linkage is quadratic in it)
PAIR_CHUNK = 20000  # candidate pairs scored at once: bounds the memory of row-wise products
VETO = float(MAX_BLOCK**2)  # linkage distance of two records a hard constraint keeps apart
WEIGHTS = {
    "names": 0.24,  # capitalised words and numbers in the whole document
    "entities": 0.16,  # whole names in the whole document
    "lead_names": 0.20,  # capitalised words and numbers in the lead
    "words": 0.12,  # content words in the whole document
    "embedding": 0.12,  # meaning of the lead
    "numbers": 0.08,  # Jaccard of figures
    "years": 0.08,  # Jaccard of years talked about
}
_TEXT_CHANNELS = ("names", "entities", "lead_names", "words")
_SET_CHANNELS = ("numbers", "years")
WORD = re.compile(r"[a-z][a-z'-]+")
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
    """Per-record sparse vectors of each overlap channel (hashed, so no vocabulary to fit)."""
    names, ents, lead_names, words, nums, years = [], [], [], [], [], []
    for m in ms:
        all_names = sorted(m.entities | {a.lower() for a in m.actors})
        names.append(_name_words(m.context or m.text) + sorted(m.numbers))
        ents.append(all_names)
        lead_names.append(_name_words(m.text) + [n for n in sorted(m.numbers) if n in m.text])
        words.append([w for w in WORD.findall((m.context or m.text).lower()) if w not in ENGLISH_STOP_WORDS])
        nums.append(sorted(m.numbers))
        years.append(sorted(m.years))
    out = {k: _tf.fit_transform(_hasher.transform(v)).tocsr() for k, v in
           (("names", names), ("entities", ents), ("lead_names", lead_names), ("words", words))}
    for k, v in (("numbers", nums), ("years", years)):
        out[k] = (_hasher.transform(v) > 0).astype(np.float32).tocsr()
    return out


def _jaccard(a: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Jaccard from intersections and set sizes (0 where both sets are empty)."""
    union = size_a + size_b - a
    return np.divide(a, union, out=np.zeros_like(a, dtype=float), where=union > 0)


class _Table:
    """Features of a set of records as arrays, for scoring many pairs at once."""

    def __init__(self, ms: list[MentionFeatures]) -> None:
        self.ms = ms
        self.ch = _channels(ms)
        self.start = np.array([_ord(m.date_start) for m in ms])
        self.end = np.array([_ord(m.date_end or m.date_start) for m in ms])
        self.emb = np.array([m.embedding if m.embedding is not None else np.zeros(384) for m in ms], dtype=np.float32)
        self.lat = np.array([m.lat if m.lat is not None else math.nan for m in ms])
        self.lon = np.array([m.lon if m.lon is not None else math.nan for m in ms])
        self.country = np.array([m.country or "" for m in ms], dtype=object)
        self.admin1 = np.array([m.admin1 or "" for m in ms], dtype=object)
        self.type = np.array([m.type or "" for m in ms], dtype=object)
        self.tgroup = np.array([m.type_group or "" for m in ms], dtype=object)

    def extend(self, other: _Table) -> None:
        self.ms = self.ms + other.ms
        self.ch = {k: vstack([self.ch[k], other.ch[k]]).tocsr() for k in self.ch}
        for a in ("start", "end", "emb", "lat", "lon", "country", "admin1", "type", "tgroup"):
            setattr(self, a, np.concatenate([getattr(self, a), getattr(other, a)]))

    def compatible(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Hard constraints: type, time windows that overlap, places within reach or in one region."""
        generic = (self.type[i] == "") | (self.type[j] == "")
        same_group = (self.tgroup[i] == "") | (self.tgroup[j] == "") | (self.tgroup[i] == self.tgroup[j])
        ok = (self.type[i] == self.type[j]) | (generic & same_group)
        with np.errstate(invalid="ignore"):
            ok &= ~(np.maximum(self.start[i], self.start[j]) > np.minimum(self.end[i], self.end[j]))
            ok &= ~(_km(self.lat[i], self.lon[i], self.lat[j], self.lon[j]) > PLACE_KM)
        ok &= (self.country[i] == "") | (self.country[j] == "") | (self.country[i] == self.country[j])
        # a region contains a town only if it is the town's region (two towns: distance decides)
        ok &= ((self.admin1[i] == "") | (self.admin1[j] == "") | (self.admin1[i] == self.admin1[j])
               | ~(np.isnan(self.lat[i]) | np.isnan(self.lat[j])))
        return ok

    def score(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Weighted overlap of pairs (i[k], j[k]); -1 where a hard constraint fails."""
        s = WEIGHTS["embedding"] * np.einsum("ij,ij->i", self.emb[i], self.emb[j])
        for k in _TEXT_CHANNELS:
            s += WEIGHTS[k] * np.asarray(self.ch[k][i].multiply(self.ch[k][j]).sum(axis=1)).ravel()
        for k in _SET_CHANNELS:
            a, b = self.ch[k][i], self.ch[k][j]
            inter = np.asarray(a.multiply(b).sum(axis=1)).ravel()
            s += WEIGHTS[k] * _jaccard(inter, np.asarray(a.sum(axis=1)).ravel(), np.asarray(b.sum(axis=1)).ravel())
        return np.where(self.compatible(i, j), s, -1.0)

    def group_scores(self, idx: np.ndarray) -> np.ndarray:
        """Condensed pair scores inside one group, word and name channels weighted by a local IDF."""
        n = len(idx)
        iu, ju = np.triu_indices(n, 1)
        emb = self.emb[idx]
        s = WEIGHTS["embedding"] * (emb @ emb.T)
        for k in _TEXT_CHANNELS:
            w = _local_idf(self.ch[k][idx])
            s += WEIGHTS[k] * (w @ w.T).toarray()
        for k in _SET_CHANNELS:
            m = self.ch[k][idx]
            size = np.asarray(m.sum(axis=1)).ravel()
            s += WEIGHTS[k] * _jaccard((m @ m.T).toarray(), size[:, None], size[None, :])
        return np.where(self.compatible(idx[iu], idx[ju]), s[iu, ju], -1.0)

    def candidates(self, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, j), i < j, j in ``new``, that pass the hard constraints and the prefilter.

        Dated records are swept in date order, so each is compared only with its time window.
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
            else:  # window: anything whose range can overlap j's, plus every undated record
                lo = np.searchsorted(starts, self.start[j] - reach, "left")
                hi = np.searchsorted(starts, self.end[j], "right")
                pool = np.concatenate([order[lo:hi], undated_ids])
            pool = pool[(pool < j) | ~is_new[pool]]  # each pair once
            pool = pool[(self.emb[pool] @ self.emb[j]) >= PREFILTER_COSINE]
            pool = pool[self.compatible(pool, np.full(len(pool), j))]
            out_i.append(np.minimum(pool, j))
            out_j.append(np.maximum(pool, j))
        if not out_i:
            return np.zeros(0, int), np.zeros(0, int)
        return np.concatenate(out_i), np.concatenate(out_j)


def _local_idf(m: csr_matrix) -> csr_matrix:
    """Rows re-weighted by smoothed IDF over these rows only, L2-normalised (columns compacted)."""
    n = m.shape[0]
    cols, inverse, df = np.unique(m.indices, return_inverse=True, return_counts=True)
    data = m.data * (np.log((n + 1) / (df[inverse] + 1)) + 1.0)
    return normalize(csr_matrix((data, inverse, m.indptr), shape=(n, max(len(cols), 1))))


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _slices(table: _Table, members: list[int]) -> list[list[int]]:
    """A group in canonical order, cut into consecutive time slices of at most ``MAX_BLOCK``."""
    if len(members) <= MAX_BLOCK:
        return [sorted(members, key=lambda k: table.ms[k].key)]
    by_time = sorted(members, key=lambda k: (np.nan_to_num(table.start[k], nan=-np.inf), table.ms[k].key))
    parts = math.ceil(len(by_time) / MAX_BLOCK)
    size = math.ceil(len(by_time) / parts)
    return [sorted(by_time[a : a + size], key=lambda k: table.ms[k].key) for a in range(0, len(by_time), size)]


def _cluster_block(table: _Table, members: list[int]) -> list[list[int]]:
    """Average linkage on group-weighted scores, each time slice of the group on its own."""
    out = []
    for block in _slices(table, members):
        if len(block) == 1:
            out.append(block)
            continue
        sims = table.group_scores(np.array(block))
        # an incompatible pair (score -1) vetoes any event holding both: its distance outweighs
        # every other pair of two groups of a block put together
        dist = np.where(sims < 0, VETO, np.clip(1.0 - sims, 0.0, None))
        z = linkage(dist, method="average")
        labels = fcluster(z, 1.0 - CUT, criterion="distance")
        groups: dict[int, list[int]] = {}
        for k, lab in zip(block, labels):
            groups.setdefault(int(lab), []).append(k)
        out.extend(groups.values())
    return out
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
        keep = np.concatenate([table.score(i[a : a + PAIR_CHUNK], j[a : a + PAIR_CHUNK]) >= LINK
                               for a in range(0, len(i), PAIR_CHUNK)] or [np.zeros(0, bool)])
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
        """Mention key -> event id (the smallest key among the event's mentions).

        A record the clustering left alone joins the event it matches best when that match scores
        at least ``ATTACH``: one terse report of a well-covered event should not stand apart. It
        depends only on the clusters, so it keeps the result independent of arrival order."""
        if self._table is None:
            return {}
        sizes = Counter(self._event.values())
        alone = [m for m in self._table.ms if sizes[self._event[m.key]] == 1]
        pool = [m for m in self._table.ms if sizes[self._event[m.key]] > 1]
        return {**self._event, **attach(alone, pool, self._event)}


def attach(queries: list[MentionFeatures], pool: list[MentionFeatures], event_of: dict[str, str]) -> dict[str, str]:
    """Query key -> the event of the pool record it matches best, where that match reaches
    ``ATTACH`` and no member of that event rules the query out (type, time, place)."""
    members: dict[str, list[MentionFeatures]] = {}
    for m in pool:
        members.setdefault(event_of[m.key], []).append(m)
    out: dict[str, str] = {}
    for q, (k, score) in zip(queries, best_matches(queries, pool)):
        if score < ATTACH:
            continue
        event = event_of[pool[k].key]
        table = _Table([q] + members[event])
        others = np.arange(1, len(members[event]) + 1)
        if table.compatible(np.zeros(len(others), int), others).all():
            out[q.key] = event
    return out


def cluster_mentions(mentions: list[MentionFeatures]) -> dict[str, str]:
    """Batch clustering: mention key -> event id."""
    index = EventIndex()
    index.add(sorted(mentions, key=lambda m: m.key))
    return index.events


def best_matches(queries: list[MentionFeatures], pool: list[MentionFeatures]) -> list[tuple[int, float]]:
    """For each query, the pool record it scores highest with and that score ((-1, -1.0) when none
    is compatible). Candidates come from the same time sweep and prefilter as clustering."""
    if not queries or not pool:
        return [(-1, -1.0)] * len(queries)
    table = _Table(list(pool) + list(queries))
    n = len(pool)
    i, j = table.candidates(np.arange(n, n + len(queries)))
    keep = i < n  # pairs of two queries do not count
    i, j = i[keep], j[keep]
    scores = table.score(i, j) if len(i) else np.zeros(0)
    best = [(-1, -1.0)] * len(queries)
    for a, b, sc in zip(i, j, scores):
        q = int(b) - n
        if sc >= 0 and (sc > best[q][1] or (sc == best[q][1] and pool[int(a)].key < pool[best[q][0]].key)):
            best[q] = (int(a), float(sc))
    return best


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
