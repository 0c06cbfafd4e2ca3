"""From extracted mentions to events: coreference inside each article, then across articles.

What an analyst gets, and why:

* **Inside an article** its mentions of one incident become one *article-level event*: a mention
  joins an earlier one when their types are of one ACLED event type (a drone "struck" the camp,
  residents heard "explosions"), their time windows overlap and their places agree. A generic
  mention ("the attack", "killing", "assault", a casualty sentence) carries no type of its own and
  joins the violent event it refers to. A reported and a recalled (background) mention are never
  one event. Where several fit, a mention joins the one in its
  ``extra['antecedent_sentence']`` when the extractor found it, else the one whose arguments (place,
  actors) its sentence names most, else the one whose sentences share most names with its own,
  else one of the same sub-type, else the nearest earlier one. Two event words in one sentence
  ("airstrikes on Friday, days after the group's drone attack") are two events, unless one is the
  casualty clause of the other ("fired rockets, killing eight"). Inside an article an undated
  mention is not held to the reporting window: it may refer to anything the article reports.
* **Across articles** the article-level events are clustered by :mod:`storyline.cluster.events`:
  types compared at the ACLED sub-event level (an "airstrike" and a "drone strike" are one), time
  windows that must overlap (see :func:`storyline.reconcile.claims.mention_date`: day-precise
  dates on different days never do, a week contains its days, an undated report covers the days
  before publication), places within reach or contained in one another, and the text.
* **Minor mentions** — statements, requests, accusations, threats, pledges, talks, visits — that
  name no actor the resolver recognises (a person, government, armed group...: "she asked that
  her name not be used") are not events: nobody could code or check them. With one they stay
  events of their own (a minister's visit is a fact), but they
  are never an article's main event while the article reports anything material.
* **Main event** of an article: its central article-level event, scored by overlap with the title,
  material type, reported (not background) role, how many mentions it has and how early it starts.
  The central event alone carries the title and the article's whole text into clustering; other
  article-level events carry only their own sentences, so a story's background does not pull
  other reports of the story into it.

Everything before the cross-article step depends on one article alone, so adding articles later
gives the same events as one batch run.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from storyline.cluster.events import PLACE_KM, WORD, attach, cluster_mentions
from storyline.cluster.features import NUMBER, YEAR, MentionFeatures, names
from storyline.extract.ontology import lookup
from storyline.models import AnalyzedDocument, Place
from storyline.nlp.embeddings import embed
from storyline.reconcile.claims import MentionRef, mention_date
from storyline.resolve.geo import haversine_km

WILDCARD_TYPES = {"attack", "killing", "assault"}  # may name any violent event
CASUALTY = "killing"  # "..., killing eight": the same event as the trigger it follows
VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Riots"}
VERBAL_PLOVER = {"CONSULT", "AGREE", "SUPPORT", "COOPERATE", "REQUEST", "ACCUSE", "REJECT", "THREATEN", None}
PRECISION_RANK = {"place": 0, "admin2": 1, "admin1": 2, "region": 3, "country": 4}


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
    return acled is None and plover in VERBAL_PLOVER and key not in WILDCARD_TYPES


def keep(ref: MentionRef) -> bool:
    """Whether a mention can be an event at all: minor mentions must name a recognised actor."""
    m = ref.mention
    return not is_minor(m.type) or any(a is not None and a.kind for a in (m.actor1, m.actor2))


def _stems(text: str) -> set[str]:
    return {w[:5] for w in WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 2}


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
        if any(r.mention.role != ref.mention.role for r in self.refs):
            return False  # what the article reports and what it recalls are different events
        if any(r.mention.sentence == ref.mention.sentence and CASUALTY not in (r.mention.type, ref.mention.type)
               for r in self.refs):
            return False  # two event words in one sentence are two events ("strikes ... after the attack")
        if any(_reversed(r.mention, ref.mention) for r in self.refs):
            return False  # the attacked side striking back is another event (a retaliation)
        return place is None or all(places_agree(place, p) for p in self.places)

    def add(self, ref: MentionRef, fam: str, window: tuple[str, str] | None, place: Place | None) -> None:
        self.refs.append(ref)
        self.family = self.family or fam
        if window:
            self.window = window if self.window is None else (max(window[0], self.window[0]), min(window[1], self.window[1]))
        if place is not None:
            self.places.append(place)


ARMED_KINDS = {"state_military", "militia_rebel", "terrorist_group", "police"}


def _side(actor) -> str | None:
    """What identifies an armed actor's side: its resolved name, else its kind."""
    if actor is None or actor.kind not in ARMED_KINDS:
        return None
    return actor.entity_id or actor.name or actor.kind


