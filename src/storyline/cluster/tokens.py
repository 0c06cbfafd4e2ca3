"""The words records are compared by, read without a tagger (fast, and the same for every text).

On ECB+ capitalised-word runs cluster as well as spaCy NER entities at a fraction of the time.
"""
from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

# a capitalised word, or an abbreviation written with stops ("U.S.", "U.N."), which is one name
_CAPITALISED = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z][\w'-]*")
# a run of them ("Vincent Jackson", "Bank of England", "U.S. Army")
_NAME_RUN = re.compile(rf"(?:{_CAPITALISED.pattern})(?:\s+(?:of\s+|the\s+)?(?:{_CAPITALISED.pattern}))*")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
WORD = re.compile(r"[a-z][a-z'-]+")


def name_runs(text: str) -> set[str]:
    """Lowercased capitalised-word runs, without sentence-initial function words."""
    return {n.lower() for n in _NAME_RUN.findall(text) if n.lower() not in STOP_WORDS}


def name_words(text: str) -> list[str]:
    """Lowercased capitalised words, in order, without function words."""
    return [w.lower() for w in _CAPITALISED.findall(text) if w.lower() not in STOP_WORDS]


def content_words(text: str) -> list[str]:
    """Lowercased words, in order, without function words."""
    return [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS]
