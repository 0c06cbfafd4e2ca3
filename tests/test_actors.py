"""Actor resolution on invented sentences: KB aliases, acronyms, titles, metonyms, demonyms, variants."""
from __future__ import annotations

import json
import time
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.models import Entity
from storyline.resolve.actors import (
    ACLED_ACTOR_TYPE,
    KINDS,
    DocumentActors,
    acled_actor_type,
    fold,
    get_kb,
    merge_across_documents,
)


def doc(text: str, *ents: tuple[str, str], country: str | None = None) -> DocumentActors:
    """A document whose entities are given as (surface text, label), located in the text."""
    entities = []
    for surface, label in ents:
        i = text.index(surface)
        entities.append(Entity(i, i + len(surface), surface, label))
    return DocumentActors(text, entities, country=country)


def test_fold_normalises_spelling_noise():
    assert fold("Kata’ib Sayyid al-Shuhada") == fold("Kataib Sayyid al Shuhada") == "kataib sayyid shuhada"
    assert fold("Ansar al-Dine") == fold("Ansar el Dine") == "ansar dine"
    assert fold("U.S.") == "us"
    assert fold("Médecins  Sans Frontières") == "medecins sans frontieres"
    assert fold("the Pentagon") == "pentagon"


def test_kb_entries_are_well_formed():
    path = resources.files("storyline.data").joinpath("actors.jsonl")
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 900
    for r in rows:
        assert {"id", "name", "kind", "country", "aliases", "source"} <= set(r)
        assert r["kind"] in KINDS and r["source"]
        assert r["country"] is None or len(r["country"]) == 2
    assert set(ACLED_ACTOR_TYPE) == set(KINDS)


def test_acronym_defined_in_text_then_used_alone():
    text = ("Gunmen from the Ogaden Highland Liberation Movement (OHLM) attacked a convoy. "
            "Later the OHLM said it had withdrawn.")
    d = doc(text, ("Ogaden Highland Liberation Movement", "ORG"), ("OHLM", "ORG"))
    full, short = d.resolve("Ogaden Highland Liberation Movement", "ORG"), d.resolve("OHLM", "ORG")
    assert short.name == full.name == "Ogaden Highland Liberation Movement"
    assert short.entity_id == full.entity_id
    assert full.kind == "militia_rebel"


def test_reverse_acronym_definition_binds_to_kb_entry():
    text = "JNIM (Jama'at Nusrat al-Islam wal-Muslimin) claimed the raid."
    assert doc(text).resolve("JNIM").entity_id == "fto-jnim"


def test_document_acronym_overrides_kb_acronym():
    text = "The Northern Rally for Reform (NRR) and the Alliance of Democratic Forces (ADF) met."
    assert doc(text).resolve("ADF", "ORG").name == "Alliance of Democratic Forces"
    assert doc("ADF fighters raided a village in Beni.").resolve("ADF", "ORG").entity_id == "fto-isis-drc"


def test_misspelled_armed_groups_resolve_to_kb():
    d = doc("Reports named the group.")
    for variant in ("Jama'at Nusrat al-Islam wal-Muslimeen", "Lashkar e-Tayiba", "Jabhat al-Nusrah", "Asaib Ahl al Haq",
                    "Hizbul Mujahidden"):
        ref = d.resolve(variant, "ORG")
        assert ref.kind == "terrorist_group", variant
    assert d.resolve("Asaib Ahl al Haq").entity_id == "fto-aah"
    assert d.resolve("Lashkar e-Tayiba").entity_id == "fto-let"


def test_short_names_and_acronyms_never_fuzzy_match():
    d = doc("Nothing here.")
    assert d.resolve("HAMAS").entity_id == "fto-hamas"
    assert d.resolve("Hamad", "ORG").entity_id != "fto-hamas"
    assert d.resolve("ISIZ", "ORG").entity_id == "name:isiz"
    assert d.resolve("us").entity_id != "gov-us"
    assert get_kb().fuzzy("Hasm") is None


def test_title_stripping_and_affiliation():
    text = "Pentagon Press Secretary Maria Okonkwo told reporters the strikes were over. Okonkwo declined to say more."
    d = doc(text, ("Maria Okonkwo", "PERSON"), ("Okonkwo", "PERSON"))
    ref = d.resolve("Pentagon Press Secretary Maria Okonkwo")
    assert (ref.name, ref.kind, ref.country) == ("Maria Okonkwo", "person", "US")
    assert d.affiliations["Maria Okonkwo"] == "inst-us-dod"
    assert d.resolve("Secretary of State Peter Lindqvist").name == "Peter Lindqvist"
    assert d.resolve("former President Ana Duarte", "PERSON").name == "Ana Duarte"


def test_surname_resolves_to_full_name_in_same_document():
    text = "Defence Minister Rahul Menon visited the base. Menon said more troops would come."
    d = doc(text, ("Rahul Menon", "PERSON"), ("Menon", "PERSON"))
    ref = d.resolve("Menon", "PERSON")
    assert ref.name == "Rahul Menon" and ref.entity_id == d.resolve("Rahul Menon", "PERSON").entity_id
    two = doc("Ann Grey and Tom Grey spoke. Grey left.", ("Ann Grey", "PERSON"), ("Tom Grey", "PERSON"))
    assert two.resolve("Grey", "PERSON").name == "Grey"  # ambiguous: not guessed


