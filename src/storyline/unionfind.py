"""Disjoint sets: which items end up together when pairs are joined (components of a graph)."""
from __future__ import annotations


class UnionFind:
    """Sets over 0..n-1. With ``labels`` (one per item, or None), two sets that carry different
    labels are never joined: two different knowledge-base entities stay two actors however their
    spellings link them."""

    def __init__(self, n: int, labels: list[str | None] | None = None) -> None:
        self.parent = list(range(n))
        self.label = list(labels) if labels is not None else [None] * n

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or (self.label[ra] and self.label[rb] and self.label[ra] != self.label[rb]):
            return
        ra, rb = min(ra, rb), max(ra, rb)
        self.parent[rb] = ra
        self.label[ra] = self.label[ra] or self.label[rb]

    def groups(self) -> list[list[int]]:
        """The sets, each in increasing order, in order of their smallest item."""
        out: dict[int, list[int]] = {}
        for k in range(len(self.parent)):
            out.setdefault(self.find(k), []).append(k)
        return sorted(out.values(), key=lambda g: g[0])
