"""Two fixed halves of every evaluation set, so a change developed on one can be checked on the
other. Labelled items: within each label, items in file order alternate "a", "b", "a", ... (each
half keeps the label mix). Documents: in sorted id order they alternate "dev", "held_out". A change
that helps one half and not the other was fitted to items, not to the phenomenon."""
from __future__ import annotations

from collections import Counter


def halves(labels: list[str]) -> list[str]:
    """'a' or 'b' for each item, given the items' labels in file order."""
    seen: Counter[str] = Counter()
    out = []
    for label in labels:
        out.append("ab"[seen[label] % 2])
        seen[label] += 1
    return out


DOCUMENT_HALVES = ("dev", "held_out")


def document_halves(names: list[str]) -> dict[str, str]:
    """'dev' or 'held_out' for each document id: alternating in sorted id order."""
    return {name: DOCUMENT_HALVES[i % 2] for i, name in enumerate(sorted(names))}