def _reversed(a, b) -> bool:
    """One mention's target is the other's attacker: the roles are swapped."""
    return (_side(a.actor1) is not None and _side(a.actor1) == _side(b.actor2)) or \
           (_side(a.actor2) is not None and _side(a.actor2) == _side(b.actor1))


def places_agree(a: Place, b: Place) -> bool:
    """Same country, and either points within reach or one area containing the other."""
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    if a.lat is not None and b.lat is not None and a.precision == b.precision == "place":
        return haversine_km(a.lat, a.lon, b.lat, b.lon) <= PLACE_KM
    area = a if PRECISION_RANK.get(a.precision, 9) >= PRECISION_RANK.get(b.precision, 9) else b
    other = b if area is a else a
    if area.precision in ("admin1", "admin2") and area.admin1 and other.admin1:
        return area.admin1 == other.admin1
    return True


def _place(ref: MentionRef) -> Place | None:
    p = ref.mention.place
    return p if p is not None and p.precision != "unresolved" else None


def _window(ref: MentionRef) -> tuple[str, str] | None:
    """The mention's own time, if it has one (inside an article an undated mention may refer to
    anything the article reports, so the reporting window does not constrain it there)."""
    t = ref.mention.time
    return (t.range_start, t.range_end) if t is not None and t.range_start and t.range_end else None


def _argument_names(ref: MentionRef) -> set[str]:
    """Names in a mention's own arguments (place, actors), not the rest of its sentence."""
    m = ref.mention
    parts = [m.place.name or m.place.text] if m.place is not None else []
    parts += [a.text for a in (m.actor1, m.actor2) if a is not None]
    return names(" ".join(p for p in parts if p))


