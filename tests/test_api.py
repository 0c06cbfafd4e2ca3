"""The REST API and the server's guards: SQL filters checked against the events themselves (demo
database, and synthetic events on SQLite and PostgreSQL), 422s that say what was wrong, exports of
a filtered view, read-only by default, bearer-token writes and runs, body limits, security
headers, closed CORS, no stack traces, escaping of hostile strings, and the access log."""
from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import time

import pytest
from conftest import take_in
from fastapi.testclient import TestClient
from sqlalchemy import text

from storyline.api.app import create_app
from storyline.models import (
    Casualties,
    Claim,
    Contradiction,
    Event,
    EventActor,
    EventArticle,
    EventDate,
    EventMention,
    Location,
    MentionRef,
)
from storyline.report.exports import export_records
from storyline.store.db import Store, write_event

TOKEN = "s3cret-token-for-tests-0123456789"
XSS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(2)>']


@pytest.fixture(scope="module")
def demo(demo_db):
    store = Store(demo_db["db"])
    events = store.events()
    store.close()
    return {"db": demo_db["db"], "events": events, "client": TestClient(create_app(demo_db["db"]))}


def ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [e["id"] for e in resp.json()["events"]]


def test_filters_run_in_sql_and_match_the_events(demo):
    client, events = demo["client"], demo["events"]
    everything = client.get("/events", params={"limit": 500}).json()
    assert everything["total"] == len(events) and len(everything["events"]) == len(events)
    newest_first = sorted(events, key=lambda e: (e.date.start or "", e.id), reverse=True)
    assert ids(client.get("/events", params={"limit": 500})) == [e.id for e in newest_first]

    mali = {e.id for e in events if e.location.country_code == "ML"}
    assert mali
    for name in ("ML", "ml", "Mali", "MLI", "Malian", "mali"):
        assert set(ids(client.get("/events", params={"country": name, "limit": 500}))) == mali, name
    airstrikes = {e.id for e in events if e.type == "airstrike"}
    assert airstrikes and set(ids(client.get("/events", params={"type": "airstrike"}))) == airstrikes
    late = {e.id for e in events if (e.date.end or e.date.start or "") >= "2024-11-15"}
    assert set(ids(client.get("/events", params={"date_from": "2024-11-15"}))) == late
    window = {e.id for e in events if e.date.start and e.date.start <= "2024-11-13" and (e.date.end or e.date.start) >= "2024-11-12"}
    assert window and set(ids(client.get("/events", params={"date_from": "2024-11-12", "date_to": "2024-11-13"}))) == window
    assert set(ids(client.get("/events", params={"date_from": "2024-03", "date_to": "2024-03"}))) == \
        {e.id for e in events if e.date.start and e.date.start[:7] <= "2024-03" <= (e.date.end or e.date.start)[:7]}
    disputed = {e.id for e in events if e.contradictions}
    assert disputed and set(ids(client.get("/events", params={"contradictions": "true"}))) == disputed
    assert set(ids(client.get("/events", params={"contradictions": "false", "limit": 500}))) == {e.id for e in events} - disputed
    deadly = {e.id for e in events if e.fatalities and 10 <= e.fatalities.best <= 20}
    assert deadly and set(ids(client.get("/events", params={"fatalities_min": 10, "fatalities_max": 20}))) == deadly
    sourced = {e.id for e in events if e.sources >= 4}
    assert sourced and set(ids(client.get("/events", params={"sources_min": 4}))) == sourced
    flh = ids(client.get("/events", params={"actor": "hayr"}))
    assert flh and all(any("hayr" in n.lower() for a in e.actors for n in [a.name, *a.aliases])
                       for e in events if e.id in flh)
    drones = {e.id for e in events if "drones" in (e.summary + " ".join(c.text for c in e.claims)).lower()}
    assert drones and set(ids(client.get("/events", params={"q": "drones"}))) == drones
    assert ids(client.get("/events", params={"q": "zzqxv"})) == []


