"""Event records and the event engine: one event per happening, whatever order articles arrive in."""
from __future__ import annotations

import calendar
import hashlib
import json
from datetime import date

import numpy as np
from conftest import EVAL, needs, take_in
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.cluster.engine import SPAN, WINDOW, EventEngine, _Vectors
from storyline.cluster.records import (
    LEAD_TOKENS,
    article_events,
    build_records,
    centrality,
    lead_text,
    places_agree,
    plan_records,
)
from storyline.cluster.similarity import cluster_component
from storyline.extract.ontology import lookup
from storyline.models import (
    ActorRef,
    AnalyzedDocument,
    Article,
    Count,
    EventMention,
    MentionRef,
    Place,
    TimeExpr,
)
from storyline.nlp.embeddings import embed


def _mention(sentence: int, text: str, type_: str, *, day: tuple[str, str, str] | None = None,
             place: Place | None = None, actor1: ActorRef | None = None, actor2: ActorRef | None = None,
             role: str = "reported", killed: int | None = None, **extra) -> EventMention:
    time = None
    if day and day[2] == "month":
        last = calendar.monthrange(int(day[1][:4]), int(day[1][5:7]))[1]
        time = TimeExpr(0, 0, day[0], day[1][:7], "month", range_start=day[1], range_end=f"{day[1][:8]}{last:02d}")
    elif day:
        time = TimeExpr(0, 0, day[0], day[1], "day", range_start=day[1], range_end=day[1])
    lab = lookup(type_)
    return EventMention(sentence=sentence, start=0, end=0, trigger=type_, type=type_, acled_event_type=lab[0],
                        acled_sub_event_type=lab[1], plover_type=lab[2], role=role, time=time, place=place,
                        actor1=actor1, actor2=actor2, sentence_text=text,
                        fatalities=Count(killed) if killed else None, extra=extra)


def _article(id_: str, title: str, sentences: list[str], published: str) -> Article:
    text = "\n\n".join(sentences)
    return Article(id=id_, title=title, text=text, published=published,
                   content_hash=hashlib.sha256(text.encode()).hexdigest())


def _records(article: Article, mentions: list[EventMention]) -> list:
    plan = plan_records(article, AnalyzedDocument(article.id, article.text, article.published, event_mentions=mentions))
    return build_records(plan, embed([lead_text(article)], max_tokens=LEAD_TOKENS)[0])


KRAMATORSK = Place(0, 0, "Kramatorsk", "Kramatorsk", "UA", "Donetsk", 48.72, 37.56, precision="place")
RUSSIA = ActorRef("Russian forces", "Russian forces", "state_military", "RU", entity_id="mil-ru")
P1 = ["Russian forces fired rockets at a crowded market in Kramatorsk on Tuesday, killing eight civilians, regional officials said.",
      "The attack also wounded 21 people, among them two children.",
      "Last month a missile strike on the city's railway station killed 61 people waiting for evacuation trains.",
      "Residents were asked to stay close to shelters."]
P1_MENTIONS = [
    _mention(0, P1[0], "rocket_attack", day=("Tuesday", "2023-05-09", "day"), place=KRAMATORSK, actor1=RUSSIA, killed=8),
    _mention(1, P1[1], "attack", antecedent_sentence=0),
    _mention(2, P1[2], "missile_attack", day=("Last month", "2023-04-01", "month"), place=KRAMATORSK, role="background", killed=61),
    _mention(3, P1[3], "request"),
]


def test_mentions_of_one_attack_are_one_article_event_and_a_recalled_one_another() -> None:
    refs = [MentionRef("p1", i, m, "2023-05-10", "Rocket attack on Kramatorsk market kills eight") for i, m in enumerate(P1_MENTIONS)]
    groups = article_events([r for r in refs if r.mention.type != "request"])
    by_key = {r.key: k for k, g in enumerate(groups) for r in g}
    assert by_key["p1#0"] == by_key["p1#1"] != by_key["p1#2"]


def test_an_article_is_about_its_own_event_not_the_one_it_answers() -> None:
    army = ActorRef("the army", "Armed Forces of Mali", "state_military", "ML", entity_id="mil-ml")
    group = ActorRef("the Front", "Hayre Front", "militia_rebel", entity_id="name:hayre-front")
    title = "Army jets strike back near Bandiagara"
    recalled = _mention(0, "The road stayed closed since last week's drone attack on the army camp.", "drone_attack",
                        actor1=group, actor2=army, after_word="since")
    strike = _mention(1, "The army said its jets bombed the Front's camps near Bandiagara on Friday.", "airstrike",
                      day=("Friday", "2024-11-15", "day"), actor1=army, actor2=group)
    groups = article_events([MentionRef("a", 0, recalled, "2024-11-18", title), MentionRef("a", 1, strike, "2024-11-18", title)])
    assert len(groups) == 2  # the attacked side striking back is another event
    main = max(groups, key=lambda g: centrality(g, title))
    assert [r.mention.type for r in main] == ["airstrike"]


