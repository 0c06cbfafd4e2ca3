"""Find copies of earlier articles: exact, syndicated (bot reposts) and machine-rewritten.

Copies must not count as independent sources when claims are reconciled, so each copy is linked to
its original: the earliest published article, the longest on a tie. Three tests, cheapest first:

- exact: the same ``content_hash`` from the same (or an unknown) publisher; the same text from
  another outlet is syndicated, with similarity 1.0;
- syndicated: MinHash LSH over word 5-shingles of the cleaned text (URLs, bot lines and case
  removed), Jaccard >= 0.6;
- rewritten: few shared words but the same sentences in the same order. Candidates come from the
  cosine of lead embeddings; a pair is a rewrite when most sentences of the shorter text have a
  close paraphrase in the other (cosine >= 0.75) in the same order and numbers and names agree.
  Two independent reports of one event share the facts but not sentence-by-sentence structure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from datasketch import MinHash, MinHashLSH

from storyline.models import Article
from storyline.nlp.embeddings import embed

Kind = Literal["exact", "syndicated", "rewritten"]

NUM_PERM = 128
SHINGLE = 5
JACCARD = 0.6
LEAD_COSINE = 0.75  # candidate pairs for the rewrite test
SENT_COSINE = 0.75  # a sentence and its paraphrase
ALIGNED_SHARE = 0.7  # share of the shorter text's sentences aligned in order
FACT_OVERLAP = 0.6  # share of the shorter text's numbers and names found in the other

_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"\w+")
_SENT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b", re.M)
_BOT_LINE = re.compile(r"^\s*(via|from|source:|shared|posted|reposted|follow)\b.{0,80}$", re.I)


@dataclass
class DuplicateInfo:
    """Why an article is a copy, and of which original."""

    duplicate_of: str
    similarity: float
    kind: Kind


def clean_words(text: str) -> list[str]:
    """Lowercased words without URLs and short bot lines, so reposts shingle like the original."""
    lines = [ln for ln in text.splitlines() if not (_BOT_LINE.match(ln) and len(ln.split()) <= 12)]
    return _WORD.findall(_URL.sub(" ", "\n".join(lines)).lower())


def _minhash(words: list[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=1)
    k = min(SHINGLE, max(len(words), 1))
    m.update_batch([" ".join(words[i : i + k]).encode() for i in range(max(len(words) - k + 1, 1))])
    return m


def sentences(text: str) -> list[str]:
    """Rough sentence split; good enough to compare sentence order between two versions."""
    return [s.strip() for s in _SENT.split(_URL.sub(" ", text)) if len(s.split()) >= 4]


def _facts(text: str) -> set[str]:
    """Numbers and capitalised names: a rewrite keeps them, an independent report differs."""
    return set(_NUMBER.findall(text)) | {n.lower() for n in _NAME.findall(text)}


def _aligned_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows of ``a`` whose best match in ``b`` clears SENT_COSINE, in increasing order."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    sims = a @ b.T
    best = sims.argmax(axis=1)
    matched = [int(j) for i, j in enumerate(best) if sims[i, j] >= SENT_COSINE]
    # longest non-decreasing subsequence of matched positions: the part in the same order
    tails: list[int] = []
    for j in matched:
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] <= j:
                lo = mid + 1
            else:
                hi = mid
        tails[lo:lo + 1] = [j]
    return len(tails) / len(a)


def _order_key(a: Article) -> tuple[str, int, str]:
    """Originals first: earliest published, then the most complete, then id for determinism."""
    return (a.published or "9999", -len(a.text), a.id)


class DedupIndex:
    """Incremental dedup: ``add`` compares an article with every article added before it.

    Adding articles earliest-first gives the same answer as :func:`find_duplicates`.
    """

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=JACCARD, num_perm=NUM_PERM)
        self._hashes: dict[str, str] = {}
        self._minhash: dict[str, MinHash] = {}
        self._root: dict[str, str] = {}  # article id -> its original
        self._ids: list[str] = []
        self._texts: dict[str, str] = {}
        self._publishers: dict[str, str | None] = {}
        self._leads = np.zeros((64, 384), dtype=np.float32)  # grows by doubling
        self._sent_cache: dict[str, np.ndarray] = {}

    def add(self, article: Article) -> DuplicateInfo | None:
        """Index ``article`` and return what it copies, if anything."""
        mh = _minhash(clean_words(article.text))
        lead = embed([f"{article.title}. {article.text}" if article.title else article.text])[0]
        found = self._match(article, mh, lead)
        self._root[article.id] = self._root[found.duplicate_of] if found else article.id
        if found:
            found.duplicate_of = self._root[article.id]
        self._lsh.insert(article.id, mh)
        self._minhash[article.id] = mh
        if article.content_hash:
            self._hashes.setdefault(article.content_hash, article.id)
        if len(self._ids) == len(self._leads):
            self._leads = np.vstack([self._leads, np.zeros_like(self._leads)])
        self._leads[len(self._ids)] = lead
        self._ids.append(article.id)
        self._texts[article.id] = article.text
        self._publishers[article.id] = article.publisher
        return found

    def _sents(self, key: str, text: str) -> np.ndarray:
        if key not in self._sent_cache:
            self._sent_cache[key] = embed(sentences(text))
        return self._sent_cache[key]

    def _match(self, article: Article, mh: MinHash, lead: np.ndarray) -> DuplicateInfo | None:
        if article.content_hash and article.content_hash in self._hashes:
            original = self._hashes[article.content_hash]
            # the same words from another outlet (a wire story, a bot repost) are syndication
            other = self._publishers.get(original) not in (None, article.publisher) and article.publisher is not None
            return DuplicateInfo(original, 1.0, "syndicated" if other else "exact")
        best = max(((mh.jaccard(self._minhash[k]), k) for k in self._lsh.query(mh)), default=None)
        if best and best[0] >= JACCARD:
            return DuplicateInfo(best[1], round(float(best[0]), 3), "syndicated")
        if not self._ids:
            return None
        lead_sims = self._leads[: len(self._ids)] @ lead
        mine = self._sents(article.id, article.text)
        my_facts = _facts(article.text)
        for i in np.argsort(-lead_sims, kind="stable"):
            if lead_sims[i] < LEAD_COSINE:
                break
            other = self._ids[i]
            theirs = self._sents(other, self._texts[other])
            a, b = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
            if _aligned_share(a, b) < ALIGNED_SHARE:
                continue
            other_facts = _facts(self._texts[other])
            small = min(my_facts, other_facts, key=len)
            if small and len(my_facts & other_facts) / len(small) < FACT_OVERLAP:
                continue
            return DuplicateInfo(other, round(float(lead_sims[i]), 3), "rewritten")
        return None


def find_duplicates(articles: list[Article]) -> dict[str, DuplicateInfo]:
    """Map each copy's id to its original; originals are absent from the result."""
    index = DedupIndex()
    out: dict[str, DuplicateInfo] = {}
    for art in sorted(articles, key=_order_key):
        info = index.add(art)
        if info:
            out[art.id] = info
    return out
