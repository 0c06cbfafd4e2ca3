"""Resolve actor mentions to canonical entities: knowledge-base aliases, acronyms defined in the text,
titles and roles, metonyms, demonyms, generic descriptions, surnames and misspellings.

News spells the same actor many ways ("Kata'ib Hizballah", "Kataib Hezbollah", "KH"); events can only
be merged across articles once their actors share one name. The knowledge base (``data/actors.jsonl``)
is built by ``scripts/build_actor_kb.py`` from public lists; names outside it still merge with each
other through :func:`merge_across_documents`.

Representation of descriptions (not entities): a generic group gets an ACLED-style name and a
``generic:`` id, e.g. "Syrian civilians" -> "Civilians (Syria)", kind civilians, country SY;
"Iranian-backed militant groups" -> "Iran-backed militias", kind militia_rebel, country None
(the backer is not the group's country), entity_id "generic:militia_rebel:backed-IR".
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from rapidfuzz import fuzz, process

from storyline.models import ActorRef, Entity
from storyline.resolve.names import ARABIC_ARTICLES, fold
from storyline.unionfind import UnionFind

KINDS = (
    "state_military", "government", "police", "militia_rebel", "terrorist_group", "political_party",
    "international_org", "ngo", "media", "civilians", "person", "company", "other",
)
# ACLED actor types ("inter" codes 1-8) for each kind; persons take their affiliation's type, so none.
ACLED_ACTOR_TYPE: dict[str, str | None] = {
    "state_military": "State Forces", "government": "State Forces", "police": "State Forces",
    "militia_rebel": "Political Militias", "terrorist_group": "Rebel Groups", "political_party": "Political Militias",
    "international_org": "External/Other Forces", "company": "External/Other Forces", "other": "External/Other Forces",
    "ngo": "Civilians", "media": "Civilians", "civilians": "Civilians", "person": None,
}
FUZZY_MIN_LEN = 8  # folded names shorter than this never fuzzy-match: "Hamas"/"Hasm" are different groups
FUZZY_CUTOFF = 88.0
_DETERMINERS = {"the", "a", "an", "some", "several", "many", "numerous", "various", "other", "two", "three", "four",
                "five", "six", "seven", "eight", "nine", "ten", "dozens", "hundreds", "thousands", "of", "least",
                "at", "more", "than", "about", "around", "nearly", "its", "their", "his", "her", "these", "those",
                "unidentified", "unknown", "suspected", "local", "armed", "alleged"}


def is_acronym(text: str) -> bool:
    """An acronym is one short token mostly in capitals: 'KH', 'U.S.', 'DoD', 'ISIS-K', 'MS-13'."""
    s = text.replace(".", "")
    letters = [ch for ch in s if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    return 2 <= len(s) <= 10 and " " not in s and s[:1].isupper() and upper >= 2 and upper * 2 >= len(letters) + 1


def _acronym_key(text: str) -> str:
    return text.replace(".", "").upper()


def _key(name: str) -> str:
    return "name:" + fold(name).replace(" ", "-")


@dataclass(frozen=True)
class KBEntry:
    id: str
    name: str
    kind: str
    country: str | None
    aliases: tuple[str, ...]
    source: str
    demonyms: tuple[str, ...] = ()

    def ref(self, text: str) -> ActorRef:
        return ActorRef(text=text, name=self.name, kind=self.kind, country=self.country, entity_id=self.id)


class ActorKB:
    """Alias index over the shipped entries: exact folded aliases, case-sensitive acronyms, fuzzy choices."""

    def __init__(self, entries: list[KBEntry]):
        self.entries = {e.id: e for e in entries}
        self.by_alias: dict[str, str] = {}
        self.by_acronym: dict[str, str] = {}
        self.demonyms: dict[str, str] = {}  # folded demonym -> ISO2
        ambiguous: set[str] = set()
        curated: set[str] = set()
        for e in entries:  # curated tables come first in the file and win over generated country entries
            generated = e.id.startswith(("gov-", "mil-", "pol-"))
            for alias in (e.name, *e.aliases):
                index, k = (self.by_acronym, _acronym_key(alias)) if is_acronym(alias) else (self.by_alias, fold(alias))
                if not k or (index is self.by_alias and k in curated and generated):
                    continue
                if k in index and index[k] != e.id:
                    ambiguous.add(k)
                index.setdefault(k, e.id)
                if not generated:
                    curated.add(k)
            for d in e.demonyms:
                self.demonyms.setdefault(fold(d), e.country or "")
        for k in ambiguous - curated:  # e.g. "Congolese government": two states, no answer
            self.by_alias.pop(k, None)
        self._choices = [k for k in self.by_alias if len(k) >= FUZZY_MIN_LEN]

    def lookup(self, text: str) -> KBEntry | None:
        """Exact match: acronyms case-sensitively (so 'us' is not the US), other names by folded form."""
        eid = self.by_acronym.get(_acronym_key(text)) if is_acronym(text) else self.by_alias.get(fold(text))
        return self.entries[eid] if eid else None

    def fuzzy(self, text: str) -> KBEntry | None:
        """Misspelling match with a high cutoff; short names and acronyms never fuzzy-match."""
        return self.fuzzy_many([text])[0]

    def fuzzy_many(self, texts: list[str]) -> list[KBEntry | None]:
        """Batch form of :meth:`fuzzy`: one score matrix instead of one scan per name."""
        out: list[KBEntry | None] = [None] * len(texts)
        todo = [(i, fold(t)) for i, t in enumerate(texts) if not is_acronym(t)]
        todo = [(i, k) for i, k in todo if len(k) >= FUZZY_MIN_LEN]
        if not todo or not self._choices:
            return out
        scores = process.cdist([k for _, k in todo], self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                               dtype=np.uint8)
        best = scores.argmax(axis=1)
        for row, (i, k) in enumerate(todo):
            alias = self._choices[best[row]]
            if scores[row, best[row]] and _same_shape(k, alias):
                out[i] = self.entries[self.by_alias[alias]]
        return out

    def country_of(self, text: str) -> str | None:
        """ISO2 for a demonym ('Iranian'), country name ('Iran') or acronym ('U.S.'), else None."""
        k = fold(text)
        for d in (k, k[:-1] if k.endswith("s") else k):  # "Syrians", "Iraqis"
            if d in self.demonyms:
                return self.demonyms[d] or None
        e = self.lookup(text)
        return e.country if e and e.id.startswith("gov-") else None


def _same_shape(a: str, b: str) -> bool:
    """Guard for fuzzy pairs: same words count, every word close, same digits ('Brigade 1' is not 'Brigade 2')."""
    ta, tb = sorted(a.split()), sorted(b.split())
    if len(ta) != len(tb) or re.sub(r"\D", "", a) != re.sub(r"\D", "", b):
        return False
    return all(x == y or (len(x) >= 4 and fuzz.ratio(x, y) >= 70) for x, y in zip(ta, tb))


@functools.lru_cache(maxsize=1)
def get_kb() -> ActorKB:
    """The shipped knowledge base, loaded once per process."""
    path = resources.files("storyline.data").joinpath("actors.jsonl")
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            entries.append(KBEntry(d["id"], d["name"], d["kind"], d.get("country"), tuple(d.get("aliases", ())),
                                   d.get("source", ""), tuple(d.get("demonyms", ()))))
    return ActorKB(entries)


# --------------------------------------------------------------------------- descriptions and titles
# Head nouns of generic descriptions -> kind. Longest match wins ("security forces" before "forces").
_GENERIC: dict[str, str] = {
    **dict.fromkeys(["militants", "militant", "militant groups", "militant group", "militias", "militia",
                     "militia groups", "militia group", "militiamen", "insurgents", "insurgent groups", "rebels",
                     "rebel groups", "rebel group", "rebel forces", "gunmen", "armed men", "armed groups",
                     "armed group", "fighters", "jihadists", "extremists", "guerrillas", "groups", "paramilitaries",
                     "paramilitary groups", "separatists", "proxies", "proxy groups"], "militia_rebel"),
    **dict.fromkeys(["terrorists", "terrorist groups", "terrorist group", "terrorist organization"], "terrorist_group"),
    **dict.fromkeys(["security forces", "army", "military", "troops", "soldiers", "forces", "armed forces",
                     "military forces", "air force", "navy", "personnel", "service members", "servicemen",
                     "military personnel", "warplanes", "jets", "aircraft", "drones", "coalition forces"],
                    "state_military"),
    **dict.fromkeys(["police", "police officers", "policemen", "police forces", "officers", "border guards"], "police"),
    **dict.fromkeys(["government", "authorities", "officials", "administration", "regime", "leadership",
                     "government forces", "ministry", "defense officials", "defence officials"], "government"),
    **dict.fromkeys(["civilians", "residents", "villagers", "people", "children", "women", "refugees",
                     "displaced people", "idps", "worshippers", "students", "farmers", "contractors", "workers",
                     "citizens", "nationals", "migrants", "protesters", "demonstrators", "rioters", "mob",
                     "aid workers", "hostages", "prisoners", "detainees"], "civilians"),
    **dict.fromkeys(["journalists", "reporters", "media"], "media"),
}
_GENERIC_NAME = {
    "militia_rebel": "Unidentified Armed Group", "terrorist_group": "Unidentified Armed Group",
    "state_military": "Unidentified Military Forces", "police": "Unidentified Police Forces",
    "government": "Unidentified Government", "civilians": "Civilians", "media": "Journalists",
}
_CROWD = {"protesters": "Protesters", "demonstrators": "Protesters", "rioters": "Rioters", "mob": "Rioters"}
_KB_PREFIX = {"state_military": "mil", "police": "pol", "government": "gov"}
_BACKED = re.compile(r"^(.+?)[- ](backed|aligned|linked|supported|allied|affiliated|sponsored|funded)$", re.I)
_BACKED_HEAD = {"militia_rebel": "militias", "terrorist_group": "militias", "state_military": "forces",
                "civilians": "civilians", "government": "government", "police": "police", "media": "media"}

_TITLES = {
    "president", "vice", "prime", "minister", "secretary", "spokesman", "spokeswoman", "spokesperson", "deputy",
    "chief", "general", "gen", "lt", "lieutenant", "col", "colonel", "maj", "major", "capt", "captain", "commander",
    "cmdr", "adm", "admiral", "sgt", "sergeant", "brig", "brigadier", "marshal", "senator", "sen", "rep",
    "representative", "congressman", "congresswoman", "governor", "gov", "mayor", "ambassador", "envoy",
    "director", "chairman", "chairwoman", "chair", "head", "leader", "king", "queen", "prince", "princess", "sheikh",
    "sheik", "emir", "ayatollah", "imam", "cleric", "pope", "dr", "mr", "mrs", "ms", "sir", "lord", "judge",
    "justice", "attorney", "official", "officer", "advisor", "adviser", "speaker", "analyst", "correspondent",
    "reporter", "spokesmen", "commissioner", "chancellor", "premier", "sultan", "crown", "mullah", "colonel-general",
}
_ROLE_FILLERS = {
    "press", "of", "the", "for", "and", "state", "defense", "defence", "foreign", "affairs", "interior", "security",
    "national", "former", "ex", "acting", "then", "late", "supreme", "grand", "top", "senior", "military", "army",
    "navy", "air", "force", "department", "ministry", "homeland", "justice", "general", "staff", "joint", "chiefs",
    "attorney", "health", "finance", "intelligence",
}


def _head(name: str) -> str:
    """Head word of a name: the last word before 'of/for/in', e.g. 'observatory' in the SOHR's name."""
    toks = fold(name).split()
    cut = next((i for i, t in enumerate(toks) if i and t in {"of", "for", "in", "on", "against"}), len(toks))
    return toks[cut - 1]


