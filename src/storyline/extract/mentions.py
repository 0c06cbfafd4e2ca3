"""Sentence-level event mentions: triggers from lexicons, arguments from dependency rules.

Rules are written over the spaCy parse (subject, object, agent, prepositions, clausal complements)
and general lexicons, so they carry over to news the project has never seen.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from storyline.extract import ontology
from storyline.extract.classifier import type_mentions
from storyline.extract.lexicon import VAGUE, lex, parse_number, trigger_key, words
from storyline.extract.roles import Roles, Rule
from storyline.models import ActorRef, Count, EventMention, Place, TimeExpr
from storyline.resolve.geo import country_codes
from storyline.resolve.timex_event import event_time

ResolveActor = Callable[[str, str | None], ActorRef]

VERBAL = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "REQUEST", "ACCUSE", "REJECT", "THREATEN"}  # PLOVER verbal categories
COOPERATIVE = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT"}
MATERIAL_CONFLICT = {"PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
CLAUSE_DEPS = {"ccomp", "advcl", "relcl", "parataxis"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
          "sept", "oct", "nov", "dec"}
RELATIVES = {"who", "which", "that"}
PRONOUNS = {"it", "they", "he", "she", "we", "i", "you", "them", "him", "her", "who", "which", "that"}
SEQUENCE_WORDS = {"after", "before", "following", "response", "retaliation", "revenge", "since", "follow", "come", "amid", "prompt",
                  "fear", "prevent", "deter", "avenge"}
ARRIVAL_VERBS = {"reach", "enter"}
TERRITORY_SUB_EVENTS = {"Government regains territory", "Non-state actor overtakes territory"}
PLACE_PREPS = {"in", "at", "near", "on", "across", "outside", "inside", "around", "into", "over"}
BACKGROUND_DAYS = 14
WEAK_REACH = 4  # tree distance within which a casualty word belongs to a violent trigger
DEFINITE = {"the", "that", "this", "these", "those"}


@dataclass
class _Group:
    """Trigger tokens judged to denote one event within a sentence; ``head`` is the main trigger."""

    head: Token
    key: str
    weak: bool
    tokens: list[Token] = field(default_factory=list)


# --------------------------------------------------------------------------- tree helpers
def _depth(tok: Token) -> int:
    d = 0
    while tok.head.i != tok.i:
        tok, d = tok.head, d + 1
    return d


def _ancestors_upto(tok: Token) -> list[Token]:
    return [tok, *tok.ancestors]


def _tree_distance(a: Token, b: Token) -> int:
    pa = {t.i: n for n, t in enumerate(_ancestors_upto(a))}
    for n, t in enumerate(_ancestors_upto(b)):
        if t.i in pa:
            return pa[t.i] + n
    return 99


def _path(a: Token, b: Token) -> list[Token]:
    up_a = _ancestors_upto(a)
    ids = {t.i for t in up_a}
    up_b: list[Token] = []
    for t in _ancestors_upto(b):
        up_b.append(t)
        if t.i in ids:
            break
    meet = up_b[-1].i
    return up_a[: [t.i for t in up_a].index(meet) + 1] + up_b[:-1]


def _clause_chain(tok: Token) -> list[Token]:
    """The token and its governors up to the head of its clause (object/xcomp/prep links only)."""
    chain = [tok]
    while tok.head.i != tok.i and tok.dep_ not in CLAUSE_DEPS:
        tok = tok.head
        chain.append(tok)
    return chain


def _np_span(head: Token, keep_det: bool = False) -> Span:
    """The noun phrase of ``head`` without relative clauses, participles, appositions or a leading
    determiner: the words that name the actor or victims."""
    keep = [head]
    for c in head.children:
        if c.dep_ in ("relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "ccomp"):
            continue
        if c.dep_ == "prep" and c.lower_ not in ("of", "in", "from", "for"):
            continue
        if c.i > head.i and c.dep_ == "prep" and head.ent_type_ and c.lower_ != "of" and c.ent_iob_ != "I":
            continue
        keep.extend(c.subtree)
    idx = sorted(t.i for t in keep)
    start, end = idx[0], head.i
    for i in idx:  # stay contiguous around the head
        if i == end + 1:
            end = i
    while start < head.i and idx[0] <= start and head.doc[start].i not in idx:
        start += 1
    doc = head.doc
    breaks = [i for i in range(start, head.i) if "\n" in doc[i].text or "\n" in doc[i].whitespace_]
    if breaks:  # "What Comes Next\n\nAnalysts say ...": a heading glued to the sentence is no part of it
        start = breaks[-1] + 1
    while start < head.i and ((doc[start].dep_ in ("det", "predet") and not keep_det) or doc[start].dep_ == "punct" or doc[start].lower_ in ("'", '"', "“", "‘")):
        start += 1
    while end > head.i and (doc[end].is_punct or doc[end].is_space or doc[end].dep_ == "case"):
        end -= 1
    return doc[start:end + 1]


def _actor_head(tok: Token) -> Token:
    """Skip quantity heads ("a number of X", "thousands of X") and facilities ("facilities used by
    X", "the group's bases") down to the group that acts or is targeted (rules of role ``group``)."""
    roles = Roles.of(tok.doc)
    for _ in range(3):
        inner = roles.first("group", tok)
        if inner is None:
            break
        tok = inner
    return tok


# --------------------------------------------------------------------------- trigger grouping
def _governs_trigger(tok: Token, trig_ids: set[int]) -> bool:
    return any(t.i in trig_ids for t in tok.subtree if t.i != tok.i)


def _groups(sent: Span) -> list[_Group]:
    L = lex()
    found = [(t, *kw) for t in sent if (kw := trigger_key(t))]
    trig_ids = {t.i for t, _, _ in found}
    absorbed: set[int] = set()
    gov_words = L["modal_governors"]["planned"] | L["modal_governors"]["threatened"]
    for t, key, weak in found:  # "agreed to share", "threatened to ban": the embedded act is the event
        if t.lemma_.lower() in gov_words and any(c.dep_ == "xcomp" and _governs_trigger_or_self(c, trig_ids) for c in t.children):
            absorbed.add(t.i)
    strong = [(t, k) for t, k, w in found if not w and t.i not in absorbed and not _situation(t)]
    violent_ids = {t.i for t, k, _ in found if ontology.lookup(k).plover_type in ("ASSAULT", "COERCE")}
    strong = [(t, k) for t, k in strong if k != "aid" or not _acted_on(t, violent_ids)]
    groups: list[_Group] = []
    for t, key in strong:
        plover = ontology.lookup(key).plover_type
        for g in groups:
            g_plover = ontology.lookup(g.key).plover_type
            same = (g.key == key and not _sequenced(g.head, t)) or (plover == g_plover and _linked(g.head, t))
            generic = plover == g_plover == "ASSAULT" and "attack" in (key, g.key) and _linked(g.head, t)
            if same or generic:
                if g.key == "attack" and key != "attack":
                    g.key = key
                light = words("light_verbs")
                if g.key == key and (g.head.lemma_.lower() in light, _depth(g.head)) > (t.lemma_.lower() in light, _depth(t)):
                    g.head = t  # "held talks": the noun names the event, the verb is light
                g.tokens.append(t)
                break
        else:
            groups.append(_Group(t, key, False, [t]))
    weak = [(t, k) for t, k, w in found if w]
    violent = [g for g in groups if ontology.lookup(g.key).plover_type in ("ASSAULT", "COERCE")]
    leftovers: list[tuple[Token, str]] = []
    for t, key in weak:
        # "That assassination came after groups had killed a contractor in a rocket attack": the
        # killing belongs to the attack, not across the sequence word to the assassination
        unsequenced = [g for g in violent if not any(_sequenced(t, x) for x in g.tokens)]
        if unsequenced:
            near = min(unsequenced, key=lambda g: min(_tree_distance(t, x) for x in g.tokens))
            if min(_tree_distance(t, x) for x in near.tokens) <= WEAK_REACH:
                near.tokens.append(t)
            # else: "did not name any casualties, but ... said 22 were killed in the attacks": a
            # casualty word in another clause is neither part of that event nor an event of its own
        else:
            leftovers.append((t, key))
    if leftovers:
        keys = [k for _, k in leftovers]
        key = "killing" if "killing" in keys else keys[0]
        head = min((t for t, _ in leftovers), key=_depth)
        groups.append(_Group(head, key, True, [t for t, _ in leftovers]))
    return groups


def _situation(tok: Token) -> bool:
    """'people displaced by fighting', 'areas affected by violence', 'families fleeing clashes': a
    bare noun for violence in a modifier of another noun describes a situation, not a reported
    event. Bare: no determiner, possessive, number or modifier, and no named place or date in it."""
    gerund = tok.tag_ == "VBG" and tok.dep_ == "pcomp"  # "displaced by fighting" parsed as a verb
    if not (tok.pos_ == "NOUN" and tok.lemma_.lower() in words("situation_nouns") or tok.lower_ in words("situation_nouns")):
        return False
    if tok.pos_ != "NOUN" and not gerund:
        return False
    if any(c.dep_ in ("det", "poss", "nummod", "amod", "compound", "nmod", "nsubj", "dobj") for c in tok.children):
        return False
    if any(t.ent_type_ for t in tok.subtree if t.i != tok.i):
        return False
    by = tok.dep_ in ("pobj", "pcomp") and tok.head.lower_ in ("by", "from")
    verb = tok.head.head if by else tok.head if tok.dep_ == "dobj" else None
    return verb is not None and verb.dep_ in ("acl", "relcl", "amod") and verb.head.pos_ in ("NOUN", "PROPN", "PRON")


def _acted_on(tok: Token, violent_ids: set[int]) -> bool:
    """'Gunmen attacked an aid convoy', 'looted relief supplies': aid that is the target of a violent
    or coercive act is that act's object, not an aid event."""
    t = tok.head if tok.dep_ in ("compound", "amod", "nmod") else tok
    if t.dep_ in ("dobj", "nsubjpass") and t.head.i in violent_ids:
        return True
    return t.dep_ == "pobj" and t.head.head.i in violent_ids and t.head.lower_ in ("on", "against", "at")


def _governs_trigger_or_self(tok: Token, trig_ids: set[int]) -> bool:
    return tok.i in trig_ids or _governs_trigger(tok, trig_ids)


def _sequenced(a: Token, b: Token) -> bool:
    """A sequence word between two triggers ("strikes in response to attacks", "after the
    attacks ... fearing further attacks") makes them two events even with the same key."""
    return any(t.lemma_.lower() in SEQUENCE_WORDS for t in _path(a, b)[1:-1])


def _linked(a: Token, b: Token) -> bool:
    """Two triggers name the same act when one governs the other without a sequence word
    ("airstrikes ... after rocket attacks" are two events)."""
    path = _path(a, b)
    if len(path) > 6:
        return False
    return not any(t.lemma_.lower() in SEQUENCE_WORDS for t in path) and not any(t.dep_ in ("relcl", "advcl") for t in path[1:-1])


# --------------------------------------------------------------------------- arguments
# Which word is the doer or the target of an act is read by the dependency patterns of
# data/lexicon/roles.json (extract.roles); what is chosen among their matches is decided here.
def _governing(tok: Token) -> list[Token]:
    """The trigger and the words governing it in its clause, up to a sequence word: "X directed
    strikes in response to drone attacks" makes X the doer of the strikes only."""
    out = []
    for a in _clause_chain(tok):
        if a.i != tok.i and a.lemma_.lower() in SEQUENCE_WORDS:
            break
        out.append(a)
    return out


def _active(tok: Token) -> bool:
    """Whether a trigger's subject can be its doer: not in the passive ("the base was attacked"),
    not itself the subject ("the attack killed four"), not after a sequence word ("after the
    attacks, the groups rushed ...", "came after attacks targeting US forces")."""
    if tok.pos_ == "NOUN" and tok.dep_ in ("nsubj", "nsubjpass"):
        return False
    if tok.dep_ == "nsubjpass" or any(c.dep_ == "nsubjpass" for c in tok.children):
        return False
    return not any(x.lemma_.lower() in SEQUENCE_WORDS for x in _clause_chain(tok)[1:])


def _anchors(tokens: list[Token]) -> Callable[[Rule], list[Token]]:
    """Where the rules' ``event`` stands for these trigger words, by the rule's scope."""
    roles = Roles.of(tokens[0].doc)
    def anchors(rule: Rule) -> list[Token]:
        toks = [t for t in tokens if _active(t)] if rule.active else tokens
        if rule.scope == "trigger":
            return toks
        if rule.scope in ("clause", "governor"):
            return list(dict.fromkeys(a for t in toks for a in _governing(t)[rule.scope == "governor":]))
        if rule.scope == "holder":
            return list(dict.fromkeys([*toks, *(h for _, h in roles.find("holder", {"trigger": toks}))]))
        return []
    return anchors


def _passes(check: str | None, tok: Token, resolve: ResolveActor | None = None) -> bool:
    """The test a rule leaves to the caller: an actor-like noun, or a capitalised name the actor
    resolver places in a country ("US Predator attacks" when NER tags no entity)."""
    if check == "actor_like":
        return _actor_like(tok)
    if check == "national":
        return resolve is not None and tok.text[:1].isupper() and bool(resolve(tok.text, None).country)
    return True


def _stranded_subject(verb: Token) -> Token | None:
    """A subject the parser hung on a fronted phrase: in "With the signing of the accord, the
    government and the rebels have agreed to ...", the subject is parsed as a conjunct inside the
    'with' phrase. The last conjunct group right before the verb, after a comma, is the subject."""
    if verb.pos_ not in ("VERB", "AUX") or any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in verb.children):
        return None
    if verb.dep_ == "advcl":  # "came after militants last week fired rockets": "militants" parsed as the object of "after"
        for p in verb.head.children:
            if p.dep_ == "prep" and p.lower_ in ("after", "before", "since", "until") and p.i < verb.i:
                obj = next((c for c in p.children if c.dep_ == "pobj" and c.right_edge.i < verb.i), None)
                if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
                    return obj
    doc, i = verb.doc, verb.i - 1
    while i >= verb.sent.start and doc[i].dep_ in ("aux", "auxpass", "neg", "advmod") and doc[i].head.i == verb.i:
        i -= 1
    if i < verb.sent.start:
        return None
    last = doc[i]
    for cand in [last, *last.ancestors]:
        if cand.i >= verb.i or cand.pos_ not in ("NOUN", "PROPN") or cand.dep_ != "conj" or cand.right_edge.i != i:
            continue
        first = cand
        while first.dep_ == "conj" and first.head.pos_ in ("NOUN", "PROPN"):
            prev = doc[first.left_edge.i - 1] if first.left_edge.i > verb.sent.start else None
            if prev is not None and prev.text == ",":
                return first
            first = first.head
    return None


