"""The README's main job on the demo corpus, end to end, checked against examples/demo/expected.json."""
from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import DEMO
from typer.testing import CliRunner

from storyline.cli import app
from storyline.resolve.geo import get_geocoder, haversine_km

runner = CliRunner()
EXPECTED = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(demo_db):
    db = demo_db["db"]
    events = [json.loads(x) for x in runner.invoke(app, ["export", "--db", db, "--what", "events"]).stdout.splitlines()]
    articles = {a["id"]: a for a in map(json.loads, runner.invoke(app, ["export", "--db", db, "--what", "articles"]).stdout.splitlines())}
    return {**demo_db, "events": events, "articles": articles}


def _event_for(demo, gold) -> dict:
    """The produced event that holds the most of the gold event's main articles."""
    wanted = set(gold["articles"])
    return max(demo["events"], key=lambda ev: (len(wanted & {a["id"] for a in ev["articles"]}), ev["type"] == gold["type"]))


def test_copies_found_with_their_kind(demo):
    for copy, want in EXPECTED["duplicates"].items():
        assert demo["articles"][copy]["duplicate_of"] == want["of"]
        assert demo["articles"][copy]["duplicate_kind"] == want["kind"]
        assert 0 < demo["articles"][copy]["duplicate_similarity"] <= 1
    independent = [a for a in demo["articles"].values() if a["duplicate_of"] is None]
    assert len(independent) == len(demo["articles"]) - len(EXPECTED["duplicates"])


@pytest.mark.parametrize("gold", EXPECTED["events"], ids=lambda g: g["id"])
def test_each_event_with_type_date_place_and_its_articles(demo, gold):
    ev = _event_for(demo, gold)
    assert ev["type"] == gold["type"]
    assert ev["date"]["start"] == gold["date"] and ev["date"]["precision"] == "day"
    town = get_geocoder().resolve_name(gold["place"], [gold["country"]])
    assert ev["location"]["country_code"] == gold["country"]
    assert haversine_km(ev["location"]["lat"], ev["location"]["lon"], town.lat, town.lon) < 50
    assert set(gold["articles"]) <= {a["id"] for a in ev["articles"]}
    mains = {a for a, rec in demo["articles"].items() if rec["main_event"] == ev["id"]}
    assert set(gold["articles"]) <= mains


def test_the_disputed_death_toll_is_shown_with_both_sources(demo):
    gold = next(g for g in EXPECTED["events"] if g["id"] == EXPECTED["contradiction"]["event"])
    ev = _event_for(demo, gold)
    (contra,) = [c for c in ev["contradictions"] if c["attribute"] == "fatalities"]
    assert sorted({c["value"]["best"] for c in contra["claims"]}) == EXPECTED["contradiction"]["values"]
    assert ev["fatalities"]["best"] == min(EXPECTED["contradiction"]["values"])  # ACLED's conservative rule
    assert ev["fatalities"]["high"] == max(EXPECTED["contradiction"]["values"])


def test_distinct_events_are_not_merged(demo):
    ids = {_event_for(demo, g)["id"] for g in EXPECTED["events"]}
    assert len(ids) == len(EXPECTED["events"])


def test_background_event_is_its_own_event(demo):
    (gold,) = EXPECTED["background"]
    candidates = [ev for ev in demo["events"] if ev["date"]["start"] and ev["date"]["start"].startswith(gold["date"])]
    assert candidates, "the March ambush recalled in the articles is missing"
    ev = candidates[0]
    assert {a["role"] for a in ev["articles"]} == {"background"}