def _clean(mention: str) -> str:
    s = " ".join(mention.replace("\u00a0", " ").split()).strip(" \"“”‘’'.,;:()[]")
    s = re.sub(r"(?:'s|’s)$", "", s)
    return s.strip()


def _strip_title(name: str) -> tuple[str, str] | None:
    """Split 'Pentagon Press Secretary John Kirby' into ('Pentagon Press Secretary', 'John Kirby')."""
    toks = name.split()
    low = [t.lower().strip(".,") for t in toks]
    last_title = max((i for i, t in enumerate(low) if t in _TITLES), default=-1)
    if last_title < 0 or last_title == len(toks) - 1:
        return None
    while last_title + 1 < len(toks) and low[last_title + 1] in _ROLE_FILLERS:
        last_title += 1  # "Secretary of State", "Minister of Foreign Affairs"
    rest = toks[last_title + 1:]
    if len(rest) > 4 or not all(t[:1].isupper() for t in rest if t.lower() not in ARABIC_ARTICLES | {"bin", "ibn", "abu", "de", "van", "von"}):
        return None
    return " ".join(toks[: last_title + 1]), " ".join(rest)


def _affiliation_prefix(role: str) -> str:
    """Organisation words before the first title/role word: 'Pentagon' in 'Pentagon Press Secretary'."""
    toks = role.split()
    for i, t in enumerate(toks):
        if t.lower().strip(".,") in _TITLES | _ROLE_FILLERS:
            return " ".join(toks[:i])
    return role