def _actor1(group: _Group, resolve: ResolveActor | None = None) -> Token | None:
    """Who acted: the first word an agent rule finds that is no part of the trigger, no backer
    ("Iran-backed") and not the speaker of a reporting verb (that is said_by); a pronoun subject in
    reported speech is the speaker. Else a subject the parser stranded on a fronted phrase."""
    roles, own = Roles.of(group.head.doc), {t.i for t in group.tokens}
    backers = roles.marks("backer", group.head)
    for rule, tok in roles.find("agent", _anchors(group.tokens), group.key):
        if tok.i in own or tok.i in backers or not _passes(rule.check, tok, resolve) or _is_speaker(tok, group):
            continue
        return _unpronoun(tok) if rule.active else tok
    for t in group.tokens:
        if _active(t):
            top = _clause_chain(t)[-1]  # the clause's verb, else the verb a participle clause modifies
            subj = _stranded_subject(top) or (_stranded_subject(top.head) if top.dep_ == "advcl" else None)
            if subj is not None:
                return subj
    return None


def _is_speaker(tok: Token, group: _Group) -> bool:
    """The subject of a reporting verb ("the spokesman said ...") is who claims the event
    (said_by), not who did it."""
    verb = tok.head
    own = {t.i for t in group.tokens}
    announced = any(c.i in own for c in verb.children if c.dep_ == "dobj")  # "X announced a suspension"
    return tok.dep_ == "nsubj" and verb.lemma_.lower() in words("speech_verbs") and verb.i not in own and not announced