def test_exports_and_report(demo):
    db = demo["db"]
    for fmt in ("csv", "acled-csv"):
        out = runner.invoke(app, ["export", "--db", db, "--what", "events", "--format", fmt]).stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) >= len(EXPECTED["events"])
    acled = list(csv.DictReader(io.StringIO(runner.invoke(app, ["export", "--db", db, "--what", "events", "--format", "acled-csv"]).stdout)))
    assert {"event_date", "event_type", "sub_event_type", "actor1", "fatalities", "latitude", "longitude"} <= set(acled[0])
    geo = json.loads(runner.invoke(app, ["export", "--db", db, "--what", "events", "--format", "geojson"]).stdout)
    assert geo["type"] == "FeatureCollection" and geo["features"]
    claims = runner.invoke(app, ["export", "--db", db, "--what", "claims"]).stdout.splitlines()
    assert all({"event", "attribute", "value", "article", "sentence", "said_by"} <= set(json.loads(c)) for c in claims)
    ev = demo["events"][0]
    assert list(ev)[:14] == ["id", "type", "acled_event_type", "acled_sub_event_type", "plover_type", "date", "location",
                             "actors", "fatalities", "injuries", "articles", "claims", "contradictions", "summary"]
    html = demo["report"].read_text(encoding="utf-8")
    assert "Contradiction: fatalities" in html and "<svg" in html and "http" not in html.split("<body>")[0]


def test_articles_added_later_give_the_events_of_one_batch_run(demo, tmp_path):
    """Ingest and run the demo in two halves into one database: the same events as the batch run."""
    import shutil

    files = sorted(p.name for p in DEMO.glob("*.txt"))
    halves = [tmp_path / "first", tmp_path / "second"]
    for half, names in zip(halves, (files[::2], files[1::2])):
        half.mkdir()
        for name in names:
            shutil.copy(DEMO / name, half / name)
        shutil.copy(DEMO / "metadata.jsonl", half / "metadata.jsonl")
    db = str(tmp_path / "incremental.db")
    for half in halves:
        result = runner.invoke(app, ["run", str(half), "--db", db, "--quiet"])
        assert result.exit_code == 0, result.output

    def summary(db_path: str) -> tuple:
        """Events by their members and contents (ids depend on which report came first)."""
        events = [json.loads(x) for x in runner.invoke(app, ["export", "--db", db_path, "--what", "events"]).stdout.splitlines()]
        articles = [json.loads(x) for x in runner.invoke(app, ["export", "--db", db_path, "--what", "articles"]).stdout.splitlines()]
        members = {e["id"]: tuple(a["id"] for a in e["articles"]) for e in events}
        contents = sorted((members[e["id"]], e["type"], json.dumps(e["date"]), json.dumps(e["location"]), e["sources"],
                           json.dumps(e["fatalities"]), len(e["claims"]), len(e["contradictions"])) for e in events)
        return contents, sorted((a["id"], a["duplicate_of"], members.get(a["main_event"])) for a in articles)

    assert summary(db) == summary(demo["db"])


def test_an_article_not_in_english_is_stored_listed_and_explained_everywhere(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "en.txt").write_text((DEMO / "attack-01.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "es.txt").write_text(
        "Las autoridades locales informaron el martes de que las lluvias torrenciales obligaron a cerrar "
        "varias carreteras del norte del país. Los servicios de emergencia pidieron a los vecinos que "
        "permanecieran en sus casas mientras los equipos de rescate trabajaban durante toda la noche.\n\n"
        "El gobierno regional anunció ayudas para las familias afectadas y prometió reparar los puentes "
        "dañados antes de que termine el mes.", encoding="utf-8")
    db, report = str(tmp_path / "x.db"), tmp_path / "r.html"
    result = runner.invoke(app, ["run", str(folder), "--db", db, "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "language detected as 'es'" in " ".join(result.output.split())  # the run's summary says why
    rows = {json.loads(x)["id"]: json.loads(x) for x in runner.invoke(app, ["export", "--db", db, "--what", "articles"]).stdout.splitlines()}
    es = next(r for r in rows.values() if r["language"] == "es")
    assert es["main_event"] is None and "language detected as 'es'" in es["main_event_reason"]
    assert es["text"].startswith("Las autoridades")  # stored whole, not dropped
    html = report.read_text(encoding="utf-8")
    assert "Articles in no event" in html and "language detected as &#39;es&#39;" in html
