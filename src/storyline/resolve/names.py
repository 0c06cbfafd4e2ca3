"""Name keys shared by the geocoder and the actor resolver: two spellings of one name ("Kata'ib
Hezbollah", "Kataib Hezbollah"; "Côte d'Ivoire", "Cote dIvoire") get one key."""
from __future__ import annotations

import re
import unicodedata

_APOS = re.compile(r"[’'ʿʾ‘`´ʼʻ]")
ARABIC_ARTICLES = {"al", "el"}


def fold(name: str) -> str:
    """Comparison key: lowercase, no accents, apostrophes, punctuation or Arabic article, single spaces."""
    s = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).lower()
    s = _APOS.sub("", s).replace("&", " and ")
    s = re.sub(r"\ba(d|n|r|s|t|z|sh|th|dh)-(?=\1)", "", s)  # assimilated article: ash-Sham, ad-Din
    s = re.sub(r"(?<=\w)\.(?=\w)", "", s)  # U.S. -> us
    toks = [t for t in re.sub(r"[\W_]+", " ", s).split() if t not in ARABIC_ARTICLES]
    if len(toks) > 1 and toks[0] == "the":
        toks = toks[1:]
    return " ".join(toks)