def test_an_armed_groups_killing_is_not_part_of_a_states_strike_in_the_same_article() -> None:
    state = ActorRef("the air force", "Military Forces of Freedonia", "state_military", "FD")
    group = ActorRef("Hayre militants", "Hayre Front", "militia_rebel", "ML")
    title = "Freedonia strikes Hayre Front depots"
    strike = _mention(0, "The air force struck two depots of the Hayre Front on Friday.", "airstrike",
                      day=("Friday", "2024-11-15", "day"), actor1=state, actor2=group)
    militants = ActorRef("militants", "Unidentified Armed Group", "militia_rebel", "ML")
    killing = _mention(2, "Militants had earlier killed a contractor in an explosion.", "ied", actor1=militants, killed=1)
    groups = article_events([MentionRef("a", 0, strike, "2024-11-18", title), MentionRef("a", 2, killing, "2024-11-18", title)])
    assert len(groups) == 2  # the contractor's death is no toll of the strike


def test_a_border_region_lies_in_both_its_countries() -> None:
    border = Place(0, 0, "the Chad-Niger border", "Chad–Niger border", "TD-NE", lat=14.0, lon=15.5, precision="region")
    chad = Place(0, 0, "Chad", "Chad", "TD", lat=15.0, lon=19.0, precision="country")
    mali = Place(0, 0, "Mali", "Mali", "ML", lat=17.0, lon=-4.0, precision="country")
    assert places_agree(border, chad) and not places_agree(border, mali)


def test_records_central_first_with_the_lead_and_passing_ones_with_their_sentences() -> None:
    art = _article("p1", "Rocket attack on Kramatorsk market kills eight", P1, "2023-05-10")
    records = _records(art, P1_MENTIONS)
    central, passing = records[0], records[1:]
    assert central.central and central.mentions == [0, 1] and central.key == f"p1#0@{art.content_hash[:12]}"
    assert central.type == "Shelling/artillery/missile attack" and central.date_start == "2023-05-09"
    assert {"10", "2023", "kramatorsk"} <= set(central.tokens.lead_names)  # headline and dateline "May 10, 2023"
    assert [r.mentions for r in passing] == [[2]] and not passing[0].central and passing[0].role == "background"
    assert abs(float(np.linalg.norm(central.embedding)) - 1.0) < 1e-4 and passing[0].embedding is None


def test_an_article_without_typed_mentions_is_about_the_happening_its_lead_states() -> None:
    art = _article("q", "Earthquake shakes coastal towns", ["A magnitude 6.1 earthquake struck off the coast on Monday."], "2023-02-07")
    lead = _mention(0, "A magnitude 6.1 earthquake struck off the coast on Monday.", "other", lead=True)
    plan = plan_records(art, AnalyzedDocument("q", art.text, art.published, lead_event=lead))
    assert [d.refs[0].index for d in plan.drafts] == [-1] and plan.reason is None
    opinion = plan_records(art, AnalyzedDocument("q", art.text, art.published))
    assert opinion.drafts == [] and opinion.reason.startswith("reports nothing")
    foreign = plan_records(art, AnalyzedDocument("q", art.text, art.published, language="fr"))
    assert foreign.drafts == [] and "'fr'" in foreign.reason


# --------------------------------------------------------------------------- one story, several events
DOUENTZA = Place(0, 0, "Douentza", "Douentza", "ML", "Mopti", 15.0, -2.95, precision="place")
BANDIAGARA = Place(0, 0, "Bandiagara", "Bandiagara", "ML", "Mopti", 14.35, -3.61, precision="place")
ARMY = ActorRef("the army", "Malian Armed Forces", "state_military", "ML", entity_id="mil-ml")
FRONT = ActorRef("the Front", "Hayre Front", "militia_rebel", entity_id="name:hayre-front")
STORY = {
    "attack-a": ("Drone attack on army camp in Douentza kills 12 soldiers", "2024-11-12",
                 ["Fighters of the Hayre Front flew explosive drones into the army camp in Douentza on Tuesday, killing 12 soldiers, the army said.",
                  "The Hayre Front has fought the army in central Mali for two years."],
                 ("drone_attack", "2024-11-12", DOUENTZA, FRONT, ARMY)),
    "attack-b": ("Douentza camp hit by drones, 12 soldiers dead", "2024-11-13",
                 ["Explosive-laden drones launched by the Hayre Front struck a military camp in Douentza on Tuesday and killed 12 soldiers.",
                  "The army in central Mali promised to respond."],
                 ("drone_attack", "2024-11-12", DOUENTZA, FRONT, ARMY)),
    "strike-a": ("Army jets bomb Hayre Front camps near Bandiagara", "2024-11-15",
                 ["The army bombed camps of the Hayre Front near Bandiagara on Friday, days after the drone attack on its camp in Douentza.",
                  "The army said 30 fighters were killed in central Mali."],
                 ("airstrike", "2024-11-15", BANDIAGARA, ARMY, FRONT)),
    "strike-b": ("Airstrikes near Bandiagara kill 30 fighters, army says", "2024-11-16",
                 ["Military aircraft struck Hayre Front positions near Bandiagara on Friday, killing 30 fighters, the army said.",
                  "The strikes followed the drone attack on the army camp in Douentza."],
                 ("airstrike", "2024-11-15", BANDIAGARA, ARMY, FRONT)),
}


