"""The incremental event engine: takes analysed articles into the store's events, a batch at a time.

Per article version the analysis stage has already stored its event records (features, vectors,
mentions) and its dedup signature; nothing here recomputes them. For each batch of new article
versions, in one transaction that holds the writer lock:

1. **Replaced versions** leave: their records, signature and duplicate links are removed.
2. **Copies** are found (exact hash, the persistent MinHash LSH bands, lead vectors for rewrites)
   and each touched group of copies is given its original again.
3. **Candidates**: the stored central records whose lead vectors are close to a new one's (an exact
   cosine search over those filed within ``WINDOW`` days of its day, held in memory between
   batches) are scored against it; the components (:mod:`storyline.cluster.similarity`) those it
   links to are loaded whole. A record's day is its own date when its text gives one, else its
   publication (``record_day``): a late report of an old happening is still searched beside it.
4. **Re-clustering** of just those components, as one pure function of their members, so a batch
   gives what a single run over everything gives.
5. **Stable ids**: an event keeps its id while reports join it; when events merge, the id with most
   members survives; a split keeps the id on the largest part. Merges and splits are written to
   ``event_history``.
6. **Reconciliation** of every event whose members or sources changed; articles get their
   ``main_event`` (the event of their central record).

A batch is one transaction: killed at any moment, the database keeps the previous batch's state and
the rerun takes the same articles again.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storyline.cluster.similarity import (
    ATTACH,
    PREFILTER,
    Table,
    cluster_component,
    connected,
    day_of,
    record_day,
)
from storyline.dedup import (
    JACCARD,
    LEAD_COSINE,
    DuplicateInfo,
    DuplicateLink,
    Signature,
    bands,
    copies,
    exact_kind,
    is_rewrite,
    jaccard,
    link,
)
from storyline.extract.ontology import lookup
from storyline.models import EventMention, EventRecord, MentionRef, from_dict
from storyline.reconcile.claims import reconcile_event
from storyline.store.db import Store, blob_vector, delete_events, write_event
from storyline.store.schema import (
    AnalysisRow,
    ArticleRow,
    BandRow,
    DuplicateLinkRow,
    EngineStateRow,
    EventHistoryRow,
    RecordRow,
    SignatureRow,
)

BATCH = 500  # article versions taken in per transaction
CANDIDATES = 256  # most similar central records scored against each new one
WINDOW = 60  # days either side of a record's (or an article's) day within which its candidates are searched
SPAN = 7  # days per bucket of the vector search


@dataclass
class StoredRecord:
    record: EventRecord
    refs: list[MentionRef]
    component: str | None = None
    event_id: str | None = None


@dataclass
class EngineReport:
    articles: int = 0
    batches: int = 0
    events_changed: int = 0
    merges: int = 0
    splits: int = 0


class _Bucket:
    """Unit vectors by key in one growing matrix (deleted rows are zeroed)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.pos: dict[str, int] = {}
        self.mat = np.zeros((256, 384), dtype=np.float32)

    def add(self, key: str, vec: np.ndarray) -> None:
        if key in self.pos:
            self.mat[self.pos[key]] = vec
            return
        if len(self.keys) == len(self.mat):
            self.mat = np.vstack([self.mat, np.zeros_like(self.mat)])
        self.pos[key] = len(self.keys)
        self.mat[len(self.keys)] = vec
        self.keys.append(key)

    def remove(self, key: str) -> None:
        self.mat[self.pos.pop(key)] = 0.0


