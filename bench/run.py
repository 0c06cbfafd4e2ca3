"""Whole `storyline run` against bare spaCy on the same texts, a rerun, and 10 articles added.

Takes the first 100 documents of an ECB+ folder (file name order) and the next 10, each with its
metadata line, into a temporary folder. All timings are wall clock of fresh processes, as a user
sees them:

- bare spaCy: ``spacy.load`` of the pipeline Storyline uses, then ``nlp.pipe`` over the 100 texts
  (printed with and without the load);
- ``storyline run`` on the 100 (new database, default options), then the same command again
  (nothing new), then ``storyline run`` on the 10 more (into the same database), whose
  per-stage times the command prints;
targets (issue 8): run >= 0.5x bare spaCy's words/s; rerun < 5 s; the 10 added < 10 s plus their
analysis. Numbers only. Run: python bench/run.py ../shared/eval/ecbplus-dev
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import sys, time
t0 = time.perf_counter()
import spacy
from storyline.nlp.pipeline import MODEL
nlp = spacy.load(MODEL)
t1 = time.perf_counter()
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:]]
for _ in nlp.pipe(texts, batch_size=32):
    pass
print(time.perf_counter() - t0, time.perf_counter() - t1)
"""


def corpus(src: Path, files: list[Path], dst: Path) -> int:
    """Copy ``files`` and their metadata lines to ``dst``; the number of words."""
    dst.mkdir()
    meta = {}
    if (src / "metadata.jsonl").is_file():
        for line in (src / "metadata.jsonl").read_text(encoding="utf-8").splitlines():
            meta[json.loads(line)["file"]] = line
    for f in files:
        shutil.copy(f, dst / f.name)
    (dst / "metadata.jsonl").write_text("".join(meta[f.name] + "\n" for f in files if f.name in meta), encoding="utf-8")
    return sum(len(f.read_text(encoding="utf-8").split()) for f in files)


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stderr


def stage(stderr: str, name: str) -> float:
    m = re.search(rf"{name} ([\d.]+) s", stderr)
    return float(m.group(1)) if m else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    files = sorted(args.folder.glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        first, more, db = Path(tmp) / "first", Path(tmp) / "more", str(Path(tmp) / "bench.db")
        words = corpus(args.folder, files[:100], first)
        corpus(args.folder, files[100:110], more)
        storyline = [sys.executable, "-m", "storyline.cli"]
        subprocess.run(storyline + ["inspect", str(files[0]), "--raw"], capture_output=True, check=True)  # warm caches
        bare = subprocess.run([sys.executable, "-c", BARE, *map(str, sorted(first.glob("*.txt")))],
                              capture_output=True, text=True, check=True)
        bare_all, bare_pipe = map(float, bare.stdout.split())
        run, out = timed(storyline + ["run", str(first), "--db", db, "--quiet"])
        again, _ = timed(storyline + ["run", str(first), "--db", db, "--quiet"])
        added, out10 = timed(storyline + ["run", str(more), "--db", db, "--quiet"])
    print(f"documents            : 100 ({words} words)")
    print(f"bare spaCy           : {bare_all:.1f} s with its load, {bare_pipe:.1f} s nlp.pipe alone"
          f" ({words / bare_all:,.0f} / {words / bare_pipe:,.0f} words/s)")
    print(f"storyline run        : {run:.1f} s ({words / run:,.0f} words/s)  stages: ingest {stage(out, 'ingest')} s, "
          f"analysis {stage(out, 'analysis')} s, events {stage(out, 'events')} s")
    print(f"ratio to bare spaCy  : {bare_all / run:.2f} (with its load), {bare_pipe / run:.2f} (nlp.pipe alone)   target >= 0.5")
    print(f"rerun, nothing new   : {again:.1f} s   target < 5 s")
    print(f"10 articles added    : {added:.1f} s, of which analysis {stage(out10, 'analysis')} s: "
          f"{added - stage(out10, 'analysis'):.1f} s besides   target < 10 s")


if __name__ == "__main__":
    main()
