"""A read-only REST API over a store, plus the HTML report as its web page.

The JSON shapes are the export formats (the same contract), so a client can switch between files
and the API without a second schema.
"""
from __future__ import annotations

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse

from storyline.models import to_dict
from storyline.report.exports import article_records, event_record
from storyline.report.html import render_report
from storyline.report.timeline import timeline
from storyline.store.db import Store


def create_app(db: str) -> FastAPI:
    store = Store(db)
    app = FastAPI(title="Storyline", description="Events extracted from news, with their sources and contradictions.")

    def matching(type_: str | None, country: str | None, actor: str | None, date_from: str | None, date_to: str | None):
        for ev in store.events():
            if type_ and ev.type != type_:
                continue
            if country and ev.location.country_code != country.upper():
                continue
            if actor and not any(actor.lower() in (a.name or "").lower() for a in ev.actors):
                continue
            if date_from and (ev.date.end or "") < date_from:
                continue
            if date_to and (ev.date.start or "9999") > date_to:
                continue
            yield ev

    @app.get("/events")
    def events(type: str | None = None, country: str | None = None, actor: str | None = None,
               date_from: str | None = Query(None, description="YYYY-MM-DD"),
               date_to: str | None = Query(None, description="YYYY-MM-DD")) -> list[dict]:
        """Events, filtered; each as in `storyline export --what events`."""
        return [event_record(ev) for ev in matching(type, country, actor, date_from, date_to)]

    @app.get("/events/{event_id}")
    def event(event_id: str) -> dict:
        for ev in store.events(event_id):
            return event_record(ev)
        raise HTTPException(404, f"no event {event_id!r}")

    @app.get("/articles")
    def articles() -> list[dict]:
        return list(article_records(store))

    @app.get("/articles/{article_id}")
    def article(article_id: str) -> dict:
        for rec in article_records(store, article_id):
            return rec
        raise HTTPException(404, f"no article {article_id!r}")

    @app.get("/timeline")
    def timelines(by: str = "all") -> dict[str, list[dict]]:
        """Events grouped by actor, place or story, each group in date order."""
        try:
            groups = timeline(store.events(), by)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return {name: [{"id": ev.id, "type": ev.type, "date": to_dict(ev.date), "place": ev.location.name} for ev in evs]
                for name, evs in groups.items()}

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        """The report: timeline, map, events with sources side by side and contradictions."""
        titles = {row["id"]: row["title"] or "" for row in article_records(store)}
        return render_report(store.events(), titles, len(titles))

    return app