def test_sorting_and_paging(demo):
    client, events = demo["client"], demo["events"]
    by_deaths = ids(client.get("/events", params={"sort": "-fatalities", "limit": 500}))
    deaths = {e.id: e.fatalities.best if e.fatalities else None for e in events}
    known = [deaths[i] for i in by_deaths if deaths[i] is not None]
    assert known == sorted(known, reverse=True) and all(deaths[i] is None for i in by_deaths[len(known):])
    pages, offset = [], 0
    while offset is not None:
        body = client.get("/events", params={"sort": "date", "limit": 4, "offset": offset}).json()
        assert body["total"] == len(events) and len(body["events"]) <= 4
        pages += [e["id"] for e in body["events"]]
        offset = body["next_offset"]
    assert pages == ids(client.get("/events", params={"sort": "date", "limit": 500}))


@pytest.mark.parametrize("params, param", [
    ({"date_from": "garbage"}, "date_from"), ({"date_to": "2024-02-30"}, "date_to"), ({"type": "nonsense"}, "type"),
    ({"country": "Narnia"}, "country"), ({"limit": "0"}, "limit"), ({"limit": "abc"}, "limit"), ({"limit": "100000"}, "limit"),
    ({"offset": "-3"}, "offset"), ({"sort": "colour"}, "sort"), ({"plover_type": "HUG"}, "plover_type"),
    ({"contradictions": "maybe"}, "contradictions"), ({"fatalities_min": "many"}, "fatalities_min"), ({"q": "!!!"}, "q"),
    ({"limitt": "5"}, "limitt"), ({"date_from": "2024-12-01", "date_to": "2024-01-01"}, "date_to"),
])
def test_invalid_parameters_answer_422_naming_them(demo, params, param):
    r = demo["client"].get("/events", params=params)
    assert r.status_code == 422
    assert param in {e["param"] for e in r.json()["errors"]}
    assert "Traceback" not in r.text
    assert demo["client"].get("/", params=params).status_code == 422  # the web view says the same


def test_facets_histogram_and_map_count_the_filtered_events(demo):
    client, events = demo["client"], demo["events"]
    facets = client.get("/events/facets", params={"country": "Mali"}).json()
    types = {f["value"]: f["count"] for f in facets["type"]}
    for t, n in types.items():
        assert n == sum(e.type == t and e.location.country_code == "ML" for e in events)
    # a facet is counted under the other filters only: the country facet still offers every country
    assert {f["value"] for f in facets["country"]} == {e.location.country_code for e in events if e.location.country_code}
    hist = client.get("/events/histogram", params={"interval": "month"}).json()
    assert hist["interval"] == "month" and all(b["start"].endswith("-01") for b in hist["buckets"])
    assert sum(b["count"] for b in hist["buckets"]) == sum(1 for e in events if e.date.start)
    assert client.get("/events/histogram", params={"interval": "fortnight"}).status_code == 422
    pts = client.get("/events/map", params={"fatalities_min": 1}).json()
    located = [e for e in events if e.location.lat is not None and e.fatalities and e.fatalities.best >= 1]
    assert pts["total"] == len(located) == pts["shown"]
    assert {p["geo_precision"] for p in pts["points"]} <= {"place", "admin2", "admin1", "region", "country"}


def test_exports_of_a_view_are_the_export_command(demo):
    client = demo["client"]
    store = Store(demo["db"])
    for fmt, what, api_fmt in [("jsonl", "events", "jsonl"), ("csv", "events", "csv"), ("acled-csv", "events", "acled-csv"),
                               ("geojson", "events", "geojson"), ("csv", "claims", "claims-csv")]:
        out = io.StringIO()
        export_records(store, what, fmt, out)
        r = client.get("/export", params={"format": api_fmt, "sort": "date"})
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert r.text == out.getvalue(), api_fmt
    store.close()
    rows = list(csv.DictReader(io.StringIO(client.get("/export", params={"format": "csv", "type": "airstrike"}).text)))
    assert {r["id"] for r in rows} == {e.id for e in demo["events"] if e.type == "airstrike"}
    assert client.get("/export", params={"format": "xlsx"}).status_code == 422


