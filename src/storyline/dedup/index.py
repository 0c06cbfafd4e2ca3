"""Find copies: exact, syndicated (bot reposts) and machine-rewritten versions of one text.

Copies must not count as independent sources when claims are reconciled, so every copy is linked to
its original: the earliest published article, the longest on a tie. Three tests, cheapest first:

- exact: the same ``content_hash``; from another outlet it is syndication, with similarity 1.0;
- syndicated: MinHash over word 5-shingles of the cleaned text (URLs, bot lines and case removed),
  Jaccard >= 0.6; candidates come from the LSH bands of the signature (a persistent index);
- rewritten: few shared words but the same sentences in the same order. Candidates come from the
  cosine of lead vectors; a rewriter swaps words but keeps the names and figures, in their order,
  so a candidate must keep most of them in order (cheap, no encoder); then it is a rewrite when
  most sentences of the shorter text have a close paraphrase in the other (cosine >= 0.75) in the
  same order. Two independent reports of one event share the facts but not their order, nor
  sentence-by-sentence structure.

Each test is symmetric and looks at the pair alone, so the copies of an article are the connected
component of its links whatever order articles arrive in, and the original is that component's
earliest article. The signature of an article version is computed once (:func:`signature`).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import LCSseq

from storyline.models import Article

Kind = Literal["exact", "syndicated", "rewritten"]
KIND_RANK = {"exact": 0, "syndicated": 1, "rewritten": 2}

NUM_PERM = 128
SHINGLE = 5
JACCARD = 0.6
LEAD_COSINE = 0.75  # candidate pairs for the rewrite test
SENT_COSINE = 0.75  # a sentence and its paraphrase
ALIGNED_SHARE = 0.7  # share of the shorter text's sentences aligned in order
MAX_SENTENCES = 12
LEAD_CHARS = 2000  # more than 256 word pieces of prose
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


def lead_text(article: Article) -> str:
    """What the lead vector encodes: the title and the opening of the text (the encoder reads its
    first 256 word pieces), long enough that a rewrite's swapped words barely move it."""
    return (f"{article.title}. " if article.title else "") + article.text[:LEAD_CHARS]


def signature(article: Article, lead: np.ndarray) -> Signature:
    words = clean_words(article.text)
    m = MinHash(num_perm=NUM_PERM, seed=1)
    k = min(SHINGLE, max(len(words), 1))
    m.update_batch([" ".join(words[i:i + k]).encode() for i in range(max(len(words) - k + 1, 1))])
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
    """The first sentences (rough split): a rewrite keeps their order from the start, so these
    are enough to compare, and the encoder runs on no more of a long text."""
    return [s.strip() for s in _SENT.split(_URL.sub(" ", text)) if len(s.split()) >= 4][:MAX_SENTENCES]


def facts(text: str) -> set[str]:
    """Numbers and capitalised names: a rewrite keeps them, an independent report differs."""
    return set(_NUMBER.findall(text)) | {n.lower() for n in _NAME.findall(text)}


def aligned_share(a: np.ndarray, b: np.ndarray) -> float:
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


def may_be_rewrite(text_a: str, text_b: str) -> bool:
    """The cheap half of the rewrite test: most names and figures shared, and in the same order."""
    fa, fb = facts(text_a), facts(text_b)
    small = min(fa, fb, key=len)
    if small and len(fa & fb) / len(small) < FACT_OVERLAP:
        return False
    sa, sb = _fact_sequence(text_a), _fact_sequence(text_b)
    return not sa or not sb or LCSseq.similarity(sa, sb) / min(len(sa), len(sb)) >= FACT_ORDER


def _fact_sequence(text: str) -> list[str]:
    return [m.group(0).lower() for m in _FACT.finditer(text)]


def aligned(vecs_a: np.ndarray, vecs_b: np.ndarray) -> bool:
    """The encoder half: most sentences of the shorter text paraphrased in the other, in order."""
    short, long_ = (vecs_a, vecs_b) if len(vecs_a) <= len(vecs_b) else (vecs_b, vecs_a)
    return aligned_share(short, long_) >= ALIGNED_SHARE


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