def _unpronoun(subj: Token) -> Token:
    """'Hungary has said it will support ...': a pronoun subject inside reported speech is the speaker."""
    if subj.lower_ not in PRONOUNS:
        return subj
    if subj.lower_ in RELATIVES:  # "the attacks, which it said had hit ...": the event, not an actor
        return subj
    for anc in subj.head.ancestors:
        if anc.lemma_.lower() in words("speech_verbs"):
            speakers = [c for c in anc.children if c.dep_ == "nsubj" and c.lower_ not in PRONOUNS]
            if speakers:
                return speakers[0]
    return subj


ACTOR_ENTS = ("PERSON", "ORG", "GPE", "NORP")
OWN_FORCE_KEYS = {"mobilization", "withdrawal"}


def _actor_like(tok: Token) -> bool:
    """A noun that can act or be acted on: a named group/person/state or a word for people."""
    head = _actor_head(tok)
    if any(c.ent_type_ in ACTOR_ENTS for c in head.children if c.dep_ in ("compound", "amod", "nmod")):
        return True  # "Iraqi officials", "the Kurdish region"
    # an actor word as adjective does not make an actor: "official contact", "military aid"
    return any(t.ent_type_ in ACTOR_ENTS or t.lemma_.lower() in words("actor_nouns") or t.lower_ in words("actor_nouns")
               for t in [head] + [c for c in head.children if c.dep_ in ("compound", "nmod")])


def _inner_actor(tok: Token) -> Token | None:
    """The actor named inside a non-actor noun: "an Indian proposal", "crimes committed by X", "the
    return of property seized by X"."""
    return next((t for rule, t in Roles.of(tok.doc).find("inner", {"phrase": [tok]}) if _passes(rule.check, t)), None)


def _actor2(group: _Group, exclude: set[int]) -> Token | None:
    """Target or counterpart: the addressee of a demand; an actor-like patient (objects before
    prepositional recipients), not a victim without description ("22 people") and not the doer's own
    forces; an actor named inside a patient; the party ordered to act or the target of a purpose
    clause; the place an act is aimed at or happens in; the subject of a threat's condition; else
    the nearest named actor in the trigger's phrase."""
    roles, anchors = Roles.of(group.head.doc), _anchors(group.tokens)
    addressee = next((t for _, t in roles.find("addressee", anchors, group.key)), None)
    if addressee is not None:
        return addressee
    own_ids = {t.i for t in group.tokens} | roles.marks("backer", group.head)
    cands = sorted(((rule.rank, tok) for rule, tok in roles.find("patient", anchors, group.key)
                    if not _nondescript(tok) and tok.i not in own_ids), key=lambda rc: rc[0])
    own = {"its", "their", "his", "her", "our"}
    for rank, tok in cands:  # "withdraw its troops", "mobilized reservists": the doer's own forces
        if rank == 0 and (group.key in OWN_FORCE_KEYS or any(c.lower_ in own for c in tok.children if c.dep_ == "poss")):
            continue
        if _actor_like(tok):
            return tok
    for _, tok in cands:
        inner = _inner_actor(tok) or next(
            (a for _, a in roles.find("patient", {"holder": [tok]}, group.key) if _actor_like(a)), None)
        if inner is not None:
            return inner
    other = _ordered_party(group) or _purpose_target(group)
    if other is not None:
        return other
    # an assault's place is where it happened, not whom it hit ("strikes in Syria"): only a place
    # it is aimed at ("attacks on Erbil") is its target; taking territory acts on the place itself
    labels = ontology.lookup(group.key)
    hits = labels.plover_type == "ASSAULT" and labels.acled_sub_event_type not in TERRITORY_SUB_EVENTS
    preps = ("on", "against") if hits else ("in", "into", "from", "to", "on", "against")
    for _, tok in [(0, t) for t in group.tokens] + cands:
        for g in tok.subtree:
            if g.ent_type_ in ("GPE", "LOC") and g.dep_ == "pobj" and _tree_distance(g, tok) <= 4 and (
                    g.head.lower_ in preps
                    or g.head.lower_ == "of" and g.head.head.lemma_.lower() in words("settlement_nouns")):
                return g  # "a curfew in Algiers", "a curfew in the town of Cizre"
    other = _condition_target(group)
    if other is not None:
        return other
    named = [t for t in group.head.subtree if t.ent_type_ in ACTOR_ENTS and t.i not in exclude | own_ids and t.dep_ != "nsubj"]
    return min(named, key=lambda t: _tree_distance(t, group.head)) if named else None


def _purpose_target(group: _Group) -> Token | None:
    """'staged demonstrations to demand the resignation of X', 'opened fire to disperse
    demonstrators', 'demonstrated, calling for independence from X', 'continued their effort to
    overthrow X': when the act names no target, the patient of its purpose clause is one."""
    roles = Roles.of(group.head.doc)
    for _, verb in roles.find("purpose", _anchors(group.tokens), group.key):
        for _, obj in roles.find("patient", {"holder": [verb]}):
            if _nondescript(obj):
                continue
            if _actor_like(obj):
                return obj
            inner = _inner_actor(obj)
            if inner is not None:
                return inner
    return None


def _condition_target(group: _Group) -> Token | None:
    """'threatened to launch an offensive unless Baghdad accepted ...': a threat is aimed at whoever
    must meet its condition (the subject of the if/unless clause)."""
    chain = [a for t in group.tokens for a in _clause_chain(t)]
    chain += [a.head for a in chain if a.dep_ == "xcomp"]
    if not any(a.lemma_.lower() in lex()["modal_governors"]["threatened"] for a in chain):
        return None
    return next((t for _, t in Roles.of(group.head.doc).find("condition", {"clause": chain})), None)


def _ordered_party(group: _Group) -> Token | None:
    """'ordered the newspaper to suspend publication': with no other target, the party ordered
    to act against its will is the one coerced."""
    found = Roles.of(group.head.doc).find("ordered", _anchors(group.tokens), group.key)
    return next((t for rule, t in found if _passes(rule.check, t)), None)


