"""Event clustering: similar events stay apart, reports of one event merge, order does not matter."""
from __future__ import annotations

import calendar
import random
from pathlib import Path

import pytest

from storyline.cluster import EventIndex, MentionFeatures, cluster_mentions, doc_features, main_events
from storyline.cluster import events as cluster_events_module
from storyline.cluster.mentions import article_events, article_level, centrality, cluster_events
from storyline.evaluation.clusters import evaluate_clusters
from storyline.extract.ontology import lookup
from storyline.models import ActorRef, AnalyzedDocument, Count, EventMention, Place, TimeExpr
from storyline.nlp.embeddings import embed
from storyline.reconcile.claims import MentionRef

ECB = Path(__file__).resolve().parents[2] / "shared" / "eval" / "ecbplus-dev"


def mention(key: str, text: str, start: str | None, end: str | None = None, **kw) -> MentionFeatures:
    return MentionFeatures(key=key, doc_id=key.split("#")[0], text=text, date_start=start, date_end=end or start,
                           embedding=embed([text])[0], **kw)


STRIKE_DEC = ("US aircraft struck five Kata'ib Hezbollah sites in Iraq and Syria on Sunday, killing 25 fighters, "
              "in retaliation for a rocket attack that killed an American contractor near Kirkuk.")
STRIKE_DEC_2 = ("American warplanes hit Kata'ib Hezbollah positions in western Iraq and eastern Syria, leaving 25 "
                "militiamen dead, the Pentagon said, after the killing of a US contractor at a Kirkuk base.")
STRIKE_MAR = ("US jets struck Kata'ib Hezbollah weapons depots south of Baghdad on Thursday after rockets killed "
              "two American soldiers and a British medic at Camp Taji.")
IRAQ = dict(type="airstrike", country="IQ", actors={"United States", "Kata'ib Hezbollah"})


def test_two_strikes_on_one_militia_months_apart_are_two_events_and_reports_merge() -> None:
    ms = [
        mention("a#0", STRIKE_DEC, "2019-12-29", **IRAQ),
        # published the next day without a date of its own: it covers the days before publication
        mention("b#0", STRIKE_DEC_2, "2019-12-27", "2019-12-30", **IRAQ),
        mention("c#0", STRIKE_MAR, "2020-03-12", **IRAQ),
    ]
    ev = cluster_mentions(ms)
    assert ev["a#0"] == ev["b#0"] != ev["c#0"]


def test_time_granularity_two_days_never_one_event_a_week_contains_its_days() -> None:
    ms = [
        mention("a#0", STRIKE_DEC, "2019-12-29", **IRAQ),
        mention("b#0", STRIKE_DEC, "2019-12-30", **IRAQ),  # same words, another day: another strike
        mention("w#0", STRIKE_DEC_2, "2019-12-23", "2019-12-29", **IRAQ),  # "last week"
    ]
    ev = cluster_mentions(ms)
    assert ev["a#0"] != ev["b#0"]
    assert ev["w#0"] == ev["a#0"]


def test_month_precision_overlaps_a_day_but_type_and_place_conflicts_split() -> None:
    month = mention("m#0", STRIKE_MAR, "2020-03-01", "2020-03-31", **IRAQ)
    day = mention("d#0", STRIKE_MAR, "2020-03-12", **IRAQ)
    other_type = mention("t#0", STRIKE_MAR, "2020-03-12", **{**IRAQ, "type": "rocket_attack"})
    far = mention("f#0", STRIKE_MAR, "2020-03-12", lat=33.3, lon=44.4, **IRAQ)
    far2 = mention("g#0", STRIKE_MAR, "2020-03-12", lat=36.2, lon=37.1, **IRAQ)  # ~700 km away
    ev = cluster_mentions([month, day, other_type, far, far2])
    assert ev["m#0"] == ev["d#0"]
    assert ev["t#0"] != ev["d#0"]
    assert ev["f#0"] != ev["g#0"]


def test_main_event_is_the_reported_mention_not_the_background() -> None:
    ms = [
        mention("x#0", STRIKE_DEC, "2019-12-29", role="background", **IRAQ),
        mention("x#1", STRIKE_MAR, "2020-03-12", **IRAQ),
        mention("y#0", STRIKE_MAR, "2020-03-12", **IRAQ),
    ]
    main = main_events(ms, cluster_mentions(ms))
    assert main["x"] == main["y"]


@pytest.fixture(scope="module")
def ecb_subset() -> list[MentionFeatures]:
    ids = sorted(p.stem for p in ECB.glob("*.txt") if p.stem.split("_")[0] in {"35", "9", "27"})
    return doc_features({i: (ECB / f"{i}.txt").read_text(encoding="utf-8") for i in ids})


