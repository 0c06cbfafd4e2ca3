"""Benchmark: words/s of the full per-document analysis (what `storyline inspect` runs) next to
bare spaCy ``nlp.pipe`` on the same texts, and their ratio (target >= 0.67). Numbers only.

    python bench/extract.py ../shared/eval/ecbplus-dev --limit 300
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from storyline.nlp.analyze import DocumentInput, analyze_documents
from storyline.nlp.pipeline import get_nlp
from storyline.resolve.actors import get_kb
from storyline.resolve.geo import get_geocoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--limit", type=int, default=300)
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(Path(args.folder).glob("*.txt"))[: args.limit]]
    words = sum(len(t.split()) for t in texts)

    nlp = get_nlp()  # load everything first: both runs measure processing, not start-up
    get_geocoder()
    get_kb()
    list(analyze_documents([DocumentInput("warm", texts[0], None)]))

    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    bare = words / (time.perf_counter() - start)

    start = time.perf_counter()
    for _ in analyze_documents(DocumentInput(str(i), t, "2020-01-01") for i, t in enumerate(texts)):
        pass
    full = words / (time.perf_counter() - start)
    print(f"documents       : {len(texts)} ({words} words)")
    print(f"bare spaCy pipe : {bare:,.0f} words/s")
    print(f"inspect analysis: {full:,.0f} words/s")
    print(f"ratio           : {full / bare:.2f}")


if __name__ == "__main__":
    main()
