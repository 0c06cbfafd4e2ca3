"""The REST API over a store: filters, single records, timelines, the page, and 404s."""
from fastapi.testclient import TestClient

from storyline.api.app import create_app
from storyline.models import Article, Claim, Contradiction, Event
from storyline.store.db import Store


def event(id_: str, type_: str, day: str, country: str, actor: str) -> Event:
    claims = [Claim("fatalities", {"best": 3, "low": 3, "high": 3}, "a1", 0, "the army", "Three soldiers were killed."),
              Claim("fatalities", {"best": 5, "low": 5, "high": 5}, "a2", 1, "a local official", "Five soldiers died.")]
    return Event(id=id_, type=type_, acled_event_type="Battles", acled_sub_event_type="Armed clash", plover_type="ASSAULT",
                 date={"start": day, "end": day, "precision": "day"},
                 location={"name": "Goma", "admin1": None, "country": country, "country_code": country, "lat": -1.67, "lon": 29.23, "precision": "place"},
                 actors=[{"role": "actor1", "name": actor, "kind": "militia_rebel", "country": None, "aliases": [actor]}],
                 fatalities={"best": 3, "low": 3, "high": 5}, injuries=None,
                 articles=[{"id": "a1", "role": "reported", "independent": True}, {"id": "a2", "role": "reported", "independent": True}],
                 claims=claims, contradictions=[Contradiction("fatalities", claims, "sources differ")], summary="Clash [a1]",
                 sources=2, mentions=["a1#0", "a2#1"])


def test_api(tmp_path):
    db = str(tmp_path / "api.db")
    store = Store(db)
    store.add_articles([Article(id="a1", text="Three soldiers were killed.", title="Clash", content_hash="h1"),
                        Article(id="a2", text="Five soldiers died.", title="Clash 2", content_hash="h2")])
    store.replace_events([event("ev-1", "armed_clash", "2024-05-01", "CD", "M23"), event("ev-2", "protest", "2024-06-01", "KE", "Students")],
                         {"a1": {"main_event": "ev-1"}})
    store.close()
    client = TestClient(create_app(db))
    assert [e["id"] for e in client.get("/events").json()] == ["ev-1", "ev-2"]
    assert [e["id"] for e in client.get("/events", params={"country": "cd"}).json()] == ["ev-1"]
    assert [e["id"] for e in client.get("/events", params={"date_from": "2024-05-15"}).json()] == ["ev-2"]
    assert [e["id"] for e in client.get("/events", params={"actor": "m23", "type": "armed_clash"}).json()] == ["ev-1"]
    one = client.get("/events/ev-1").json()
    assert one["fatalities"] == {"best": 3, "low": 3, "high": 5} and one["contradictions"][0]["attribute"] == "fatalities"
    assert client.get("/events/nope").status_code == 404
    assert client.get("/articles/a1").json()["main_event"] == "ev-1"
    assert client.get("/articles/zz").status_code == 404
    assert list(client.get("/timeline", params={"by": "place"}).json()) == ["Goma"]
    assert client.get("/timeline", params={"by": "colour"}).status_code == 400
    page = client.get("/")
    assert page.status_code == 200 and "Contradiction: fatalities" in page.text
