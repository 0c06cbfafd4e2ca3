"""Per article version, once: the events an article reports or mentions, as the event engine sees them.

An article's mentions become *article-level events* (coreference inside the article), and each of
those becomes one :class:`~storyline.models.EventRecord`, the unit the engine clusters across
articles. Nothing here looks at other articles, so records are computed once, when the article is
analysed, stored, and never recomputed when later articles arrive.

* **Inside an article** a mention joins an earlier article-level event when their types are of one
  ACLED event type (a drone "struck" the camp, residents heard "explosions"), their time windows
  overlap and their places agree. A generic mention ("the attack", "killing", a casualty sentence)
  joins the violent event it refers to. A reported and a recalled (background) mention are never one
  event, nor are two event words of one sentence ("airstrikes on Friday, days after the group's
  drone attack") unless one is the other's casualty clause ("fired rockets, killing eight"), nor
  two acts whose attacker and target are swapped (a retaliation) or whose attackers, or targets,
  are opposed sides (a state and an armed group, two states). Where several fit, a mention
  joins the one its extractor named as antecedent, else the one whose arguments its sentence names
  most, else the one sharing most names, else one of its sub-type, else the nearest earlier one.
* **Minor mentions** (statements, requests, accusations, threats, talks, visits) that name no
  actor the resolver recognises are no events: nobody could code or check them.
* **The central record** is what the article is about: its most central article-level event
  (overlap with the title, material type, reported not recalled, mentions, position). It carries
  the article's lead and whole text, so it clusters with other reports of the same happening
  whatever each extractor made of them. An article with no typed mention still reports a
  happening when its lead states one (``AnalyzedDocument.lead_event``): an earthquake, a takeover,
  a verdict. That statement is its central record, of type ``other``. Only an article that reports
  nothing (an opinion column, a recipe) or was not analysed has none, and says why.
* **Other records** are events the article mentions in passing; they carry only their own
  sentences, so a story's background does not pull other reports of the story into it. They have
  no vector of their own: they are compared within the story of their article's central record.

The lead is the article's first two paragraphs as published: headline, dateline (the publication
date, written out) and opening paragraph. Reports of one happening share the words of their leads
and of their datelines, which gives a soft sense of time without forcing any window on it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from storyline.cluster.tokens import NUMBER, YEAR, content_words, name_runs, name_words
from storyline.extract.ontology import lookup
from storyline.models import (
    AnalyzedDocument,
    Article,
    EventMention,
    EventRecord,
    MentionRef,
    Place,
    RecordTokens,
)
from storyline.resolve.geo import countries_meet, haversine_km, precision_rank

WILDCARD_TYPES = {"attack", "killing", "assault"}  # may name any violent event
CASUALTY = "killing"  # "..., killing eight": the same event as the trigger it follows
LEAD_TYPE = "other"  # a happening the lead states that no event type covers
VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Riots"}
VERBAL_PLOVER = {"CONSULT", "AGREE", "SUPPORT", "COOPERATE", "REQUEST", "ACCUSE", "REJECT", "THREATEN", None}
ARMED_KINDS = {"state_military", "militia_rebel", "terrorist_group", "police"}
STATE_KINDS = {"government", "state_military", "police"}
NONSTATE_KINDS = {"militia_rebel", "terrorist_group"}
PLACE_KM = 100.0  # mention places are often a town for one report and the district for another
LEAD_PARAGRAPHS = 2
LEAD_TOKENS = 64  # enough to say what the lead is about; the encoder's cost grows with length


def cluster_type(key: str) -> str:
    """The label two mentions must share: the ACLED sub-event type, else the project key."""
    if key in WILDCARD_TYPES:
        return ""
    _acled, sub, _plover = lookup(key)
    return sub or key


def family(key: str) -> str:
    """The label two mentions of one article must share: the ACLED event type, else the key."""
    if key in WILDCARD_TYPES:
        return ""
    acled, _sub, _plover = lookup(key)
    return acled or key


def type_group(key: str) -> str:
    """Which types a generic mention may stand for: any violent one, else only its own."""
    fam = family(key)
    return "violent" if not fam or fam in VIOLENT else fam


def is_minor(key: str) -> bool:
    """A verbal act (statement, request, accusation, threat, pledge, talks, visit)."""
    acled, _sub, plover = lookup(key)
    return acled is None and plover in VERBAL_PLOVER and key not in WILDCARD_TYPES and key != LEAD_TYPE


def keep(ref: MentionRef) -> bool:
    """Whether a mention can be an event at all: occurred, and minor ones must name a recognised actor."""
    m = ref.mention
    if m.status != "occurred":
        return False
    return not is_minor(m.type) or any(a is not None and a.kind for a in (m.actor1, m.actor2))


def _stems(text: str) -> set[str]:
    return {w[:5] for w in content_words(text) if len(w) > 2}


def _side(actor) -> str | None:
    """What identifies an armed actor's side: a state's country (its government, forces and police
    are one side), else the resolved name, else the kind."""
    if actor is None or actor.kind not in ARMED_KINDS | STATE_KINDS:
        return None
    if actor.kind in STATE_KINDS and actor.country:
        return f"state:{actor.country}"
    return actor.entity_id or actor.name or actor.kind


def _reversed(a: EventMention, b: EventMention) -> bool:
    """One mention's target is the other's attacker: the roles are swapped."""
    return (_side(a.actor1) is not None and _side(a.actor1) == _side(b.actor2)) or \
           (_side(a.actor2) is not None and _side(a.actor2) == _side(b.actor1))


def _camp(actor) -> tuple[str, str | None] | None:
    """Whether an actor acts for a state or against one, and for which country, when known."""
    if actor is None or actor.kind not in STATE_KINDS | NONSTATE_KINDS:
        return None
    return ("state" if actor.kind in STATE_KINDS else "non-state", actor.country)


def _opposed(x, y) -> bool:
    """Two actors on opposed sides: a state and an armed group, or two countries' states."""
    cx, cy = _camp(x), _camp(y)
    if cx is None or cy is None:
        return False
    return cx[0] != cy[0] or (cx[0] == "state" and bool(cx[1] and cy[1]) and cx[1] != cy[1])


