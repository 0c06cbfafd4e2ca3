"""Dedup on invented articles, through the event engine: copies are linked to their original,
independent reports are not, and the answer does not depend on the order articles arrive in."""
from __future__ import annotations

import hashlib

from conftest import take_in

from storyline.models import Article

ORIGINAL = """Flooding along the Rhône killed four people in the town of Valmont on Tuesday, regional officials said.
The river rose nearly three metres overnight after two days of heavy rain, forcing 1,200 residents to leave their homes.
Prefect Hélène Marchal said rescue teams had pulled 35 people from flooded cars and houses by early afternoon.
Two of the dead were found inside a submerged campsite near the old stone bridge, according to the fire service.
Météo-France kept its red alert for the Drôme department in place and warned that more rain was expected on Wednesday.
Schools in Valmont and three neighbouring villages will remain closed until Friday, the regional education office said."""

SYNDICATED = ORIGINAL + """
from NewsWire https://short.link/abc
via FeedBot"""

REWRITTEN = """Floodwaters on the Rhône left four people dead in Valmont on Tuesday, according to regional authorities.
Following two days of torrential rainfall, the river climbed almost three metres during the night, and 1,200 inhabitants had to abandon their houses.
By early afternoon, emergency crews had rescued 35 people from inundated vehicles and homes, Prefect Hélène Marchal stated.
The fire service reported that two of the victims were discovered in a campsite that went under water close to the old stone bridge.
Météo-France maintained its red warning for the Drôme department, cautioning that further rainfall was forecast for Wednesday.
The regional education office announced that schools in Valmont and three nearby villages would stay shut until Friday."""

SAME_EVENT_INDEPENDENT = """Residents of Valmont counted their losses on Wednesday after the Rhône burst its banks.
"I have lived here 60 years and never seen water like this," said baker Jean-Luc Ferrand, whose shop was flooded to the counters.
Insurers estimate damage in the Drôme at more than 40 million euros, the Federation of French Insurers said.
Mayor Paul Aubry criticised the state for failing to finish a flood wall that was promised in 2017.
Volunteers from Lyon arrived with pumps and dry clothing, and the Red Cross opened a shelter in the sports hall.
The death toll stands at four, with one fisherman still missing downstream near Tournon."""

OTHER_FLOOD = """Flash floods in the Italian region of Liguria killed two people near Genoa on Saturday, the civil protection agency said.
The Bisagno torrent overflowed after 400 millimetres of rain fell in twelve hours, sweeping cars into the sea.
Regional president Marco Benedetti declared a state of emergency and asked Rome for army support.
Rail traffic between Genoa and La Spezia was suspended for most of the day, operator Trenitalia said.
Forecasters expect the storm system to move towards Tuscany on Sunday."""


def art(id_: str, text: str, published: str = "2023-10-10", publisher: str | None = None) -> Article:
    return Article(id=id_, text=text, published=published, publisher=publisher,
                   content_hash=hashlib.sha256(text.encode()).hexdigest())


def copies(store) -> dict[str, tuple]:
    return {r.id: (r.duplicate_of, r.duplicate_kind, r.duplicate_similarity) for r in store.iter_articles() if r.duplicate_of}


def test_exact_syndicated_and_rewritten_copies_link_to_the_earliest_original(db_url) -> None:
    arts = [
        art("rewrite", REWRITTEN, "2023-10-11"),
        art("orig", ORIGINAL, "2023-10-10"),
        art("exact", ORIGINAL, "2023-10-12"),
        art("bot", SYNDICATED, "2023-10-11"),
    ]
    found = copies(take_in(db_url, arts))
    assert set(found) == {"rewrite", "exact", "bot"}
    assert all(of == "orig" for of, _, _ in found.values())
    assert found["exact"][1] == "exact"
    assert found["bot"][1] == "syndicated" and found["bot"][2] >= 0.6
    assert found["rewrite"][1] == "rewritten"


def test_same_event_reported_independently_and_another_flood_are_not_duplicates(db_url) -> None:
    arts = [art("orig", ORIGINAL), art("indep", SAME_EVENT_INDEPENDENT, "2023-10-11"), art("italy", OTHER_FLOOD)]
    assert copies(take_in(db_url, arts)) == {}


def test_tie_on_date_picks_the_most_complete_text_as_original(db_url) -> None:
    short = ORIGINAL.rsplit("\n", 1)[0]
    found = copies(take_in(db_url, [art("short", short), art("full", ORIGINAL)]))
    assert set(found) == {"short"} and found["short"][0] == "full"


def test_an_earlier_original_arriving_later_becomes_the_original_of_the_copies_before_it(tmp_path) -> None:
    """Copies first, their original in a later batch: the same answer as one batch."""
    later = [art("indep", SAME_EVENT_INDEPENDENT, "2023-10-11"), art("bot", SYNDICATED, "2023-10-11"),
             art("rewrite", REWRITTEN, "2023-10-12")]
    first = [art("orig", ORIGINAL, "2023-10-10"), art("italy", OTHER_FLOOD, "2023-10-13")]
    store = take_in(str(tmp_path / "two.db"), later)
    assert copies(store) == {"rewrite": ("bot", "rewritten", copies(store)["rewrite"][2])}
    store.close()
    two = copies(take_in(str(tmp_path / "two.db"), first))
    one = copies(take_in(str(tmp_path / "one.db"), later + first))
    assert two == one and set(one) == {"bot", "rewrite"} and {v[0] for v in one.values()} == {"orig"}


def test_identical_text_from_another_outlet_is_syndication_and_from_the_same_one_an_exact_copy(db_url) -> None:
    text = "Floods cut the main road into Beledweyne on Sunday after the Shabelle river burst its banks."
    arts = [art("a", text, "2024-05-05", "Wire A"), art("b", text, "2024-05-06", "Wire A"), art("c", text, "2024-05-06", "Repost Bot")]
    found = copies(take_in(db_url, arts))
    assert found["b"][:2] == ("a", "exact")
    assert found["c"] == ("a", "syndicated", 1.0)
