"""Geocoder: name folding, context disambiguation, precision levels, robustness, and the eval."""
from __future__ import annotations

from conftest import EVAL, needs
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.models import Entity
from storyline.resolve.geo import get_geocoder, haversine_km, name_key


def ents(text: str, *spans: tuple[str, str]) -> list[Entity]:
    """Entities for the first occurrence of each (phrase, label) after the previous one."""
    out, pos = [], 0
    for phrase, label in spans:
        start = text.index(phrase, pos)
        out.append(Entity(start, start + len(phrase), phrase, label))
        pos = start + len(phrase)
    return out


def near(place, lat: float, lon: float, km: float = 50) -> bool:
    return place.lat is not None and haversine_km(place.lat, place.lon, lat, lon) <= km


def test_fold_strips_case_accents_articles_and_punctuation():
    assert name_key("Deir ez-Zor") == name_key("Deir ezZor") == name_key("deir ez zor")
    assert name_key("al-Bukamal") == name_key("Al Bukamal") == name_key("Bukamal")
    assert name_key("Sanaʼa") == name_key("Sana'a") == name_key("Sanaa")
    assert name_key("Zürich") == name_key("ZURICH")


def test_spelling_variants_resolve_to_the_same_town():
    g = get_geocoder()
    kamal = [g.resolve_name(n) for n in ("al-Bukamal", "Al Bukamal", "Abu Kamal")]
    assert {p.geonameid for p in kamal} == {kamal[0].geonameid} and kamal[0].country_code == "SY"
    deir = [g.resolve_name(n) for n in ("Deir ez-Zor", "Deir ezZor", "Dayr az Zawr", "Deir al-Zour")]
    assert all(near(p, 35.34, 40.14, 60) and p.country_code == "SY" for p in deir)
    assert near(g.resolve_name("Arbil"), 36.19, 44.01, 10)


def test_resolve_name_prefers_context_countries_only_when_they_help():
    g = get_geocoder()
    assert g.resolve_name("Paris").country_code == "FR"
    assert g.resolve_name("Hyderabad").country_code == "IN"
    assert g.resolve_name("Hyderabad", ["PK"]).country_code == "PK"
    assert g.resolve_name("Nowhereville-on-Sea") is None


def test_document_context_picks_the_small_namesake():
    g = get_geocoder()
    alone = "Thousands marched through Paris on Saturday."
    assert g.locate(alone, ents(alone, ("Paris", "GPE")))[0].country_code == "FR"
    text = ("A tornado damaged homes in Paris on Sunday, the Lamar County sheriff said. "
            "Emergency crews from across Texas were sent to the town.")
    places = g.locate(text, ents(text, ("Paris", "GPE"), ("Lamar County", "GPE"), ("Texas", "GPE")))
    paris = places[0]
    assert paris.country_code == "US" and paris.admin1 == "Texas" and near(paris, 33.66, -95.56, 20)
    assert places[1].precision == "admin2" and places[2].precision == "admin1"


def test_same_country_context_decides_between_towns():
    g = get_geocoder()
    text = "Police in London, Ontario, said the driver was taken to a hospital in Toronto."
    london = g.locate(text, ents(text, ("London", "GPE"), ("Ontario", "GPE"), ("Toronto", "GPE")))[0]
    assert london.country_code == "CA" and near(london, 42.98, -81.23, 30)


def test_country_and_abbreviation_precision():
    g = get_geocoder()
    text = "Syria accused the U.S. of striking its troops; officials in Ky. and the UK disagreed."
    places = g.locate(text, ents(text, ("Syria", "GPE"), ("U.S.", "GPE"), ("Ky.", "GPE"), ("UK", "GPE")))
    assert [p.precision for p in places] == ["country", "country", "admin1", "country"]
    assert [p.country_code for p in places] == ["SY", "US", "US", "GB"]
    assert places[2].name == "Kentucky"


def test_region_precision_for_borders_directions_and_named_regions():
    g = get_geocoder()
    text = ("Militants crossed the Iraq-Syria border region overnight, while fighting went on in "
            "northern Iraq and across the Middle East.")
    places = g.locate(text, ents(text, ("Iraq", "GPE"), ("Syria", "GPE"), ("Iraq", "GPE"), ("the Middle East", "LOC")))
    border, north, mideast = places
    assert border.precision == "region" and border.text == "the Iraq-Syria border region"
    assert border.country_code == "IQ-SY" and near(border, 34.4, 41.0, 200)
    assert north.precision == "region" and north.text == "northern Iraq" and north.part == "north"
    assert north.name == "Iraq" and near(north, 33.0, 44.0, 50)  # the country's own point, not a made-up one
    assert mideast.precision == "region" and mideast.name == "Middle East"


