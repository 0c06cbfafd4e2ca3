"""How alike two event records are, and which records form one event inside a component.

**Scores.** A pair's score mixes what stays specific to one event: shared names and figures (of the
whole text and, weighted more, of the lead, where news states its main event and its dateline),
whole names, topical words, years talked about, figures, and the meaning of the lead (MiniLM
embedding). Reports of one happening that are filed days or years apart, or typed differently by
the extractor, still share these, so the records articles are *about* (central records) have no
hard constraint at all: a date each text gives its own event only lowers the score when the two
dates are weeks apart. Events mentioned *in passing* are specific (a rocket attack on Erbil last
week): they join another record only if type, time window and place allow it.

**Components.** Two central records are linked when their lead vectors are close enough to
compare (``PREFILTER``) and their score reaches ``ATTACH``; a record mentioned in passing is linked
to its article's central record (it has no vector: its event is looked for in its article's story).
The connected components of these links are independent of each other and of arrival order, so an
incremental engine re-clusters only the components a new record touches. Inside a component
(:func:`cluster_component`):

1. central records linked at ``LINK`` form candidate groups (one story or topic); inside each, the
   word and name channels are re-weighted by how rare each term is *within the group* (a local
   IDF), so what every report of the topic shares ("Chargers", "DUI", "arrested") counts little
   and what tells its events apart (which player, which day) counts more; average linkage above
   ``CUT`` forms the events. A group larger than ``MAX_BLOCK`` is cut into time slices first.
2. a central record left alone joins the event it matches best at ``ATTACH``;
3. an event mentioned in passing joins the central event it matches best at ``ATTACH`` if no
   member rules it out; the rest are clustered among themselves the same way.

Every score is a function of the pair alone and every group statistic a function of the group's
members, so the events of a component depend only on its members.
"""
from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix

from storyline.cluster.records import LEAD_TYPE, PLACE_KM
from storyline.models import EventRecord
from storyline.nlp.embeddings import DIM
from storyline.resolve.geo import countries_meet, haversine_km
from storyline.unionfind import UnionFind

LINK = 0.2  # pair score that puts two central records in one candidate group
CUT = 0.18  # average group-weighted score for one event
ATTACH = 0.75 * LINK  # best match of a record left alone (or mentioned in passing) with an event, to join it
PREFILTER = 0.25  # lead vectors of one event's reports are rarely further apart
DATED = 8  # own windows up to this many days are a date; longer ones (a month, a year) say little
# Two records that say differently when their happening was, or who attacked whom, are probably
# two happenings of one story (the attack, the retaliation, the aid convoy): each disagreement
# costs the pair this much of its score. Soft, because extraction misreads dates and roles now and
# then, and a follow-up (a trial, a funeral) is often filed with the happening it follows.
PENALTY = {"date": 0.1, "months": 0.05, "roles": 0.1}
MONTH = 30  # the same kind of happening dated this many days apart costs "months" on top of "date"
MAX_BLOCK = 1000  # largest group clustered at once (average linkage is quadratic in it)
VETO = float(MAX_BLOCK**2)  # linkage distance of two records a hard constraint keeps apart
WEIGHTS = {
    "names": 0.24,  # capitalised words and figures of the whole text
    "entities": 0.16,  # whole names
    "lead_names": 0.20,  # capitalised words and figures of the lead
    "words": 0.12,  # content words
    "embedding": 0.12,  # meaning of the lead
    "numbers": 0.08,  # Jaccard of figures
    "years": 0.08,  # Jaccard of years talked about
}
_TEXT_CHANNELS = ("names", "entities", "lead_names", "words")
_SET_CHANNELS = ("numbers", "years")
FEATURES = 2**20  # terms are hashed into this many columns: no vocabulary to fit or store


def ordinal(iso: str | None) -> float:
    """Days since year 1 (NaN when unknown), for window arithmetic on arrays."""
    if not iso:
        return math.nan
    try:
        return float(date.fromisoformat(iso[:10]).toordinal())
    except ValueError:
        return math.nan


def day_of(iso: str | None) -> int | None:
    """Days since year 1, None when unknown."""
    day = ordinal(iso)
    return None if math.isnan(day) else int(day)


def record_day(rec: EventRecord) -> int | None:
    """The day a record is filed under for candidate search: its own date when its text dates it to
    a day or a week (``DATED``), else its publication; None when neither is known. A report filed
    years later about an old happening is filed under the happening's day, so it still meets it."""
    start, end = ordinal(rec.date_start), ordinal(rec.date_end or rec.date_start)
    return int(start) if end - start <= DATED else day_of(rec.published)


