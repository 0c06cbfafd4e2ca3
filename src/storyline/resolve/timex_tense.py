"""The tense of the clause around a time expression, which decides whether a bare "Thursday",
"In February" or "the third quarter" points back from the publication date or forward.

Read from the spaCy parse when there is one (the verb that governs the expression, its modals and
auxiliaries), else from cue words in the sentence.
"""
from __future__ import annotations

import re
from typing import Any

PRESENT_MD = {"can", "could", "must"}  # modals that do not push a date forward
FUTURE_LEMMAS = {"plan", "schedule", "expect", "intend", "aim", "prepare", "promise", "vow", "pledge", "threaten", "want",
                 "hope", "seek"}
FUTURE_RE = re.compile(r"\b(?:will|'ll|shall|would|should|may|might|going to|plans? to|scheduled|expected to|due to|set to)\b", re.I)
PAST_RE = re.compile(r"\b(?:was|were|had|did|said|\w+ed)\b", re.I)


def clause_tense(text: str, doc: Any, start: int, end: int) -> str:
    """``past``, ``future`` or ``present`` for the clause around ``text[start:end]``."""
    before = text[max(0, start - 12): start].lower()
    if re.search(r"\b(?:until|till)\s+$", before):
        return "future"
    if re.search(r"\bsince\s+$", before):
        return "past"
    return _parse_tense(text, doc, start, end) if doc is not None else _regex_tense(text, start)


def _parse_tense(text: str, doc: Any, start: int, end: int) -> str:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return _regex_tense(text, start)
    tok = span.root
    for _ in range(6):
        if tok.pos_ in ("VERB", "AUX") and tok not in span or tok.head is tok:
            break
        tok = tok.head
    lo, hi = sorted((tok.idx, start))
    if "\n" in text[lo:hi] or tok.pos_ not in ("VERB", "AUX"):
        return _regex_tense(text, start)  # the parse ran across a headline break
    chain = [tok]
    while (chain[-1].dep_ in ("xcomp", "conj", "ccomp", "advcl", "relcl") and len(chain) < 4
           and "\n" not in text[chain[-1].head.idx: chain[-1].idx]):
        chain.append(chain[-1].head)
    for i, v in enumerate(chain):
        if any(c.tag_ == "MD" and c.lower_ not in PRESENT_MD for c in v.children):
            return "future"
        if i == 0 and v.tag_ in ("VB", "VBN") and any(c.tag_ == "TO" for c in v.children):
            return "future"  # "is set to begin on Wednesday", "to be held on October 12"
        if v.lemma_ in FUTURE_LEMMAS:
            return "future"
    if tok.tag_ in ("VBD", "VBN") or any(c.tag_ == "VBD" and c.dep_.startswith("aux") for c in tok.children):
        return "past"
    return "present"


def _regex_tense(text: str, pos: int) -> str:
    """Fallback without a parse: modal/future cues or past-tense words in the sentence."""
    left = re.split(r"[.!?]\s|\n", text[max(0, pos - 300): pos])[-1]
    right = re.split(r"[.!?]\s|\n", text[pos: pos + 300])[0]
    sentence = left + right
    if FUTURE_RE.search(sentence):
        return "future"
    return "past" if PAST_RE.search(sentence) else "present"