def test_province_suffix_selects_the_division():
    g = get_geocoder()
    text = "Shelling hit villages in Idlib province and the city of Aleppo."
    prov, city = g.locate(text, ents(text, ("Idlib", "GPE"), ("Aleppo", "GPE")))
    assert prov.text == "Idlib province" and prov.precision == "admin1" and prov.country_code == "SY"
    assert city.precision == "place" and near(city, 36.2, 37.16, 10)


def test_town_tagged_as_organisation_and_inside_organisation_names():
    g = get_geocoder()
    text = "Aleppo was quiet. Officers from the Kentucky State Police arrived later."
    places = g.locate(text, ents(text, ("Aleppo", "ORG"), ("the Kentucky State Police", "ORG")))
    assert [p.text for p in places] == ["Aleppo", "Kentucky"]
    assert places[0].country_code == "SY" and places[1].precision == "admin1"


def test_person_names_and_common_words_are_not_places():
    g = get_geocoder()
    text = "Jim Paterson said Paterson would not resign. Lakes froze over in Can Tho."
    places = g.locate(text, ents(text, ("Jim Paterson", "PERSON"), ("Paterson", "PERSON")))
    assert [p.text for p in places if p.lat is not None] == ["Can Tho"]  # missed by NER, still a city


def test_unknown_place_is_unresolved_but_kept():
    g = get_geocoder()
    text = "The convoy reached Qzxwville at dawn."
    [place] = g.locate(text, ents(text, ("Qzxwville", "GPE")))
    assert place.precision == "unresolved" and place.lat is None and text[place.start:place.end] == "Qzxwville"


def test_demonyms_map_to_countries_unless_turned_off():
    g = get_geocoder()
    text = "Syrian and Turkish officials met."
    found = g.locate(text, ents(text, ("Syrian", "NORP"), ("Turkish", "NORP")))
    assert [p.country_code for p in found] == ["SY", "TR"]
    assert g.locate(text, ents(text, ("Syrian", "NORP")), demonyms=False) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 30),
                                                  st.sampled_from(["GPE", "LOC", "ORG", "PERSON", "NORP", "FAC"])), max_size=5))
def test_arbitrary_text_never_raises_and_offsets_are_valid(text, raw):
    entities = [Entity(min(s, len(text)), min(s + n, len(text)), text[min(s, len(text)):min(s + n, len(text))], lab)
                for s, n, lab in raw]
    for p in get_geocoder().locate(text, entities):
        assert 0 <= p.start <= p.end <= len(text)
        assert text[p.start:p.end] == p.text


def test_places_eval_on_trnews_dev():
    from storyline.evaluation.places import evaluate_places

    result = evaluate_places(needs(EVAL / "geo-trnews-dev"))
    assert result["n_gold"] > 1000
    assert result["acc_161km"] >= 0.81  # measured 0.8227
    assert result["span_precision"] >= 0.85


def test_country_points_are_geonames_own():
    g = get_geocoder()
    assert near(g.resolve_name("Canada"), 60.10867, -113.64258, 5)
    assert near(g.resolve_name("United States"), 39.76, -98.5, 5)


def test_datelines_and_division_abbreviations_find_small_towns():
    g = get_geocoder()
    text = "LOUISVILLE, KY--(Marketwire) The firm moved. A couple from Melville, Sask. found a cat."
    places = g.locate(text, [])
    assert [(p.text, p.country_code, p.admin1) for p in places] == [
        ("LOUISVILLE", "US", "Kentucky"), ("KY", "US", "Kentucky"),
        ("Melville", "CA", "Saskatchewan"), ("Sask.", "CA", "Saskatchewan")]


def test_a_qualified_name_keeps_its_sense_through_the_article():
    g = get_geocoder()
    text = "LONDON, Ky. (WKYT) - Two people were arrested.\nOfficers said London Police found the car."
    towns = [p for p in g.locate(text, ents(text, ("London", "GPE"))) if p.precision == "place"]
    assert len(towns) == 2 and all(p.country_code == "US" and p.admin1 == "Kentucky" for p in towns)


def test_sibling_divisions_outweigh_a_namesake_town():
    g = get_geocoder()
    text = ("The family looked from Ohio to the borders of Montana and Wyoming before settling in "
            "Monroe County, Missouri.")
    places = g.locate(text, ents(text, ("Ohio", "GPE"), ("Montana", "GPE"), ("Wyoming", "GPE"),
                                 ("Monroe County", "GPE"), ("Missouri", "GPE")))
    assert places[2].name == "Wyoming" and places[2].precision == "admin1"