def hashed(rows: list[dict[str, int]], weighting: str) -> csr_matrix:
    """Term-count rows as a sparse matrix over hashed columns (a stable CRC-32 hash, so every
    process gives the same columns), weighted ``"tf"`` (1 + log count, unit length) or ``"set"``
    (1 for each term present)."""
    indptr, cols, vals = [0], [], []
    for row in rows:
        merged: dict[int, float] = {}
        for term, n in row.items():
            col = zlib.crc32(term.encode()) % FEATURES
            merged[col] = merged.get(col, 0.0) + n
        cols += merged.keys()
        vals += merged.values()
        indptr.append(len(cols))
    m = csr_matrix((np.array(vals, dtype=np.float64), np.array(cols, dtype=np.int64), np.array(indptr, dtype=np.int64)),
                   shape=(len(rows), FEATURES))
    # sorted columns make the matrix canonical: products of its rows then cost their stored
    # values, not a pass over all 2**20 columns per row (scipy's general path)
    m.sort_indices()
    if weighting == "set":
        m.data[:] = 1.0
        return m
    m.data = 1.0 + np.log(m.data)
    return _unit_rows(m)


def _unit_rows(m: csr_matrix) -> csr_matrix:
    """Rows scaled to unit length (in place, on the stored values: no dense intermediate)."""
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    norms = np.sqrt(np.bincount(rows, weights=m.data ** 2, minlength=m.shape[0]))
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    m.data = m.data * scale[rows]
    return m


