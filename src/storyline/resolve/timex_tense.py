"""The tense of the clause around a time expression, which decides whether a bare "Thursday",
"In February" or "the third quarter" points back from the publication date or forward.

Read from the spaCy parse when there is one (the verb that governs the expression, its modals and
auxiliaries), else from cue words in the sentence.
"""
from __future__ import annotations

import re
from typing import Any

FUTURE_MD = {"will", "'ll", "wo", "shall", "would", "'d", "may", "might", "should"}  # modals that put a date ahead
FUTURE_LEMMAS = {"plan", "schedule", "expect", "intend", "aim", "prepare", "promise", "vow", "pledge", "threaten", "want",
                 "hope", "seek"}
# non-finite verbs and predicates whose time is read from the verb they depend on
CLIMB_DEPS = {"xcomp", "advcl", "conj", "ccomp", "acomp", "pcomp", "prep", "acl", "relcl"}
FUTURE_RE = re.compile(r"\b(?:will|'ll|shall|would|should|may|might|going to|plans? to|scheduled|expected to|due to|set to)\b", re.I)
PAST_RE = re.compile(r"\b(?:was|were|had|did|said|\w+ed)\b", re.I)


# a clock time may stand between the cue and the day: "until 9 a.m. Tuesday", "by noon Friday"
CLOCK = r"(?:(?:at\s+)?(?:\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\.?)?|noon|midnight)\s*(?:[A-Z]{3}\s+)?)?"
AHEAD = re.compile(rf"\b(?:until|till|as\s+(?:early|soon)\s+as)\s+{CLOCK}$", re.I)
AHEAD_UNLESS_PAST = re.compile(rf"\b(?:through|effective)\s+{CLOCK}$", re.I)


def clause_tense(text: str, doc: Any, start: int, end: int) -> str:
    """``past``, ``future`` or ``present`` for the clause around ``text[start:end]``. "until" and
    "as early as" look ahead, "since" back; "through January" and "effective Feb. 1" look ahead
    unless the clause is past."""
    before = text[max(0, start - 30): start]
    if AHEAD.search(before):
        return "future"
    if re.search(r"\bsince\s+$", before, re.I):
        return "past"
    tense = _parse_tense(text, doc, start, end) if doc is not None else _regex_tense(text, start)
    return "future" if tense != "past" and AHEAD_UNLESS_PAST.search(before) else tense


def _parse_tense(text: str, doc: Any, start: int, end: int) -> str:
    """The tense of the finite verb the expression hangs on.

    A modal of the future ("will", "would", "may") looks ahead; a past finite verb or auxiliary
    looks back, whatever it governs ("voted Friday to make", "declined to comment Saturday").
    Infinitives, gerunds and participles take the tense of the verb they depend on; an infinitive
    under a verb of planning in any tense ("planned to leave on Thursday") or under a present-tense
    verb ("is to meet Tuesday"), and a present verb of planning ("is scheduled for Friday"), look
    ahead.
    """
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
    infinitive = False
    for _ in range(5):
        aux = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
        planned = infinitive and tok.lemma_ in FUTURE_LEMMAS  # "planned to leave on Thursday"
        if any(c.tag_ == "MD" for c in aux) and any(c.lemma_ == "have" for c in aux) and tok.tag_ == "VBN":
            return "past"  # "may have been responsible on Wednesday"
        if planned or any(c.tag_ == "MD" and c.lower_ in FUTURE_MD for c in aux):
            return "future"
        if tok.tag_ == "VBD" or any(c.tag_ == "VBD" for c in aux):
            return "past"
        if tok.tag_ in ("VBZ", "VBP") or any(c.tag_ in ("VBZ", "VBP") for c in aux):
            if any(c.lemma_ == "have" for c in aux) and tok.tag_ == "VBN":
                return "past"  # present perfect: "has agreed on Monday"
            return "future" if infinitive or tok.lemma_ in FUTURE_LEMMAS else "present"
        if tok.tag_ == "VBN" and not aux:  # "the decision, announced Wednesday"; "talks set to resume Monday"
            return "future" if infinitive or tok.lemma_ in FUTURE_LEMMAS else "past"
        if tok.tag_ == "MD":
            return "present"  # "can", "could", "must"
        infinitive = infinitive or any(c.tag_ == "TO" for c in aux)
        head = tok.head
        if (tok.dep_ not in CLIMB_DEPS or head is tok or head.pos_ not in ("VERB", "AUX", "ADJ", "ADP")
                or "\n" in text[min(head.idx, tok.idx): max(head.idx, tok.idx)]):
            break
        tok = head if head.pos_ in ("VERB", "AUX") else head.head
        if tok.pos_ not in ("VERB", "AUX"):
            break
    return "present"


def _regex_tense(text: str, pos: int) -> str:
    """Fallback without a parse: modal/future cues or past-tense words in the sentence."""
    left = re.split(r"[.!?]\s|\n", text[max(0, pos - 300): pos])[-1]
    right = re.split(r"[.!?]\s|\n", text[pos: pos + 300])[0]
    sentence = left + right
    if FUTURE_RE.search(sentence):
        return "future"
    return "past" if PAST_RE.search(sentence) else "present"
