"""The incremental event engine: takes analysed articles into the store's events, a batch at a time.

Per article version the analysis stage has already stored its event records (features, vectors,
mentions) and its dedup signature; nothing here recomputes them. For each batch of new article
versions, in one transaction that holds the writer lock:

1. **Replaced versions** leave: their records, signature and duplicate links are removed.
2. **Copies** are found (exact hash, the persistent MinHash LSH bands, lead vectors for rewrites)
   and each touched group of copies is given its original again.
3. **Candidates**: the stored records whose vectors are close to a new record's (an exact cosine
   search over all vectors, held in memory between batches) are scored against it; the components
   (:mod:`storyline.cluster.similarity`) those it links to belong to are loaded whole.
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
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storyline.cluster.similarity import ATTACH, PREFILTER, Table, cluster_component, connected
from storyline.dedup import (JACCARD, LEAD_COSINE, DuplicateInfo, DuplicateLink, Signature, aligned, bands, copies,
                             exact_kind, jaccard, link, may_be_rewrite, order_key, sentences)
from storyline.extract.ontology import lookup
from storyline.models import EventMention, EventRecord, MentionRef, from_dict, to_dict
from storyline.reconcile.claims import reconcile_event
from storyline.store.db import Store, blob_vector, vector_blob
from storyline.store.schema import (AnalysisRow, ArticleRow, BandRow, DuplicateLinkRow, EngineStateRow,
                                    EventHistoryRow, EventMentionRow, EventRow, RecordRow, SignatureRow)

BATCH = 500  # article versions taken in per transaction
CANDIDATES = 256  # most similar records scored against each new record
SENTENCE_TOKENS = 64  # a sentence's opening word pieces: enough to tell a paraphrase of it
Embed = Callable[..., np.ndarray]


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


class _Vectors:
    """Unit vectors by key, in one growing matrix, for exact cosine search (deleted rows are zeroed)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.pos: dict[str, int] = {}
        self.mat = np.zeros((1024, 384), dtype=np.float32)

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
        if key in self.pos:
            self.mat[self.pos.pop(key)] = 0.0

    def near(self, vecs: np.ndarray, threshold: float, cap: int) -> list[list[str]]:
        """For each query vector, the keys with cosine >= threshold, at most ``cap``, closest first."""
        out: list[list[str]] = []
        live = self.mat[: len(self.keys)]
        for q in range(0, len(vecs), 256):
            sims = vecs[q:q + 256] @ live.T
            for row in sims:
                hits = np.flatnonzero(row >= threshold)
                if len(hits) > cap:
                    hits = hits[np.argsort(-row[hits], kind="stable")[:cap]]
                out.append([self.keys[h] for h in hits if self.keys[h] in self.pos])
        return out


def _decode(row: RecordRow) -> StoredRecord:
    data = json.loads(row.payload)
    mentions = [from_dict(EventMention, m) for m in data.pop("mention_data")]
    title = data.pop("title", None)
    rec = from_dict(EventRecord, data)
    rec.embedding = blob_vector(row.embedding)
    refs = [MentionRef(rec.article_id, i, m, rec.published, title) for i, m in zip(rec.mentions, mentions)]
    return StoredRecord(rec, refs, row.component, row.event_id)


