"""Two fixed halves of a labelled evaluation set, so a change developed on one can be checked on
the other: within each label, items in file order alternate "a", "b", "a", ... (each half keeps
the label mix). A change that helps "a" and not "b" was fitted to items, not to the phenomenon."""
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
