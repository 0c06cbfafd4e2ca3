"""Trigger lexicon and sense rules (``data/lexicon/triggers.json``), plus number reading for counts.

Kept in data so that an analyst can extend the vocabulary without touching the rules.
"""
from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from spacy.tokens import Token


@functools.lru_cache(maxsize=1)
def lex() -> dict[str, Any]:
    """The trigger lexicon; list values are turned into sets for lookups."""
    raw = json.loads(resources.files("storyline.data").joinpath("lexicon/triggers.json").read_text("utf-8"))
    return _freeze(raw)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return frozenset(value) if all(isinstance(x, str) for x in value) else [_freeze(x) for x in value]
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    return value


def words(name: str) -> frozenset[str]:
    return lex()[name]


def _children_lemmas(tok: Token, deps: tuple[str, ...]) -> set[str]:
    return {c.lemma_.lower() for c in tok.children if c.dep_ in deps}


def _objects(tok: Token) -> set[str]:
    """Lemmas of the direct objects (or passive subjects / prep objects) that fix a verb's sense."""
    out: set[str] = set()
    for c in tok.children:
        if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd", "acomp"):
            out.add(c.lemma_.lower())
            out |= _children_lemmas(c, ("compound", "conj"))
            if c.dep_ == "dobj" and any(n.dep_ == "nummod" for n in c.children):  # "brought 280 tonnes of food"
                out |= {g.lemma_.lower() for p in c.children if p.dep_ == "prep" and p.lower_ == "of" for g in p.children}
        elif c.dep_ in ("prep", "prt", "agent"):
            out |= {g.lemma_.lower() for g in c.children if g.dep_ == "pobj"}
    if tok.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass") and tok.pos_ == "NOUN":
        out.add(tok.head.lemma_.lower())
    return out


def _own_subtree(tok: Token) -> list[Token]:
    """The words of a noun's phrase, without relative clauses: "a convoy of trucks carrying food"
    says what the convoy carries, "a convoy that was hit near a food market" does not."""
    out, stack = [], [tok]
    while stack:
        t = stack.pop()
        out.append(t)
        stack += [c for c in t.children if c.dep_ not in ("relcl", "appos", "conj", "cc")]
    return [t for t in out if t.i != tok.i]


def _rule_matches(rule: dict[str, Any], tok: Token) -> bool:
    """Every field the rule names holds: each word list meets the token's words there, and the
    token has none of the dependents listed under ``without`` (a sense fixed by being intransitive)."""
    if any(c.dep_ in rule.get("without", ()) for c in tok.children):
        return False
    checks = {
        "dep": lambda: _children_lemmas(tok, ("compound", "amod", "nmod", "npadvmod", "poss")) | {tok.head.lemma_.lower()} if tok.dep_ == "compound" else _children_lemmas(tok, ("compound", "amod", "nmod", "npadvmod", "poss")),
        "obj": lambda: _objects(tok),
        "head": lambda: {tok.head.lemma_.lower()},
        "prt": lambda: _children_lemmas(tok, ("prt",)),
        "prep": lambda: _children_lemmas(tok, ("prep",)),
        "pobj": lambda: {g.lemma_.lower() for c in tok.children if c.dep_ == "prep" for g in c.children},
        "sent": lambda: {t.lemma_.lower() for t in tok.sent if t.i != tok.i},
        "subj": lambda: {g.lemma_.lower() for c in tok.children if c.dep_ == "nsubj" for g in (c, *c.children) if g.dep_ in ("nsubj", "compound", "amod")},
        "sub": lambda: {t.lemma_.lower() for t in _own_subtree(tok)},
    }
    for field, get in checks.items():
        if field in rule:
            wanted = rule[field]
            if isinstance(wanted, str):  # the name of a shared word list ("aid_goods")
                wanted = lex()[wanted]
            if wanted and not (set(wanted) & get()):
                return False
    return True


def trigger_key(tok: Token) -> tuple[str, bool] | None:
    """(project key, weak?) for a token, or None. Weak triggers (kill, wound, destroy) only carry
    figures unless the sentence has no stronger trigger."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "PROPN" and (tok.dep_ == "compound" or tok.ent_type_):
        return None
    if tok.pos_ in ("VERB", "NOUN", "PROPN") and tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "PRODUCT", "WORK_OF_ART", "LAW", "EVENT"):
        return None
    if tok.pos_ == "VERB" and tok.dep_ in ("amod", "compound"):
        return None
    L = lex()
    if tok.pos_ in ("NOUN", "PROPN"):
        for c in tok.children:
            if c.dep_ == "compound" and f"{c.lemma_.lower()} {lemma}" in L["nouns"]:
                return L["nouns"][f"{c.lemma_.lower()} {lemma}"], False
    if lemma in L["senses"] and tok.pos_ in ("VERB", "NOUN", "PROPN"):
        for rule in L["senses"][lemma]:
            if _rule_matches(rule, tok):
                return rule["key"], False
        return None
    if tok.pos_ == "VERB" and lemma in L["verbs"]:
        return L["verbs"][lemma], False
    if tok.pos_ in ("NOUN", "PROPN") and lemma in L["nouns"]:
        return L["nouns"][lemma], False
    if lemma in L["weak"] and tok.pos_ in ("VERB", "NOUN", "ADJ"):
        if lemma in L["weak_verbs_only"] and tok.pos_ != "VERB":
            return None  # "approved a target", "a hit song": the noun names no act
        if lemma == "death" and tok.dep_ == "compound":
            return None
        if lemma == "toll" and "death" not in _children_lemmas(tok, ("compound", "amod")):
            return None
        return L["weak"][lemma], True
    return None


# ----------------------------------------------------------------------------------- numbers
_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
# Vague quantities as (best, low, high): ACLED codes "dozens" as 12 and "hundreds" as 100 (the
# conservative reading); the rest follow the same lowest-plausible rule (docs/ontology.md).
VAGUE: dict[str, tuple[int, int, int | None]] = {
    "dozens": (12, 12, None), "scores": (20, 20, None), "hundreds": (100, 100, None),
    "thousands": (1000, 1000, None), "several": (3, 3, None), "few": (3, 2, 5),
    "couple": (2, 2, 2), "dozen": (12, 12, 12), "score": (20, 20, 20),
}


def parse_number(text: str) -> int | None:
    """'22', '1,200', 'nine', 'twenty-one', '1.5 million', 'two hundred' -> int; else None."""
    t = text.lower().replace(",", "").replace("-", " ").strip()
    if re.fullmatch(r"\d+", t):
        return int(t)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s+(hundred|thousand|million|billion)", t)
    if m:
        return int(float(m.group(1)) * _SCALES[m.group(2)])
    total, current, seen = 0, 0, False
    for w in t.split():
        if w in ("a", "an") and not seen:
            current, seen = 1, True
        elif w in _UNITS:
            current += _UNITS[w]
            seen = True
        elif w in _TENS:
            current += _TENS[w]
            seen = True
        elif w in _SCALES and seen:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
        elif w != "and":
            return None
    return total + current if seen else None
