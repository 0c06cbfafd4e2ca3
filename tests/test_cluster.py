"""Event clustering: similar events stay apart, reports of one event merge, order does not matter."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from storyline.cluster import EventIndex, MentionFeatures, cluster_mentions, doc_features, main_events
from storyline.evaluation.clusters import evaluate_clusters
from storyline.nlp.embeddings import embed

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
        mention("b#0", STRIKE_DEC_2, "2019-12-30", **IRAQ),
        mention("c#0", STRIKE_MAR, "2020-03-12", **IRAQ),
    ]
    ev = cluster_mentions(ms)
    assert ev["a#0"] == ev["b#0"] != ev["c#0"]


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


def test_ecbplus_dev_clustering_quality() -> None:
    scores = evaluate_clusters(ECB)
    assert scores["n_articles"] == 772 and scores["n_gold_clusters"] == 66
    assert scores["b3_f1"] >= 0.913
    assert scores["ari"] >= 0.89
