"""Event mention extraction on invented sentences (none taken from the seed articles).

These test the lexicon and argument rules with a stub actor resolver (no actor kinds), so the
learned typer, which reads the real resolver's kinds, is off here (``classify=False``); it is
tested through the whole analysis in test_typing.py."""
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
    return extract_mentions(get_nlp()(text), published, times or [], [], _resolve, classify=False)


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
    assert result["type_accuracy"] >= 0.85
    assert result["actor_accuracy"] >= 0.86


def test_weapon_and_place_come_from_the_triggers_own_event():
    text = ("The navy carried out a military operation on Sunday, targeting depots used by smugglers in Lagos "
            "in response to recent rocket attacks in Benin.")
    start = text.index("Lagos")
    lagos = Place(start, start + 5, "Lagos", "Lagos", "NG")
    start = text.index("Benin")
    benin = Place(start, start + 5, "Benin", "Benin", "BJ", precision="country")
    found = extract_mentions(get_nlp()(text), "2023-10-20", [], [lagos, benin], _resolve, classify=False)
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
    found = extract_mentions(get_nlp()(text), "2023-10-20", [], [dira], _resolve, classify=False)
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


def _resolve_countries(text: str, label: str | None = None) -> ActorRef:
    return ActorRef(text=text, country={"US": "US", "Freedonia": "FD"}.get(text))


def test_speaker_is_actor1_of_a_verbal_act_but_not_of_a_material_one():
    m = mentions("Finance Minister Lena Ortiz said on Monday that lifting the boycott is unthinkable, "
                 "and that the talks would continue.")
    talks = [x for x in m if x.type == "talks"][0]
    assert talks.plover_type == "AGREE" and talks.actor1.text == "Finance Minister Lena Ortiz"
    assert one("The monitor said 22 people were killed in the bombing.", "ied").actor1 is None


def test_stative_participle_subject_acts():
    m = one("The minister said Freedonia is committed to opening up its economy.", "pledge")
    assert m.actor1.text == "Freedonia"


def test_subject_misparsed_into_a_fronted_phrase():
    m = one("With the signing of a Framework on Cessation of Hostilities, the northern government and the "
            "rebel alliance have agreed to allow aid convoys.", "concession")
    assert "government" in m.actor1.text


def test_passive_state_act_is_done_by_the_state_where_it_happens():
    m = one("A British engineer was arrested in Freedonia for spying.", "arrest")
    assert m.actor1.text == "Freedonia" and "engineer" in m.actor2.text
    m = one("A French journalist has been put under investigation in Freedonia for spying.", "investigation")
    assert m.actor1.text == "Freedonia" and "journalist" in m.actor2.text


def test_national_modifier_of_a_nominal_trigger():
    m = extract_mentions(get_nlp()("Recent US Reaper attacks have killed six commanders."), "2023-10-20", [], [], _resolve_countries, classify=False)
    assert [x for x in m if x.type == "drone_attack" or x.type == "attack"][0].actor1.text == "US"


def test_targets_inside_non_actor_nouns_and_purpose_clauses():
    m = one("Northern police have opened an investigation into alleged abuses committed by border guards "
            "against migrants.", "investigation")
    assert m.actor2.text == "border guards"
    m = one("Farmers staged a rally outside the ministry to demand the return of land seized by the army.", "protest")
    assert m.actor2.text == "army"
    m = one("Thousands of students demonstrated in the capital calling for autonomy from Freedonia.", "protest")
    assert m.actor2.text == "Freedonia"
    m = one("Militants blocked roads into the valley as they continued their campaign to topple the "
            "government of President Amal Reyes.", "protest")
    assert "Reyes" in m.actor2.text


def test_threat_targets_and_types():
    m = one("Freedonia threatened to launch a new offensive unless the rebels released the hostages.", "armed_clash")
    assert m.plover_type == "THREATEN" and m.actor2.text == "rebels"
    m = one("Freedonia has threatened to stop negotiations with the union.", "talks")
    assert m.plover_type == "THREATEN"
    m = one("The governor threatened to impose a curfew in Port Amara.", "curfew")
    assert m.actor2.text == "Port Amara"


def test_demand_that_clause_through_the_governing_verb():
    m = one("The labour federation repeated its demand that Freedonia raise the minimum wage.", "demand")
    assert m.actor2.text == "Freedonia"


def test_plover_governors_change_the_act():
    assert one("The envoys today ended mediation efforts between the two parties.", "talks").plover_type == "SANCTION"
    assert one("The army prepared to resume shelling the rebel-held hills.", "shelling").plover_type == "MOBILIZE"
    assert one("Gunmen attempted to assassinate the mayor.", "killing").plover_type == "ASSAULT"


