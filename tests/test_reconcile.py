"""Reconciliation: consensus, ACLED's conservative fatality rule, contradictions, independence."""
from storyline.models import (
    ActorRef,
    Casualties,
    Count,
    EventDate,
    EventMention,
    MentionRef,
    Place,
    TimeExpr,
)
from storyline.reconcile.claims import consensus_date, reconcile_event


def lookup(key):
    return ("Explosions/Remote violence", "Air/drone strike", "ASSAULT")


def mention(sentence: str, *, killed=None, wounded=None, said_by=None, day=None, gran="day", place=None, role="reported",
            extra=None, actor1=None) -> EventMention:
    t = TimeExpr(0, 1, "x", day, gran, range_start=day, range_end=day) if day else None
    return EventMention(sentence=0, start=0, end=1, trigger="attack", type="drone_attack", acled_event_type=None,
                        acled_sub_event_type=None, plover_type=None, role=role, time=t, place=place,
                        fatalities=Count(killed) if killed is not None else None,
                        injuries=Count(wounded) if wounded is not None else None, said_by=said_by,
                        sentence_text=sentence, extra=extra or {}, actor1=actor1)


TOWN = Place(0, 1, "Douentza", name="Douentza", country_code="ML", lat=15.0, lon=-2.95, precision="place")
COUNTRY = Place(0, 1, "Mali", name="Mali", country_code="ML", lat=17.0, lon=-4.0, precision="country")
FAR = Place(0, 1, "Kayes", name="Kayes", country_code="ML", lat=14.45, lon=-11.43, precision="place")


def test_conservative_fatalities_with_range_and_the_disagreement_shown():
    refs = [
        MentionRef("a", 0, mention("The army said 12 soldiers were killed.", killed=12, said_by="the army", day="2024-11-12", place=TOWN), "2024-11-12"),
        MentionRef("b", 0, mention("A local official said 17 soldiers died.", killed=17, said_by="a local official", place=COUNTRY), "2024-11-13"),
    ]
    ev = reconcile_event("ev-1", refs, {}, lookup)
    assert ev.fatalities == Casualties(12, 12, 17)
    assert ev.location.name == "Douentza" and ev.location.precision == "place"
    assert ev.date == EventDate("2024-11-12", "2024-11-12", "day")
    (contra,) = ev.contradictions
    assert contra.attribute == "fatalities"
    assert [(c.value["best"], c.article, c.said_by) for c in contra.claims] == [(12, "a", "the army"), (17, "b", "a local official")]
    assert ev.sources == 2 and ev.acled_sub_event_type == "Air/drone strike"


def test_copies_are_sources_but_not_independent_and_do_not_vote_twice():
    refs = [
        MentionRef("orig", 0, mention("Twelve killed.", killed=12, day="2024-11-12"), "2024-11-12"),
        MentionRef("copy", 0, mention("Twelve killed.", killed=12, day="2024-11-12"), "2024-11-12"),
    ]
    ev = reconcile_event("ev-1", refs, {"copy": "orig"}, lookup)
    assert ev.sources == 1
    assert {a.id: a.independent for a in ev.articles} == {"orig": True, "copy": False}
    assert ev.contradictions == []


def test_nationality_said_and_denied_is_a_contradiction():
    refs = [
        MentionRef("x", 0, mention("A US contractor was killed.", killed=1, extra={"victim_nationality": "US"}), "2021-02-26"),
        MentionRef("y", 3, mention("A contractor, who was not a US citizen, was killed.", killed=1,
                                   extra={"victim_nationality_negated": "US"}), "2021-02-27"),
    ]
    ev = reconcile_event("ev-1", refs, {}, lookup)
    kinds = {c.attribute for c in ev.contradictions}
    assert kinds == {"victim nationality"}
    assert ev.fatalities.best == 1
    # the denial is stored and shown as what the source says, not as the nationality it denies
    (k,) = ev.contradictions
    assert sorted((c.article, c.value) for c in k.claims) == [("x", "US"), ("y", "not US")]
    assert {c.value for c in ev.claims if c.attribute == "victim_nationality_negated"} == {"not US"}


def test_places_far_apart_contradict_and_dates_on_different_days_contradict():
    refs = [
        MentionRef("a", 0, mention("s1", day="2024-11-12", place=TOWN), "2024-11-12"),
        MentionRef("b", 0, mention("s2", day="2024-11-12", place=TOWN), "2024-11-13"),
        MentionRef("c", 0, mention("s3", day="2024-11-10", place=FAR), "2024-11-13"),
    ]
    ev = reconcile_event("ev-1", refs, {}, lookup)
    assert {c.attribute for c in ev.contradictions} == {"date", "place"}
    assert ev.date.start == "2024-11-12" and ev.location.name == "Douentza"


def test_week_claim_is_consistent_with_a_day_inside_it():
    from storyline.models import Claim

    week = Claim("date", {"start": "2021-02-15", "end": "2021-02-21", "precision": "week"}, "a", 0)
    day = Claim("date", {"start": "2021-02-16", "end": "2021-02-16", "precision": "day"}, "b", 0)
    best, contradictions = consensus_date([week, day])
    assert best.start == "2021-02-16" and contradictions == []


def test_actors_keep_their_spellings_as_aliases_and_variant_names_become_one():
    a1 = ActorRef(text="FLH", name="Front for the Liberation of the Hayre", kind="militia_rebel")
    a2 = ActorRef(text="Hayre Liberation Front", name="Front for the Liberation of the Hayre", kind="militia_rebel")
    a3 = ActorRef(text="Front for the Liberation of the Hayré", name="Front for the Liberation of the Hayré", kind="militia_rebel")
    refs = [MentionRef("a", 0, mention("s", actor1=a1), "2024-11-12"), MentionRef("b", 1, mention("t", actor1=a2), "2024-11-13"),
            MentionRef("c", 2, mention("u", actor1=a3), "2024-11-13")]
    ev = reconcile_event("ev-1", refs, {}, lookup)
    (actor,) = ev.actors
    assert actor.aliases == ["FLH", "Hayre Liberation Front", "Front for the Liberation of the Hayré"]


def test_a_stated_date_outranks_the_publication_window_of_undated_reports():
    from storyline.models import Claim

    window = {"start": "2021-02-23", "end": "2021-02-26", "precision": "reported_by"}
    week = {"start": "2021-02-15", "end": "2021-02-21", "precision": "week"}
    claims = [Claim("date", window, a, 0) for a in "abc"] + [Claim("date", week, a, 1) for a in "ab"]
    best, contradictions = consensus_date(claims)
    assert best == EventDate(**week) and contradictions == []


def test_a_later_total_is_read_with_the_rest_of_an_earlier_count():
    refs = [
        MentionRef("w", 0, mention("A blast wounded four police officers and a driver.", wounded=5), "2024-02-02"),
        MentionRef("w", 1, mention("A total of seven officers were injured, officials said.", wounded=7), "2024-02-02"),
        MentionRef("v", 0, mention("Eight people were hurt in the blast.", wounded=8), "2024-02-02"),
    ]
    refs[0].mention.injuries.text = "four police officers and a driver"
    refs[1].mention.injuries.text = "seven officers"
    ev = reconcile_event("ev-1", refs, {}, lookup)
    values = sorted((c.article, c.value["best"]) for c in ev.claims if c.attribute == "injuries")
    assert values == [("v", 8), ("w", 5), ("w", 8)]  # 7 officers + the driver
    refined = next(c for c in ev.claims if c.attribute == "injuries" and c.sentence == 0 and "total" in c.text)
    assert "four police officers" in refined.text and "A total of seven" in refined.text
