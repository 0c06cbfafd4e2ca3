"""Lines repeated across documents of one publisher: the footprint of templates, not of news.

Memory is bounded: a line is kept as a 64-bit hash with at most ``min_docs`` document
signatures, and singletons are dropped when the table is full. Copies of one story (syndication,
reposts) share a body signature and count once, so repeated *body* lines of a syndicated story
are not mistaken for template lines.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_LINE_CHARS = 160
_NON_WORD = re.compile(r"[\W_]+")


def _h(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def line_key(line: str) -> str:
    """Case- and punctuation-insensitive form. Numbers count: briefs that differ only in them
    ("Police arrested 3 men", "... 5 men") are news of the same shape, not one template line."""
    return _NON_WORD.sub(" ", line.lower()).strip()


class RepeatedLines:
    """Counts, per group, how many distinct documents contain each short line."""

    def __init__(self, min_docs: int = 3, max_entries: int = 500_000) -> None:
        self.min_docs = min_docs
        self.max_entries = max_entries
        self._seen: dict[int, tuple[int, ...]] = {}

    def _slot(self, group: str, line: str) -> int | None:
        if len(line) > MAX_LINE_CHARS:
            return None
        key = line_key(line)
        if not key:
            return None
        return _h(group + "\x00" + key)

    def add(self, group: str, lines: Iterable[str], signature: str) -> None:
        sig = _h(signature)
        for line in set(lines):
            slot = self._slot(group, line)
            if slot is None:
                continue
            sigs = self._seen.get(slot, ())
            if sig not in sigs and len(sigs) < self.min_docs:
                self._seen[slot] = sigs + (sig,)
        for keep in (2, self.min_docs):
            if len(self._seen) > self.max_entries:
                self._seen = {k: v for k, v in self._seen.items() if len(v) >= keep}

    def merge(self, other: RepeatedLines) -> None:
        """Take in the counts of another table (made by another worker over other documents)."""
        for slot, sigs in other._seen.items():
            mine = self._seen.get(slot, ())
            self._seen[slot] = mine + tuple(s for s in sigs if s not in mine)[: max(0, self.min_docs - len(mine))]
        for keep in (2, self.min_docs):
            if len(self._seen) > self.max_entries:
                self._seen = {k: v for k, v in self._seen.items() if len(v) >= keep}

    def is_repeated(self, group: str, line: str) -> bool:
        slot = self._slot(group, line)
        return slot is not None and len(self._seen.get(slot, ())) >= self.min_docs