@pytest.mark.parametrize("text,key", [
    ("Freedonia lodged an official protest with its neighbour over the border incident.", "accuse"),
    ("The navy lifted a week-old blockade on the island's port.", "withdrawal"),
    ("The deployment of UN peacekeeping troops began on Monday.", "aid"),
    ("Police officers beat up three detained protesters.", "attack"),
])
def test_sense_rules(text, key):
    assert one(text, key)


def test_press_release_is_not_a_release_of_prisoners():
    assert "release" not in {m.type for m in mentions("The claim was made in a press release by the rebels.")}


def test_the_instrument_decides_the_kind_of_strike():
    assert one("Two drones launched by the rebels struck the barracks before dawn.", "drone_attack").trigger == "struck"
    m = one("Army aircraft struck camps of the rebels in the hills, residents and aid workers said.", "airstrike")
    assert m.plover_type == "ASSAULT"
    assert "protest" in {x.type for x in mentions("Factory workers struck for higher pay.")}


def test_a_heading_before_a_line_break_is_not_part_of_the_subject():
    m = one("Background\n\nPolice officers arrested twelve activists on Monday.", "arrest")
    assert m.actor1.text == "Police officers"


def _time(text: str, phrase: str, value: str, granularity: str = "day", **kw) -> TimeExpr:
    start = text.index(phrase)
    return TimeExpr(start, start + len(phrase), phrase, value, granularity, **kw)


def _place(text: str, name: str, country: str = "XX", precision: str = "place") -> Place:
    start = text.index(name)
    return Place(start, start + len(name), name, name, country, precision=precision)


@pytest.mark.parametrize("text,trigger,provider,recipient", [
    ("A convoy of 20 trucks carrying food from the Red Cross reached the northern village of Tarso on Monday.",
     "convoy", "Red Cross", None),
    ("The agency distributed food and medicine to refugees in the camp.", "distributed", "agency", "refugees"),
    ("A shipment of medicine from UNICEF arrived at the hospital.", "shipment", "UNICEF", None),
    ("The air force carried out an airdrop of supplies to the besieged town.", "airdrop", "air force", None),
    ("The trucks, sent by the Red Cross, brought 300 tonnes of flour to the camp.", "brought", "Red Cross", None),
])
def test_aid_deliveries_are_aid_with_the_provider_as_actor1(text, trigger, provider, recipient):
    m = one(text, "aid")
    assert m.trigger == trigger and m.plover_type == "AID"
    assert m.actor1.text == provider
    assert (m.actor2.text if m.actor2 else None) == recipient


def test_a_convoy_arriving_is_placed_where_it_arrived_and_an_attacked_convoy_is_no_aid():
    text = "A convoy of trucks carrying rations from the Red Cross reached the town of Tarso."
    m = extract_mentions(get_nlp()(text), "2023-10-20", [], [_place(text, "Tarso")], _resolve, classify=False)
    assert [x.type for x in m] == ["aid"] and m[0].place.name == "Tarso"
    assert [x.type for x in mentions("Gunmen attacked an aid convoy near the border.")] == ["attack"]
    assert "aid" not in {x.type for x in mentions("A military convoy carrying soldiers reached the base.")}


@pytest.mark.parametrize("text", [
    "Thousands of families displaced by fighting in the region are sheltering in schools.",
    "The clinic treats children in areas affected by violence.",
    "Aid reached 5,000 people fleeing clashes in the hills.",
])
def test_a_bare_violence_noun_in_a_modifier_is_a_situation_not_an_event(text):
    assert not [m for m in mentions(text) if m.plover_type == "ASSAULT"]


def test_a_specific_violence_noun_in_a_modifier_is_still_an_event():
    assert one("Families displaced by the fighting in Tarso on Monday are sheltering in schools.", "armed_clash")


def test_an_event_after_a_sequence_word_does_not_take_the_main_clauses_date():
    text = "Army jets bombed rebel camps near the river on Friday, days after the rebels' drone attack on a base."
    friday = _time(text, "Friday", "2023-10-20")
    found = mentions(text, times=[friday])
    assert one(text, "airstrike", times=[friday]).time.value == "2023-10-20"
    drone = [m for m in found if m.type == "drone_attack"]
    assert drone and drone[0].time is None
    text = "The road has been closed since last week's drone attack on the army camp."
    last_week = _time(text, "last week", "2023-W41", "week", range_start="2023-10-09", range_end="2023-10-15")
    assert one(text, "drone_attack", times=[last_week]).time.value == "2023-W41"


def test_a_date_beats_a_duration():
    text = "Rebels have targeted the garrison for years, most recently in a rocket attack on the base last week."
    years = _time(text, "for years", "PXY", "duration", type="DURATION")
    last_week = _time(text, "last week", "2023-W41", "week", range_start="2023-10-09", range_end="2023-10-15")
    assert one(text, "rocket_attack", times=[years, last_week]).time.value == "2023-W41"


