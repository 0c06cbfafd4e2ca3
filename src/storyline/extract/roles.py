"""Who did what to whom, as data: the dependency patterns of ``data/lexicon/roles.json``.

Each rule there names a grammatical construction in general terms (active subject, passive
by-phrase, "at X's direction", possessive, apposition, coordination, "X-backed", ...) as spaCy
DependencyMatcher patterns: node ``event`` is the word the pattern is anchored on, node ``actor``
the word it finds. A rule's fields:

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
  ``document`` (anywhere).
- ``keys`` / ``not_keys`` / ``plover``: the event keys or PLOVER types the rule is (not) for.
- ``check``: a test the caller makes on the found word (``actor_like``, ``national``).
- ``rank``: among patients, objects (0) come before prepositional recipients (1).
- ``active``: for subjects, which only an act in the active voice has (the caller decides).

Rules are tried in the file's order, and within a rule anchor by anchor, left to right. Choosing
among the matches (a victim or a place is never an actor, the doer's own forces are no target) is
the caller's (``extract.mentions``).
"""
from __future__ import annotations

import functools
import json
from collections import defaultdict
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
LEMMA = "storyline_lemma"  # the lower-case lemma, as the lexicons list it
if not Token.has_extension(LEMMA):
    Token.set_extension(LEMMA, getter=lambda t: t.lemma_.lower())


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
    """Expand '@list' references; match LEMMA in lower case."""
    out: dict[str, Any] = {}
    for attr, value in attrs.items():
        if isinstance(value, dict):
            value = {op: _words(v[1:]) if isinstance(v, str) and v.startswith("@") else v for op, v in value.items()}
        if attr == "LEMMA":
            out["_"] = {LEMMA: value}
        else:
            out[attr] = value
    return out


@functools.lru_cache(maxsize=2)
def _matcher(vocab: Vocab) -> tuple[DependencyMatcher, dict[int, tuple[int, int, int]]]:
    """The matcher and, per match label, (rule index, position of 'event', position of 'actor')."""
    matcher = DependencyMatcher(vocab)
    labels: dict[int, tuple[int, int, int]] = {}
    for ri, r in enumerate(_data()["rules"]):
        for pi, pattern in enumerate(r["patterns"]):
            nodes = [dict(node, RIGHT_ATTRS=_attrs(node["RIGHT_ATTRS"])) for node in pattern]
            names = [node["RIGHT_ID"] for node in nodes]
            label = f"{r['name']}#{pi}"
            matcher.add(label, [nodes])
            labels[vocab.strings[label]] = (ri, names.index("event"), names.index("actor"))
    return matcher, labels


Anchors = Callable[[Rule], Iterable[Token]] | dict[str, Iterable[Token]]


class Roles:
    """The rule matches of one document, by rule and anchor (:meth:`of` matches once per document)."""

    @classmethod
    def of(cls, doc: Doc) -> Roles:
        found = doc.user_data.get(USER_DATA)
        if found is None:
            found = doc.user_data[USER_DATA] = cls(doc)
        return found

    def __init__(self, doc: Doc):
        self.doc = doc
        matcher, labels = _matcher(doc.vocab)
        found: dict[tuple[int, int], set[int]] = defaultdict(set)
        for label, ids in matcher(doc):
            ri, event, actor = labels[label]
            found[(ri, ids[event])].add(ids[actor])
        self._found = {k: [doc[i] for i in sorted(v)] for k, v in found.items()}
        self._anywhere: dict[str, set[int]] = defaultdict(set)
        for (ri, _), toks in self._found.items():
            if rules()[ri].scope == "document":
                self._anywhere[rules()[ri].role] |= {t.i for t in toks}

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
                for tok in self._found.get((ri, anchor.i), ()):
                    if tok.i not in seen:
                        seen.add(tok.i)
                        yield rule, tok

    def first(self, role: str, tok: Token) -> Token | None:
        """The first word a rule of ``role`` finds from a phrase's head."""
        return next((t for _, t in self.find(role, {"phrase": [tok]})), None)

    def all(self, role: str) -> set[int]:
        """Every word a document-wide rule of ``role`` finds."""
        return self._anywhere.get(role, set())