class Table:
    """Features of a set of records as arrays, for scoring many pairs at once."""

    def __init__(self, records: Sequence[EventRecord]) -> None:
        self.records = list(records)
        toks = [r.tokens for r in self.records]
        self.ch = {
            "names": hashed([t.names for t in toks], "tf"),
            "entities": hashed([dict.fromkeys(t.entities, 1) for t in toks], "tf"),
            "lead_names": hashed([t.lead_names for t in toks], "tf"),
            "words": hashed([t.words for t in toks], "tf"),
            "numbers": hashed([dict.fromkeys(t.numbers, 1) for t in toks], "set"),
            "years": hashed([dict.fromkeys(t.years, 1) for t in toks], "set"),
        }
        self.emb = np.zeros((len(self.records), DIM), dtype=np.float32)
        for k, r in enumerate(self.records):
            if r.embedding is not None:
                self.emb[k] = r.embedding
        self.central = np.array([r.central for r in self.records], dtype=bool)
        self.article = np.array([r.article_id for r in self.records], dtype=object)
        self.start = np.array([ordinal(r.date_start) for r in self.records])
        self.end = np.array([ordinal(r.date_end or r.date_start) for r in self.records])
        self.lat = np.array([r.lat if r.lat is not None else math.nan for r in self.records])
        self.lon = np.array([r.lon if r.lon is not None else math.nan for r in self.records])
        self.country = np.array([r.country or "" for r in self.records], dtype=object)
        self.border = np.array(["-" in c for c in self.country], dtype=bool)
        self.admin1 = np.array([r.admin1 or "" for r in self.records], dtype=object)
        self.type = np.array([r.type or "" for r in self.records], dtype=object)
        self.tgroup = np.array([r.type_group or "" for r in self.records], dtype=object)
        self.family = np.array([r.family if r.family not in ("", LEAD_TYPE) else "" for r in self.records], dtype=object)
        self.attacker = np.array([r.attacker or "" for r in self.records], dtype=object)
        self.target = np.array([r.target or "" for r in self.records], dtype=object)

    def __len__(self) -> int:
        return len(self.records)

    # ------------------------------------------------------------------ constraints
    def compatible(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether records i[k] and j[k] may be one event: always for two central records; else
        types of one sub-event type (a generic one within its group, a lead record's ``other``
        with any), own time windows that overlap, places within reach or in one region."""
        both_central = self.central[i] & self.central[j]
        ti, tj = self.type[i], self.type[j]
        wild = (ti == "") | (tj == "") | (ti == LEAD_TYPE) | (tj == LEAD_TYPE)
        same_group = (self.tgroup[i] == "") | (self.tgroup[j] == "") | (self.tgroup[i] == self.tgroup[j])
        ok = (ti == tj) | (wild & same_group) | (ti == LEAD_TYPE) | (tj == LEAD_TYPE)
        with np.errstate(invalid="ignore"):
            ok &= ~(np.maximum(self.start[i], self.start[j]) > np.minimum(self.end[i], self.end[j]))
            ok &= ~(haversine_km(self.lat[i], self.lon[i], self.lat[j], self.lon[j]) > PLACE_KM)
        ok &= self._countries_meet(i, j)
        # a region contains a town only if it is the town's region (two towns: distance decides)
        ok &= ((self.admin1[i] == "") | (self.admin1[j] == "") | (self.admin1[i] == self.admin1[j])
               | ~(np.isnan(self.lat[i]) | np.isnan(self.lat[j])))
        return both_central | ok

    def _countries_meet(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        ci, cj = self.country[i], self.country[j]
        meet = (ci == "") | (cj == "") | (ci == cj)
        for k in np.flatnonzero(~meet & (self.border[i] | self.border[j])):
            meet[k] = countries_meet(ci[k], cj[k])
        return meet

    def penalty(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """What the pair's own dates (a day or a week each) and armed sides (one's attacker the
        other's target) disagree on, as a cost (see ``PENALTY``)."""
        dated = (self.end[i] - self.start[i] <= DATED) & (self.end[j] - self.start[j] <= DATED)
        with np.errstate(invalid="ignore"):
            gap = np.where(dated, np.maximum(self.start[i], self.start[j]) - np.minimum(self.end[i], self.end[j]), 0.0)
        same_kind = (self.family[i] != "") & (self.family[i] == self.family[j])
        ai, aj, ti, tj = self.attacker[i], self.attacker[j], self.target[i], self.target[j]
        swapped = ((ai != "") & (ai == tj)) | ((ti != "") & (ti == aj))
        return PENALTY["date"] * (gap > 0) + PENALTY["months"] * ((gap > MONTH) & same_kind) + PENALTY["roles"] * swapped

    def agrees(self, k: int, members: list[int]) -> bool:
        """Record ``k`` may join the event of ``members``: nothing rules it out or speaks against it."""
        others = np.array(members)
        mine = np.full(len(others), k)
        return bool(self.compatible(mine, others).all() and not self.penalty(mine, others).any())

    # ------------------------------------------------------------------ scores
    def score(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Weighted overlap of pairs (i[k], j[k]) with global term weights; -1 where ruled out."""
        s = np.zeros(len(i))
        products = _pair_products(i, j)
        for k in _TEXT_CHANNELS:
            s += WEIGHTS[k] * products(self.ch[k])
        for k in _SET_CHANNELS:
            size = np.asarray(self.ch[k].sum(axis=1)).ravel()
            s += WEIGHTS[k] * _jaccard(products(self.ch[k]), size[i], size[j])
        s = self._with_meaning(s, np.einsum("ij,ij->i", self.emb[i], self.emb[j]), self.central[i] & self.central[j])
        s -= self.penalty(i, j)
        return np.where(self.compatible(i, j), s, -1.0)

    @staticmethod
    def _with_meaning(words: np.ndarray, cosine: np.ndarray, both_have: np.ndarray) -> np.ndarray:
        """Add the lead vectors' channel where both records have one (central records); else the
        word channels stand for the whole score (scaled up by the missing channel's share)."""
        w = WEIGHTS["embedding"]
        return np.where(both_have, words + w * cosine, words / (1.0 - w))

    def group_scores(self, idx: np.ndarray) -> np.ndarray:
        """Condensed pair scores inside one group, word and name channels weighted by a local IDF."""
        n = len(idx)
        iu, ju = np.triu_indices(n, 1)
        s = np.zeros((n, n))
        for k in _TEXT_CHANNELS:
            w = _local_idf(self.ch[k][idx])
            s += WEIGHTS[k] * (w @ w.T).toarray()
        for k in _SET_CHANNELS:
            m = _compact(self.ch[k][idx])
            size = np.asarray(m.sum(axis=1)).ravel()
            s += WEIGHTS[k] * _jaccard((m @ m.T).toarray(), size[:, None], size[None, :])
        a, b = idx[iu], idx[ju]
        emb = self.emb[idx]
        s = self._with_meaning(s[iu, ju], (emb @ emb.T)[iu, ju], self.central[a] & self.central[b])
        return np.where(self.compatible(a, b), s - self.penalty(a, b), -1.0)

    def candidate_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i < j) worth scoring: central records whose lead vectors pass the prefilter, and
        any pair with a record mentioned in passing that nothing rules out."""
        central = np.flatnonzero(self.central)
        sims = self.emb[central] @ self.emb[central].T
        ci, cj = np.nonzero(np.triu(sims >= PREFILTER, 1))
        out_i, out_j = [central[ci]], [central[cj]]
        n = len(self)
        for p in np.flatnonzero(~self.central):
            others = np.arange(n)
            others = others[(others != p) & (self.central | (others > p))]
            others = others[self.compatible(np.full(len(others), p), others)]
            out_i.append(np.minimum(others, p))
            out_j.append(np.maximum(others, p))
        return np.concatenate(out_i).astype(int), np.concatenate(out_j).astype(int)

    def links(self, min_score: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs (:meth:`candidate_pairs`) with their scores >= ``min_score``."""
        i, j = self.candidate_pairs()
        s = self.score(i, j) if len(i) else np.zeros(0)
        keep = s >= min_score
        return i[keep], j[keep], s[keep]

    def components_links(self) -> tuple[np.ndarray, np.ndarray]:
        """What joins records into components: central records linked at ``ATTACH`` and each record
        mentioned in passing to its own article's central record."""
        central = np.flatnonzero(self.central)
        sims = self.emb[central] @ self.emb[central].T
        ci, cj = np.nonzero(np.triu(sims >= PREFILTER, 1))
        i, j = central[ci], central[cj]
        keep = self.score(i, j) >= ATTACH if len(i) else np.zeros(0, bool)
        home = {a: k for k, a in zip(central, self.article[central])}
        passing = [(p, home[self.article[p]]) for p in np.flatnonzero(~self.central) if self.article[p] in home]
        pi = np.array([p for p, _ in passing], dtype=int)
        pj = np.array([c for _, c in passing], dtype=int)
        return np.concatenate([i[keep], pi]), np.concatenate([j[keep], pj])


GRAM_ROWS = 4000  # most rows whose all-pairs products are taken at once (a dense square of this side)


def _pair_products(i: np.ndarray, j: np.ndarray) -> Callable[[csr_matrix], np.ndarray]:
    """For pairs (i[k], j[k]), a function giving a matrix's row dot products m[i[k]] . m[j[k]]. A
    component's all-pairs scoring asks for most pairs of its rows: one product of those rows with
    themselves is then far cheaper than pulling out and multiplying two rows per pair (which grew
    with the components, batch after batch). Which way is decided once for all channels."""
    rows, inverse = np.unique(np.concatenate([i, j]), return_inverse=True)
    if len(i) > 2 * len(rows) and len(rows) <= GRAM_ROWS:
        a, b = inverse[:len(i)], inverse[len(i):]

        def through_rows(m: csr_matrix) -> np.ndarray:
            sub = _compact(m[rows])
            return (sub @ sub.T).toarray()[a, b]
        return through_rows
    return lambda m: np.asarray(m[i].multiply(m[j]).sum(axis=1)).ravel()


def _compact(m: csr_matrix) -> csr_matrix:
    """The same rows over only the columns they use, in the same order: transposing a few rows
    of 2**20 columns (for their products) otherwise costs a pass over every column."""
    cols, inverse = np.unique(m.indices, return_inverse=True)
    return csr_matrix((m.data, inverse.astype(m.indices.dtype), m.indptr), shape=(m.shape[0], len(cols)))


def _jaccard(a: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Jaccard from intersections and set sizes (0 where both sets are empty)."""
    union = size_a + size_b - a
    return np.divide(a, union, out=np.zeros_like(a, dtype=float), where=union > 0)


def _local_idf(m: csr_matrix) -> csr_matrix:
    """Rows re-weighted by smoothed IDF over these rows only, L2-normalised (columns compacted)."""
    n = m.shape[0]
    cols, inverse, df = np.unique(m.indices, return_inverse=True, return_counts=True)
    data = m.data * (np.log((n + 1) / (df[inverse] + 1)) + 1.0)
    return _unit_rows(csr_matrix((data, inverse, m.indptr), shape=(n, max(len(cols), 1))))


def connected(n: int, i: np.ndarray, j: np.ndarray) -> list[list[int]]:
    """Connected components of ``n`` nodes linked by the pairs (i[k], j[k]), each sorted, in order
    of their smallest node."""
    sets = UnionFind(n)
    for a, b in zip(i.tolist(), j.tolist()):
        sets.union(a, b)
    return sets.groups()


def _slices(table: Table, members: list[int]) -> list[list[int]]:
    """A group in canonical order, cut into consecutive time slices of at most ``MAX_BLOCK``."""
    if len(members) <= MAX_BLOCK:
        return [members]
    pub = [ordinal(table.records[k].published) for k in members]
    by_time = sorted(members, key=lambda k: (np.nan_to_num(pub[members.index(k)], nan=-np.inf), table.records[k].key))
    parts = math.ceil(len(by_time) / MAX_BLOCK)
    size = math.ceil(len(by_time) / parts)
    return [sorted(by_time[a:a + size], key=lambda k: table.records[k].key) for a in range(0, len(by_time), size)]


def _average_linkage(table: Table, members: list[int], local: bool) -> list[list[int]]:
    """Average linkage on pair scores above ``CUT``, each time slice on its own; with ``local``
    the word channels are weighted within the group (:meth:`Table.group_scores`)."""
    out = []
    for block in _slices(table, members):
        if len(block) == 1:
            out.append(block)
            continue
        idx = np.array(block)
        if local:
            sims = table.group_scores(idx)
        else:
            iu, ju = np.triu_indices(len(idx), 1)
            sims = table.score(idx[iu], idx[ju])
        # an incompatible pair (score -1) vetoes any event holding both: its distance outweighs
        # every other pair of two groups of a block put together
        dist = np.where(sims < 0, VETO, np.clip(1.0 - sims, 0.0, None))
        labels = fcluster(linkage(dist, method="average"), 1.0 - CUT, criterion="distance")
        groups: dict[int, list[int]] = {}
        for k, lab in zip(block, labels):
            groups.setdefault(int(lab), []).append(k)
        out.extend(groups.values())
    return out


def _cluster_kind(table: Table, members: list[int], pairs: dict[tuple[int, int], float], local: bool) -> list[list[int]]:
    """Events among records of one kind: average linkage inside groups linked at ``LINK``, then
    each record left alone joins the event it matches best at ``ATTACH`` if no member rules it out.
    Central records are weighed within their group (``local``): nothing else keeps a story's
    events apart. Records mentioned in passing are already kept apart by type, time and place."""
    pos = {k: n for n, k in enumerate(members)}
    strong = [(pos[a], pos[b]) for (a, b), s in pairs.items() if s >= LINK and a in pos and b in pos]
    groups = []
    for comp in connected(len(members), np.array([a for a, _ in strong], int), np.array([b for _, b in strong], int)):
        groups.extend(_average_linkage(table, [members[c] for c in comp], local))
    return _attach_alone(table, groups, pairs)


def _attach_alone(table: Table, groups: list[list[int]], pairs: dict[tuple[int, int], float]) -> list[list[int]]:
    """Each record left alone joins the non-singleton group of its best match (>= ATTACH) when
    it is compatible with every member; the others stay alone."""
    group_of = {k: g for g, members in enumerate(groups) for k in members}
    sizes = [len(g) for g in groups]
    out = [list(g) for g in groups]
    for g, members in enumerate(groups):
        if len(members) != 1:
            continue
        k = members[0]
        best = _best(k, [m for m in group_of if sizes[group_of[m]] > 1], pairs, table)
        if best is not None:
            target = group_of[best]
            if table.agrees(k, groups[target]):
                out[target].append(k)
                out[g] = []
    return [sorted(g) for g in out if g]


def _best(k: int, pool: list[int], pairs: dict[tuple[int, int], float], table: Table) -> int | None:
    """The pool record ``k`` scores highest with (ties: the smaller key), if that reaches ATTACH."""
    scored = [(pairs.get((min(k, p), max(k, p)), -1.0), p) for p in pool]
    scored = [(s, p) for s, p in scored if s >= ATTACH]
    if not scored:
        return None
    return max(scored, key=lambda sp: (sp[0], [-ord(c) for c in table.records[sp[1]].key]))[1]


def cluster_component(records: Sequence[EventRecord]) -> list[list[str]]:
    """The events of one component: lists of record keys, each sorted, in order of first key."""
    ordered = sorted(records, key=lambda r: r.key)
    table = Table(ordered)
    i, j, s = table.links(ATTACH)
    pairs = {(int(a), int(b)): float(x) for a, b, x in zip(i, j, s)}
    central = [k for k in range(len(table)) if table.central[k]]
    passing = [k for k in range(len(table)) if not table.central[k]]
    events = _cluster_kind(table, central, pairs, local=True)
    event_of = {k: e for e, members in enumerate(events) for k in members}
    rest = []
    for k in passing:
        best = _best(k, central, pairs, table)
        if best is not None and table.agrees(k, events[event_of[best]]):
            events[event_of[best]].append(k)
            continue
        rest.append(k)
    events += _cluster_kind(table, rest, pairs, local=False)
    keyed = [sorted(table.records[k].key for k in e) for e in events]
    return sorted(keyed, key=lambda e: e[0])