@pytest.mark.parametrize("mention,entity_id", [
    ("the Pentagon", "inst-us-dod"), ("Defense Department", "inst-us-dod"), ("Washington", "gov-us"),
    ("the Kremlin", "inst-ru-kremlin"), ("Downing Street", "inst-gb-pm-office"), ("Tehran", "gov-ir"),
    ("White House", "inst-us-white-house"), ("Moscow", "gov-ru"), ("U.S.", "gov-us"),
])
def test_metonyms(mention, entity_id):
    assert doc("x").resolve(mention).entity_id == entity_id


def test_capital_tagged_person_is_not_a_government():
    assert doc("Denzel Washington arrived.").resolve("Washington", "PERSON").kind == "person"


def test_demonyms_and_generic_descriptions():
    d = doc("x")
    backed = d.resolve("Iranian-backed militant groups")
    assert (backed.name, backed.kind, backed.country) == ("Iran-backed militias", "militia_rebel", None)
    assert d.resolve("Iran-backed militias").entity_id == backed.entity_id
    assert d.resolve("Turkish troops").entity_id == "mil-tr"
    assert d.resolve("Nigerian police").entity_id == "pol-ng"
    refugees = d.resolve("Syrian refugees")
    assert (refugees.kind, refugees.country) == ("civilians", "SY")
    assert d.resolve("dozens of protesters").kind == "civilians"
    assert acled_actor_type(d.resolve("protesters")) == "Protesters"
    assert d.resolve("the militants").kind == "militia_rebel"
    assert d.resolve("Boko Haram fighters").entity_id == "fto-boko-haram"
    assert d.resolve("Syrian Democratic Forces").entity_id == "inst-sy-sdf"


def test_army_takes_country_context():
    assert doc("x", country="ML").resolve("the army").entity_id == "mil-ml"
    assert doc("x").resolve("the army").kind == "state_military"


def test_back_reference_to_longer_name():
    text = "The Syrian Observatory for Human Rights reported ten dead. The Observatory said the toll may rise."
    d = doc(text, ("Syrian Observatory for Human Rights", "ORG"), ("Observatory", "PERSON"))
    assert d.resolve("Observatory", "PERSON").entity_id == "org-sohr"
    assert d.resolve("Syrian", "NORP").kind == "civilians"


def test_unknown_group_variants_merge_and_distinct_groups_do_not():
    names = ["Liwa Saif al-Mahdi", "Liwa' Saif al Mahdi", "Liwa Saif al-Mahdi", "Liwa Saiif al-Mahdi", "LSM",
             "Saraya Nour al-Din", "Saraya Nour al Din", "Saraya Nuur al-Din",
             "Liwa Saif al-Karrar", "Harakat Ansar al-Wafa"]
    m = merge_across_documents(names)
    assert {m[n] for n in names[:5]} == {"Liwa Saif al-Mahdi"}
    assert {m[n] for n in names[5:8]} == {"Saraya Nour al-Din"}
    assert m["Liwa Saif al-Karrar"] == "Liwa Saif al-Karrar"
    assert m["Harakat Ansar al-Wafa"] == "Harakat Ansar al-Wafa"


def test_merge_token_subset_and_kb_names():
    m = merge_across_documents(["Brigades of Sayyid al-Nasr", "Sayyid al-Nasr", "Kataib Hezbollah", "Hizballah"])
    assert m["Sayyid al-Nasr"] == "Brigades of Sayyid al-Nasr"
    assert m["Kataib Hezbollah"] == "Kata'ib Hizballah"
    assert m["Hizballah"] == "Hizballah"  # two KB entities never merge


def test_merge_scales_to_ten_thousand_names():
    import random
    rng = random.Random(7)
    syll = ["ka", "ta", "ib", "sa", "yid", "nur", "din", "ha", "ra", "kat", "ma", "hdi", "li", "wa", "jay", "sh"]
    names = [" ".join("".join(rng.choice(syll) for _ in range(3)).title() for _ in range(3)) for _ in range(10_000)]
    t = time.perf_counter()
    out = merge_across_documents(names)
    assert len(out) == len(set(names)) and time.perf_counter() - t < 60


def test_entity_ruler_tags_kb_armed_groups_org():
    from storyline.nlp.pipeline import get_nlp

    nlp = get_nlp()
    for sentence, name in [
        ("Fighters from Boko Haram attacked the town on Tuesday, a spokesman said.", "Boko Haram"),
        ("Hizbul Mujahideen claimed the ambush near the border.", "Hizbul Mujahideen"),
        ("Residents said Asa’ib Ahl al Haq set up checkpoints.", "Asa’ib Ahl al Haq"),
    ]:
        ents = {(e.text, e.label_) for e in nlp(sentence).ents}
        assert (name, "ORG") in ents, ents


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from([None, "PERSON", "ORG", "GPE", "NORP"]))
def test_resolve_and_fold_never_raise(s, label):
    fold(s)
    d = DocumentActors(s + " (" + s[:5] + ")", [Entity(0, len(s), s, label or "ORG")])
    ref = d.resolve(s, label)
    assert ref.text == s
    merge_across_documents([s, s.upper(), fold(s)])


def test_title_prefix_written_before_person_entity():
    text = "White House Press Secretary Lena Ortiz said talks would resume. US President Tom Hale agreed."
    d = doc(text, ("Lena Ortiz", "PERSON"), ("Tom Hale", "PERSON"))
    assert d.affiliations == {"Lena Ortiz": "inst-us-white-house", "Tom Hale": "gov-us"}
    assert d.resolve("Ortiz", "PERSON").country == "US"