def test_incremental_adds_in_any_order_equal_the_batch_run(ecb_subset: list[MentionFeatures]) -> None:
    batch = cluster_mentions(ecb_subset)
    assert 2 <= len(set(batch.values())) < len(ecb_subset)
    for seed in (1, 2):
        shuffled = ecb_subset[:]
        random.Random(seed).shuffle(shuffled)
        index = EventIndex()
        for k in range(0, len(shuffled), 7):
            index.add(shuffled[k : k + 7])
        assert index.events == batch


def test_groups_too_large_are_clustered_in_time_slices_in_any_order(ecb_subset, monkeypatch) -> None:
    dated = [MentionFeatures(**{**f.__dict__, "date_start": f"2020-01-{1 + k % 9:02d}", "date_end": f"2020-01-{3 + k % 9:02d}"})
             for k, f in enumerate(ecb_subset)]
    monkeypatch.setattr(cluster_events_module, "MAX_BLOCK", 8)
    batch = cluster_mentions(dated)
    assert 2 <= len(set(batch.values())) < len(dated)
    shuffled = dated[:]
    random.Random(3).shuffle(shuffled)
    index = EventIndex()
    for k in range(0, len(shuffled), 5):
        index.add(shuffled[k : k + 5])
    assert index.events == batch


def test_ecbplus_dev_clustering_quality() -> None:
    scores = evaluate_clusters(ECB)
    assert scores["n_articles"] == 772 and scores["n_gold_clusters"] == 66
    assert scores["b3_f1"] >= 0.955
    assert scores["ari"] >= 0.94


# --------------------------------------------------------------------------- mentions -> events
def _ref(article: str, index: int, sentence: int, text: str, type_: str, published: str, title: str, *,
         day: tuple[str, str, str] | None = None, place: Place | None = None, actor1: str | None = None,
         actor_kind: str | None = None, role: str = "reported", killed: int | None = None, **extra) -> MentionRef:
    time = TimeExpr(0, 0, day[0], day[1], day[2], range_start=day[1], range_end=day[2] if day[2] != "day" else day[1]) if day else None
    if day and day[2] == "month":
        last = calendar.monthrange(int(day[1][:4]), int(day[1][5:7]))[1]
        time = TimeExpr(0, 0, day[0], day[1][:7], "month", range_start=day[1], range_end=f"{day[1][:8]}{last:02d}")
    lab = lookup(type_)
    m = EventMention(sentence=sentence, start=0, end=0, trigger=type_, type=type_, acled_event_type=lab[0],
                     acled_sub_event_type=lab[1], plover_type=lab[2], role=role, time=time, place=place,
                     actor1=ActorRef(actor1, actor1, actor_kind) if actor1 else None, sentence_text=text,
                     fatalities=Count(killed) if killed else None, extra=extra)
    return MentionRef(article, index, m, published, title)


KRAMATORSK = Place(0, 0, "Kramatorsk", "Kramatorsk", "UA", "Donetsk", 48.72, 37.56, precision="place")
P1_TITLE, P2_TITLE, P3_TITLE = ("Rocket attack on Kramatorsk market kills eight",
                                "Kramatorsk mourns eight killed in market shelling",
                                "Rockets hit Kramatorsk again, killing three")
P1 = ["Russian forces fired rockets at a crowded market in Kramatorsk on Tuesday, killing eight civilians, regional officials said.",
      "The attack also wounded 21 people, among them two children.",
      "Last month a missile strike on the city's railway station killed 61 people waiting for evacuation trains.",
      "Residents were asked to stay close to shelters."]
P2 = ["Funerals were held for the eight people killed when Russian rockets hit the central market in Kramatorsk.",
      "President Volodymyr Zelensky visited the city on Wednesday and met relatives of the victims."]
P3 = ["Russian rockets struck a residential block in Kramatorsk on Saturday, killing three people, the regional governor said."]


@pytest.fixture(scope="module")
def kramatorsk():
    refs = [
        _ref("p1", 0, 0, P1[0], "rocket_attack", "2023-05-10", P1_TITLE, day=("Tuesday", "2023-05-09", "day"),
             place=KRAMATORSK, actor1="Russian forces", actor_kind="state_military", killed=8),
        _ref("p1", 1, 1, P1[1], "attack", "2023-05-10", P1_TITLE, antecedent_sentence=0),
        _ref("p1", 2, 2, P1[2], "missile_attack", "2023-05-10", P1_TITLE, day=("Last month", "2023-04-01", "month"),
             place=KRAMATORSK, role="background", killed=61),
        _ref("p1", 3, 3, P1[3], "request", "2023-05-10", P1_TITLE),
        _ref("p2", 0, 0, P2[0], "rocket_attack", "2023-05-11", P2_TITLE, place=KRAMATORSK, killed=8),
        _ref("p2", 1, 1, P2[1], "visit", "2023-05-11", P2_TITLE, day=("Wednesday", "2023-05-10", "day"),
             place=KRAMATORSK, actor1="Volodymyr Zelensky", actor_kind="person"),
        _ref("p3", 0, 0, P3[0], "rocket_attack", "2023-08-20", P3_TITLE, day=("Saturday", "2023-08-19", "day"),
             place=KRAMATORSK, killed=3),
    ]
    texts = {"p1": P1, "p2": P2, "p3": P3}
    analyses = {a: AnalyzedDocument(a, "\n".join(t), None) for a, t in texts.items()}
    return refs, analyses