def _nondescript(tok: Token) -> bool:
    """'22 people', 'a person': words that say nothing about who the victims were; they are kept
    as victims text but make no actor (a civilian target must be said to be civilian)."""
    head = _actor_head(tok)
    if head.lemma_.lower() not in words("nondescript_people") and head.lower_ not in words("nondescript_people"):
        return False
    return not any(c.ent_type_ in ACTOR_ENTS or c.lemma_.lower() in words("actor_nouns")
                   for c in head.children if c.dep_ in ("amod", "compound", "nmod", "poss"))


def _named_head(tok: Token) -> Token:
    """The word that names an actor: past quantity heads and facilities ("a number of X",
    "facilities used by X") to the group, and from a description to its name in apposition."""
    head = _actor_head(tok)
    return Roles.of(tok.doc).first("name", head) or head


def _actor_ref(tok: Token | None, resolve: ResolveActor, exclude: set[int]) -> ActorRef | None:
    if tok is None:
        return None
    head = _named_head(tok)
    if head.lower_ in PRONOUNS or head.i in exclude:
        return None
    span = _np_span(head)
    label = head.ent_type_ or next((t.ent_type_ for t in span if t.ent_type_), None) or None
    ref = resolve(span.text, label)
    if ref.start is None:
        ref.start, ref.end = span.start_char, span.end_char
    return ref


def _also(tok: Token) -> list[str]:
    """Parties coordinated with an actor ("Russia and China"), victims without description left out."""
    roles = Roles.of(tok.doc)
    backers = roles.marks("backer", tok)
    return [_np_span(c).text for _, c in roles.find("also", {"phrase": [_named_head(tok)]})
            if not _nondescript(c) and c.i not in backers]


def _said_by(anchor: Token, sent: Span) -> Token | None:
    """Who claims the sentence: speaker of a governing speech verb, 'according to X', 'a statement
    by X', else of a speech verb heading the sentence. 'he'/'she' are kept for the document pass
    (:func:`_resolve_sources`); other pronouns name nobody."""
    speech = words("speech_verbs")
    for t in sent:
        if t.lower_ == "according":
            pobj = [g for c in t.children if c.lower_ == "to" for g in c.children if g.dep_ == "pobj"]
            if not pobj:
                pobj = [g for g in t.head.children if g.dep_ == "pobj"] if t.head.lower_ == "to" else []
            if pobj:
                return _speaker(pobj[0])
    candidates = [a for a in anchor.ancestors if a.lemma_.lower() in speech]
    candidates += [t for t in sent if t.lemma_.lower() in speech and t.dep_ in ("ROOT", "parataxis") and t not in candidates]
    for verb in candidates:
        subj = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and (c.lower_ not in PRONOUNS or c.lower_ in PERSONAL)]
        if subj:
            return _speaker(subj[0])
    return None


PERSONAL = {"he", "she"}


def _speaker(tok: Token) -> Token:
    """The noun that names the source: the owner of a statement ("the ministry's statement", "a
    report by X"), or the name in apposition ("the monitoring group the Syrian Observatory")."""
    if tok.lemma_.lower() in words("statement_nouns"):
        for c in tok.children:
            if c.dep_ == "poss":
                return c
            if c.dep_ in ("prep", "agent") and c.lower_ in ("by", "from", "of"):
                pobj = [g for g in c.children if g.dep_ == "pobj"]
                if pobj:
                    return _speaker(pobj[0])
    named = [c for c in tok.children if c.dep_ in ("appos", "compound") and c.ent_type_ in ("ORG", "PERSON")]
    if not tok.ent_type_ and named:
        return named[0]
    return tok


def _speaker_text(tok: Token) -> str:
    return _np_span(tok).text


def _named(tok: Token) -> bool:
    return any(t.ent_type_ in ACTOR_ENTS or t.pos_ == "PROPN" for t in _np_span(tok))


def _resolve_sources(pairs: list[tuple[EventMention | None, Token | None]], resolve: ResolveActor) -> None:
    """Document pass over said_by: 'The organization said' / 'the group's sources' take the last
    named organisation that was a source, 'the Observatory' the longer name it abbreviates, 'he' /
    'she' the last named person; an unresolvable pronoun names nobody."""
    named: list[tuple[str, str]] = []  # (text, "PERSON" | "ORG")
    for m, tok in pairs:
        if tok is None:
            continue
        said_by: str | None
        text = _speaker_text(tok)
        lemma = tok.lemma_.lower()
        if tok.lower_ in PERSONAL:
            said_by = next((t for t, lab in reversed(named) if lab == "PERSON"), None)
        elif _named(tok):
            kind = "PERSON" if tok.ent_type_ == "PERSON" or resolve(text, tok.ent_type_ or None).kind == "person" else "ORG"
            longer = [t for t, _ in reversed(named) if len(t) > len(text)
                      and re.search(r"\b" + re.escape(text.lower()) + r"\b", t.lower())]
            said_by = longer[0] if longer else text
            named.append((said_by, kind))
        elif lemma in words("generic_sources") and any(c.lower_ in DEFINITE for c in tok.children):
            said_by = next((t for t, lab in reversed(named) if lab == "ORG"), text)
        else:
            said_by = text
        if m is not None:
            m.said_by = said_by


# --------------------------------------------------------------------------- casualties
def _number_of(head: Token, time_tokens: set[int]) -> Count | None:
    """The figure carried by a noun phrase, with ACLED's range words; conjuncts are added up."""
    parts = [head] + [c for c in head.children if c.dep_ == "conj"]
    counts = [c for c in (_one_count(p, time_tokens) for p in parts) if c]
    if not counts:
        return None
    if len(counts) == 1:
        return counts[0]
    best = sum(c.best for c in counts)
    low = sum((c.low if c.low is not None else c.best) for c in counts)
    return Count(best=best, low=low, high=None, text=head.doc[_np_span(head, True).start:_np_span(parts[-1], True).end].text)


def _one_count(head: Token, time_tokens: set[int]) -> Count | None:
    doc = head.doc
    if head.lemma_.lower() in ("total", "number", "group") and not head.like_num:  # "a total of eight contractors"
        of = [g for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children if g.dep_ == "pobj"]
        if of:
            return _one_count(of[0], time_tokens)
    num = None
    if head.like_num and head.i not in time_tokens:
        num = head
    else:
        num = next((c for c in head.children if c.dep_ == "nummod" and c.i not in time_tokens), None)
    lower = head.lower_
    if num is None:
        for c in head.children:
            if c.dep_ in ("amod", "nummod", "det") and c.lower_ in ("several", "few", "couple", "dozen"):
                best, low, high = VAGUE[c.lower_]
                return Count(best, low, high, _np_span(head).text)
        if lower in VAGUE and head.tag_ == "NNS":
            best, low, high = VAGUE[lower]
            if any(c.lower_ == "tens" for c in head.children) or (head.i > 0 and doc[head.i - 2: head.i].text.lower() == "tens of"):
                best, low = best * 10, low * 10
            return Count(best, low, high, _np_span(head).text)
        if head.tag_ in ("NN", "NNP") and any(c.lower_ in ("a", "an", "one", "another") for c in head.children if c.dep_ in ("det", "nummod")):
            return Count(1, 1, 1, _np_span(head, True).text)
        # "on Friday 22 people were killed": a number hanging on a weekday (no month) is a count
        left = _np_span(head).start - 1
        if left >= 0 and doc[left].like_num and doc[left].head.lower_ in WEEKDAYS:
            num = doc[left]
        else:
            return None
    if num.head.lower_ in MONTHS or (num.i in time_tokens and num.head.lower_ not in WEEKDAYS and num.head.i != head.i):
        return None
    pieces = [t for t in num.subtree if t.like_num or t.lower_ in ("hundred", "thousand", "million")] or [num]
    value = parse_number(" ".join(t.text for t in pieces)) if len(pieces) > 1 else parse_number(num.text)
    if value is None:
        return None
    mod = " ".join(t.lower_ for t in num.subtree if t.i < num.i and not t.like_num)
    text = doc[min(t.i for t in num.subtree):head.i + 1].text if head.i >= num.i else _np_span(head).text
    if mod.endswith(("more than", "over", "upwards of")):
        return Count(value + 1, value + 1, None, text)
    if mod.endswith(("at least", "a minimum of")):
        return Count(value, value, None, text)
    if mod.endswith(("up to", "as many as", "at most")):
        return Count(value, None, value, text)
    if mod.endswith(("fewer than", "less than", "under")):
        return Count(value - 1, None, value - 1, text)
    if mod.endswith(("nearly", "almost")):
        return Count(value, None, value, text)
    m = re.search(r"(\d[\d,]*)\s*(?:-|–|to|and)\s*" + re.escape(num.text), text)
    if m:
        return Count(int(m.group(1).replace(",", "")), int(m.group(1).replace(",", "")), value, text)
    return Count(value, value, value, text)