# --------------------------------------------------------------------------- acronyms defined in text
_PAREN = re.compile(r"\(([^()]{1,80})\)")


def _long_form(short: str, candidate: str) -> str | None:
    """Schwartz & Hearst (2003): shortest suffix of `candidate` whose letters spell `short` in order."""
    s, l = len(short) - 1, len(candidate) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l >= 0 and (candidate[l].lower() != c or (s == 0 and l > 0 and candidate[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return None
        l -= 1
        s -= 1
    start = candidate.rfind(" ", 0, l + 1) + 1
    long = candidate[start:].strip()
    words = long.split()
    if not words or not words[0][:1].isupper() or len(words) > min(len(short) + 5, len(short) * 2) or len(words) < 2:
        return None
    return long


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms defined in the text, both 'Long Name (ACR)' and 'ACR (Long Name)', keyed by dotless ACR."""
    found: dict[str, str] = {}
    for m in _PAREN.finditer(text):
        inner = m.group(1).strip()
        before = re.split(r"[.;:!?()\n\"“”]", text[max(0, m.start() - 200): m.start()])[-1].strip().rstrip(",")
        if is_acronym(inner):
            long = _long_form(inner, before)
            if long:
                found.setdefault(_acronym_key(inner), long)
        else:
            prev = re.search(r"(\S+)\s*$", text[: m.start()])
            if prev and is_acronym(prev.group(1)) and _long_form(prev.group(1), inner) == inner:
                found.setdefault(_acronym_key(prev.group(1)), inner)
    return found


# --------------------------------------------------------------------------- per-document resolution
@dataclass
class DocumentActors:
    """Resolution context for one document: its acronym definitions, the people it names, a country hint."""

    text: str
    entities: list[Entity]
    country: str | None = None  # context for bare "the army", "police"; the caller knows the event's country
    acronyms: dict[str, str] = field(init=False)
    people: dict[str, set[str]] = field(init=False)  # folded surname -> full names seen
    affiliations: dict[str, str] = field(init=False)  # person name -> KB id of the body named in their title

    def __post_init__(self) -> None:
        self.kb = get_kb()
        self.acronyms = find_acronyms(self.text)
        self.people, self.affiliations = {}, {}
        self.orgs: list[str] = []  # multi-word organisation names seen, for short back-references
        for ent in self.entities:
            name = _clean(ent.text)
            defined = {fold(v) for v in self.acronyms.values()}
            if ent.label == "PERSON" and _kind_from_words(name) is None and fold(name) not in defined:
                self._register_person(self._with_title(ent.start, name))
            elif ent.label in ("ORG", "PERSON") and len(fold(name).split()) >= 2:
                self.orgs.append(name)

    def _with_title(self, start: int, name: str) -> str:
        """Prefix the title words written just before a PERSON entity: 'Pentagon Press Secretary' + name."""
        words = self.text[max(0, start - 80): max(0, start)].split("\n")[-1].split()
        keep: list[str] = []
        for w in reversed(words):
            if re.search(r"[,;:!?]$|(?<![A-Z])\.$", w):
                break  # the sentence or clause before the title
            low = w.lower().strip(".,")
            if low in _TITLES or low in _ROLE_FILLERS or (w[:1].isupper() and keep and low not in _DETERMINERS):
                keep.insert(0, w)
            else:
                break
        return " ".join([*keep, name]) if any(w.lower().strip(".,") in _TITLES for w in keep) else name

    def _register_person(self, mention: str) -> str:
        split = _strip_title(mention)
        name = split[1] if split else mention
        if split:
            org = self.kb.lookup(_affiliation_prefix(split[0])) if _affiliation_prefix(split[0]) else None
            if org:
                self.affiliations.setdefault(name, org.id)
        toks = name.split()
        if len(toks) >= 2 and not self.kb.lookup(name):
            self.people.setdefault(fold(toks[-1]), set()).add(name)
        return name

    def resolve(self, mention_text: str, label: str | None = None, country: str | None = None) -> ActorRef:
        """Resolve one mention; never raises, unknown names get a stable key from their folded form."""
        m = _clean(mention_text)
        if not fold(m):
            return ActorRef(text=mention_text)
        ref = self._resolve(m, label, country or self.country)
        ref.text = mention_text
        return ref

    def _resolve(self, m: str, label: str | None, country: str | None) -> ActorRef:
        if is_acronym(m) and _acronym_key(m) in self.acronyms:  # the document's own definition wins
            long = self.acronyms[_acronym_key(m)]
            return self._resolve(long, label, country) if not is_acronym(long) else ActorRef(m, m, entity_id=_key(m))
        e = self.kb.lookup(m)
        if e and not (label == "PERSON" and e.id.startswith("gov-")):
            return e.ref(m)
        generic = self._generic(m, country)
        if generic:
            return generic
        split = _strip_title(m)
        person_like = (label == "PERSON" and _kind_from_words(m) is None and not self._back_reference(m)
                       and fold(m) not in {fold(v) for v in self.acronyms.values()})  # people get no acronyms
        if split or person_like or m in self.affiliations:
            return self._person(split[1] if split else m, split[0] if split else None)
        if len(m.split()) == 1 and fold(m) in self.people:
            return self._person(m, None)
        back = self._back_reference(m)
        if back:
            return self._resolve(back, "ORG", country)
        e = self.kb.fuzzy(m)
        if e:
            return e.ref(m)
        if label == "NORP" and self.kb.country_of(m):
            iso = self.kb.country_of(m)
            return ActorRef(m, f"Civilians ({self._country_name(iso)})", "civilians", iso, entity_id=f"generic:civilians:{iso}")
        return ActorRef(m, m, kind=_kind_from_words(m), entity_id=_key(m))

    def _back_reference(self, m: str) -> str | None:
        """'the Observatory' after 'Syrian Observatory for Human Rights': the one longer name containing it."""
        words = set(fold(m).split())
        if not words or words & set(_GENERIC) or self.kb.country_of(m):
            return None
        hits = {o for o in self.orgs if words < set(fold(o).split()) and _head(o) in words}
        return hits.pop() if len(hits) == 1 else None

    def _person(self, name: str, role: str | None) -> ActorRef:
        full = self.people.get(fold(name), set()) if len(name.split()) == 1 else set()
        if len(full) == 1:  # "Kirby" -> "John Kirby"; two Kirbys in one story stay ambiguous
            name = next(iter(full))
        org_id = self.affiliations.get(name)
        if role and not org_id:
            prefix = _affiliation_prefix(role)
            org = self.kb.lookup(prefix) if prefix else None
            org_id = org.id if org else None
        country = self.kb.entries[org_id].country if org_id else None
        return ActorRef(name, name, "person", country, entity_id=_key(name))

    def _generic(self, m: str, country: str | None) -> ActorRef | None:
        """Descriptions such as 'Iranian-backed militant groups', 'Syrian refugees', 'the army'."""
        toks = fold(m.replace("-", " - ")).split()
        raw = m.split()
        for n in range(min(3, len(toks)), 0, -1):
            head = " ".join(toks[-n:])
            kind = _GENERIC.get(head)
            if kind:
                break
        else:
            return None
        # prefix words in the original spelling, minus determiners and counts
        prefix_raw = [t for t in raw[: max(0, len(raw) - n)] if t.lower() not in _DETERMINERS and not t.isdigit()]
        prefix = " ".join(prefix_raw).strip(" ,")
        crowd = _CROWD.get(head)
        iso = country
        if prefix:
            backed = _BACKED.match(prefix)
            if backed:
                backer = self.kb.country_of(backed.group(1))
                who = self._country_short(backer) if backer else backed.group(1)
                tag = backer or fold(backed.group(1)).replace(" ", "-")
                return ActorRef(m, f"{who}-backed {_BACKED_HEAD[kind]}", kind, None,
                                entity_id=f"generic:{kind}:backed-{tag}")
            iso = self.kb.country_of(prefix)
            if iso is None:
                named = self.kb.lookup(prefix) or self.kb.lookup(prefix + "s") or self.kb.fuzzy(prefix)
                if named and not named.id.startswith("gov-"):  # "Houthi rebels", "Hamas militants"
                    return named.ref(m)
                if any(t[:1].isupper() for t in prefix_raw) and kind != "civilians":
                    return None  # a proper name ending in a generic word: "Syrian Democratic Forces"
                iso = country
        if kind in _KB_PREFIX and iso and f"{_KB_PREFIX[kind]}-{iso.lower()}" in self.kb.entries:
            return self.kb.entries[f"{_KB_PREFIX[kind]}-{iso.lower()}"].ref(m)
        base = crowd or _GENERIC_NAME[kind]
        name = f"{base} ({self._country_name(iso)})" if iso else base
        tag = (crowd or kind).lower()
        return ActorRef(m, name, kind, iso, entity_id=f"generic:{tag}:{iso}" if iso else f"generic:{tag}")

    def _country_name(self, iso: str) -> str:
        e = self.kb.entries.get(f"gov-{iso.lower()}")
        return e.name.removeprefix("Government of ").removeprefix("the ") if e else iso

    def _country_short(self, iso: str) -> str:
        return "US" if iso == "US" else "UK" if iso == "GB" else self._country_name(iso)


_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(["brigade", "brigades", "battalion", "battalions", "front", "movement", "militia", "army",
                     "kataib", "katib", "harakat", "liwa", "jaysh", "jaish", "saraya", "fighters", "rebels",
                     "mujahideen", "mujahidin", "hezbollah", "hizballah", "resistance", "guard", "guards",
                     "tigers", "legion", "group"], "militia_rebel"),
    **dict.fromkeys(["party", "parti", "partei"], "political_party"),
    **dict.fromkeys(["ministry", "department", "government", "council", "parliament", "presidency", "office"],
                    "government"),
    **dict.fromkeys(["police", "gendarmerie"], "police"),
    **dict.fromkeys(["news", "times", "post", "tv", "television", "radio", "agency", "press", "journal", "herald",
                     "tribune", "broadcasting"], "media"),
    **dict.fromkeys(["inc", "corp", "corporation", "ltd", "llc", "company", "plc", "gmbh"], "company"),
    **dict.fromkeys(["observatory", "watch", "foundation", "committee", "network", "institute"], "ngo"),
}


def _kind_from_words(name: str) -> str | None:
    """Guess a kind for a name outside the KB from its head words; None when nothing says."""
    for t in reversed(fold(name).split()):
        if t in _KIND_WORDS:
            return _KIND_WORDS[t]
    return None


def acled_actor_type(ref: ActorRef) -> str | None:
    """ACLED actor type of a resolved actor; crowds are protesters or rioters, not just civilians."""
    tag = (ref.entity_id or "").split(":")[1:2]
    if tag and tag[0] in ("protesters", "rioters"):
        return tag[0].title()
    return ACLED_ACTOR_TYPE.get(ref.kind or "")


# --------------------------------------------------------------------------- cross-document merging
_SKIP_INITIAL = {"of", "the", "and", "for", "in", "fi", "wa", "wal", "de", "du", "des", "la", "le"}


def _initials(key: str) -> set[str]:
    toks = key.split()
    return {"".join(t[0] for t in toks), "".join(t[0] for t in toks if t not in _SKIP_INITIAL)}


def merge_across_documents(names: list[str]) -> dict[str, str]:
    """Map each distinct name to one canonical spelling shared by its variants across documents.

    Variants: same folded form, a close misspelling (blocked by first letters, so ~10k names stay fast),
    an acronym of exactly one longer name, or a word subset of exactly one longer name. Names in the KB
    take the KB name; two different KB entities are never merged.
    """
    kb = get_kb()
    counts = Counter(n for n in names if fold(n))
    uniq = list(counts)
    keys = [fold(n) for n in uniq]
    kb_hits = [kb.lookup(n) for n in uniq]
    misses = [i for i, e in enumerate(kb_hits) if e is None]
    for i, e in zip(misses, kb.fuzzy_many([uniq[i] for i in misses])):
        kb_hits[i] = e
    uf = UnionFind(len(uniq), [e.id if e else None for e in kb_hits])
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        uf.union(first.setdefault(k, i), i)
    reps = list(first.values())  # one index per folded form
    long_reps = [i for i in reps if len(keys[i]) >= FUZZY_MIN_LEN and not is_acronym(uniq[i])]
    blocks: dict[str, list[int]] = {}
    for i in long_reps:
        toks = keys[i].split()
        blocks.setdefault("f" + toks[0][0], []).append(i)
        blocks.setdefault("l" + toks[-1][0], []).append(i)
    for members in blocks.values():
        if len(members) < 2:
            continue
        strs = [keys[i] for i in members]
        scores = process.cdist(strs, strs, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
        for a, b in zip(*scores.nonzero()):
            if a < b and _same_shape(strs[a], strs[b]):
                uf.union(members[a], members[b])
    by_token: dict[str, set[int]] = {}
    for i in reps:
        for t in set(keys[i].split()):
            by_token.setdefault(t, set()).add(i)
    for i in reps:  # word subset of exactly one longer name: "Sayyid Shuhada" -> "Kataib Sayyid Shuhada"
        toks = set(keys[i].split()) - _SKIP_INITIAL
        if len(toks) < 2:
            continue
        sups = set.intersection(*(by_token.get(t, set()) for t in toks)) - {i}
        roots = {uf.find(j) for j in sups if len(keys[j].split()) > len(keys[i].split())}
        if len(roots) == 1:
            uf.union(roots.pop(), i)
    by_initials: dict[str, set[int]] = {}
    for i in reps:
        if len(keys[i].split()) >= 2:
            for ini in _initials(keys[i]):
                by_initials.setdefault(ini, set()).add(i)
    for i, n in enumerate(uniq):  # an acronym of exactly one multi-word name
        if is_acronym(n) and not kb_hits[i]:
            roots = {uf.find(j) for j in by_initials.get(_acronym_key(n).lower().replace("-", ""), set())}
            if len(roots) == 1:
                uf.union(roots.pop(), i)
    key_counts = Counter()  # a spelling's weight counts all spellings that fold the same way
    for i, n in enumerate(uniq):
        key_counts[keys[i]] += counts[n]
    out: dict[str, str] = {}
    for members in uf.groups():
        kb_id = uf.label[uf.find(members[0])]
        if kb_id:
            canon = kb.entries[kb_id].name
        else:
            canon = uniq[max(members, key=lambda i: (not is_acronym(uniq[i]), key_counts[keys[i]], counts[uniq[i]],
                                                     len(uniq[i]), uniq[i]))]
        for i in members:
            out[uniq[i]] = canon
    return out