def test_single_records_articles_timelines_and_404s(demo):
    client, events = demo["client"], demo["events"]
    one = client.get(f"/events/{events[0].id}").json()
    assert one["id"] == events[0].id and set(one) >= {"claims", "contradictions", "articles"}
    assert client.get("/events/nope").status_code == 404
    store = Store(demo["db"])
    articles = {row.id: row for row in store.iter_articles()}
    store.close()
    body = client.get("/articles", params={"limit": 5}).json()
    assert body["total"] == len(articles) and len(body["articles"]) == 5
    copies = client.get("/articles", params={"duplicate": "any", "limit": 500}).json()["articles"]
    assert {a["id"] for a in copies} == {i for i, a in articles.items() if a.duplicate_of}
    rec = client.get("/articles/attack-02").json()
    assert rec["duplicate_of"] == articles["attack-02"].duplicate_of and rec["removed"]
    assert client.get("/articles/zz").status_code == 404
    assert "Douentza" in client.get("/timeline", params={"by": "place"}).json()
    assert client.get("/timeline", params={"by": "colour"}).status_code == 400
    story = client.get(f"/events/{events[0].id}/story").json()["events"]
    assert story and [s["date_start"] or "9999" for s in story] == sorted(s["date_start"] or "9999" for s in story)


def test_pages_show_the_claims_and_their_sentences(demo):
    client, events = demo["client"], demo["events"]
    disputed = next(e for e in events if any(c.attribute == "fatalities" for c in e.contradictions))
    page = client.get(f"/ui/events/{disputed.id}").text
    assert "Contradiction: fatalities" in page
    for claim in next(c for c in disputed.contradictions if c.attribute == "fatalities").claims:
        assert f'href="#s-{claim.article}-{claim.sentence}"' in page  # the claim links to its sentence
        assert f'id="s-{claim.article}-{claim.sentence}"' in page  # which is marked in the article's text
    assert client.get("/").status_code == 200 and disputed.id in client.get("/", params={"contradictions": "true"}).text
    assert client.get("/ui/articles").status_code == 200
    assert "copy of" in client.get("/ui/articles/attack-02").text
    assert client.get("/ui/events/nope").status_code == 404


def test_security_headers_cors_and_no_traces(demo, monkeypatch):
    client = demo["client"]
    for path in ("/", "/events", "/static/app.js", "/docs", "/nope", "/ui/events/nope"):
        r = client.get(path, headers={"Origin": "https://evil.example"})
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert "access-control-allow-origin" not in r.headers
    page = client.get("/").text
    assert "<script>" not in page and "http://" not in page.split("<body")[0] and "https://" not in page
    opened = TestClient(create_app(demo["db"], allow_origins=("https://desk.example",)))
    r = opened.get("/events", headers={"Origin": "https://desk.example"})
    assert r.headers["access-control-allow-origin"] == "https://desk.example"
    assert "access-control-allow-origin" not in opened.get("/events", headers={"Origin": "https://evil.example"}).headers

    from storyline.api.query import EventQueries

    def boom(*_a, **_k):
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(EventQueries, "page", boom)
    crashed = TestClient(create_app(demo["db"]), raise_server_exceptions=False).get("/events")
    assert crashed.status_code == 500 and "secret" not in crashed.text and "Traceback" not in crashed.text