class _Vectors:
    """Unit vectors by key, filed by day in buckets of ``SPAN`` days, for exact cosine search over
    the buckets within ``WINDOW`` days of a query's day: the work per query stays flat as the store
    grows over time. Keys without a day are seen by every query; a query without a day sees all."""

    def __init__(self) -> None:
        self.buckets: dict[int | None, _Bucket] = {}
        self.bucket_of: dict[str, int | None] = {}

    def add(self, key: str, vec: np.ndarray, day: int | None) -> None:
        b = None if day is None else day // SPAN
        if key in self.bucket_of and self.bucket_of[key] != b:
            self.remove(key)
        self.buckets.setdefault(b, _Bucket()).add(key, vec)
        self.bucket_of[key] = b

    def remove(self, key: str) -> None:
        if key in self.bucket_of:
            self.buckets[self.bucket_of.pop(key)].remove(key)

    def near(self, vecs: np.ndarray, days: list[int | None], threshold: float, cap: int) -> list[list[str]]:
        """For each query vector, the keys with cosine >= threshold, at most ``cap``, closest first."""
        out: list[list[str]] = [[] for _ in range(len(vecs))]
        by_bucket: dict[int | None, list[int]] = defaultdict(list)
        for q, day in enumerate(days):
            by_bucket[None if day is None else day // SPAN].append(q)
        reach = WINDOW // SPAN + 1
        for qb, queries in by_bucket.items():
            part_vecs = vecs[queries]
            seen = sorted((b for b in self.buckets if b is None or qb is None or abs(b - qb) <= reach),
                          key=lambda b: -1 if b is None else b)
            rows, sims, keys = [], [], []
            for b in seen:
                bucket = self.buckets[b]
                block = part_vecs @ bucket.mat[: len(bucket.keys)].T
                r, c = np.nonzero(block >= threshold)
                rows.append(r)
                sims.append(block[r, c])
                keys += [bucket.keys[x] for x in c]
            if not keys:
                continue
            row, sim = np.concatenate(rows), np.concatenate(sims)
            order = np.lexsort((-sim, row))  # by query, closest first
            bounds = np.searchsorted(row[order], np.arange(len(queries) + 1))
            for n, q in enumerate(queries):
                part = order[bounds[n]:bounds[n + 1]]
                if len(part) > cap:  # ties (copies share a lead vector) go by key, so the cut is order-free
                    part = sorted(part, key=lambda x: (-sim[x], keys[x]))[:cap]
                out[q] = [keys[x] for x in part]
        return out


_RECORD = select(*RecordRow.__table__.c)  # plain rows: records are read by the thousand


def _decode(row) -> StoredRecord:
    data = json.loads(row.payload)
    mentions = [from_dict(EventMention, m) for m in data.pop("mention_data")]
    title = data.pop("title", None)
    rec = from_dict(EventRecord, data)
    rec.embedding = blob_vector(row.embedding) if row.embedding is not None else None
    refs = [MentionRef(rec.article_id, i, m, rec.published, title) for i, m in zip(rec.mentions, mentions)]
    return StoredRecord(rec, refs, row.component, row.event_id)


def _signature(row, art) -> Signature:
    return Signature(row.article_id, row.content_hash, art.published, art.publisher, len(art.text),
                     np.frombuffer(row.minhash, dtype=np.uint64), blob_vector(row.lead))


def fresh_id(anchor: str, taken: set[str]) -> str:
    """An event id from the key of its first record: stable, and never one already in use."""
    n = 0
    while True:
        eid = "ev-" + hashlib.sha1((anchor if n == 0 else f"{anchor}/{n}").encode()).hexdigest()[:12]
        if eid not in taken:
            return eid
        n += 1


class EventEngine:
    """Takes pending article versions into events, batch by batch (see module doc)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._records: _Vectors | None = None
        self._leads: _Vectors | None = None
        self._generation: int | None = None

    def pending(self) -> int:
        """Article versions analysed but not yet taken into events."""
        with Session(self.store.engine) as s:
            return s.scalar(select(func.count()).select_from(ArticleRow).where(*_pending_filter())) or 0

    def run(self, batch: int = BATCH, on_batch: Callable[[int], None] | None = None, before: str | None = None,
            report: EngineReport | None = None) -> EngineReport:
        """Take pending article versions in, ``batch`` at a time in id order. With ``before`` (the
        first article the analysis, saving in id order, has not saved yet), only whole batches of
        ids that sort before it: the batches a run after the analysis would take, so the events do
        not depend on whether the engine ran beside the analysis or after it."""
        report = report or EngineReport()
        while True:
            try:
                with self.store.writing() as s:
                    n = self._step(s, batch, report, before)
            except BaseException:
                self._records = self._leads = None  # the vectors may hold what was rolled back
                raise
            if not n:
                return report
            report.articles += n
            report.batches += 1
            if on_batch:
                on_batch(n)

    # ------------------------------------------------------------------ one batch
    def _step(self, s: Session, batch: int, report: EngineReport, before: str | None = None) -> int:
        pending = select(ArticleRow).where(*_pending_filter())
        if before is not None:  # compared by the database, in the order it sorts ids by
            pending = pending.where(ArticleRow.id < before)
        rows = s.scalars(pending.order_by(ArticleRow.id).limit(batch)).all()
        if not rows or (before is not None and len(rows) < batch):
            return 0
        self._load_indexes(s)
        ids = [r.id for r in rows]
        current = {(a.id, a.content_hash) for a in rows}
        stale = [r for r in s.execute(select(RecordRow.key, RecordRow.article_id, RecordRow.content_hash, RecordRow.component,
                                             RecordRow.event_id).where(RecordRow.article_id.in_(ids)))
                 if (r.article_id, r.content_hash) not in current]
        dup_changed = self._deduplicate(s, rows)
        new = [_decode(r) for r in s.execute(_RECORD.where(RecordRow.article_id.in_(ids), RecordRow.component.is_(None)))
               if (r.article_id, r.content_hash) in current]
        touched_components = {r.component for r in stale if r.component}
        old_events = {r.event_id for r in stale if r.event_id}
        for r in stale:
            self._records.remove(r.key)
        s.execute(delete(RecordRow).where(RecordRow.key.in_([r.key for r in stale])))
        touched_components |= self._linked_components(s, new)
        members = [_decode(r) for r in s.execute(_RECORD.where(RecordRow.component.in_(touched_components)))] \
            if touched_components else []
        union = {m.record.key: m for m in members + new}
        old_events |= {m.event_id for m in union.values() if m.event_id}
        events = self._cluster(list(union.values()), old_events, s, report)
        for m in new:
            if m.record.central:
                self._records.add(m.record.key, m.record.embedding, record_day(m.record))
        rebuild = set(events) | self._events_of_articles(s, dup_changed)
        self._write_events(s, rebuild, union, old_events - set(events))
        s.execute(update(ArticleRow).where(ArticleRow.id.in_(ids), ArticleRow.is_current.is_(True))
                  .values(engine_hash=ArticleRow.content_hash))
        self._bump_generation(s)
        report.events_changed += len(rebuild)
        return len(rows)

    # ------------------------------------------------------------------ indexes
    def _load_indexes(self, s: Session) -> None:
        gen = s.scalar(select(EngineStateRow.value).where(EngineStateRow.name == "generation")) or 0
        if self._records is not None and gen == self._generation:
            return
        self._records, self._leads = _Vectors(), _Vectors()
        for key, blob, day in s.execute(select(RecordRow.key, RecordRow.embedding, RecordRow.day).where(
                RecordRow.component.is_not(None), RecordRow.central.is_(True))):
            self._records.add(key, blob_vector(blob), day)
        taken = (select(SignatureRow.article_id, SignatureRow.lead, ArticleRow.published)
                 .join(ArticleRow, (ArticleRow.id == SignatureRow.article_id) & (ArticleRow.content_hash == SignatureRow.content_hash))
                 .where(ArticleRow.is_current.is_(True), ArticleRow.engine_hash == ArticleRow.content_hash))
        for article_id, blob, published in s.execute(taken):
            self._leads.add(article_id, blob_vector(blob), day_of(published))
        self._generation = gen

    def _bump_generation(self, s: Session) -> None:
        row = s.get(EngineStateRow, "generation")
        if row is None:
            s.add(EngineStateRow(name="generation", value=1))
            self._generation = 1
        else:
            row.value += 1
            self._generation = row.value

    # ------------------------------------------------------------------ dedup
    def _deduplicate(self, s: Session, rows: list[ArticleRow]) -> set[str]:
        """Link the batch's articles to their copies; return the articles whose copy status changed.
        Each test looks at a pair alone, so which side of a pair is new does not matter."""
        ids = [r.id for r in rows]
        by_id = {r.id: r for r in rows}
        # a new version's old links go: its copies are found again from its new text
        gone = s.scalars(select(DuplicateLinkRow).where(or_(DuplicateLinkRow.a.in_(ids), DuplicateLinkRow.b.in_(ids)))).all()
        affected = set(ids) | {x for ln in gone for x in (ln.a, ln.b)}
        s.execute(delete(DuplicateLinkRow).where(or_(DuplicateLinkRow.a.in_(ids), DuplicateLinkRow.b.in_(ids))))
        for band in s.scalars(select(BandRow).where(BandRow.article_id.in_(ids))):
            if band.content_hash != by_id[band.article_id].content_hash:
                s.delete(band)  # a replaced version's buckets
        for a in ids:
            self._leads.remove(a)
        sigs = self._signatures(s, rows)
        near = self._near_leads(sigs)
        others = self._candidates(s, sigs, set(ids), {b for _, b in near})
        texts = {r.id: r.text for r in rows} | {a.id: a.text for a in others.values()}
        known = sigs | self._signatures(s, list(others.values()))
        near_of: dict[str, set[str]] = defaultdict(set)
        for x, y in near:
            near_of[x].add(y)
        keys = {k: [sig.content_hash, *bands(sig.minhash)] for k, sig in known.items()}
        mates: dict[object, set[str]] = defaultdict(set)  # a content hash or an LSH bucket -> articles
        for k, ks in keys.items():
            for key in ks:
                mates[key].add(k)
        found: dict[tuple[str, str], DuplicateLink] = {}
        for a, sig in sorted(sigs.items()):
            cands = set().union(*(mates[key] for key in keys[a]))
            cands |= near_of[a]
            for b in sorted(cands - {a}):
                if (min(a, b), max(a, b)) not in found:
                    ln = self._test(sig, known[b], texts, (a, b) in near or (b, a) in near)
                    if ln is not None:
                        found[(ln.a, ln.b)] = ln
        for ln in found.values():
            s.add(DuplicateLinkRow(a=ln.a, b=ln.b, kind=ln.kind, similarity=ln.similarity))
            affected |= {ln.a, ln.b}
        for a, sig in sigs.items():
            self._leads.add(a, sig.lead, day_of(sig.published))
        s.flush()
        return self._regroup(s, affected)

    @staticmethod
    def _test(a: Signature, b: Signature, texts: dict[str, str], near: bool) -> DuplicateLink | None:
        """Exact, syndicated or rewritten copy, cheapest test first (rewrites only for close leads)."""
        if a.content_hash == b.content_hash:
            return link(a, b, exact_kind(a, b), 1.0)
        j = jaccard(a.minhash, b.minhash)
        if j >= JACCARD:
            return link(a, b, "syndicated", j)
        if near and is_rewrite(texts[a.article_id], texts[b.article_id]):
            return link(a, b, "rewritten", float(a.lead @ b.lead))
        return None

    def _signatures(self, s: Session, rows: list) -> dict[str, Signature]:
        """The signatures of these article versions (rows with id, content_hash, published,
        publisher and text)."""
        by_id = {r.id: r for r in rows}
        out = {}
        for chunk in range(0, len(rows), 500):
            part = [r.id for r in rows[chunk:chunk + 500]]
            for row in s.execute(select(*SignatureRow.__table__.c).where(SignatureRow.article_id.in_(part))):
                if row.content_hash == by_id[row.article_id].content_hash:
                    out[row.article_id] = _signature(row, by_id[row.article_id])
        return out

    def _candidates(self, s: Session, sigs: dict[str, Signature], batch: set[str], close_leads: set[str]) -> dict:
        """Articles taken in before that may be copies of the batch's: the same text, a shared
        LSH bucket, or a close lead vector (``close_leads``)."""
        ids: set[str] = set(close_leads)
        hashes = sorted({sig.content_hash for sig in sigs.values()})
        for chunk in range(0, len(hashes), 500):
            ids |= set(s.scalars(select(ArticleRow.id).where(ArticleRow.content_hash.in_(hashes[chunk:chunk + 500]))))
        keys: dict[int, set[int]] = defaultdict(set)
        for sig in sigs.values():
            for band, bucket in bands(sig.minhash):
                keys[band].add(bucket)
        for band, buckets in keys.items():
            ordered = sorted(buckets)
            for chunk in range(0, len(ordered), 500):
                ids |= set(s.scalars(select(BandRow.article_id).where(BandRow.band == band,
                                                                      BandRow.bucket.in_(ordered[chunk:chunk + 500]))))
        wanted = sorted(ids - batch)
        out = {}
        for chunk in range(0, len(wanted), 500):
            for row in s.execute(select(ArticleRow.id, ArticleRow.content_hash, ArticleRow.published, ArticleRow.publisher,
                                        ArticleRow.text).where(ArticleRow.id.in_(wanted[chunk:chunk + 500]),
                                                               ArticleRow.is_current.is_(True),
                                                               ArticleRow.engine_hash == ArticleRow.content_hash)):
                out[row.id] = row
        return out

    def _near_leads(self, sigs: dict[str, Signature]) -> set[tuple[str, str]]:
        """Pairs (new, other) whose lead vectors are close enough for the rewrite test."""
        if not sigs:
            return set()
        names = sorted(sigs)
        mat = np.vstack([sigs[a].lead for a in names])
        days = [day_of(sigs[a].published) for a in names]
        out = {(a, b) for a, ks in zip(names, self._leads.near(mat, days, LEAD_COSINE, CANDIDATES)) for b in ks}
        close = np.argwhere(mat @ mat.T >= LEAD_COSINE)
        return out | {(names[x], names[y]) for x, y in close if x != y}

    def _regroup(self, s: Session, affected: set[str]) -> set[str]:
        """Give every group of copies that holds an affected article its original again; return
        the articles whose duplicate columns changed."""
        members, links, frontier = set(affected), {}, set(affected)
        while frontier:
            found = []
            part = sorted(frontier)
            for chunk in range(0, len(part), 500):
                ids = part[chunk:chunk + 500]
                found += s.scalars(select(DuplicateLinkRow).where(or_(DuplicateLinkRow.a.in_(ids), DuplicateLinkRow.b.in_(ids)))).all()
            frontier = set()
            for ln in found:
                links[ln.pk] = DuplicateLink(ln.a, ln.b, ln.kind, ln.similarity)
                frontier |= {ln.a, ln.b} - members
            members |= frontier
        rows: dict[str, ArticleRow] = {}
        ordered = sorted(members)
        for chunk in range(0, len(ordered), 500):
            for r in s.scalars(select(ArticleRow).where(ArticleRow.id.in_(ordered[chunk:chunk + 500]), ArticleRow.is_current.is_(True))):
                rows[r.id] = r
        sigs = self._signatures(s, list(rows.values()))
        by_group: dict[int, list[str]] = defaultdict(list)
        for comp in connected(len(ordered), *self._pairs(ordered, links.values())):
            for k in comp:
                by_group[comp[0]].append(ordered[k])
        changed = set()
        for group in by_group.values():
            group_links = [ln for ln in links.values() if ln.a in group]
            info = copies([sigs[a] for a in group if a in sigs], group_links) if group_links else {}
            for aid in group:
                row = rows.get(aid)
                if row is None:
                    continue
                d: DuplicateInfo | None = info.get(aid)
                new = (d.duplicate_of, d.kind, d.similarity) if d else (None, None, None)
                if (row.duplicate_of, row.duplicate_kind, row.duplicate_similarity) != new:
                    row.duplicate_of, row.duplicate_kind, row.duplicate_similarity = new
                    changed.add(aid)
        return changed

    @staticmethod
    def _pairs(ordered: list[str], links) -> tuple[np.ndarray, np.ndarray]:
        pos = {a: k for k, a in enumerate(ordered)}
        pairs = [(pos[ln.a], pos[ln.b]) for ln in links if ln.a in pos and ln.b in pos]
        return np.array([a for a, _ in pairs], dtype=int), np.array([b for _, b in pairs], dtype=int)

    # ------------------------------------------------------------------ clustering
    def _linked_components(self, s: Session, new: list[StoredRecord]) -> set[str]:
        """Components of the stored central records a new central record links to (records
        mentioned in passing go where their article's central record goes)."""
        new = [m for m in new if m.record.central]
        if not new:
            return set()
        near = self._records.near(np.vstack([m.record.embedding for m in new]), [record_day(m.record) for m in new],
                                  PREFILTER, CANDIDATES)
        keys = sorted({k for ks in near for k in ks})
        if not keys:
            return set()
        stored = {}
        for chunk in range(0, len(keys), 500):
            for row in s.execute(_RECORD.where(RecordRow.key.in_(keys[chunk:chunk + 500]))):
                stored[row.key] = _decode(row)
        table = Table([m.record for m in new] + [stored[k].record for k in keys if k in stored])
        pos = {r.key: n for n, r in enumerate(table.records)}
        i, j = [], []
        for q, ks in enumerate(near):
            for k in ks:
                if k in pos:
                    i.append(q)
                    j.append(pos[k])
        if not i:
            return set()
        scores = table.score(np.array(i), np.array(j))
        return {stored[table.records[b].key].component for b, sc in zip(j, scores) if sc >= ATTACH}

    def _cluster(self, union: list[StoredRecord], old_events: set[str], s: Session, report: EngineReport) -> dict[str, list[StoredRecord]]:
        """Re-cluster the touched records; assign stable ids; record merges and splits."""
        if not union:
            return {}
        by_key = {m.record.key: m for m in union}
        table = Table(sorted((m.record for m in union), key=lambda r: r.key))
        i, j = table.components_links()
        groups: list[list[str]] = []
        for comp in connected(len(table), i, j):
            recs = [table.records[c] for c in comp]
            component = min(r.key for r in recs)
            for keys in cluster_component(recs):
                groups.append(keys)
                for k in keys:
                    by_key[k].component = component
        old_of = {k: m.event_id for k, m in by_key.items() if m.event_id}
        ids = self._stable_ids(groups, old_of, old_events, {k: m.record.published for k, m in by_key.items()})
        events: dict[str, list[StoredRecord]] = {}
        for eid, keys in zip(ids, groups):
            events[eid] = [by_key[k] for k in keys]
            for k in keys:
                by_key[k].event_id = eid
        s.execute(update(RecordRow), [{"key": k, "component": m.component, "event_id": m.event_id} for k, m in by_key.items()])
        self._history(s, groups, ids, old_of, report)
        return events

    @staticmethod
    def _stable_ids(groups: list[list[str]], old_of: dict[str, str], old_events: set[str],
                    published: dict[str, str | None]) -> list[str]:
        """Each group keeps the old id most of its members had (a merge keeps the largest
        event's id, a split keeps it on its largest part); groups with none get a fresh id."""
        shared = Counter((g, old_of[k]) for g, keys in enumerate(groups) for k in keys if k in old_of)
        ids: list[str | None] = [None] * len(groups)
        used: set[str] = set()
        for (g, old), _n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
            if ids[g] is None and old not in used:
                ids[g] = old
                used.add(old)
        taken = used | old_events
        for g, keys in enumerate(groups):
            if ids[g] is None:
                anchor = min(keys, key=lambda k: (published.get(k) or "9999", k))
                ids[g] = fresh_id(anchor, taken)
                taken.add(ids[g])
        return ids  # type: ignore[return-value]

    @staticmethod
    def _history(s: Session, groups: list[list[str]], ids: list[str], old_of: dict[str, str], report: EngineReport) -> None:
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        went: dict[str, set[str]] = defaultdict(set)
        for eid, keys in zip(ids, groups):
            for k in keys:
                if k in old_of:
                    went[old_of[k]].add(eid)
        merged_into: dict[str, list[str]] = defaultdict(list)
        for old, dest in sorted(went.items()):
            if len(dest) > 1:
                s.add(EventHistoryRow(at=at, kind="split", from_ids=json.dumps([old]), to_ids=json.dumps(sorted(dest))))
                report.splits += 1
            elif old not in ids:
                merged_into[next(iter(dest))].append(old)
        for eid, olds in sorted(merged_into.items()):
            s.add(EventHistoryRow(at=at, kind="merge", from_ids=json.dumps(sorted(olds + ([eid] if eid in went else []))),
                                  to_ids=json.dumps([eid])))
            report.merges += 1

    # ------------------------------------------------------------------ events
    def _events_of_articles(self, s: Session, articles: set[str]) -> set[str]:
        if not articles:
            return set()
        return set(s.scalars(select(RecordRow.event_id).where(RecordRow.article_id.in_(articles), RecordRow.event_id.is_not(None))))

    def _write_events(self, s: Session, rebuild: set[str], known: dict[str, StoredRecord], gone: set[str]) -> None:
        """Reconcile and store the rebuilt events, drop the vanished ones, point articles at their
        main events."""
        members: dict[str, list[StoredRecord]] = defaultdict(list)
        for m in known.values():
            if m.event_id in rebuild:
                members[m.event_id].append(m)
        outside = sorted(rebuild - set(members))
        for chunk in range(0, len(outside), 500):
            for row in s.execute(_RECORD.where(RecordRow.event_id.in_(outside[chunk:chunk + 500]))):
                if row.key not in known:
                    members[row.event_id].append(_decode(row))
        gone = (gone | (rebuild - set(members)))
        articles = {m.record.article_id for ms in members.values() for m in ms}
        dup = dict(s.execute(select(ArticleRow.id, ArticleRow.duplicate_of).where(
            ArticleRow.id.in_(articles), ArticleRow.is_current.is_(True), ArticleRow.duplicate_of.is_not(None))).all())
        delete_events(s, sorted(gone | set(members)))
        mains = []
        for eid, ms in sorted(members.items()):
            refs = [r for m in sorted(ms, key=lambda m: m.record.key) for r in m.refs]
            write_event(s, reconcile_event(eid, refs, dup, lookup), refs)
            mains += [{"aid": m.record.article_id, "hash": m.record.content_hash, "eid": eid} for m in ms if m.record.central]
        if mains:
            table = ArticleRow.__table__
            s.execute(table.update().where(table.c.id == bindparam("aid"), table.c.content_hash == bindparam("hash"),
                                           table.c.is_current.is_(True)).values(main_event=bindparam("eid")), mains)


def _pending_filter():
    analysed = select(AnalysisRow.pk).where(AnalysisRow.article_id == ArticleRow.id,
                                            AnalysisRow.content_hash == ArticleRow.content_hash).exists()
    return (ArticleRow.is_current.is_(True), analysed,
            (ArticleRow.engine_hash.is_(None)) | (ArticleRow.engine_hash != ArticleRow.content_hash))