def test_a_military_operation_takes_the_documents_specific_type_but_not_its_causes():
    text = ("The navy carried out a military operation on Sunday, targeting depots in Tarso in response to recent "
            "rocket attacks on its ships. Warplanes bombed the depots, officials said. The airstrikes destroyed "
            "two warehouses.")
    found = mentions(text)
    operation = [m for m in found if m.trigger == "operation"][0]
    assert operation.type == "airstrike" and operation.acled_sub_event_type == "Air/drone strike"
    assert [m.type for m in found if m.trigger == "attacks"] == ["rocket_attack"]
    alone = mentions("The navy carried out a military operation on Sunday in response to recent rocket attacks.")
    assert [m.type for m in alone if m.trigger == "operation"] == ["attack"]


def test_a_dateline_city_is_only_a_fallback():
    text = "MANDALA (Wire) — Militants ambushed an army convoy on the road to Tarso on Tuesday, the army said."
    places = [_place(text, "MANDALA"), _place(text, "Tarso")]
    m = [x for x in extract_mentions(get_nlp()(text), "2023-10-20", [], places, _resolve, classify=False) if x.type == "armed_clash"][0]
    assert m.place.name == "Tarso"
    text = "MANDALA (Wire) — Militants ambushed an army convoy on Tuesday, the army said."
    m = [x for x in extract_mentions(get_nlp()(text), "2023-10-20", [], [_place(text, "MANDALA")], _resolve, classify=False)][0]
    assert m.place.name == "MANDALA"


def test_an_event_named_only_as_what_came_before_is_marked():
    ms = mentions("Jets bombed rebel camps on Friday, days after the group's drone attack on an army post.")
    by_type = {m.type: m for m in ms}
    assert by_type["drone_attack"].extra.get("after_word") == "after"
    assert "after_word" not in by_type["airstrike"].extra


def test_sequence_words_keep_events_and_their_doers_apart():
    # the raids did not carry out the attacks they came after
    attacks = one("The raids came after mortar attacks targeting police posts in Kirkuk.", "shelling")
    assert attacks.actor1 is None
    # "after gunmen ... fired": the parser makes "gunmen" the object of "after"; they still fired
    fired = one("The curfew came after gunmen last night fired rockets at a checkpoint near Mosul.", "rocket_attack")
    assert fired.actor1 is not None and fired.actor1.text == "gunmen"
    # the two soldiers died in the ambush, not in the arrests that followed it
    ms = mentions("The arrests came after rebels had killed two soldiers in an ambush.")
    by_key = {m.type: m for m in ms}
    assert by_key["arrest"].fatalities is None and by_key["armed_clash"].fatalities.best == 2


def test_an_order_covers_the_ordered_act_not_what_it_answers():
    ms = mentions("The president directed the army to carry out strikes on rebel camps in response to "
                  "drone attacks against government troops.")
    by_type = {m.type: m for m in ms}
    assert by_type["airstrike"].actor1.text == "president"
    assert by_type["drone_attack"].actor1 is None  # the president did not fly the drones


@pytest.mark.parametrize("text,protest", [
    ("Thousands of students demonstrated outside parliament on Monday.", True),
    ("Farmers demonstrated against the new tax in the capital.", True),
    ("As demonstrated by last night's raids, the army will act to protect its bases.", False),
    ("The figures demonstrate that the ceasefire is holding.", False),
    ("The rebels demonstrated their strength with a parade.", False),
])
def test_demonstrate_is_a_protest_only_when_intransitive(text, protest):
    assert ("protest" in {m.type for m in mentions(text)}) == protest


def test_a_nationality_is_not_where_an_attack_happened_but_the_targets_place_is():
    text = "Canadian special forces conducted raids against insurgent hideouts in the Chad-Niger border region."
    places = [_place(text, "Canadian", "CA", "country"), _place(text, "Chad-Niger border region", "TD-NE", "region")]
    m = [x for x in extract_mentions(get_nlp()(text), "2023-10-20", [], places, _resolve, classify=False) if x.type == "attack"][0]
    assert m.place is not None and m.place.name == "Chad-Niger border region"
    text = "U.S. military forces struck facilities used by militia groups in the Kirkuk area."
    places = [_place(text, "U.S.", "US", "country"), _place(text, "Kirkuk")]
    m = [x for x in extract_mentions(get_nlp()(text), "2023-10-20", [], places, _resolve, classify=False) if x.type == "airstrike"][0]
    assert m.place is not None and m.place.name == "Kirkuk"


