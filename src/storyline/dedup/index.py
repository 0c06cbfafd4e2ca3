"""Find copies: exact, syndicated (bot reposts) and machine-rewritten versions of one text.

Copies must not count as independent sources when claims are reconciled, so every copy is linked to
its original: the earliest published article, the longest on a tie. Three tests, cheapest first:

- exact: the same ``content_hash``; from another outlet it is syndication, with similarity 1.0;
- syndicated: MinHash over word 5-shingles of the cleaned text (URLs, bot lines and case removed),
  Jaccard >= 0.6; candidates come from the LSH bands of the signature (a persistent index);
- rewritten: few shared words but the same sentences in the same order. Candidates come from the
  cosine of lead vectors; a rewriter swaps words but keeps the names and figures, in their order,
  and keeps enough of each sentence's words (their stems) that most sentences of the shorter text
  still find their counterpart in the other, in the same order. Two independent reports of one
  event share the facts but not their order, nor sentence-by-sentence structure. (Sentence vectors
  would read paraphrase better, but cost an encoder pass per sentence of every candidate.)

Each test is symmetric and looks at the pair alone, so the copies of an article are the connected
component of its links whatever order articles arrive in, and the original is that component's
earliest article. The signature of an article version is computed once (:func:`signature`).
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import LCSseq

from storyline.cluster.tokens import content_words
from storyline.models import Article

Kind = Literal["exact", "syndicated", "rewritten"]
KIND_RANK = {"exact": 0, "syndicated": 1, "rewritten": 2}

NUM_PERM = 128
SHINGLE = 5
SHINGLE_BATCH = 50_000
JACCARD = 0.6
LEAD_COSINE = 0.6  # candidate pairs for the rewrite test (leads of a text and its rewrite)
SENT_STEMS = 0.3  # Jaccard of word stems of a sentence and its rewrite
ALIGNED_SHARE = 0.6  # share of the shorter text's sentences aligned in order ...
ALIGNED_MIN = 3  # ... and at least this many: a brief of a sentence or two says too little to tell
FACT_OVERLAP = 0.6  # share of the shorter text's numbers and names found in the other
FACT_ORDER = 0.6  # share of the shorter text's names and figures, in order, that the other repeats
_LSH = MinHashLSH(threshold=JACCARD, num_perm=NUM_PERM)  # only its banding (b, r) is used

_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"\w+")
_SENT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b", re.M)
_FACT = re.compile(_NUMBER.pattern + "|" + _NAME.pattern, re.M)
_BOT_LINE = re.compile(r"^\s*(via|from|source:|shared|posted|reposted|follow)\b.{0,80}$", re.I)


@dataclass
class Signature:
    """What an article version is compared by; ``lead`` is the unit vector of its title and lead."""

    article_id: str
    content_hash: str
    published: str | None
    publisher: str | None
    length: int
    minhash: np.ndarray  # uint64[NUM_PERM]
    lead: np.ndarray  # float32[384]


@dataclass
class DuplicateLink:
    """Two articles found to be copies of one another (``a`` < ``b``)."""

    a: str
    b: str
    kind: Kind
    similarity: float


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


def signature(article: Article, lead: np.ndarray) -> Signature:
    words = clean_words(article.text)
    m = MinHash(num_perm=NUM_PERM, seed=1)
    k = min(SHINGLE, max(len(words), 1))
    n = max(len(words) - k + 1, 1)
    for start in range(0, n, SHINGLE_BATCH):  # hashed in slices: memory stays bounded on huge texts
        m.update_batch([" ".join(words[i:i + k]).encode() for i in range(start, min(n, start + SHINGLE_BATCH))])
    return Signature(article.id, article.content_hash, article.published, article.publisher, len(article.text),
                     m.hashvalues.astype(np.uint64), np.asarray(lead, dtype=np.float32))


def bands(minhash: np.ndarray) -> list[tuple[int, int]]:
    """(band, bucket) keys of the LSH index: two texts with Jaccard >= 0.6 very likely share one."""
    out = []
    for band, (lo, hi) in enumerate(_LSH.hashranges):
        digest = hashlib.blake2b(np.ascontiguousarray(minhash[lo:hi]).tobytes(), digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "big", signed=True)))
    return out


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def sentences(text: str) -> list[str]:
    """Rough sentence split; good enough to compare sentence order between two versions."""
    return [s.strip() for s in _SENT.split(_URL.sub(" ", text)) if len(s.split()) >= 4]


def facts(text: str) -> set[str]:
    """Numbers and capitalised names: a rewrite keeps them, an independent report differs."""
    return set(_NUMBER.findall(text)) | {n.lower() for n in _NAME.findall(text)}


def _stems(sentence: str) -> set[str]:
    return {w[:5] for w in content_words(sentence)}


def _longest_rising(positions: list[int]) -> int:
    """Length of the longest non-decreasing subsequence: the part that keeps its order."""
    tails: list[int] = []
    for j in positions:
        k = bisect.bisect_right(tails, j)
        tails[k:k + 1] = [j]
    return len(tails)


def aligned_share(text_a: str, text_b: str) -> float:
    """Share of the shorter text's sentences whose closest sentence of the other (by word stems,
    at least ``SENT_STEMS``) keeps their order; 0 when fewer than ``ALIGNED_MIN`` do."""
    a, b = [_stems(x) for x in sentences(text_a)], [_stems(x) for x in sentences(text_b)]
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return 0.0
    matched = []
    for x in a:
        sims = [len(x & y) / len(x | y) if x | y else 0.0 for y in b]
        j = max(range(len(b)), key=sims.__getitem__)
        if sims[j] >= SENT_STEMS:
            matched.append(j)
    n = _longest_rising(matched)
    return n / len(a) if n >= ALIGNED_MIN else 0.0


def is_rewrite(text_a: str, text_b: str) -> bool:
    """Most names and figures shared, in the same order, and most sentences in the same order."""
    fa, fb = facts(text_a), facts(text_b)
    small = min(fa, fb, key=len)
    if small and len(fa & fb) / len(small) < FACT_OVERLAP:
        return False
    sa, sb = _fact_sequence(text_a), _fact_sequence(text_b)
    if sa and sb and LCSseq.similarity(sa, sb) / min(len(sa), len(sb)) < FACT_ORDER:
        return False
    return aligned_share(text_a, text_b) >= ALIGNED_SHARE


def _fact_sequence(text: str) -> list[str]:
    return [m.group(0).lower() for m in _FACT.finditer(text)]


def exact_kind(a: Signature, b: Signature) -> Kind:
    """The same text: a copy from the same (or an unknown) outlet, syndication from another."""
    other = a.publisher is not None and b.publisher is not None and a.publisher != b.publisher
    return "syndicated" if other else "exact"


def link(a: Signature, b: Signature, kind: Kind, similarity: float) -> DuplicateLink:
    lo, hi = sorted((a.article_id, b.article_id))
    return DuplicateLink(lo, hi, kind, round(similarity, 3))


def order_key(sig: Signature) -> tuple[str, int, str]:
    """Originals first: earliest published, then the most complete, then id for determinism."""
    return (sig.published or "9999", -sig.length, sig.article_id)


def copies(members: list[Signature], links: list[DuplicateLink]) -> dict[str, DuplicateInfo]:
    """For one connected group of articles: each copy's original (the group's first by
    :func:`order_key`) and its strongest link (kind, then similarity)."""
    root = min(members, key=order_key).article_id
    best: dict[str, DuplicateLink] = {}
    for ln in links:
        for end in (ln.a, ln.b):
            cur = best.get(end)
            if cur is None or (KIND_RANK[ln.kind], -ln.similarity) < (KIND_RANK[cur.kind], -cur.similarity):
                best[end] = ln
    return {s.article_id: DuplicateInfo(root, best[s.article_id].similarity, best[s.article_id].kind)
            for s in members if s.article_id != root and s.article_id in best}
