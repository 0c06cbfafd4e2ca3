"""Exports: the field lists here are a public contract; add fields, never rename or drop them."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from storyline.store.db import Store

ARTICLE_FIELDS = ["id", "title", "published", "publisher", "url", "text", "duplicate_of", "main_event"]


def article_records(store: Store) -> Iterator[dict]:
    for row in store.iter_articles():
        yield {
            "id": row.id, "title": row.title, "published": row.published, "publisher": row.publisher,
            "url": row.url, "text": row.text, "duplicate_of": row.duplicate_of, "main_event": row.main_event,
        }


EXPORTS = {"articles": (article_records, ARTICLE_FIELDS)}


def export_records(store: Store, what: str, fmt: str, out: TextIO) -> int:
    """Write ``what`` in ``fmt`` to ``out``; returns the number of records."""
    if what not in EXPORTS:
        raise ValueError(f"unknown export {what!r}; choose from {', '.join(EXPORTS)}")
    records, fields = EXPORTS[what]
    n = 0
    if fmt == "jsonl":
        for n, rec in enumerate(records(store), 1):
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for n, rec in enumerate(records(store), 1):
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v for k, v in rec.items()})
    else:
        raise ValueError(f"unknown format {fmt!r} for {what}; choose jsonl or csv")
    return n