def _rival_roles(a: EventMention, b: EventMention) -> bool:
    """The two acts are done by opposed sides ("the US struck militias" and "Iraqi militants had
    killed a contractor"), or done to opposed sides (strikes on militias, drone attacks on US troops)."""
    return _opposed(a.actor1, b.actor1) or _opposed(a.actor2, b.actor2)


def places_agree(a: Place, b: Place) -> bool:
    """Same country, and either points within reach or one area containing the other."""
    if not countries_meet(a.country_code, b.country_code):
        return False
    if a.lat is not None and b.lat is not None and a.precision == b.precision == "place":
        return haversine_km(a.lat, a.lon, b.lat, b.lon) <= PLACE_KM
    area, other = (a, b) if precision_rank(a.precision) >= precision_rank(b.precision) else (b, a)
    if area.precision in ("admin1", "admin2") and area.admin1 and other.admin1:
        return area.admin1 == other.admin1
    return True


def _place(m: EventMention) -> Place | None:
    return m.place if m.place is not None and m.place.precision != "unresolved" else None


def own_window(m: EventMention) -> tuple[str, str] | None:
    """The mention's own time, if it has one (inside an article an undated mention may refer to
    anything the article reports, so no reporting window constrains it there)."""
    t = m.time
    return (t.range_start, t.range_end) if t is not None and t.range_start and t.range_end else None


@dataclass
class _Group:
    """One article-level event while an article's mentions are read in order."""

    refs: list[MentionRef] = field(default_factory=list)
    family: str = ""
    window: tuple[str, str] | None = None
    places: list[Place] = field(default_factory=list)

    def accepts(self, ref: MentionRef, fam: str, window: tuple[str, str] | None, place: Place | None) -> bool:
        if fam != self.family and "" not in (fam, self.family):
            return False
        if (fam or self.family) and (fam or self.family) not in VIOLENT and "" in (fam, self.family):
            return False
        if window and self.window and (window[0] > self.window[1] or self.window[0] > window[1]):
            return False
        m = ref.mention
        if any(r.mention.role != m.role for r in self.refs):
            return False  # what the article reports and what it recalls are different events
        if any(r.mention.sentence == m.sentence and CASUALTY not in (r.mention.type, m.type) for r in self.refs):
            return False  # two event words in one sentence are two events ("strikes ... after the attack")
        if any(_reversed(r.mention, m) or _rival_roles(r.mention, m) for r in self.refs):
            return False  # the attacked side striking back (a retaliation), or the other side's act
        return place is None or all(places_agree(place, p) for p in self.places)

    def add(self, ref: MentionRef, fam: str, window: tuple[str, str] | None, place: Place | None) -> None:
        self.refs.append(ref)
        self.family = self.family or fam
        if window:
            self.window = window if self.window is None else (max(window[0], self.window[0]), min(window[1], self.window[1]))
        if place is not None:
            self.places.append(place)