# Agent and patient by construction (data/lexicon/roles.json), on sentences written for these tests.
@pytest.mark.parametrize("text,key,agent,patient", [
    # active voice: subject acts on the object
    ("Border guards detained two journalists near the crossing.", "arrest", "Border guards", "two journalists"),
    # passive voice with a by-phrase, and through a light verb
    ("Two journalists were detained by border guards near the crossing.", "arrest", "border guards", "Two journalists"),
    ("The raid was carried out by special forces.", "attack", "special forces", None),
    # passive voice without a by-phrase: no doer, the subject is the patient
    ("The militia commander was ambushed on the road.", "armed_clash", None, "militia commander"),
    # at X's direction / at the direction of X
    ("At the mayor's direction, riot police detained forty students.", "arrest", "mayor", "forty students"),
    ("Riot police detained forty students at the direction of the mayor.", "arrest", "mayor", "forty students"),
    # possessive nominal: X's attack on Y
    ("The insurgents' attack on government troops lasted for hours.", "attack", "insurgents", "government troops"),
    # X-backed: X supports the doer and is no party
    ("Freedonia-backed militiamen stormed the police post.", "attack", "Freedonia-backed militiamen", "police post"),
    # apposition: a description followed by a name is the named party
    ("The armed group, the Northern Liberation Front, attacked an army post on Sunday.", "attack",
     "Northern Liberation Front", "army post"),
    ("Police arrested the opposition leader, Amal Reyes, at her home.", "arrest", "Police", "Amal Reyes"),
])
def test_agent_and_patient_by_construction(text, key, agent, patient):
    m = one(text, key)
    assert (m.actor1.text if m.actor1 else None) == agent
    assert (m.actor2.text if m.actor2 else None) == patient


def test_a_backer_is_not_the_doer_of_a_nominal_act():
    m = extract_mentions(get_nlp()("A US-backed offensive drove the insurgents out of the valley."), "2023-10-20", [], [],
                         _resolve_countries, classify=False)
    assert [x.actor1 for x in m if x.trigger == "offensive"] == [None]  # a US offensive would be the US's


def test_coordinated_agents_and_patients_are_kept_together():
    m = one("Soldiers and militiamen attacked the rebel camp.", "attack")
    assert m.actor1.text == "Soldiers" and m.extra["actor1_also"] == ["militiamen"]
    m = one("The rebels attacked army posts and police stations in the north.", "attack")
    assert m.actor2.text == "army posts" and m.extra["actor2_also"] == ["police stations"]
    # a victim without description is no party
    m = one("Gunmen killed three soldiers and two people at the checkpoint.", "killing")
    assert "two people" not in m.extra.get("actor2_also", [])


def test_role_patterns_find_what_spacys_dependency_matcher_finds():
    """roles.py evaluates the roles.json patterns from anchors; spaCy's DependencyMatcher, run over
    whole sentences, must find the same (rule, anchor, word) triples."""
    from spacy.matcher import DependencyMatcher

    from storyline.extract import roles
    nlp = get_nlp()
    matcher = DependencyMatcher(nlp.vocab)
    for rule in roles._data()["rules"]:
        for pi, pattern in enumerate(rule["patterns"]):
            matcher.add(f"{rule['name']}#{pi}", [[dict(n, RIGHT_ATTRS=roles._attrs(n["RIGHT_ATTRS"])) for n in pattern]])
    names = [r.name for r in roles.rules()]
    doc = nlp("At the mayor's direction, riot police detained forty students and two journalists. "
              "The village was shelled by Freedonia-backed militiamen, who were placed under arrest in Freedonia. "
              "The armed group, the Northern Liberation Front, said its fighters had carried out attacks on army posts. "
              "Gunmen drove into a crowded market, killing 14 shoppers, as they continued their bid to topple the government. "
              "Japan sent trucks carrying food from the Red Cross to refugees, and the union demanded that Freedonia "
              "raise wages unless the rebels released a number of hostages held at facilities used by the army. "
              "The president ordered the army to strike rebel positions, and the minister held talks with the envoy. "
              "Strikes targeting militia depots hit a school. Police cracked down on protesters. "
              "Freedonia is committed to the return of land seized by the army and the release of prisoners held by "
              "rebels. They demanded the release of members of the opposition. Vietnam is committed to peace.")
    expected = set()
    for label, ids in matcher(doc):
        name = nlp.vocab.strings[label].split("#")[0]
        nodes = [n["RIGHT_ID"] for n in roles._data()["rules"][names.index(name)]["patterns"][int(nlp.vocab.strings[label].split("#")[1])]]
        expected.add((name, ids[nodes.index("event")], ids[nodes.index("actor")]))
    found = {(name, t.i, a.i) for ri, name in enumerate(names) for t in doc for a in roles.matches(ri, t)}
    assert found == expected and len({name for name, _, _ in found}) >= len(names) - 3