def article_events(refs: list[MentionRef]) -> list[list[MentionRef]]:
    """One article's mentions (kept ones, in text order) grouped into its article-level events."""
    groups: list[_Group] = []
    for ref in sorted(refs, key=lambda r: (r.mention.sentence, r.index)):
        m, fam, window, place = ref.mention, family(ref.mention.type), _window(ref), _place(ref)
        sub = cluster_type(m.type)
        antecedent = m.extra.get("antecedent_sentence")
        fits = [g for g in groups if g.accepts(ref, fam, window, place)]

        said = names(m.sentence_text)

        def preference(g: _Group) -> tuple:
            return (any(r.mention.sentence == antecedent for r in g.refs),
                    len(said & set().union(*map(_argument_names, g.refs))),
                    len(said & set().union(*(names(r.mention.sentence_text) for r in g.refs if r.mention.sentence != m.sentence))),
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


def _majority_type(group: list[MentionRef]) -> str:
    subs = [cluster_type(r.mention.type) for r in group if cluster_type(r.mention.type)]
    return Counter(subs).most_common(1)[0][0] if subs else ""


def _group_window(group: list[MentionRef]) -> tuple[str | None, str | None]:
    """The overlap of the members' own times, else what an undated report covers."""
    windows = [w for w in map(_window, group) if w]
    if windows:
        return max(w[0] for w in windows), min(w[1] for w in windows)
    reported = [r for r in group if r.mention.role == "reported"]
    d = mention_date(reported[0]) if reported else None
    return (d["start"], d["end"]) if d else (None, None)


def _best_place(group: list[MentionRef]) -> Place | None:
    places = [p for p in map(_place, group) if p is not None]
    return min(places, key=lambda p: PRECISION_RANK.get(p.precision, 9)) if places else None


def group_features(groups: list[tuple[list[MentionRef], bool]], analyses: dict[str, AnalyzedDocument]) -> list[MentionFeatures]:
    """One clusterer record per article-level event (``(mentions, is_central)``)."""
    texts, contexts = [], []
    for group, central in groups:
        sentences = " ".join(dict.fromkeys(r.mention.sentence_text for r in group))
        title = group[0].title or ""
        texts.append(f"{title}. {sentences}" if central and title else sentences)
        contexts.append(analyses[group[0].article_id].text if central else sentences)
    vectors = embed(texts) if groups else []
    out = []
    for (group, _central), text, context, vec in zip(groups, texts, contexts, vectors):
        start, end = _group_window(group)
        place = _best_place(group)
        point = place is not None and place.precision == "place"
        actors = {a.name or a.text for r in group for a in (r.mention.actor1, r.mention.actor2) if a is not None}
        out.append(MentionFeatures(
            key=min(group, key=lambda r: r.index).key, doc_id=group[0].article_id, text=text,
            type=_majority_type(group), type_group=type_group(group[0].mention.type), date_start=start, date_end=end,
            lat=place.lat if point else None, lon=place.lon if point else None,
            country=place.country_code if place else None,
            admin1=place.admin1 if place is not None else None,
            actors=actors, entities=names(context) | {a.lower() for a in actors},
            numbers=set(NUMBER.findall(context)), published=group[0].published,
            role="reported" if any(r.mention.role == "reported" for r in group) else "background",
            embedding=vec, context=context, years=set(YEAR.findall(context)),
        ))
    return out


def article_level(refs: list[MentionRef], analyses: dict[str, AnalyzedDocument]
                  ) -> tuple[list[list[MentionRef]], dict[str, str], list[MentionFeatures], list[bool]]:
    """Each article's events (in article order), its main mention key, one clusterer record per
    event, and whether each is its article's central event."""
    by_article: dict[str, list[MentionRef]] = defaultdict(list)
    for r in refs:
        if keep(r):
            by_article[r.article_id].append(r)
    groups: list[tuple[list[MentionRef], bool]] = []
    main: dict[str, str] = {}
    for article in sorted(by_article):
        local = article_events(by_article[article])
        title = by_article[article][0].title
        central = max(range(len(local)), key=lambda k: centrality(local[k], title))
        main[article] = local[central][0].key
        groups.extend((g, k == central) for k, g in enumerate(local))
    return [g for g, _ in groups], main, group_features(groups, analyses), [c for _, c in groups]


def cluster_events(refs: list[MentionRef], analyses: dict[str, AnalyzedDocument]) -> tuple[list[list[MentionRef]], dict[str, str]]:
    """Groups of mentions, one per event (in a stable order), and each article's main mention key.

    The events articles are about (their central article-level events, which carry the whole
    article) are clustered first. An event an article only mentions in passing (a recalled one, or
    the attack a retaliation answers) carries a sentence or two: too little to pass the clustering
    cut on average with a whole story's reports. It joins the central event it matches best
    (:func:`storyline.cluster.events.attach`); those matching none are clustered among themselves.
    Each step depends only on the set of records, so the events still do not depend on the order
    articles arrive in."""
    groups, main, features, central = article_level(refs, analyses)
    mains = [f for f, c in zip(features, central) if c]
    passing = [f for f, c in zip(features, central) if not c]
    event_of = cluster_mentions(mains)
    joined = attach(passing, mains, event_of)
    event_of.update(joined)
    event_of.update(cluster_mentions([f for f in passing if f.key not in joined]))
    events: dict[str, list[MentionRef]] = defaultdict(list)
    for group, f in zip(groups, features):
        events[event_of[f.key]].extend(group)
    return [sorted(events[k], key=lambda r: (r.article_id, r.index)) for k in sorted(events)], main
