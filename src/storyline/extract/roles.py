"""Who did what to whom, as data: the dependency patterns of ``data/lexicon/roles.json``.

Each rule there names a grammatical construction in general terms (active subject, passive
by-phrase, "at X's direction", possessive, apposition, coordination, "X-backed", ...) as spaCy
DependencyMatcher patterns: node ``event`` (the first) is the word the pattern is anchored on,
node ``actor`` the word it finds. A rule's fields:

- ``role``: what the found word is to the act: ``agent`` (who acted), ``patient`` (whom it was
  done to or with), ``addressee`` (whom a demand is addressed to), ``holder`` (a word whose
  arguments are the act's, such as a light verb), ``inner`` (a party named inside a noun),
  ``ordered`` (the party an order is given to), ``purpose`` (the verb of a purpose clause),
  ``condition`` (the subject of an if/unless clause), ``name`` (the name in apposition to a
  description), ``also`` (a coordinated party), ``backer`` (X of "X-backed": never a party),
  ``group`` (the group a quantity or facility word stands for: "a number of X", "bases used by X").
- ``scope``: where ``event`` stands, given by the caller: ``trigger`` (the trigger word),
  ``clause`` (the trigger or a word governing it in its clause), ``governor`` (such a word, not the
  trigger), ``holder`` (the trigger or a word holding its arguments), ``phrase`` (a chosen noun),
  ``sentence`` (anywhere in the sentence).
- ``keys`` / ``not_keys`` / ``plover``: the event keys or PLOVER types the rule is (not) for.
- ``check``: a test the caller makes on the found word (``actor_like``, ``national``).
- ``rank``: among patients, objects (0) come before prepositional recipients (1).
- ``active``: for subjects, which only an act in the active voice has (the caller decides).

Rules are tried in the file's order, and within a rule anchor by anchor, left to right. Choosing
among the matches (a victim or a place is never an actor, the doer's own forces are no target) is
the caller's (``extract.mentions``).

The patterns are checked with spaCy's DependencyMatcher when loaded, but evaluated here from the
anchors the caller asks about: the DependencyMatcher tries every combination of candidate words
over the whole document, which made ``extract_mentions`` over the demo corpus take 0.47 s (half
the time of the parse) against 0.06 s this way, while a rule is only ever asked about a few words.
The evaluation is the DependencyMatcher's, for the operators and attributes the file uses
(``tests/test_extract.py`` compares the two), except that LEMMA is compared in lower case, as the
lexicons list lemmas.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

from storyline.extract import ontology
from storyline.extract.lexicon import lex

USER_DATA = "storyline.roles"


@dataclass(frozen=True)
class Rule:
    name: str
    role: str
    scope: str
    keys: frozenset[str] | None = None
    not_keys: frozenset[str] = frozenset()
    plover: frozenset[str] | None = None
    check: str | None = None
    rank: int = 0
    active: bool = False

    def applies(self, key: str | None) -> bool:
        if key is None:
            return self.keys is None and self.plover is None
        if self.keys is not None and key not in self.keys or key in self.not_keys:
            return False
        return self.plover is None or ontology.lookup(key).plover_type in self.plover


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(resources.files("storyline.data").joinpath("lexicon/roles.json").read_text("utf-8"))


@functools.lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    out = []
    for r in _data()["rules"]:
        out.append(Rule(r["name"], r["role"], r["scope"], frozenset(r["keys"]) if "keys" in r else None,
                        frozenset(r.get("not_keys", ())), frozenset(r["plover"]) if "plover" in r else None,
                        r.get("check"), r.get("rank", 0), r.get("active", False)))
    return tuple(out)


def _words(name: str) -> list[str]:
    lists = _data()["lists"]
    return sorted(lists[name] if name in lists else lex()[name])


def _attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Expand '@list' references."""
    out: dict[str, Any] = {}
    for attr, value in attrs.items():
        if isinstance(value, dict):
            value = {op: _words(v[1:]) if isinstance(v, str) and v.startswith("@") else v for op, v in value.items()}
        out[attr] = value
    return out


RELATIONS: dict[str, Callable[[Token], Iterable[Token]]] = {
    ">": lambda t: t.children,
    "<": lambda t: [t.head] if t.head.i != t.i else [],
    ">>": lambda t: (d for d in t.subtree if d.i != t.i),
    "<<": lambda t: t.ancestors,
    ">--": lambda t: t.lefts,
    ".": lambda t: [t.doc[t.i + 1]] if t.i + 1 < len(t.doc) else [],
}
ATTRS: dict[str, Callable[[Token], str]] = {
    "DEP": lambda t: t.dep_, "POS": lambda t: t.pos_, "TAG": lambda t: t.tag_, "LOWER": lambda t: t.lower_,
    "ORTH": lambda t: t.text, "LEMMA": lambda t: t.lemma_.lower(), "ENT_TYPE": lambda t: t.ent_type_,
}


