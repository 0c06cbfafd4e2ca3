"""Benchmark: body F1 of the cleaner on HTML pages next to trafilatura alone. Prints numbers only.

Pages are built from real article texts of a corpus folder, each wrapped in a typical news-site
template (navigation, related-story sidebar, share bar, footer, comment box), so the true body is
known. Word-level F1 (bag of words) against the article text, averaged over pages.

    python bench/clean_html.py ../shared/eval/geo-trnews-dev --limit 100
"""
from __future__ import annotations

import argparse
import html
import random
import re
from collections import Counter
from pathlib import Path

import trafilatura

from storyline.clean import Cleaner
from storyline.models import RawDocument

TEMPLATE = """<!doctype html><html><head><title>{title} | Daily Courier</title>
<meta property="og:site_name" content="Daily Courier"></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a> <a href="/sport">Sport</a></nav>
<div class="promo">Subscribe to our newsletter for the latest headlines</div></header>
<main><article><h1>{title}</h1><p class="byline">By Staff Reporter</p>{body}</article>
<aside><h3>Most read</h3><ul>{related}</ul></aside>
<div class="share">Share on Facebook | Share on X | Email this story</div>
<section class="comments"><h3>Comments</h3><p>Log in to leave a comment.</p></section></main>
<footer><p>&copy; 2024 Daily Courier. All rights reserved.</p><a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></footer>
</body></html>"""

_WORD = re.compile(r"\w+")


def f1(predicted: str, truth: str) -> float:
    p, t = Counter(_WORD.findall(predicted.lower())), Counter(_WORD.findall(truth.lower()))
    overlap = sum((p & t).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(1)
    paths = sorted(Path(args.folder).glob("*.txt"))[: args.limit]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    headlines = [t.strip().splitlines()[0][:90] for t in texts]
    ours, alone = [], []
    cleaner = Cleaner()
    for path, text in zip(paths, texts):
        paras = [p.strip() for p in text.strip().split("\n") if p.strip()]
        title, body_paras = paras[0], paras[1:] or paras
        truth = "\n".join(body_paras)
        related = "".join(f'<li><a href="/story/{i}">{html.escape(h)}</a></li>' for i, h in enumerate(rng.sample(headlines, 5)))
        page = TEMPLATE.format(title=html.escape(title), body="".join(f"<p>{html.escape(p)}</p>" for p in body_paras), related=related)
        alone.append(f1(trafilatura.extract(page) or "", truth))
        try:
            ours.append(f1(cleaner.clean(RawDocument(id=path.stem, source=str(path), html=page)).text, truth))
        except Exception:  # a page the cleaner refuses scores zero
            ours.append(0.0)
    print(f"pages              : {len(paths)}")
    print(f"trafilatura alone  : body F1 {sum(alone) / len(alone):.3f}")
    print(f"storyline cleaner  : body F1 {sum(ours) / len(ours):.3f}")


if __name__ == "__main__":
    main()