def test_read_only_without_a_token_and_bearer_writes_with_one(demo, tmp_path):
    ro = demo["client"]
    assert ro.post("/articles", json={"id": "x", "text": "Hello."}).status_code == 403
    assert ro.post("/runs").status_code == 403
    db = str(tmp_path / "copy.db")
    shutil.copy(demo["db"], db)
    with TestClient(create_app(db, token=TOKEN, max_body=200_000)) as client:
        doc = {"id": "web-01", "title": "Troops clash with rebels near Gao", "published": "2024-11-20", "publisher": "Test Wire",
               "text": "Soldiers clashed with rebels near Gao in northern Mali on Tuesday, killing four fighters, the army said.\n\n"
                       "The fighting lasted several hours, a local official said."}
        assert client.post("/articles", json=doc).status_code == 401
        assert client.post("/articles", json=doc, headers={"Authorization": "Bearer wrong"}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        r = client.post("/articles", json=doc, headers=auth)
        assert r.status_code == 201 and r.json()["added"] == 1
        assert client.post("/articles", json=doc, headers=auth).json()["unchanged"] == 1
        up = client.post("/articles", headers=auth, files={"file": ("../../etc/upload-02.txt",
                                                                    b"Gunmen attacked a market in Mopti on Monday, killing two traders.")})
        assert up.status_code == 201 and up.json()["added"] == 1
        assert client.post("/articles", headers=auth, content=b"x" * 300_000).status_code == 413
        assert client.post("/articles", headers={**auth, "Content-Type": "application/json"}, content=b"{nope").status_code == 422
        run = client.post("/runs", headers=auth).json()
        deadline = time.monotonic() + 120
        while run["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, run
            time.sleep(0.5)
            run = client.get(f"/runs/{run['id']}").json()
        assert run["status"] == "done" and run["analysed"] == 2 and run["articles"] >= 2, run
        assert client.get("/runs/nope").status_code == 404
        added = client.get("/articles/web-01").json()
        assert added["main_event"] or added["main_event_reason"]
        assert client.get("/events", params={"q": "Gao"}).json()["total"] >= 1


def _hostile_event(i: int, text: str) -> tuple[Event, list[MentionRef]]:
    mention = EventMention(sentence=0, start=0, end=4, trigger="hit", type="airstrike", acled_event_type=None,
                           acled_sub_event_type=None, plover_type=None)
    claim = Claim("fatalities", {"best": 3, "low": 3, "high": 3, "text": text}, "evil-01", 0, said_by=text, text=text)
    other = Claim("fatalities", {"best": 5, "low": 5, "high": 5, "text": "5"}, "evil-01", 0, text=text)
    ev = Event(id=f"ev-evil{i}", type="airstrike", acled_event_type="Explosions/Remote violence",
               acled_sub_event_type="Air/drone strike", plover_type="ASSAULT",
               date=EventDate("2024-11-01", "2024-11-01", "day"), location=Location(text, text, "ML", "ML", 15.0, -3.0, "place"),
               actors=[EventActor("actor1", text, "militia_rebel", None, [text])], fatalities=Casualties(3, 3, 5), injuries=None,
               articles=[EventArticle("evil-01", "reported")], claims=[claim, other],
               contradictions=[Contradiction("fatalities", [claim, other], text)], summary=text, sources=1)
    return ev, [MentionRef("evil-01", -1, mention)]


def test_hostile_strings_are_escaped_everywhere(tmp_path):
    from storyline.models import Article
    from storyline.report.html import render_report

    payload = " ".join(XSS)
    store = take_in(str(tmp_path / "evil.db"), [Article(id="evil-01", text=f"{payload}\n\nMore text.", title=payload,
                                                         publisher=payload, url="javascript:alert(1)", content_hash="h1")])
    with store.writing() as s:
        write_event(s, *_hostile_event(1, payload))
    client = TestClient(create_app(str(tmp_path / "evil.db")))
    pages = [client.get(p, params=params).text for p, params in [
        ("/", {}), ("/", {"q": payload, "actor": payload}), ("/", {"place": payload}), ("/ui/events/ev-evil1", {}),
        ("/ui/stories/ev-evil1", {}), ("/ui/articles", {"q": payload}), ("/ui/articles/evil-01", {}), ("/", {"country": payload}),
    ]] + [render_report(store.events(), {"evil-01": payload}, 1)]
    store.close()
    for html in pages:
        for x in XSS:
            assert x not in html
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")  # only inside escaped text
        assert "&lt;script&gt;" in html or "&lt;img" in html


@pytest.mark.parametrize("n", [40])
def test_the_same_queries_on_each_backend(db_url, n):
    """Synthetic events through write_event, then the filters (including full-text search) on
    SQLite and, with STORYLINE_TEST_PG, PostgreSQL."""
    store = Store(db_url)
    words = ["convoy", "ambush", "shelling", "protest"]
    with store.writing() as s:
        for i in range(n):
            ev, refs = _hostile_event(i, f"The {words[i % 4]} near town {i} left people dead.")
            ev.id, ev.date = f"ev-{i:03d}", EventDate(f"2024-{1 + i % 12:02d}-10", f"2024-{1 + i % 12:02d}-10", "day")
            ev.location = Location(f"Town{i}", "Region", None, "ML" if i % 2 else "NE", 15.0, float(i % 5), "place")
            ev.actors = [EventActor("actor1", "Kata'ib Hezbollah" if i % 3 == 0 else "Islamic State", "militia_rebel", None, ["KH"])]
            ev.sources = i % 4
            ev.fatalities = Casualties(i)
            write_event(s, ev, refs)
    client = TestClient(create_app(db_url))
    assert client.get("/events").json()["total"] == n
    assert client.get("/events", params={"country": "Niger"}).json()["total"] == n // 2
    assert client.get("/events", params={"q": "ambush"}).json()["total"] == n // 4
    assert client.get("/events", params={"q": "ambu town"}).json()["total"] == n // 4
    assert client.get("/events", params={"actor": "hezbollah"}).json()["total"] == len(range(0, n, 3))
    assert client.get("/events", params={"actor": "kh"}).json()["total"] == n
    assert client.get("/events", params={"date_from": "2024-03-01", "date_to": "2024-03-31"}).json()["total"] == len(range(2, n, 12))
    assert client.get("/events", params={"sources_min": 3, "fatalities_min": 10}).json()["total"] == len([i for i in range(10, n) if i % 4 == 3])
    facets = client.get("/events/facets").json()
    assert {f["value"]: f["count"] for f in facets["actor"]} == {"Islamic State": n - len(range(0, n, 3)), "Kata'ib Hezbollah": len(range(0, n, 3))}
    top = client.get("/events", params={"sort": "-fatalities", "limit": 3}).json()["events"]
    assert [e["fatalities"]["best"] for e in top] == [n - 1, n - 2, n - 3]
    with store.writing() as s:
        from storyline.store.db import delete_events

        delete_events(s, [f"ev-{i:03d}" for i in range(1, n, 2)])  # every "ambush" event is odd
    assert client.get("/events", params={"q": "ambush"}).json()["total"] == 0
    with store.engine.connect() as conn:  # their actor and search rows went with them
        assert conn.execute(text("SELECT count(*) FROM event_search")).scalar() == n // 2
        assert conn.execute(text("SELECT count(*) FROM event_actors")).scalar() == n // 2
        if store.engine.dialect.name == "sqlite":
            assert conn.execute(text("SELECT count(*) FROM event_fts WHERE event_fts MATCH 'ambush'")).scalar() == 0
    store.close()


def test_access_log_cuts_long_query_strings(demo, caplog):
    with caplog.at_level(logging.INFO, logger="storyline.access"):
        demo["client"].get("/events", params={"q": "x" * 5000})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "storyline.access"]
    assert len(line) < 400 and "(+4802)" in line and " 200 " in line


def test_serve_refuses_a_weak_token_and_a_missing_database(tmp_path):
    from typer.testing import CliRunner

    from storyline.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--db", str(tmp_path / "none.db")]).exit_code == 2
    weak = tmp_path / "token"
    weak.write_text("short\n")
    db = tmp_path / "x.db"
    Store(str(db)).close()
    result = runner.invoke(app, ["serve", "--db", str(db), "--token-file", str(weak)])
    assert result.exit_code == 2 and "at least 16" in result.output


def test_migration_0004_indexes_events_stored_before_it(tmp_path):
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from storyline.models import to_dict

    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storyline.store") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        ev, _refs = _hostile_event(1, "Shelling hit the market of Gao.")
        conn.execute(text("INSERT INTO events (id, type, date_start, date_end, country_code, sources, payload, "
                          "acled_event_type, fatalities, contradictions, articles) VALUES "
                          "(:id, :type, '2024-11-01', '2024-11-01', 'ML', 1, :payload, :acled, 3, 1, 1)"),
                     {"id": ev.id, "type": ev.type, "payload": json.dumps(to_dict(ev)), "acled": ev.acled_event_type})
    engine.dispose()
    client = TestClient(create_app(str(db)))
    assert ids(client.get("/events", params={"q": "gao shelling", "country": "Mali", "fatalities_min": 3})) == [ev.id]
    assert ids(client.get("/events", params={"actor": "shelling"})) == [ev.id]  # the actor's name in this fixture
