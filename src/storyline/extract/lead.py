"""The happening an article's lead states, whatever its kind: an earthquake, a takeover, a verdict.

News states its main happening in its first sentences, as a finite clause in the past, perfect or
the headline present ("An earthquake struck...", "has acquired", "was sentenced", "Microsoft
releases fix"). The trigger lexicons only know some kinds of events; this finds the
statement of any kind, so every article that reports something has a central event to cluster
with other reports of it. An opinion column ("We should ...", "I think ..."), a recipe (imperatives)
or a question states no happening: such an article has none.
"""
from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Span, Token

from storyline.extract.lexicon import words
from storyline.extract.mentions import PLACE_PREPS, _np_span
from storyline.models import ActorRef, EventMention, Place, TimeExpr
from storyline.resolve.timex_event import event_time

LEAD_SENTENCES = 3
MODALS = {"should", "would", "could", "might", "must", "may", "can", "shall", "ought"}
PERSONAL = {"i", "we", "you"}
ResolveActor = Callable[[str, str | None], ActorRef]


def _stated(verb: Token) -> bool:
    """A finite clause that says something happened or is happening, not a wish, plan or order."""
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    aux = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    if aux & MODALS or aux & {"will", "to"}:
        return False
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl")), None)
    if subj is None and verb.tag_ == "VB":
        return False  # an imperative: a recipe or an instruction
    if verb.lemma_.lower() == "be" and "auxpass" not in {c.dep_ for c in verb.children}:
        # a state, not a happening ("the plan is a mistake"), unless it is over ("the vote was over")
        return verb.tag_ == "VBD" and not any(c.dep_ == "attr" for c in verb.children)
    if verb.tag_ in ("VBN", "VBG"):
        return bool(aux)
    # a base form with a subject is a headline's present the tagger misread ("Robbers steal ...")
    return verb.tag_ in ("VBD", "VBZ", "VBP") or verb.tag_ == "VB" and subj is not None


def _opinion(sent: Span) -> bool:
    """Written in the first or second person, or asked: what the author thinks, not what happened."""
    root = sent.root
    personal = any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in PERSONAL for c in root.children)
    return personal or sent.text.rstrip().endswith("?")


def _trigger(sent: Span) -> Token | None:
    """The verb stating the sentence's happening: what a reporting verb reports, else the
    shallowest finite verb outside conditions ("if", "unless")."""
    if _opinion(sent):
        return None
    root = sent.root
    if root.lemma_.lower() in words("speech_verbs"):
        reported = [c for c in root.children if c.dep_ == "ccomp" and _stated(c)]
        if reported:
            return reported[0]
    verbs = sorted((t for t in sent if t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "auxpass")),
                   key=lambda t: (len(list(t.ancestors)), t.i))
    for v in verbs:
        conditional = any(m.lower_ in ("if", "unless", "whether") for a in [v, *v.ancestors] for m in a.children
                          if m.dep_ == "mark")
        if not conditional and _stated(v):
            return v
    # the parser lost the clause ("Four robbers -- two dressed as women -- made off with ..."
    # parsed as one noun phrase): its first finite-looking verb still says what happened
    if root.pos_ in ("NOUN", "PROPN"):
        return next((t for t in sent if t.tag_ in ("VBD", "VBN", "VBZ", "VBP") and t.pos_ == "VERB"), None)
    return None


def _first(items: list[tuple], sent: Span) -> object | None:
    return next((x for x, start in items if sent.start_char <= start < sent.end_char), None)


def _any_verb(sent: Span) -> Token | None:
    """A sentence that is no opinion and no order still reports something ("Robbers in drag steal
    80 million", tagged as nouns): its first verb, else its root."""
    root = sent.root
    if _opinion(sent) or root.tag_ == "VB" and not any(c.dep_.startswith("nsubj") for c in root.children):
        return None
    return next((t for t in sent if t.pos_ == "VERB"), root)


def lead_event(doc: Doc, times: list[TimeExpr], places: list[Place], resolve: ResolveActor,
               published: str | None = None) -> EventMention | None:
    """An event mention of type ``other`` for the first lead sentence stating a happening (else
    the first that is neither an opinion nor an order), or None."""
    lead = [(si, s) for si, s in enumerate(doc.sents) if si < LEAD_SENTENCES and len([t for t in s if t.is_alpha]) >= 3]
    found = next(((si, s, v) for si, s in lead if (v := _trigger(s)) is not None), None) \
        or next(((si, s, v) for si, s in lead if (v := _any_verb(s)) is not None), None)
    if found is None:
        return None
    si, sent, verb = found
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    located = [(p, p.start) for p in places if _locative(doc, p)]
    place = _first(located, sent) or _first([(p, p.start) for p in places], sent)
    time = event_time(_first([(t, t.start) for t in times if t.type in ("DATE", "TIME")], sent), published, "occurred")
    prt = next((c for c in verb.children if c.dep_ == "prt" and c.i == verb.i + 1), None)
    return EventMention(
        sentence=si, start=verb.idx, end=verb.idx + len(verb.text),
        trigger=doc[verb.i:prt.i + 1].text if prt is not None else verb.text,
        type="other", acled_event_type=None, acled_sub_event_type=None, plover_type=None,
        actor1=_actor(subj, resolve) if subj is not None and subj.dep_ == "nsubj" else None,
        actor2=_actor(obj if obj is not None else subj if subj is not None and subj.dep_ == "nsubjpass" else None, resolve),
        place=place, time=time, sentence_text=sent.text.strip(), extra={"lead": True},
    )


def _locative(doc: Doc, place: Place) -> bool:
    span = doc.char_span(place.start, place.end, alignment_mode="expand")
    return span is not None and span.root.dep_ == "pobj" and span.root.head.lower_ in PLACE_PREPS


def _actor(tok: Token | None, resolve: ResolveActor) -> ActorRef | None:
    """The noun phrase a clause's subject or object names, resolved, unless it is a pronoun."""
    if tok is None or tok.pos_ == "PRON":
        return None
    span = _np_span(tok)
    ref = resolve(span.text, tok.ent_type_ or None)
    if ref.start is None:
        ref.start, ref.end = span.start_char, span.end_char
    return ref