def test_demonyms_inside_other_names_and_of_continents():
    g = get_geocoder()
    text = "A German-Iraqi boy, the Syrian Observatory said, worried European officials."
    found = g.locate(text, ents(text, ("German-Iraqi", "NORP"), ("the Syrian Observatory", "ORG"),
                                ("European", "NORP")))
    assert [p.text for p in found] == ["German", "Iraqi", "Syrian", "European"]
    assert [p.country_code for p in found[:3]] == ["DE", "IQ", "SY"] and found[3].name == "Europe"
    assert g.locate(text, ents(text, ("German-Iraqi", "NORP")), demonyms=False) == []


def test_a_name_followed_by_its_country_is_a_place_whatever_ner_called_it():
    text = "Strikes hit a depot in al Bukamal, Syria, on Thursday. Later the al Bukamal crossing was closed."
    first, second, syria = text.index("al Bukamal"), text.rindex("al Bukamal"), text.index("Syria")
    ents = [Entity(first, first + 10, "al Bukamal", "ORG"), Entity(syria, syria + 5, "Syria", "GPE"),
            Entity(second, second + 10, "al Bukamal", "ORG")]
    places = get_geocoder().locate(text, ents)
    towns = [p for p in places if p.text == "al Bukamal"]
    assert len(towns) == 2 and all(p.country_code == "SY" and p.precision == "place" for p in towns)
    assert abs(towns[0].lat - 34.45) < 0.1 and abs(towns[0].lon - 40.92) < 0.1


def test_a_name_introduced_as_a_town_is_a_place_even_when_ner_says_person():
    text = "Gunmen attacked the central Malian town of Douentza. Traders in Douentza closed their shops."
    first, second = text.index("Douentza"), text.rindex("Douentza")
    ents = [Entity(first, first + 8, "Douentza", "PERSON"), Entity(second, second + 8, "Douentza", "PERSON")]
    towns = [p for p in get_geocoder().locate(text, ents) if p.text == "Douentza"]
    assert len(towns) == 2 and all(p.country_code == "ML" and p.precision == "place" for p in towns)


def test_small_town_under_a_vague_label_needs_a_cue_and_the_articles_support():
    g = get_geocoder()
    text = ("Flood water closed roads around Carlisle, England on Sunday. Keswick residents were told to stay "
            "indoors and the Cockermouth council opened a rest centre.")
    places = g.locate(text, ents(text, ("Carlisle", "GPE"), ("England", "GPE"), ("Cockermouth council", "ORG")))
    by_text = {p.text: p for p in places}
    # "Keswick residents" (no NER label) and "Cockermouth council" (ORG): English towns, as Carlisle is
    assert by_text["Keswick"].country_code == "GB" and near(by_text["Keswick"], 54.6, -3.13, 15)
    assert by_text["Cockermouth"].country_code == "GB"
    # the same names with nothing in the article to place them are not taken for towns
    alone = "Keswick residents were told to stay indoors and the Cockermouth council opened a rest centre."
    assert g.locate(alone, ents(alone, ("Cockermouth council", "ORG"))) == []


def test_a_town_name_that_is_a_persons_name_stays_a_person():
    g = get_geocoder()
    text = "Storms hit Cumbria overnight. Penrith Harvey said the Keswick road was shut, Harvey added."
    places = g.locate(text, ents(text, ("Cumbria", "GPE"), ("Penrith Harvey", "PERSON")))
    assert "Penrith" not in {p.text for p in places}


def test_source_country_reads_the_papers_address():
    from storyline.resolve.geo import source_country
    assert source_country("https://www.cbc.ca/news/canada/1.3863097") == "CA"
    assert source_country("http://www.example.co.uk/local") == "GB"
    assert source_country("https://nyti.ms/2abc") == "" and source_country("https://example.com/x") == ""
    assert source_country(None) == "" and source_country("not a url") == ""


def test_the_source_country_settles_an_ambiguous_town():
    g = get_geocoder()
    text = "Residents in Ambleside were evacuated after the river burst its banks."
    entities = ents(text, ("Ambleside", "GPE"))
    assert g.locate(text, entities)[0].country_code == "CA"  # the largest Ambleside, with nothing else to go on
    assert g.locate(text, entities, hints=["GB"])[0].country_code == "GB"


def test_country_codes_inside_compounds_and_organisation_names():
    g = get_geocoder()
    text = "The U.S.-led coalition and the US Geological Survey said so. WE TOLD US SO"
    places = g.locate(text, ents(text, ("the US Geological Survey", "ORG")))
    assert [p.text for p in places] == ["U.S.", "US"] and all(p.country_code == "US" for p in places)