def _victim_np(tok: Token) -> Token | None:
    """The noun phrase naming who was killed or hurt by a casualty word."""
    for c in tok.children:
        if c.dep_ in ("dobj", "nsubjpass"):
            return c
    if tok.lemma_.lower() == "die":
        return next((c for c in tok.children if c.dep_ == "nsubj"), None)
    if tok.pos_ == "VERB" and tok.dep_ == "conj":
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            return subj
    if tok.dep_ in ("acl", "amod") and tok.head.pos_ in ("NOUN", "PRON", "NUM", "PROPN"):
        return tok.head
    if tok.pos_ == "NOUN":
        num = next((c for c in tok.children if c.dep_ == "nummod"), None)
        if num is not None:
            return tok
        if tok.lemma_.lower() == "toll" and tok.head.pos_ in ("VERB", "AUX"):
            for c in tok.head.children:
                if c.dep_ in ("attr", "dobj") and c.i != tok.i:
                    return c
                if c.dep_ == "prep" and c.lower_ in ("to", "at"):
                    pobj = [g for g in c.children if g.dep_ == "pobj"]
                    if pobj:
                        return pobj[0]
        of = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children if g.dep_ == "pobj"]
        if of:
            return of[0]
    return None


def _casualties(group: _Group, time_tokens: set[int], resolve: ResolveActor) -> tuple[Count | None, Count | None, str | None, dict]:
    C = lex()["casualty"]
    killed, wounded, victims, extra = None, None, None, {}
    for t in sorted(group.tokens, key=lambda x: x.i):
        lemma = t.lemma_.lower()
        kind = "killed" if lemma in C["killed"] else "wounded" if lemma in C["wounded"] else None
        if kind is None:
            continue
        np = _victim_np(t)
        if np is None or np.lower_ in PRONOUNS - {"those"}:
            continue
        count = _number_of(np, time_tokens)
        if kind == "killed" and killed is None:
            killed = count
        elif kind == "wounded" and wounded is None:
            wounded = count
        if victims is None and not (np.like_num and not list(np.children)):
            victims = _victims_text(np)
            extra.update(_nationality(np, resolve))
    return killed, wounded, victims, extra


def _victims_text(np: Token) -> str:
    """'those killed were believed to be members of X' names the victims in the predicate."""
    if np.lower_ in ("those", "all") or (np.lemma_.lower() == "those"):
        verb = np.head
        for t in verb.subtree:
            if t.dep_ == "attr":
                return _np_span(t).text
    parts = [np] + [c for c in np.children if c.dep_ == "conj"]
    span = np.doc[_np_span(parts[0], True).start:_np_span(parts[-1], True).end]
    return span.text


def _nationality(np: Token, resolve: ResolveActor) -> dict:
    """Victim nationality as claimed, or as denied ('a contractor, who was not a US citizen')."""
    out: dict = {}
    for c in np.children:
        if c.dep_ == "relcl" and any(g.dep_ == "neg" for g in c.children):
            nat = [t for t in c.subtree if t.ent_type_ in ("GPE", "NORP")]
            if nat:
                out["victim_nationality_negated"] = resolve(nat[0].text, nat[0].ent_type_).country or nat[0].text
    nat = [t for t in _np_span(np) if t.ent_type_ in ("GPE", "NORP")]
    if nat and "victim_nationality_negated" not in out:
        out["victim_nationality"] = resolve(nat[0].text, nat[0].ent_type_).country or nat[0].text
    return out


# --------------------------------------------------------------------------- weapon, place, time
def _weapon(group: _Group, sent: Span, exclude: set[int]) -> Token | None:
    cands = [t for t in sent if t.lemma_.lower() in words("weapons") and t.i not in exclude and t.dep_ != "compound"
             or (t.dep_ == "compound" and t.lemma_.lower() in words("weapons") and t.head.i in {g.i for g in group.tokens})]
    if not cands:
        return None
    best = min(cands, key=lambda w: min(_tree_distance(w, g) for g in group.tokens))
    return best if min(_tree_distance(best, g) for g in group.tokens) <= 5 else None


def _weapon_text(tok: Token) -> str:
    if tok.dep_ == "compound":
        return tok.text
    left = [c for c in tok.children if c.dep_ in ("nummod", "compound", "amod") and c.i < tok.i]
    start = min([tok.i] + [t.i for c in left for t in c.subtree])
    return tok.doc[start:tok.i + 1].text


def _refine(key: str, group: _Group, weapon: Token | None) -> str:
    refine = lex()["refine"]
    if key in words("instrument_refinable"):
        # "drones struck the camp", "a drone strike": the instrument, not the verb, says which
        # remote weapon; a weapon merely near the trigger ("strikes hit rocket launchers") does not
        for t in group.tokens:
            inst = [c for c in t.children if c.dep_ in ("compound", "amod", "nmod", "nsubj")]
            inst += [g for c in t.children if c.dep_ == "prep" and c.lower_ == "with" for g in c.children if g.dep_ == "pobj"]
            for c in inst:
                if refine.get(c.lemma_.lower()) in words("remote_weapon_keys"):
                    return refine[c.lemma_.lower()]
        return key
    if key not in words("refinable"):
        return key
    for t in group.tokens:
        for c in t.children:
            lemma = c.lemma_.lower()
            if c.dep_ in ("compound", "amod", "nmod") and lemma in refine:
                return refine[lemma]
            if c.dep_ == "prep" and c.lower_ in ("with", "by", "in"):
                for g in c.children:
                    if g.lemma_.lower() in refine:
                        return refine[g.lemma_.lower()]
    if weapon is not None and weapon.lemma_.lower() in refine and min(_tree_distance(weapon, t) for t in group.tokens) <= 3:
        return refine[weapon.lemma_.lower()]
    return key


def _tokens_of(doc: Doc, start: int, end: int) -> list[Token]:
    span = doc.char_span(start, end, alignment_mode="expand")
    return list(span) if span is not None else []