def test_mentions_of_one_attack_become_one_event_and_similar_attacks_stay_apart(kramatorsk) -> None:
    refs, analyses = kramatorsk
    groups, main = cluster_events(refs, analyses)
    event = {r.key: k for k, g in enumerate(groups) for r in g}
    # the generic "the attack" joins its antecedent; another outlet's report of it joins the event
    assert event["p1#0"] == event["p1#1"] == event["p2#0"]
    # the recalled April strike and the August strike on the same town are events of their own
    assert len({event["p1#0"], event["p1#2"], event["p3#0"]}) == 3
    assert "p1#3" not in event  # a request with no one making it is no event
    assert event["p2#1"] != event["p2#0"]  # the president's visit is a fact of its own...
    assert event[main["p1"]] == event[main["p2"]] == event["p1#0"]  # ...but not what either article is about
    assert event[main["p3"]] == event["p3#0"]


def test_article_level_records_added_in_any_order_give_the_batch_events(kramatorsk) -> None:
    refs, analyses = kramatorsk
    _groups, _main, records, _central = article_level(refs, analyses)
    batch = cluster_mentions(records)
    for order in (["p3", "p1", "p2"], ["p2", "p3", "p1"]):
        index = EventIndex()
        for article in order:
            index.add([r for r in records if r.doc_id == article])
        assert index.events == batch


def test_a_recalled_event_joins_the_reported_event_it_matches(kramatorsk) -> None:
    refs, analyses = kramatorsk
    recalled = _ref("p4", 0, 0, "In May, Russian rockets hit the market in Kramatorsk, killing eight civilians.", "rocket_attack",
                    "2023-07-01", "Kramatorsk rebuilds its market", day=("In May", "2023-05-01", "month"),
                    place=KRAMATORSK, role="background", killed=8)
    analyses = {**analyses, "p4": AnalyzedDocument("p4", recalled.mention.sentence_text, None)}
    groups, _main = cluster_events(refs + [recalled], analyses)
    event = {r.key: k for k, g in enumerate(groups) for r in g}
    assert event["p4#0"] == event["p1#0"] != event["p3#0"]


def test_a_lone_record_joins_only_an_event_that_nothing_in_rules_it_out() -> None:
    near = mention("n#0", STRIKE_MAR, "2020-03-12", lat=33.3, lon=44.4, **IRAQ)
    near2 = mention("o#0", STRIKE_MAR, "2020-03-12", lat=33.35, lon=44.35, **IRAQ)
    undated_place = mention("u#0", STRIKE_MAR, "2020-03-12", **IRAQ)
    far = mention("g#0", STRIKE_MAR, "2020-03-12", lat=36.2, lon=37.1, **IRAQ)
    ev = cluster_mentions([near, near2, undated_place, far])
    assert ev["n#0"] == ev["o#0"] != ev["g#0"]  # ~700 km apart: never one event, however alike
    assert ev["u#0"] in (ev["n#0"], ev["g#0"])


def test_an_article_is_about_its_own_event_not_the_one_it_answers() -> None:
    army = ActorRef("the army", "Armed Forces of Mali", "state_military", "ML", entity_id="mil-ml")
    group = ActorRef("the Front", "Hayre Front", "militia_rebel", entity_id="name:hayre-front")
    recalled = _ref("a", 0, 0, "The road stayed closed since last week's drone attack on the army camp.", "drone_attack",
                    "2024-11-18", "Army jets strike back near Bandiagara", after_word="since")
    strike = _ref("a", 1, 1, "The army said its jets bombed the Front's camps near Bandiagara on Friday.", "airstrike",
                  "2024-11-18", "Army jets strike back near Bandiagara", day=("Friday", "2024-11-15", "day"))
    strike.mention.actor1, strike.mention.actor2 = army, group
    recalled.mention.actor1, recalled.mention.actor2 = group, army
    groups = article_events([recalled, strike])
    assert len(groups) == 2  # the attacked side striking back is another event
    main = max(groups, key=lambda g: centrality(g, "Army jets strike back near Bandiagara"))
    assert [r.mention.type for r in main] == ["airstrike"]