def _fits(tok: Token, attrs: dict[str, Any]) -> bool:
    for attr, want in attrs.items():
        value = ATTRS[attr](tok)
        if isinstance(want, dict):
            if "IN" in want and value not in want["IN"] or "NOT_IN" in want and value in want["NOT_IN"]:
                return False
        elif value != want:
            return False
    return True


def _extend(pattern: list[dict[str, Any]], n: int, bound: dict[str, Token]) -> Iterator[dict[str, Token]]:
    if n == len(pattern):
        yield bound
        return
    node = pattern[n]
    for cand in RELATIONS[node["REL_OP"]](bound[node["LEFT_ID"]]):
        if _fits(cand, node["RIGHT_ATTRS"]):
            yield from _extend(pattern, n + 1, {**bound, node["RIGHT_ID"]: cand})


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[list[list[dict[str, Any]]], ...]:
    """Per rule, its patterns with word lists expanded (sets for lookups), checked by spaCy."""
    checker = DependencyMatcher(Vocab(), validate=True)
    out = []
    for r in _data()["rules"]:
        pats = [[dict(node, RIGHT_ATTRS=_attrs(node["RIGHT_ATTRS"])) for node in pattern] for pattern in r["patterns"]]
        for pi, pattern in enumerate(pats):
            checker.add(f"{r['name']}#{pi}", [pattern])  # raises on a malformed pattern
            if pattern[0]["RIGHT_ID"] != "event" or "actor" not in {node["RIGHT_ID"] for node in pattern}:
                raise ValueError(f"roles.json: {r['name']} pattern {pi} must start at 'event' and find 'actor'")
            if any(node.get("REL_OP", ">") not in RELATIONS or set(node["RIGHT_ATTRS"]) - set(ATTRS) for node in pattern):
                raise ValueError(f"roles.json: {r['name']} pattern {pi} uses an operator or attribute not evaluated here")
        out.append([[dict(node, RIGHT_ATTRS={a: {op: frozenset(v) for op, v in w.items()} if isinstance(w, dict) else w
                                             for a, w in node["RIGHT_ATTRS"].items()}) for node in pattern] for pattern in pats])
    return tuple(out)


def matches(ri: int, anchor: Token) -> list[Token]:
    """The words rule ``ri``'s patterns find from ``anchor``, left to right."""
    found = {bound["actor"].i for pattern in _patterns()[ri] if _fits(anchor, pattern[0]["RIGHT_ATTRS"])
             for bound in _extend(pattern, 1, {"event": anchor})}
    return [anchor.doc[i] for i in sorted(found)]


Anchors = Callable[[Rule], Iterable[Token]] | dict[str, Iterable[Token]]


class Roles:
    """The rule matches of one document, by rule and anchor, kept (as word positions: the document
    keeps this object, which must not keep the document) as they are asked for."""

    @classmethod
    def of(cls, doc: Doc) -> Roles:
        found = doc.user_data.get(USER_DATA)
        if found is None:
            found = doc.user_data[USER_DATA] = cls()
        return found

    def __init__(self) -> None:
        self._found: dict[tuple[int, int], list[int]] = {}
        self._marks: dict[tuple[str, int], set[int]] = {}  # (role, sentence start) -> words

    def _at(self, ri: int, anchor: Token) -> list[Token]:
        key = (ri, anchor.i)
        if key not in self._found:
            self._found[key] = [t.i for t in matches(ri, anchor)]
        return [anchor.doc[i] for i in self._found[key]]

    def find(self, role: str, anchors: Anchors, key: str | None = None) -> Iterator[tuple[Rule, Token]]:
        """(rule, found word) for the rules of ``role`` that apply to ``key``, anchored on the words
        the caller gives for the rule's scope (a dict by scope, or a function of the rule), in rule
        order, then anchor order, then left to right."""
        at = anchors if callable(anchors) else (lambda rule: anchors.get(rule.scope, ()))
        for ri, rule in enumerate(rules()):
            if rule.role != role or not rule.applies(key):
                continue
            seen: set[int] = set()
            for anchor in at(rule):
                for tok in self._at(ri, anchor):
                    if tok.i not in seen:
                        seen.add(tok.i)
                        yield rule, tok

    def first(self, role: str, tok: Token) -> Token | None:
        """The first word a rule of ``role`` finds from a phrase's head."""
        return next((t for _, t in self.find(role, {"phrase": [tok]})), None)

    def marks(self, role: str, tok: Token) -> set[int]:
        """The words a sentence-wide rule of ``role`` finds in ``tok``'s sentence."""
        sent = tok.sent
        if (role, sent.start) not in self._marks:
            self._marks[(role, sent.start)] = {t.i for _, t in self.find(role, {"sentence": sent})}
        return self._marks[(role, sent.start)]