def test_unit_of_name_and_datelines_read_as_towns():
    g = get_geocoder()
    text = "WASHINGTON — The City of Montreal and the County of Brant adopted the plan."
    places = g.locate(text, ents(text, ("WASHINGTON", "GPE"), ("The City of Montreal", "GPE"), ("the County of Brant", "GPE")))
    dc, montreal, brant = places
    assert dc.precision == "place" and near(dc, 38.9, -77.04, 20)  # a dateline names the city, not the state
    assert montreal.text == "Montreal" and montreal.precision == "place" and near(montreal, 45.5, -73.57, 20)
    assert brant.text == "Brant" and brant.country_code == "CA"


def test_a_division_named_after_its_big_city_means_the_city():
    g = get_geocoder()
    text = "Fighters advanced on Raqqa while protests spread across Quebec."
    raqqa, quebec = g.locate(text, ents(text, ("Raqqa", "GPE"), ("Quebec", "GPE")))
    assert raqqa.precision == "place" and raqqa.country_code == "SY"
    assert quebec.precision == "admin1"  # a twentieth of Quebecers live in Quebec City: the province
    eu = g.locate("EU leaders met.", [Entity(0, 2, "EU", "GPE")])
    assert [p.lat for p in eu] == [None]  # a code, not the French town Eu


def test_airports_capitals_and_divisions_named_with_their_unit():
    g = get_geocoder()
    text = "Flights were cancelled at Heathrow after fog in London."
    heathrow, _london = g.locate(text, ents(text, ("Heathrow", "FAC"), ("London", "GPE")))
    assert heathrow.name == "London Heathrow Airport" and near(heathrow, 51.47, -0.46, 5)
    text = "In Washington, officials said the storm had reached Sichuan province."
    dc, sichuan = g.locate(text, ents(text, ("Washington", "GPE"), ("Sichuan province", "GPE")))
    assert near(dc, 38.9, -77.04, 20)  # the capital, not the state nor one of the towns named after it
    assert sichuan.text == "Sichuan province" and sichuan.precision == "admin1" and near(sichuan, 30.5, 102.7, 160)
    text = "The storm moved on from Washington, Mo., on Sunday."
    town, _state = g.locate(text, ents(text, ("Washington", "GPE"), ("Mo.", "GPE")))
    assert town.admin1 == "Missouri" and town.precision == "place"


def test_a_placename_that_is_a_persons_surname_in_the_article_is_the_person():
    g = get_geocoder()
    text = "Bingham to offer a plan. Mayor Ryan Bingham said the plan would start in Hartford."
    places = g.locate(text, ents(text, ("Bingham", "GPE"), ("Ryan Bingham", "PERSON"), ("Hartford", "GPE")))
    assert [p.text for p in places] == ["Hartford"]


def test_division_points_ignore_towns_listed_in_them_by_a_name_clash():
    g = get_geocoder()
    jiangsu = g.resolve_name("Jiangsu")
    assert jiangsu.precision == "admin1" and near(jiangsu, 33.0, 119.8, 161)


def test_a_town_listed_with_places_and_the_division_it_lies_in():
    g = get_geocoder()
    text = "She trains in Red Deer, Lacombe and Olds. The farm sits in Monroe County in northeast Missouri."
    places = g.locate(text, ents(text, ("Red Deer", "GPE"), ("Monroe County", "GPE"), ("Missouri", "GPE")))
    by_text = {p.text: p for p in places}
    # "Lacombe" (no NER label) stands in a list with Red Deer: Alberta's Lacombe, not Louisiana's
    assert by_text["Lacombe"].country_code == "CA" and by_text["Olds"].country_code == "CA"
    assert by_text["Monroe County"].admin1 == "Missouri"  # "X in Y": the Monroe County in Missouri


def test_short_town_aliases_possessives_and_division_codes():
    g = get_geocoder()
    text = "An earthquake levelled Bam in Iran. The Conference Board of Canada's report. Fires hit the ACT."
    places = g.locate(text, ents(text, ("Bam", "GPE"), ("Iran", "GPE"), ("The Conference Board of Canada's", "ORG")))
    by_text = {p.text: p for p in places}
    assert by_text["Bam"].country_code == "IR" and near(by_text["Bam"], 29.1, 58.36, 20)  # not Balm, Florida
    assert by_text["Canada"].precision == "country"
    assert by_text["ACT"].name == "Australian Capital Territory"


def test_a_saint_name_cut_by_ner_and_a_dateline_state_without_its_dot():
    g = get_geocoder()
    text = "About 30 homes near Fort St. John will be flooded by the dam."
    (fort,) = g.locate(text, ents(text, ("Fort St.", "GPE"), ("John", "PERSON")))
    assert fort.text == "Fort St. John" and fort.country_code == "CA"
    town, state = g.locate("EDMONTON, Ky (WBKO) -- One of the biggest fires in years.", [])
    assert state.text == "Ky" and state.name == "Kentucky" and town.admin1 == "Kentucky"