def _pick_place(group: _Group, places: list[tuple[Place, list[Token]]], exclude: set[int]) -> Place | None:
    rank = {"place": 0, "admin1": 1, "region": 2, "country": 3, "unresolved": 4}
    scored = []
    for place, toks in places:
        if not toks or any(t.i in exclude for t in toks):
            continue
        head = min(toks, key=_depth)
        if _modifier_use(head, toks):
            continue
        dist = min(_tree_distance(head, g) for g in group.tokens)
        attached = _locative(head) and dist < 8
        tier = 0 if attached else 1 if dist <= 3 else 2 if _prep_linked(head, group) else None
        if tier is None:
            continue  # "trucks carrying ammunition from Iraq to Syria": far and unattached is not where
        scored.append((_dateline(place, head), tier, rank.get(place.precision, 4), dist, place, head))
    if not any(s[0] for s in scored):
        scored = [s for s in scored if s[1] < 2]
    if not scored:
        return None
    best = min(scored, key=lambda s: s[:4])
    return _spanning(best[4], best[5], [(s[4], s[5]) for s in scored])


def _coordinated(a: Token, b: Token) -> bool:
    """'in Iraq and Syria', 'at two sites in Syria and one in Iraq': two places joined by a
    conjunction, directly or through the nouns they locate."""
    path = _path(a, b)
    if len(path) > 7:
        return False
    meet = max(path, key=lambda t: -_depth(t))
    links = [t.dep_ for t in path if t.i != meet.i]
    return "conj" in links and all(d in ("conj", "prep", "pobj", "compound", "appos") for d in links)


def _spanning(place: Place, head: Token, candidates: list[tuple[Place, Token]]) -> Place:
    """One act in several countries ("strikes in Iraq and Syria") is placed in all of them (a
    country code per country, as a border region has), not in whichever the sentence names first."""
    own = set(country_codes(place.country_code))
    others = [p for p, h in candidates if h.i != head.i and p.country_code and not own & set(country_codes(p.country_code))
              and _coordinated(head, h)]
    if not own or not others:
        return place
    parts = sorted([place, *others], key=lambda p: p.start)
    codes = dict.fromkeys(c for p in parts for c in country_codes(p.country_code))
    doc = head.doc
    return Place(parts[0].start, parts[-1].end, doc.text[parts[0].start:parts[-1].end],
                 name=" and ".join(dict.fromkeys(p.name or p.text for p in parts)), country_code="-".join(codes),
                 precision="country", source=place.source)


def _modifier_use(head: Token, toks: list[Token]) -> bool:
    """"Iran-backed", "U.S. military forces", "Iraqi city": a place name used as a modifier says
    whose or what kind, not where it happened; "the Iraq-Syria border region" still says where."""
    if head.dep_ in ("amod", "poss", "npadvmod", "nsubj"):
        return True
    if head.dep_ in ("compound", "nmod") and head.head.ent_type_ != "GPE" and head.head.i not in {t.i for t in toks}:
        area = head.head.lemma_.lower() in words("settlement_nouns") | words("area_nouns")
        return not (head.dep_ == "compound" and area and _locative(head))
    return False


def _target_place(a2_tok: Token, places: list[tuple[Place, list[Token]]]) -> Place | None:
    """'the attack on Erbil', 'strikes against militias in the border region': an attack happens
    where its target is, so a place the target's own phrase locates it at places the attack."""
    target = _actor_head(a2_tok)
    inside = {t.i for t in target.subtree}
    for place, toks in places:
        ids = {t.i for t in toks}
        if target.i in ids:
            return place
    located = [(place, min(toks, key=_depth)) for place, toks in places
               if toks and all(t.i in inside for t in toks)]
    located = [(place, head) for place, head in located if _locative(head) and not _modifier_use(head, [head])]
    if not located:
        return None
    place, head = min(located, key=lambda ph: _tree_distance(ph[1], target))
    return _spanning(place, head, located)


def _prep_linked(head: Token, group: _Group) -> bool:
    """'ambushed a convoy on the road to X': a place reached from the trigger through prepositions
    alone; it beats only a dateline city."""
    ids = {g.i for g in group.tokens}
    tok = head
    for _ in range(8):
        if tok.dep_ not in ("pobj", "prep", "compound", "appos", "conj") or tok.head.i == tok.i:
            return False
        tok = tok.head
        if tok.i in ids:
            return True
    return False


DATELINE = re.compile(r"\s*(\([^()\n]{1,60}\))?\s*(,\s*[A-Za-z. ]{2,30})?\s*(—|–|--|-|:)\s")


def _dateline(place: Place, head: Token) -> bool:
    """'BAMAKO (Continental Wire) — Fighters attacked ... in the town of X': the city a report is
    filed from opens the paragraph before a dash; it is where the reporter is, so it only places
    an event when the sentence names no other place."""
    doc, sent = head.doc, head.sent
    first = next((t for t in sent if not t.is_space), sent[0])
    before = doc.text[first.idx:place.start] if place.start >= first.idx else None
    starts_line = before is not None and (before.strip() == "" or "\n" in before and before.rsplit("\n", 1)[1].strip() == "")
    return bool(starts_line and DATELINE.match(doc.text, place.end))


def _locative(tok: Token) -> bool:
    """The place is the object of a locative preposition or of 'reached'/'entered', directly or
    through an apposition, conjunct, compound or 'the city of X'."""
    for _ in range(4):
        if tok.dep_ in ("appos", "conj", "compound"):
            tok = tok.head
        elif tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ == "NOUN":
            tok = tok.head.head
        else:
            break
    if tok.dep_ == "dobj" and tok.head.lemma_.lower() in ARRIVAL_VERBS:
        return True  # "the convoy reached the town of X": where it arrived
    return tok.dep_ == "pobj" and tok.head.lower_ in PLACE_PREPS


def _across_sequence(group: _Group, head: Token) -> bool:
    """'bombed camps on Friday, days after the group's drone attack': a sequence word between a
    trigger and a time outside the trigger's own phrase puts them in different events (the
    attack is before Friday, not on it); "since last week's attack" keeps its own time."""
    for g in group.tokens:
        if any(t.i == head.i for t in g.subtree):
            return False
    near = min(group.tokens, key=lambda g: _tree_distance(head, g))
    return any(t.lemma_.lower() in SEQUENCE_WORDS for t in _path(near, head)[1:-1])


def _pick_time(group: _Group, times: list[tuple[TimeExpr, list[Token]]]) -> TimeExpr | None:
    """The time attached to the trigger's clause; a time governed by 'said' dates the report."""
    speech = words("speech_verbs")
    best, best_score = None, None
    for tx, toks in times:
        if not toks:
            continue
        head = min(toks, key=_depth)
        gov = next((a for a in head.ancestors if a.pos_ in ("VERB", "AUX") or a.i in {g.i for g in group.tokens}), None)
        if gov is not None and gov.lemma_.lower() in speech and all(gov.i != a.i for g in group.tokens for a in _clause_chain(g)):
            continue
        if _across_sequence(group, head):
            continue
        near = min(group.tokens, key=lambda g: _tree_distance(head, g))
        score = (tx.value.endswith("_REF") or tx.value == "unresolved", tx.type in ("DURATION", "SET"), _tree_distance(head, near))
        if best_score is None or score < best_score:
            best, best_score = tx, score
    return best


