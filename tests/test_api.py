"""The REST API over the demo database: filters, single records, timelines, the page, and 404s."""
from fastapi.testclient import TestClient

from storyline.api.app import create_app
from storyline.store.db import Store


def test_api(demo_db):
    store = Store(demo_db["db"])
    events = store.events()
    articles = {row.id: row for row in store.iter_articles()}
    store.close()
    client = TestClient(create_app(demo_db["db"]))
    assert [e["id"] for e in client.get("/events").json()] == [ev.id for ev in events]
    airstrikes = [ev.id for ev in events if ev.type == "airstrike"]
    assert airstrikes and [e["id"] for e in client.get("/events", params={"type": "airstrike"}).json()] == airstrikes
    assert len(client.get("/events", params={"country": "ml"}).json()) == sum(ev.location.country_code == "ML" for ev in events)
    assert client.get("/events", params={"country": "fr"}).json() == []
    late = [ev.id for ev in events if (ev.date.end or "") >= "2024-11-15"]
    assert [e["id"] for e in client.get("/events", params={"date_from": "2024-11-15"}).json()] == late
    flh = client.get("/events", params={"actor": "hayr"}).json()
    assert flh and all(any("hayr" in a["name"].lower() for a in e["actors"]) for e in flh)
    one = client.get(f"/events/{airstrikes[0]}").json()
    assert one["id"] == airstrikes[0] and set(one) >= {"claims", "contradictions", "articles"}
    assert client.get("/events/nope").status_code == 404
    assert client.get("/articles/attack-01").json()["main_event"] == articles["attack-01"].main_event
    assert client.get("/articles/zz").status_code == 404
    assert "Douentza" in client.get("/timeline", params={"by": "place"}).json()
    assert client.get("/timeline", params={"by": "colour"}).status_code == 400
    page = client.get("/")
    assert page.status_code == 200 and "Contradiction: fatalities" in page.text
