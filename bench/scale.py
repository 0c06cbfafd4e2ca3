"""Throughput of `storyline run` with 1 and 2 local worker processes and with Ray (2 workers) on
1,000 real news articles, and the speed-up from 1 to 2 workers (target >= 1.7x on 2 cores).

The 1,000 articles are the first of ECB+ dev, TR-News dev and MEANTIME dev together (news of
2005-2013 from many outlets). Each run starts from an empty SQLite database, in a fresh process,
wall clock as a user sees it. This machine's speed drifts by 10-20 % over minutes, so the three
set-ups take turns, ``--rounds`` times, and each one's best run counts (all are printed).
Run: python bench/scale.py ../shared/eval
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPORA = ("ecbplus-dev", "geo-trnews-dev", "meantime-dev")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("eval_dir", type=Path)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        files = [f for c in CORPORA for f in sorted((args.eval_dir / c).glob("*.txt"))][: args.articles]
        for k, f in enumerate(files):
            shutil.copy(f, folder / f"{k:05d}-{f.name}")
        words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
        print(f"{len(files)} articles, {words:,} words")
        results: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for label, options in (("local, 1 worker", ["--workers", "1"]), ("local, 2 workers", ["--workers", "2"]),
                                   ("ray, 2 workers", ["--engine", "ray", "--workers", "2"])):
                db = Path(tmp) / f"{label.replace(' ', '').replace(',', '_')}.db"
                db.unlink(missing_ok=True)
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "storyline.cli", "run", str(folder), "--db", str(db), "--quiet", *options],
                               check=True, capture_output=True)
                secs = time.perf_counter() - start
                results.setdefault(label, []).append(secs)
                print(f"{label:<18}: {secs:7.1f} s  {len(files) / secs:5.2f} articles/s", flush=True)
    best = {label: min(times) for label, times in results.items()}
    for label, secs in best.items():
        print(f"best {label:<18}: {secs:7.1f} s  {len(files) / secs:5.2f} articles/s")
    one, two = best["local, 1 worker"], best["local, 2 workers"]
    print(f"speed-up 1 -> 2 local workers: {one / two:.2f}x (target >= 1.7x); Ray with 2: {one / best['ray, 2 workers']:.2f}x")


if __name__ == "__main__":
    main()