def _argument_names(m: EventMention) -> set[str]:
    """Names in a mention's own arguments (place, actors), not the rest of its sentence."""
    parts = [m.place.name or m.place.text] if m.place is not None else []
    parts += [a.text for a in (m.actor1, m.actor2) if a is not None]
    return set().union(*(name_runs(p) for p in parts if p))


def article_events(refs: list[MentionRef]) -> list[list[MentionRef]]:
    """One article's kept mentions (in text order) grouped into its article-level events."""
    groups: list[_Group] = []
    for ref in sorted(refs, key=lambda r: (r.mention.sentence, r.index)):
        m = ref.mention
        fam, window, place, sub = family(m.type), own_window(m), _place(m), cluster_type(m.type)
        antecedent = m.extra.get("antecedent_sentence")
        said = name_runs(m.sentence_text)
        fits = [g for g in groups if g.accepts(ref, fam, window, place)]

        def preference(g: _Group) -> tuple:
            return (any(r.mention.sentence == antecedent for r in g.refs),
                    len(said & set().union(*(_argument_names(r.mention) for r in g.refs))),
                    len(said & set().union(*(name_runs(r.mention.sentence_text) for r in g.refs
                                             if r.mention.sentence != m.sentence))),
                    bool(sub) and any(cluster_type(r.mention.type) == sub for r in g.refs),
                    max(r.mention.sentence for r in g.refs))

        if fits:
            max(fits, key=preference).add(ref, fam, window, place)
        else:
            g = _Group()
            g.add(ref, fam, window, place)
            groups.append(g)
    return [g.refs for g in groups]


def centrality(group: list[MentionRef], title: str | None) -> tuple:
    """How much an article-level event is what the article is about (higher is more central)."""
    text = " ".join(dict.fromkeys(r.mention.sentence_text for r in group))
    title_stems = _stems(title or "")
    overlap = len(title_stems & _stems(text)) / len(title_stems) if title_stems else 0.0
    material = not all(is_minor(r.mention.type) for r in group)
    reported = any(r.mention.role == "reported" for r in group)
    first = min(r.mention.sentence for r in group)
    # a headline names the kind of event it is about ("Food aid arrives...", "Drone attack kills...")
    named = any(_stems(r.mention.type.replace("_", " ")) & title_stems for r in group)
    score = 2.0 * overlap + 1.0 * named + 1.0 * reported + 0.5 * min(len(group), 4) / 4 + 0.5 / (1 + first)
    # an event the article names only as what came before its own ("since last week's attack")
    antecedent = all(r.mention.extra.get("after_word") for r in group)
    return (material, not antecedent, score, -first)


def _sides(group: list[MentionRef]) -> tuple[str | None, str | None]:
    """The armed sides that act and are acted on, as most of the group's mentions name them."""
    a1 = Counter(x for r in group if (x := _side(r.mention.actor1)))
    a2 = Counter(x for r in group if (x := _side(r.mention.actor2)))
    return (a1.most_common(1)[0][0] if a1 else None, a2.most_common(1)[0][0] if a2 else None)


def _majority_type(group: list[MentionRef]) -> str:
    subs = [cluster_type(r.mention.type) for r in group if cluster_type(r.mention.type)]
    return Counter(subs).most_common(1)[0][0] if subs else ""


def _group_window(group: list[MentionRef]) -> tuple[str | None, str | None]:
    """The overlap of the members' own times (None when undated or when they do not overlap)."""
    windows = [w for w in (own_window(r.mention) for r in group) if w]
    if not windows:
        return None, None
    start, end = max(w[0] for w in windows), min(w[1] for w in windows)
    return (start, end) if start <= end else (None, None)


def _best_place(group: list[MentionRef]) -> Place | None:
    places = [p for p in (_place(r.mention) for r in group) if p is not None]
    return min(places, key=lambda p: precision_rank(p.precision)) if places else None


def dateline(published: str | None) -> str:
    """The publication date as a dateline writes it ("December 15, 2008")."""
    if not published:
        return ""
    try:
        d = date.fromisoformat(published[:10])
    except ValueError:
        return ""
    return f"{d:%B} {d.day}, {d.year}"


