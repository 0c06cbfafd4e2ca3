"""Benchmark: articles/s and MB/s of ingest + clean (+ store) on a folder. Prints numbers only.

    python bench/ingest.py ../shared/eval/ecbplus-dev
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from storyline.ingest.readers import iter_files
from storyline.ingest.run import clean_paths, ingest_paths
from storyline.store.db import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    args = parser.parse_args()
    mb = sum(p.stat().st_size for p in iter_files(Path(args.folder))) / 1e6

    start = time.perf_counter()
    n = sum(1 for _ in clean_paths([args.folder], lambda e: None))
    clean_s = time.perf_counter() - start
    print(f"clean only : {n} articles, {mb:.2f} MB in {clean_s:.2f} s = {n / clean_s:.1f} articles/s, {mb / clean_s:.2f} MB/s")

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "bench.db"))
        start = time.perf_counter()
        report = ingest_paths([args.folder], store)
        total_s = time.perf_counter() - start
        store.close()
    print(f"ingest+store: {report.read} articles in {total_s:.2f} s = {report.read / total_s:.1f} articles/s, {mb / total_s:.2f} MB/s")


if __name__ == "__main__":
    main()
