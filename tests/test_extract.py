"""Event mention extraction on invented sentences (none taken from the seed articles)."""
from __future__ import annotations

from pathlib import Path

import pytest

from storyline.extract.mentions import extract_mentions
from storyline.extract.ontology import keys, lookup
from storyline.models import ActorRef, Place, TimeExpr
from storyline.nlp.pipeline import get_nlp


def _resolve(text: str, label: str | None = None) -> ActorRef:
    return ActorRef(text=text, country="US" if text in ("US", "U.S.", "American") else None)


def mentions(text: str, published: str = "2023-10-20", times: list[TimeExpr] | None = None):
    return extract_mentions(get_nlp()(text), published, times or [], [], _resolve)


def one(text: str, key: str, **kw):
    found = [m for m in mentions(text, **kw) if m.type == key]
    assert found, f"no {key} in {[(m.trigger, m.type) for m in mentions(text, **kw)]}"
    return found[0]


def test_ontology_maps_keys_to_three_label_sets():
    assert lookup("airstrike") == ("Explosions/Remote violence", "Air/drone strike", "ASSAULT")
    assert lookup("talks").plover_type == "CONSULT" and lookup("aid").plover_type == "AID"
    assert lookup("arrest") == ("Strategic developments", "Arrests", "COERCE")
    assert {"rocket_attack", "drone_attack", "protest", "riot", "agreement", "threat", "sanction"} <= set(keys())


@pytest.mark.parametrize("text,key,trigger", [
    ("Russian warplanes carried out airstrikes on rebel positions near Idlib.", "airstrike", "airstrikes"),
    ("Militants fired rockets at a police station in the town.", "rocket_attack", "fired"),
    ("A drone attack hit an oil depot outside the port city.", "drone_attack", "attack"),
    ("Thousands of teachers protested outside parliament over pay cuts.", "protest", "protested"),
    ("Japan announced $20 million in humanitarian aid for flood victims.", "aid", "aid"),
    ("The two foreign ministers held talks in Geneva on Monday.", "talks", "talks"),
])
def test_trigger_and_type(text, key, trigger):
    assert one(text, key).trigger == trigger


def test_labour_strike_is_a_protest_not_an_airstrike():
    types = {m.type for m in mentions("Dock workers began a strike on Monday demanding higher wages.")}
    assert "airstrike" not in types and "protest" in types


def test_actor1_by_direction_and_by_order():
    m = one("At the governor's direction, police officers arrested twelve activists.", "arrest")
    assert "governor" in m.actor1.text
    m = one("General Smith ordered the air force to carry out airstrikes against the rebels.", "airstrike")
    assert m.actor1.text == "General Smith"
    assert m.actor2.text == "rebels"


def test_casualty_figures():
    m = one("A car bomb killed at least 12 soldiers in the capital.", "ied")
    assert (m.fatalities.best, m.fatalities.low, m.fatalities.high) == (12, 12, None)
    assert m.weapon == "car bomb"
    m = one("Dozens of villagers were killed in the shelling.", "shelling")
    assert m.fatalities.best == 12 and m.victims == "Dozens of villagers"
    m = one("The ambush killed nine police officers and wounded more than 50 others.", "armed_clash")
    assert m.fatalities.best == 9 and m.injuries.low == 51


def test_a_date_is_never_a_count():
    m = mentions("Officials said on Tuesday 31 people were killed in the bombing.")[0]
    assert m.fatalities.best == 31
    assert all(x.fatalities is None or x.fatalities.best != 14 for x in mentions("On March 14 a blast hit the market."))


def test_victims_and_negated_nationality():
    m = one("The explosion killed a British aid worker, who was not a US citizen.", "ied")
    assert m.victims == "a British aid worker"
    assert m.extra.get("victim_nationality_negated") == "US"


def test_attribution():
    assert one("Rebels shelled the airport, the army said.", "shelling").said_by == "army"
    m = one("Two civilians died in an airstrike, according to the Red Crescent.", "airstrike")
    assert m.said_by == "Red Crescent"


@pytest.mark.parametrize("text,key,status", [
    ("The army did not bomb the village.", "ied", "denied"),
    ("The government will hold talks with the rebels.", "talks", "planned"),
    ("The militia threatened to attack the convoy.", "attack", "threatened"),
    ("If the ceasefire fails, the army could shell the town.", "shelling", "hypothetical"),
])
def test_status(text, key, status):
    assert one(text, key).status == status


def test_background_role_from_an_old_date():
    text = "In March, the navy attacked a smuggling boat."
    start = text.index("March")
    march = TimeExpr(start, start + 5, "March", "2023-03", "month", range_start="2023-03-01", range_end="2023-03-31")
    assert one(text, "attack", times=[march]).role == "background"
    assert one("The navy attacked a smuggling boat.", "attack").role == "reported"