def _signature(row: SignatureRow, art: ArticleRow) -> Signature:
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

    def __init__(self, store: Store, embed: Embed | None = None) -> None:
        self.store = store
        self._embed = embed
        self._records: _Vectors | None = None
        self._leads: _Vectors | None = None
        self._generation: int | None = None

    def pending(self) -> int:
        """Article versions analysed but not yet taken into events."""
        with Session(self.store.engine) as s:
            return s.scalar(select(func.count()).select_from(ArticleRow).where(*_pending_filter())) or 0

    def run(self, batch: int = BATCH, on_batch: Callable[[int], None] | None = None) -> EngineReport:
        report = EngineReport()
        while True:
            try:
                with self.store.writing() as s:
                    n = self._step(s, batch, report)
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
    def _step(self, s: Session, batch: int, report: EngineReport) -> int:
        rows = s.scalars(select(ArticleRow).where(*_pending_filter()).order_by(ArticleRow.id).limit(batch)).all()
        if not rows:
            return 0
        self._load_indexes(s)
        ids = [r.id for r in rows]
        stale = s.scalars(select(RecordRow).where(RecordRow.article_id.in_(ids),
                                                  RecordRow.content_hash.notin_([r.content_hash for r in rows]))).all()
        dup_changed = self._deduplicate(s, rows)
        new = [_decode(r) for r in s.scalars(select(RecordRow).where(
            RecordRow.article_id.in_(ids), RecordRow.component.is_(None))) if (r.article_id, r.content_hash) in
            {(a.id, a.content_hash) for a in rows}]
        touched_components = {r.component for r in stale if r.component}
        old_events = {r.event_id for r in stale if r.event_id}
        for r in stale:
            self._records.remove(r.key)
        s.execute(delete(RecordRow).where(RecordRow.key.in_([r.key for r in stale])))
        touched_components |= self._linked_components(s, new)
        members = [_decode(r) for r in s.scalars(select(RecordRow).where(RecordRow.component.in_(touched_components)))] \
            if touched_components else []
        union = {m.record.key: m for m in members + new}
        old_events |= {m.event_id for m in union.values() if m.event_id}
        events = self._cluster(list(union.values()), old_events, s, report)
        for m in new:
            self._records.add(m.record.key, m.record.embedding)
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
        for key, blob in s.execute(select(RecordRow.key, RecordRow.embedding).where(RecordRow.component.is_not(None))):
            self._records.add(key, blob_vector(blob))
        taken = (select(SignatureRow.article_id, SignatureRow.lead)
                 .join(ArticleRow, (ArticleRow.id == SignatureRow.article_id) & (ArticleRow.content_hash == SignatureRow.content_hash))
                 .where(ArticleRow.is_current.is_(True), ArticleRow.engine_hash == ArticleRow.content_hash))
        for article_id, blob in s.execute(taken):
            self._leads.add(article_id, blob_vector(blob))
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
        """Link the batch's articles to their copies; return the articles whose copy status changed."""
        ids = [r.id for r in rows]
        # a new version's old links go: its copies are found again from its new text
        gone = s.scalars(select(DuplicateLinkRow).where(or_(DuplicateLinkRow.a.in_(ids), DuplicateLinkRow.b.in_(ids)))).all()
        affected = set(ids) | {x for ln in gone for x in (ln.a, ln.b)}
        s.execute(delete(DuplicateLinkRow).where(or_(DuplicateLinkRow.a.in_(ids), DuplicateLinkRow.b.in_(ids))))
        by_id = {r.id: r for r in rows}
        for band in s.scalars(select(BandRow).where(BandRow.article_id.in_(ids))):
            if band.content_hash != by_id[band.article_id].content_hash:
                s.delete(band)  # a replaced version's buckets
        for a in ids:
            self._leads.remove(a)
        sigs = {row.article_id: _signature(row, by_id[row.article_id]) for row in s.scalars(
            select(SignatureRow).where(SignatureRow.article_id.in_(ids))) if row.content_hash == by_id[row.article_id].content_hash}
        vectors: dict[str, np.ndarray] = {}
        pairs: set[tuple[str, str]] = set()
        for art in sorted(rows, key=lambda r: order_key(sigs[r.id])):
            for ln in self._copies_of(s, art, sigs[art.id], set(ids), vectors):
                if (ln.a, ln.b) not in pairs:
                    pairs.add((ln.a, ln.b))
                    s.add(DuplicateLinkRow(a=ln.a, b=ln.b, kind=ln.kind, similarity=ln.similarity))
                    affected |= {ln.a, ln.b}
            self._leads.add(art.id, sigs[art.id].lead)
        s.flush()
        return self._regroup(s, affected)

    def _copies_of(self, s: Session, art: ArticleRow, sig: Signature, batch: set[str],
                   vectors: dict[str, np.ndarray]) -> list[DuplicateLink]:
        """Links of ``art`` to the articles taken in before and to the rest of its batch. Each test
        looks at a pair alone, so which side of a pair finds it does not matter."""
        comparable = ArticleRow.is_current.is_(True) & (ArticleRow.id != art.id) & (
            (ArticleRow.engine_hash == ArticleRow.content_hash) | ArticleRow.id.in_(batch))
        found: dict[str, DuplicateLink] = {}
        for other in s.scalars(select(ArticleRow).where(comparable, ArticleRow.content_hash == art.content_hash)):
            osig = self._sig(s, other)
            found[other.id] = link(sig, osig, exact_kind(sig, osig), 1.0)
        buckets = or_(*[(BandRow.band == b) & (BandRow.bucket == k) for b, k in bands(sig.minhash)])
        cand = sorted(set(s.scalars(select(BandRow.article_id).where(buckets, BandRow.article_id != art.id))) - set(found))
        for other in self._comparable(s, comparable, cand):
            osig = self._sig(s, other)
            j = jaccard(sig.minhash, osig.minhash)
            if j >= JACCARD:
                found[other.id] = link(sig, osig, "syndicated", j)
        near = [a for a in self._leads.near(sig.lead[None, :], LEAD_COSINE, CANDIDATES)[0] if a not in found]
        for other in self._comparable(s, comparable, near):
            osig = self._sig(s, other)
            if may_be_rewrite(art.text, other.text) and aligned(self._sentences(s, art, vectors),
                                                                self._sentences(s, other, vectors)):
                found[other.id] = link(sig, osig, "rewritten", float(sig.lead @ osig.lead))
        return list(found.values())

    @staticmethod
    def _comparable(s: Session, comparable, ids: list[str]) -> list[ArticleRow]:
        out = []
        for chunk in range(0, len(ids), 500):
            out += s.scalars(select(ArticleRow).where(comparable, ArticleRow.id.in_(ids[chunk:chunk + 500]))).all()
        return sorted(out, key=lambda r: r.id)

    def _sig(self, s: Session, art: ArticleRow) -> Signature:
        row = s.scalar(select(SignatureRow).where(SignatureRow.article_id == art.id, SignatureRow.content_hash == art.content_hash))
        return _signature(row, art)

    def _sentences(self, s: Session, art: ArticleRow, cache: dict[str, np.ndarray]) -> np.ndarray:
        """Sentence vectors of an article version: embedded once, then kept with its signature."""
        if art.id in cache:
            return cache[art.id]
        row = s.scalar(select(SignatureRow).where(SignatureRow.article_id == art.id, SignatureRow.content_hash == art.content_hash))
        if row.sentences is not None:
            vecs = np.frombuffer(row.sentences, dtype=np.float32).reshape(-1, 384)
        else:
            vecs = self._embedder()(sentences(art.text), max_tokens=SENTENCE_TOKENS)
            row.sentences = vecs.astype(np.float32).tobytes()
        cache[art.id] = vecs
        return vecs

    def _embedder(self) -> Embed:
        if self._embed is None:
            from storyline.nlp.embeddings import embed
            self._embed = embed
        return self._embed

    def _regroup(self, s: Session, affected: set[str]) -> set[str]:
        """Give every group of copies that holds an affected article its original again; return
        the articles whose duplicate columns changed."""
        groups, seen = [], set()
        for a in sorted(affected):
            if a in seen:
                continue
            members, links, todo = {a}, [], [a]
            while todo:
                x = todo.pop()
                for ln in s.scalars(select(DuplicateLinkRow).where(or_(DuplicateLinkRow.a == x, DuplicateLinkRow.b == x))):
                    if ln.pk not in {l.pk for l in links}:
                        links.append(ln)
                    for y in (ln.a, ln.b):
                        if y not in members:
                            members.add(y)
                            todo.append(y)
            seen |= members
            groups.append((members, links))
        changed = set()
        for members, links in groups:
            rows = {r.id: r for r in s.scalars(select(ArticleRow).where(ArticleRow.id.in_(members), ArticleRow.is_current.is_(True)))}
            sigs = [self._sig(s, r) for r in rows.values()]
            info = copies(sigs, [DuplicateLink(l.a, l.b, l.kind, l.similarity) for l in links]) if links else {}
            for aid, row in rows.items():
                d: DuplicateInfo | None = info.get(aid)
                new = (d.duplicate_of, d.kind, d.similarity) if d else (None, None, None)
                if (row.duplicate_of, row.duplicate_kind, row.duplicate_similarity) != new:
                    row.duplicate_of, row.duplicate_kind, row.duplicate_similarity = new
                    changed.add(aid)
        return changed

    # ------------------------------------------------------------------ clustering
    def _linked_components(self, s: Session, new: list[StoredRecord]) -> set[str]:
        """Components of the stored records a new record links to."""
        if not new:
            return set()
        near = self._records.near(np.vstack([m.record.embedding for m in new]), PREFILTER, CANDIDATES)
        keys = sorted({k for ks in near for k in ks})
        if not keys:
            return set()
        stored = {}
        for chunk in range(0, len(keys), 500):
            for row in s.scalars(select(RecordRow).where(RecordRow.key.in_(keys[chunk:chunk + 500]))):
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
        i, j, _ = table.links(ATTACH)
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
            for row in s.scalars(select(RecordRow).where(RecordRow.event_id.in_(outside[chunk:chunk + 500]))):
                if row.key not in known:
                    members[row.event_id].append(_decode(row))
        gone = (gone | (rebuild - set(members)))
        articles = {m.record.article_id for ms in members.values() for m in ms}
        dup = dict(s.execute(select(ArticleRow.id, ArticleRow.duplicate_of).where(
            ArticleRow.id.in_(articles), ArticleRow.is_current.is_(True), ArticleRow.duplicate_of.is_not(None))).all())
        drop = sorted(gone | set(members))
        for chunk in range(0, len(drop), 500):
            part = drop[chunk:chunk + 500]
            s.execute(delete(EventMentionRow).where(EventMentionRow.event_id.in_(part)))
            s.execute(delete(EventRow).where(EventRow.id.in_(part)))
            s.execute(update(ArticleRow).where(ArticleRow.main_event.in_(part)).values(main_event=None)
                      .execution_options(synchronize_session=False))
        mains = []
        for eid, ms in sorted(members.items()):
            refs = [r for m in ms for r in m.refs]
            s.add(_event_row(reconcile_event(eid, refs, dup, lookup)))
            s.add_all(EventMentionRow(event_id=eid, article_id=r.article_id, mention_index=r.index, role=r.mention.role)
                      for r in refs)
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


def _event_row(ev) -> EventRow:
    loc, date = ev.location, ev.date
    return EventRow(
        id=ev.id, type=ev.type, acled_event_type=ev.acled_event_type, acled_sub_event_type=ev.acled_sub_event_type,
        plover_type=ev.plover_type, date_start=date.start, date_end=date.end, date_precision=date.precision,
        country_code=loc.country_code, admin1=loc.admin1, location=loc.name, lat=loc.lat, lon=loc.lon,
        geo_precision=loc.precision, fatalities=ev.fatalities.best if ev.fatalities else None, sources=ev.sources,
        articles=len(ev.articles), contradictions=len(ev.contradictions), summary=ev.summary,
        payload=json.dumps(to_dict(ev), ensure_ascii=False),
    )
