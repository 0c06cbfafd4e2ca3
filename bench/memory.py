"""Benchmark: peak RSS and wall time of `storyline run` on hostile sizes. Prints numbers only.

    python bench/memory.py [--only jsonl100|line20|article1]

Each case is generated into a temporary folder and run as its own `storyline run --quiet`
subprocess; its peak RSS comes from os.wait4 (the kernel's maxrss of that child alone). Target:
below 2 GB each.

- ``jsonl100``: a 100 MB JSONL: four ~19 MB records of news-like prose (sentences drawn from a
  small set with varied names and figures, one event sentence in four as in wire copy, so
  analysis meets real entities and triggers), 200 short valid articles, and ~22 MB of bad lines
  (malformed JSON, JSON that is not an object, records without text, 100,000-deep nesting),
  interleaved.
- ``line20``: a 20 MB file of one line holding one token (the share-button pattern once took
  9.7 GB on it).
- ``article1``: one 1 MB article of news-like prose in paragraphs (once 109 s and 2.2 GB).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_BYTES = 2 * 1024**3
PLACES = ["Goma", "Mosul", "Kharkiv", "Gao", "Idlib", "Kandahar", "Beni", "Marawi"]
ACTORS = ["Rebels", "Government forces", "Police", "Unidentified gunmen", "Protesters", "The army"]
EVENTS = [
    "{a} attacked a checkpoint near {p} on {d}, killing {n} soldiers, officials said.",
    "At least {n} civilians were wounded when a car bomb exploded in a market in {p}.",
    "{a} clashed with demonstrators in central {p} for a third day, witnesses said.",
    "The governor of {p} said {n} people had been arrested after the unrest.",
]
BACKGROUND = [
    "The region has seen years of instability, and talks between the parties stalled last spring.",
    "Residents of {p} described long queues for fuel and bread, and many shops stayed shut.",
    "Analysts said the government's budget for the province had shrunk by {n} percent.",
    "A spokesman for the United Nations mission declined to comment on the figures.",
    "Schools in {p} reopened after a holiday, though attendance remained low, teachers said.",
    "Aid agencies said roads into {p} were in poor repair after the rains.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def prose(rng: random.Random, chars: int, paragraph: int = 4) -> str:
    """News-like text of about ``chars`` characters: paragraphs of ``paragraph`` sentences, one of
    them reporting an event, as in real wire copy (all-event prose is no article)."""
    parts: list[str] = []
    size = 0
    while size < chars:
        fill = dict(a=rng.choice(ACTORS), p=rng.choice(PLACES), d=rng.choice(DAYS), n=rng.randint(2, 90))
        sents = [rng.choice(EVENTS).format(**fill)] + [rng.choice(BACKGROUND).format(**fill) for _ in range(paragraph - 1)]
        para = " ".join(sents)
        parts.append(para)
        size += len(para) + 2
    return "\n\n".join(parts)


def write_jsonl100(folder: Path) -> Path:
    rng = random.Random(1)
    path = folder / "big.jsonl"
    bad = [b"{not json at all", b"[1, 2, 3]", b'{"id": "no-text", "title": "x"}', b"[" * 100_000, b"\xff\xfe garbage",
           b'"just a string"', b'{"id": 5, "text": 7}']
    with path.open("wb") as f:
        for i in range(4):
            rec = {"id": f"huge-{i}", "text": prose(rng, 19_000_000), "published": "2024-03-0%d" % (i + 1)}
            f.write(json.dumps(rec).encode() + b"\n")
            for j in range(50):
                short = {"id": f"short-{i}-{j}", "text": prose(rng, 600), "published": "2024-03-05"}
                f.write(json.dumps(short).encode() + b"\n")
            while f.tell() < (i + 1) * 25_000_000:
                f.write(rng.choice(bad) + b"\n")
    return path


def write_line20(folder: Path) -> Path:
    path = folder / "line.txt"
    path.write_bytes(b"x" * 20_000_000 + b"\n")
    return path


def write_article1(folder: Path) -> Path:
    path = folder / "article.txt"
    path.write_text(prose(random.Random(2), 1_000_000), encoding="utf-8")
    return path


CASES = {"jsonl100": write_jsonl100, "line20": write_line20, "article1": write_article1}


def measure(path: Path, folder: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS bytes, exit status) of one `storyline run` on ``path``."""
    cmd = [sys.executable, "-m", "storyline.cli", "run", str(path), "--db", str(folder / "bench.db"), "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss * 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    for name in args.only or list(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            path = CASES[name](folder)
            mb = path.stat().st_size / 1e6
            seconds, rss, code = measure(path, folder)
            verdict = "ok" if rss < TARGET_BYTES else "OVER"
            print(f"{name:9s} {mb:6.1f} MB input: {seconds:7.1f} s, peak RSS {rss / 2**20:7.0f} MB "
                  f"(target < {TARGET_BYTES / 2**30:.0f} GB: {verdict}), exit {code}", flush=True)


if __name__ == "__main__":
    main()