PLOVER_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "plover-dev" / "records.jsonl"


@pytest.mark.skipif(not PLOVER_DEV.exists(), reason="shared PLOVER dev records not present")
def test_plover_dev_accuracy():
    from storyline.evaluation.plover import evaluate_plover
    result = evaluate_plover(PLOVER_DEV)
    assert result["n"] == 161
    assert result["type_accuracy"] >= 0.79
    assert result["actor_accuracy"] >= 0.76


def test_weapon_and_place_come_from_the_triggers_own_event():
    text = ("The navy carried out a military operation on Sunday, targeting depots used by smugglers in Lagos "
            "in response to recent rocket attacks in Benin.")
    start = text.index("Lagos")
    lagos = Place(start, start + 5, "Lagos", "Lagos", "NG")
    start = text.index("Benin")
    benin = Place(start, start + 5, "Benin", "Benin", "BJ", precision="country")
    found = extract_mentions(get_nlp()(text), "2023-10-20", [], [lagos, benin], _resolve)
    first = min(found, key=lambda m: m.start)
    assert first.type != "rocket_attack" and first.place.name == "Lagos" and first.weapon is None
    earlier = [m for m in found if m.type == "rocket_attack"]  # "in response to X" is a second event
    assert earlier and earlier[0].trigger == "attacks" and earlier[0].place.name == "Benin"


def test_people_are_victims_but_not_civilians():
    m = one("The monitor said on Friday 22 people were killed in the shelling.", "shelling")
    assert m.fatalities.best == 22 and m.victims == "people" and m.actor2 is None
    assert one("Ten civilians were killed in the shelling.", "shelling").actor2.text == "Ten civilians"


def test_a_speaker_is_said_by_not_actor1():
    m = one("The army spokesman gave no figures, but the monitor said 22 people were killed in the bombing.", "ied")
    assert m.actor1 is None and m.said_by == "monitor"
    assert one("Italy announced a suspension of flights to Serbia.", "sanction").actor1.text == "Italy"


def test_said_by_resolves_descriptions_and_drops_possessives():
    found = mentions("The Committee for Peace Monitoring said ten soldiers were killed in the shelling. "
                     "The organization said the shelling destroyed a school. "
                     "The Committee said the raid lasted an hour. "
                     "The group's sources said the raid began at dawn.")
    assert [m.said_by for m in found if m.type in ("shelling", "attack")] == ["Committee for Peace Monitoring"] * 4


def test_medical_evacuation_is_not_a_retreat():
    types = {m.type for m in mentions("Two of the injured were serious enough to require evacuation to a hospital.")}
    assert "withdrawal" not in types
    assert "withdrawal" not in {m.type for m in mentions("Helicopters evacuated the wounded to the capital.")}
    assert one("The army evacuated its positions near the river.", "withdrawal").plover_type == "RETREAT"


def test_definite_attack_takes_the_documents_specific_type():
    text = ("Warplanes carried out airstrikes on militia camps on Monday. The attacks destroyed several buildings "
            "at a camp in Dira, officials said.")
    start = text.index("Dira")
    dira = Place(start, start + 4, "Dira", "Dira", "XX")
    found = extract_mentions(get_nlp()(text), "2023-10-20", [], [dira], _resolve)
    later = [m for m in found if m.sentence == 1 and m.plover_type == "ASSAULT"]
    assert later and later[0].type == "airstrike" and later[0].place.name == "Dira"


def test_an_earlier_event_after_a_sequence_word_is_separate_and_not_the_doers():
    found = mentions("Immediately after the attacks, the militias rushed to leave their bases, fearing further raids.")
    first = min(found, key=lambda m: m.start)
    assert first.trigger == "attacks" and first.actor1 is None


def test_purpose_clause_gives_the_target():
    m = one("Thousands of nurses staged a protest on Monday to demand the resignation of the health minister.", "protest")
    assert m.actor2.text == "health minister"
    m = one("Riot police opened fire to disperse student protesters.", "attack")
    assert m.actor2.text == "student protesters"


def test_aid_target_through_a_quantity():
    m = one("The agency will provide 500 tons of food aid to refugees in the north.", "aid")
    assert m.actor1.text == "agency" and m.actor2.text == "refugees"


def test_participle_clause_takes_the_main_subject():
    m = one("Gunmen drove into a crowded market, killing 14 shoppers.", "killing")
    assert m.actor1.text == "Gunmen" and m.fatalities.best == 14