def _story_records() -> list:
    out = []
    for id_, (title, published, sentences, (key, day, place, a1, a2)) in STORY.items():
        m = _mention(0, sentences[0], key, day=("", day, "day"), place=place, actor1=a1, actor2=a2)
        out += _records(_article(id_, title, sentences, published), [m])
    return out


def test_reports_of_one_happening_are_one_event_and_the_retaliation_is_another() -> None:
    events = cluster_component(_story_records())
    articles = sorted(sorted(k.split("#")[0] for k in e) for e in events)
    assert articles == [["attack-a", "attack-b"], ["strike-a", "strike-b"]]


def test_the_events_of_a_component_do_not_depend_on_the_order_of_its_records() -> None:
    records = _story_records()
    assert cluster_component(records) == cluster_component(records[::-1])


# --------------------------------------------------------------------------- the engine over a store
def _analysed(id_: str) -> tuple[Article, AnalyzedDocument]:
    title, published, sentences, (key, day, place, a1, a2) = STORY[id_]
    art = _article(id_, title, sentences, published)
    m = _mention(0, sentences[0], key, day=("", day, "day"), place=place, actor1=a1, actor2=a2)
    return art, AnalyzedDocument(id_, art.text, published, event_mentions=[m])


def _take_in(db: str, ids: list[str]):
    pairs = [_analysed(i) for i in ids]
    return take_in(db, [a for a, _ in pairs], {a.id: d for a, d in pairs})


def _partition(store) -> set[frozenset]:
    by_event: dict[str, set] = {}
    for row in store.iter_articles():
        by_event.setdefault(row.main_event, set()).add(row.id)
    return {frozenset(v) for v in by_event.values()}


def test_a_later_batch_gives_the_events_of_one_run_and_keeps_the_ids_of_the_events_it_joins(db_url, tmp_path) -> None:
    first = _take_in(db_url, ["attack-a", "strike-b"])
    ids_before = {row.id: row.main_event for row in first.iter_articles()}
    first.close()
    later = _take_in(db_url, ["attack-b", "strike-a"])
    once = _take_in(str(tmp_path / "once.db"), list(STORY))
    assert _partition(later) == _partition(once) == {frozenset({"attack-a", "attack-b"}), frozenset({"strike-a", "strike-b"})}
    after = {row.id: row.main_event for row in later.iter_articles()}
    assert after["attack-a"] == ids_before["attack-a"] == after["attack-b"]
    assert after["strike-b"] == ids_before["strike-b"] == after["strike-a"]
    assert later.integrity_problems() == []


def test_a_second_batch_reads_the_first_batchs_records_and_does_not_recompute_them(tmp_path, monkeypatch) -> None:
    import storyline.cluster.records as records

    db = str(tmp_path / "two.db")
    store = _take_in(db, ["attack-a", "strike-b"])
    with store.engine.connect() as conn:
        before = {k: (p, e) for k, p, e in conn.exec_driver_sql("SELECT key, payload, embedding FROM records")}
    store.close()
    planned = []
    real = records.plan_records
    monkeypatch.setattr(records, "plan_records", lambda a, d: planned.append(a.id) or real(a, d))
    store = _take_in(db, ["attack-b", "strike-a"])
    assert sorted(planned) == ["attack-b", "strike-a"]
    with store.engine.connect() as conn:
        after = {k: (p, e) for k, p, e in conn.exec_driver_sql("SELECT key, payload, embedding FROM records")}
    assert {k: after[k] for k in before} == before  # stored once, read back, never rewritten