def _lead(paragraphs: list[str]) -> str:
    return " ".join(paragraphs[:LEAD_PARAGRAPHS])


def tokens(text: str, lead: str, actors: list[str]) -> RecordTokens:
    """The words a record is compared by: names, whole names, lead names, content words, figures."""
    numbers = sorted(set(NUMBER.findall(text)))
    return RecordTokens(
        names=dict(Counter(name_words(text) + numbers)),
        entities=sorted(name_runs(text) | {a.lower() for a in actors}),
        lead_names=dict(Counter(name_words(lead) + [n for n in numbers if n in lead])),
        words=dict(Counter(content_words(text))),
        numbers=numbers,
        years=sorted(set(YEAR.findall(text))),
    )


@dataclass
class Draft:
    """An article-level event before the article's lead is embedded."""

    refs: list[MentionRef]
    central: bool
    tokens: RecordTokens


@dataclass
class RecordPlan:
    """An article's records before its lead is embedded (so many articles embed in one batch), and
    why it has no central record when it has none (``main_event_reason``)."""

    article: Article
    drafts: list[Draft]
    reason: str | None = None


def lead_text(article: Article) -> str:
    """The article's title and opening paragraph (its first two paragraphs when untitled): the one
    text of an article the encoder reads (its first ``LEAD_TOKENS`` word pieces)."""
    body = [p.strip() for p in article.text.splitlines() if p.strip()]
    return _lead([x for x in (article.title,) if x] + body)


def plan_records(article: Article, analysis: AnalyzedDocument) -> RecordPlan:
    """Group the article's mentions into article-level events and pick its central one."""
    if analysis.language not in (None, "en"):
        return RecordPlan(article, [], f"not analysed: language detected as {analysis.language!r}")
    refs = [MentionRef(article.id, i, m, article.published, article.title) for i, m in enumerate(analysis.event_mentions)]
    kept = [r for r in refs if keep(r)]
    local = article_events(kept) if kept else []
    if not local and analysis.lead_event is not None:
        local = [[MentionRef(article.id, -1, analysis.lead_event, article.published, article.title)]]
    if not local:
        return RecordPlan(article, [], "reports nothing: no event mention and no statement of a happening in its lead")
    central = max(range(len(local)), key=lambda k: centrality(local[k], article.title))
    body = [p.strip() for p in article.text.splitlines() if p.strip()]
    heading = [x for x in (article.title, dateline(article.published)) if x]
    whole, lead_names = "\n".join(heading + body), _lead(heading + body)
    drafts = []
    for k, group in enumerate(local):
        actors = [a.name or a.text for r in group for a in (r.mention.actor1, r.mention.actor2) if a is not None]
        if k == central:
            drafts.append(Draft(group, True, tokens(whole, lead_names, actors)))
        else:
            sentences = " ".join(dict.fromkeys(r.mention.sentence_text for r in group))
            drafts.append(Draft(group, False, tokens(sentences, sentences, actors)))
    drafts.sort(key=lambda d: not d.central)
    return RecordPlan(article, drafts)


def build_records(plan: RecordPlan, lead: np.ndarray) -> list[EventRecord]:
    """The plan's records; the central one carries ``lead``, the vector of :func:`lead_text`."""
    article, out = plan.article, []
    for n, d in enumerate(plan.drafts):
        start, end = _group_window(d.refs)
        place = _best_place(d.refs)
        point = place is not None and place.precision == "place"
        attacker, target = _sides(d.refs)
        out.append(EventRecord(
            key=f"{article.id}#{n}@{article.content_hash[:12]}", article_id=article.id, content_hash=article.content_hash, central=d.central,
            mentions=[r.index for r in d.refs], type=_majority_type(d.refs), type_group=type_group(d.refs[0].mention.type),
            date_start=start, date_end=end, published=article.published,
            lat=place.lat if point else None, lon=place.lon if point else None,
            country=place.country_code if place else None, admin1=place.admin1 if place else None,
            role="reported" if any(r.mention.role == "reported" for r in d.refs) else "background",
            family=Counter(f for r in d.refs if (f := family(r.mention.type))).most_common(1)[0][0]
            if any(family(r.mention.type) for r in d.refs) else "",
            attacker=attacker, target=target, tokens=d.tokens,
            embedding=np.asarray(lead, dtype=np.float32) if d.central else None,
        ))
    return out