# --------------------------------------------------------------------------- status, role, labels
def _status(group: _Group) -> str:
    L = lex()
    gov = L["modal_governors"]
    head = group.head
    chain = _clause_chain(head)
    clause = chain[-1]
    # climb through 'said that ...' only for modal words; the clause itself decides negation
    for n, t in enumerate(chain):
        kids = list(t.children)
        if n and chain[n - 1].dep_ in ("nsubj", "nsubjpass"):
            break  # "if the ceasefire fails": the subject is not what fails
        if any(c.dep_ == "neg" for c in kids) or (n == 0 and any(c.lower_ == "no" and c.dep_ == "det" for c in kids)):
            return "denied"
        lemma = t.lemma_.lower()
        if t.i != head.i:
            if lemma in gov["denied"]:  # "threatened to stop talks" is a threat
                above = {a.lemma_.lower() for a in chain[n + 1:]} | {a.head.lemma_.lower() for a in chain[n:] if a.dep_ == "xcomp"}
                return "threatened" if above & gov["threatened"] else "denied"
            if lemma in gov["threatened"]:
                return "threatened"
            if lemma in gov["hypothetical"]:
                return "hypothetical"
            if lemma in gov["planned"]:
                return "planned"
    auxes = {c.lower_ for t in chain for c in t.children if c.dep_ in ("aux", "auxpass")}
    marks = {c.lower_ for c in clause.children if c.dep_ == "mark"}
    if clause.dep_ == "advcl" and marks & L["hypothetical_marks"]:
        return "hypothetical"
    if auxes & L["hypothetical_aux"]:
        return "hypothetical"
    if auxes & L["planned_aux"] or any(c.lower_ == "to" and c.dep_ == "aux" for c in clause.children) and clause.dep_ == "xcomp":
        unless = any(c.dep_ == "advcl" and any(m.lower_ == "unless" for m in c.children) for c in clause.children)
        return "threatened" if unless else "planned"
    if head.pos_ == "NOUN" and any(c.lower_ in L["future_modifiers"] for c in head.children if c.dep_ == "amod"):
        return "planned"
    return "occurred"


def _plover(key: str, status: str, governors: frozenset[str] = frozenset()) -> str | None:
    """PLOVER codes what the sentence does: a promise to cooperate is AGREE, a promise of force is
    THREATEN, a refusal to cooperate is REJECT (PLOVER manual, 'future' and 'negated' events).
    Two governors change the act itself (CAMEO 0311/166, 15): halting cooperation ("ended
    mediation", "suspended talks") is SANCTION, preparing force ("prepared to resume shelling")
    is MOBILIZE."""
    base = ontology.lookup(key).plover_type
    if base is None:
        return None
    if status == "threatened":
        return "THREATEN"
    if status == "planned":
        if base in MATERIAL_CONFLICT and governors & words("mobilizing_governors"):
            return "MOBILIZE"
        return "AGREE" if base in COOPERATIVE else "THREATEN" if base in MATERIAL_CONFLICT else base
    if status == "denied" and base in COOPERATIVE:
        return "SANCTION" if governors & words("halting_governors") else "REJECT"
    return base


def _governors(group: _Group) -> frozenset[str]:
    """Lemmas of the words above the trigger in its clause (stop, prepare, ...)."""
    chain = _clause_chain(group.head)
    return frozenset(t.lemma_.lower() for t in chain[1:])


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _role(time: TimeExpr | None, published: str | None, sent: Span) -> str:
    """Background when the event is dated well before publication, or cued as earlier history."""
    pub = _iso(published)
    if time is not None and pub is not None and not time.value.endswith("_REF"):
        end = _iso(time.range_end) or _iso(time.value)
        if end is not None:
            return "background" if (pub - end).days > BACKGROUND_DAYS else "reported"
    lemmas = {t.lemma_.lower() for t in sent}
    text = sent.text.lower()
    if lemmas & words("background_cues") or re.search(r"\b(last|previous) year\b|\byears ago\b|\bmost recent\b", text):
        return "background"
    return "reported"


# --------------------------------------------------------------------------- main entry
def _spans(doc: Doc, items: Iterable, sent: Span) -> list[tuple]:
    return [(x, [t for t in _tokens_of(doc, x.start, x.end) if sent.start <= t.i < sent.end])
            for x in items if sent.start_char <= x.start < sent.end_char]


def _sentence_request(sent: Span, resolve: ResolveActor) -> list[_Group]:
    """'X said Y must do Z' is a demand by X on Y (PLOVER REQUEST) even without a demand verb."""
    out = []
    for t in sent:
        if t.lemma_.lower() in words("speech_verbs") | {"conclude"}:
            for c in t.children:
                if c.dep_ == "ccomp" and any(a.lower_ in words("request_modals") for a in c.children if a.dep_ == "aux"):
                    out.append(_Group(t, "demand", False, [t]))
    return out


def extract_mentions(doc: Doc, published: str | None, times: list[TimeExpr], places: list[Place],
                     resolve_actor: ResolveActor, classify: bool = True) -> list[EventMention]:
    """Event mentions of every sentence of ``doc`` (see module doc); times/places/actors come from
    the resolve stage so that each rule here only decides attachment. With ``classify`` the learned
    classifier (``extract.classifier``) gives each mention its ACLED and PLOVER types; without it
    the lexicon's types stand (the classifier's build script reads them as features)."""
    pairs: list[tuple[EventMention | None, Token | None]] = []
    last_quote_speaker: Token | None = None
    for si, sent in enumerate(doc.sents):
        groups = _groups(sent) + _sentence_request(sent, resolve_actor)
        sent_times = _spans(doc, times, sent)
        sent_places = _spans(doc, places, sent)
        time_tokens = {t.i for _, toks in sent_times for t in toks} | {t.i for t in sent if t.ent_type_ in ("DATE", "TIME")}
        stripped = sent.text.lstrip()
        quoted = stripped[:1] in "\"“'‘"
        for g in groups:
            m = _mention(g, si, sent, published, sent_times, sent_places, time_tokens, resolve_actor, _foreign(g, groups))
            source = _said_by(g.head, sent)
            if source is None and quoted and last_quote_speaker is not None:
                source = last_quote_speaker
            pairs.append((m, source))
        speaker = _said_by(sent.root, sent)
        if quoted or speaker is not None:
            last_quote_speaker = speaker or last_quote_speaker
        if speaker is not None and not groups:  # a source named in a sentence without events still counts
            pairs.append((None, speaker))
    _resolve_sources(pairs, resolve_actor)
    out = [m for m, _ in pairs if m is not None]
    _resolve_anaphora(out)
    _type_operations(out)
    if classify:
        type_mentions(doc, out)
    return out


def _foreign(g: _Group, groups: list[_Group]) -> set[int]:
    """Tokens that belong to another event of the sentence: the subtrees of the other triggers that
    do not contain this one ("strikes in Syria in response to rocket attacks in Iraq": the rockets
    and Iraq are the other event's weapon and place)."""
    out: set[int] = set()
    for h in groups:
        if h is g:
            continue
        for t in h.tokens:
            sub = {x.i for x in t.subtree}
            if g.head.i not in sub:
                out |= sub
    return out - {t.i for t in g.tokens}