def test_a_report_filed_months_later_meets_the_happening_its_text_dates(tmp_path) -> None:
    """Candidates are searched in a window of days around each record's day: its own date when the
    text gives one, so a late report of an old happening is still compared with the first reports."""
    title, _, sentences, (key, day, place, a1, a2) = STORY["attack-b"]
    late = _article("attack-late", title, sentences, "2025-07-01")
    m = _mention(0, sentences[0], key, day=("12 November 2024", day, "day"), place=place, actor1=a1, actor2=a2)
    first = _take_in(str(tmp_path / "late.db"), ["attack-a", "strike-a"])
    first.close()
    store = take_in(str(tmp_path / "late.db"), [late], {late.id: AnalyzedDocument(late.id, late.text, late.published,
                                                                                    event_mentions=[m])})
    main = {row.id: row.main_event for row in store.iter_articles()}
    assert main["attack-late"] == main["attack-a"] != main["strike-a"]


def test_records_stored_before_their_day_was_kept_get_it_from_their_payload(tmp_path) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    from storyline.store.db import Store

    db = str(tmp_path / "old.db")
    store = _take_in(db, list(STORY))
    read = "SELECT key, day FROM records ORDER BY key"
    with store.engine.connect() as conn:
        days = conn.exec_driver_sql(read).all()
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storyline.store") / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    store.close()
    store = Store(db)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql(read).all() == days
    assert {d for _, d in days} == {date.fromisoformat(d).toordinal() for d in ("2024-11-12", "2024-11-15")}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 400)), min_size=1, max_size=60),
       st.lists(st.one_of(st.none(), st.integers(0, 400)), min_size=1, max_size=8), st.integers(0, 2**31))
def test_the_windowed_vector_search_finds_every_close_vector_within_the_window(days, query_days, seed) -> None:
    gen = np.random.default_rng(seed)
    base = gen.normal(size=384)

    def unit_near() -> np.ndarray:
        v = base + gen.normal(size=384) * gen.uniform(0.5, 2)
        return (v / np.linalg.norm(v)).astype(np.float32)

    stored = {f"k{n}": (unit_near(), d) for n, d in enumerate(days)}
    index = _Vectors()
    for k, (v, d) in stored.items():
        index.add(k, v, d)
    index.remove("k0")
    queries = np.vstack([unit_near() for _ in query_days])
    for q, qd, found in zip(queries, query_days, index.near(queries, query_days, 0.3, 1000)):
        close = {k: float(v @ q) for k, (v, d) in stored.items() if k != "k0" and float(v @ q) >= 0.3}

        def gap(k: str) -> float:
            d = stored[k][1]
            return 0 if d is None or qd is None else abs(d - qd)

        assert {k for k in close if gap(k) <= WINDOW} <= set(found) <= {k for k in close if gap(k) <= WINDOW + 2 * SPAN}
        assert [close[k] for k in found] == sorted((close[k] for k in found), reverse=True)


def test_ids_survive_merges_and_splits_are_recorded() -> None:
    groups = [["a#0", "b#0", "c#0"], ["d#0"], ["e#0", "f#0"]]
    old = {"a#0": "ev-1", "b#0": "ev-1", "c#0": "ev-2", "d#0": "ev-3", "e#0": "ev-3"}
    ids = EventEngine._stable_ids(groups, old, {"ev-1", "ev-2", "ev-3"}, {})
    assert ids[0] == "ev-1"  # the larger part keeps its id; ev-2 merged into it
    assert ids[1] == "ev-3" or ids[2] == "ev-3"  # ev-3 split in two: one part keeps the id
    assert len(set(ids)) == 3


def test_ecbplus_topics_of_two_similar_events_each_through_the_product() -> None:
    """Topics whose two events are most alike (two DUI arrests of one club's players, a law
    loosened then restored, two patches for one browser): the product keeps them apart."""
    from storyline.evaluation.clusters import evaluate_clusters

    corpus = needs(EVAL / "ecbplus-dev")
    scores = evaluate_clusters(_subset(corpus, {"35", "9", "27"}))
    assert scores["without_main_event"] == {}
    assert scores["b3_f1"] >= 0.85


def _subset(corpus, topics: set[str]):
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp())
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))["clusters"]
    keep = {k: v for k, v in gold.items() if k.split("_")[0] in topics}
    for k in keep:
        (tmp / f"{k}.txt").write_text((corpus / f"{k}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    meta = [line for line in (corpus / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
            if json.loads(line)["file"][:-4] in keep]
    (tmp / "metadata.jsonl").write_text("\n".join(meta) + "\n", encoding="utf-8")
    (tmp / "gold.json").write_text(json.dumps({"clusters": keep}), encoding="utf-8")
    return tmp