def _mention(g: _Group, si: int, sent: Span, published: str | None, sent_times: list, sent_places: list,
             time_tokens: set[int], resolve: ResolveActor, foreign: set[int] = frozenset()) -> EventMention:
    a1_tok = _actor1(g, resolve)
    status = _status(g)
    if a1_tok is None and _plover(g.key, status) in VERBAL:
        a1_tok = _reporting_speaker(g)
    a1_ids = {t.i for t in _np_span(_actor_head(a1_tok)).subtree} if a1_tok is not None else set()
    a2_tok = _actor2(g, a1_ids | {t.i for t in g.tokens})
    trig_ids = {t.i for t in g.tokens}
    actor1 = _actor_ref(a1_tok, resolve, trig_ids)
    actor2 = _actor_ref(a2_tok, resolve, trig_ids)
    if actor1 and actor2 and actor1.start == actor2.start:
        actor2 = None
    actor_ids = set()
    for a in (actor1, actor2):
        if a is not None and a.start is not None:
            actor_ids |= {t.i for t in _tokens_of(sent.doc, a.start, a.end)}
    killed, wounded, victims, extra = _casualties(g, time_tokens, resolve)
    weapon = _weapon(g, sent, (actor_ids if actor1 else set()) | foreign)
    key = _refine(g.key, g, weapon)
    time = event_time(_pick_time(g, [(tx, toks) for tx, toks in sent_times if not any(t.i in foreign for t in toks)]),
                      published, status)  # an event that happened does not start after publication
    labels = ontology.lookup(key)
    locative = a2_tok is not None and a2_tok.dep_ == "pobj" and a2_tok.head.lower_ in PLACE_PREPS - {"on"}
    a1_span = {t.i for t in _tokens_of(sent.doc, actor1.start, actor1.end)} if actor1 and actor1.start is not None else set()
    place = _pick_place(g, sent_places, (a1_span if locative else actor_ids) | foreign)
    if place is None and labels.plover_type == "ASSAULT" and a2_tok is not None:
        place = _target_place(a2_tok, [(p, toks) for p, toks in sent_places if not any(t.i in foreign for t in toks)])
    for side, tok, ref in (("actor1", a1_tok, actor1), ("actor2", a2_tok, actor2)):
        also = _also(tok) if tok is not None and ref is not None else []
        if also:
            extra[f"{side}_also"] = also
    return EventMention(
        sentence=si, start=g.head.idx, end=g.head.idx + len(g.head.text), trigger=_trigger_text(g),
        type=key, acled_event_type=labels.acled_event_type, acled_sub_event_type=labels.acled_sub_event_type,
        plover_type=_plover(key, status, _governors(g)), status=status, role=_role(time, published, sent),
        actor1=actor1, actor2=actor2, place=place, time=time,
        fatalities=killed, injuries=wounded, victims=victims,
        weapon=_weapon_text(weapon) if weapon is not None else None,
        said_by=None, sentence_text=sent.text.strip(), extra={"depth": min(_depth(t) for t in g.tokens), **extra,
                                                             **_subordinate(g.head)})


def _subordinate(head: Token) -> dict:
    """'... since last week's drone attack', 'days after the group's attack': an event named only as
    what came before (or caused) the sentence's own; kept as extra['after_word'] for the clusterer."""
    word = next((t.lower_ for t in _clause_chain(head)[1:] if t.lemma_.lower() in SEQUENCE_WORDS), None)
    return {"after_word": word} if word else {}


def _reporting_speaker(g: _Group) -> Token | None:
    """'US officials said that lifting the sanctions is out of the question': a verbal act (PLOVER
    AGREE, REQUEST, ACCUSE, REJECT, THREATEN ...) with no doer of its own is done by whoever says
    it. A material act reported by a third party is not: the speaker stays a source."""
    speech = words("speech_verbs")
    for anc in g.head.ancestors:
        if anc.lemma_.lower() in speech:
            subj = next((c for c in anc.children if c.dep_ == "nsubj"), None)
            return _speaker(subj) if subj is not None else None
    return None


def _trigger_text(g: _Group) -> str:
    h = g.head
    prt = [c for c in h.children if c.dep_ == "prt"]
    return h.doc[h.i:prt[0].i + 1].text if prt and prt[0].i == h.i + 1 else h.text


def _resolve_anaphora(mentions: list[EventMention]) -> None:
    """'That attack killed ...', '22 people were killed in the attacks': a definite generic attack
    (or a bare casualty clause) refers to an event the document types more precisely. Without a
    place of its own it takes type, place and time from the nearest compatible violent mention in
    the two previous sentences; with a place it takes only the type, from the nearest compatible
    earlier mention, else from the one specific type the document reports for a compatible event.
    The link is kept in ``extra['antecedent_sentence']``."""
    for i, m in enumerate(mentions):
        if m.plover_type != "ASSAULT" or m.type not in GENERIC_VIOLENCE or m.status != "occurred":
            continue
        definite = bool(re.search(r"\b(the|that|this|these|those)\s+(\w+\s+)?" + re.escape(m.trigger) + r"\b",
                                  m.sentence_text, re.I)) or m.type == "killing"
        if not definite:
            continue
        window = 2 if m.place is None else m.sentence
        earlier = [p for p in reversed(mentions[:i]) if m.sentence - window <= p.sentence < m.sentence and _compatible(m, p)]
        if m.place is None:
            prev = earlier[0] if earlier else None
        else:
            prev = next((p for p in earlier if p.type not in GENERIC_VIOLENCE), None)
            if prev is None:
                specific = [p for p in mentions if p is not m and p.type not in GENERIC_VIOLENCE and p.role == m.role and _compatible(m, p)]
                prev = specific[0] if len({p.type for p in specific}) == 1 else None
        if prev is None:
            continue
        if prev.type not in GENERIC_VIOLENCE:
            _retype(m, prev.type)
        if m.place is None:
            m.place = prev.place
            m.time = m.time or prev.time
            m.role = prev.role if m.time is prev.time else m.role
        m.actor1 = m.actor1 or prev.actor1
        m.extra["antecedent_sentence"] = prev.sentence


GENERIC_VIOLENCE = ("attack", "killing")


def _type_operations(mentions: list[EventMention]) -> None:
    """'The navy carried out a military operation on Sunday, targeting ...': 'operation' and
    'action' say force was used, not how. When the other sentences report violence of one
    dominant specific type (two thirds of the compatible mentions), the operation is of that type.
    Other events of its own sentence are other events ("in response to rocket attacks")."""
    for m in mentions:
        if m.type != "attack" or m.status != "occurred" or m.trigger.lower().rstrip("s") not in words("generic_operation_nouns"):
            continue
        others = [p for p in mentions if p.sentence != m.sentence and p.type not in GENERIC_VIOLENCE and p.role == m.role
                  and _compatible(m, p, undated=True)]
        if not others:
            continue
        top, n = Counter(p.type for p in others).most_common(1)[0]
        if 3 * n >= 2 * len(others):
            _retype(m, top)
            m.extra["typed_from_document"] = top


def _retype(m: EventMention, key: str) -> None:
    """Give a generic violent mention a specific key (its ACLED labels follow; PLOVER stays ASSAULT)."""
    labels = ontology.lookup(key)
    m.type, m.acled_event_type, m.acled_sub_event_type = key, labels.acled_event_type, labels.acled_sub_event_type


def _compatible(m: EventMention, prev: EventMention, undated: bool = False) -> bool:
    """Could ``prev`` be the event ``m`` refers to: violent, occurred, no clash of time or place
    (with ``undated``, a mention without a time clashes with none)."""
    if ontology.lookup(prev.type).plover_type != "ASSAULT" or prev.status != "occurred":
        return False
    if m.time and not prev.time and not undated or m.time and prev.time and m.time.value != prev.time.value and not _overlap(m.time, prev.time):
        return False  # a dated mention refers only to an event of the same date
    if m.place and prev.place:
        if m.place.country_code and prev.place.country_code and m.place.country_code != prev.place.country_code:
            return False
        if m.place.precision == prev.place.precision == "place" and m.place.name != prev.place.name:
            return False
    return True


def _overlap(a: TimeExpr, b: TimeExpr) -> bool:
    a0, a1 = _iso(a.range_start or a.value), _iso(a.range_end or a.value)
    b0, b1 = _iso(b.range_start or b.value), _iso(b.range_end or b.value)
    return None not in (a0, a1, b0, b1) and a0 <= b1 and b0 <= a1
