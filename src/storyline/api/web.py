"""The workbench's pages: events (filters, facets, map, chart, table, exports), one event (its
claims by source, contradictions, highlighted sentences, history, related events), a story, and
the articles with their cleaning audit. Server-rendered; the URL holds every view's state.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storyline.api import query as q
from storyline.report.html import event_view, highlighted_text, render
from storyline.report.timeline import article_core
from storyline.store.db import Store
from storyline.store.schema import (
    ArticleRow,
    EventActorRow,
    EventHistoryRow,
    EventMentionRow,
    EventRow,
)
from storyline.store.schema import EventFilterRow as F

STORY_CAP = 300
MAX_TEXTS = 30
COLUMNS = [("date", "Date"), ("type", "Event"), ("country", "Place"), (None, "Actors"), ("fatalities", "Killed"),
           ("sources", "Sources"), ("contradictions", "Disputed")]
FACET_LABELS = {"country": "Country", "acled_event_type": "ACLED type", "plover_type": "PLOVER type", "type": "Event type",
                "admin1": "Admin1", "actor": "Actor"}
EXPORT_LINKS = [("CSV", "csv"), ("ACLED CSV", "acled-csv"), ("GeoJSON", "geojson"), ("JSONL", "jsonl"),
                ("claims CSV", "claims-csv")]
ARTICLE_PARAMS = ("limit", "offset", "duplicate", "event", "language", "q")


def _url(path: str, params: Mapping[str, object]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean) if clean else "")


def error_page(request: Request, status: int, message: str, errors: list[dict] | None = None) -> HTMLResponse:
    return HTMLResponse(render("error.html", status=status, message=message, errors=errors or [],
                               read_only=request.app.state.read_only), status_code=status)


def add_views(app: FastAPI, store: Store, queries: q.EventQueries) -> None:
    def page(template: str, request: Request, **context) -> HTMLResponse:
        return HTMLResponse(render(template, read_only=request.app.state.read_only, **context))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/ui/events", response_class=HTMLResponse, include_in_schema=False)
    def events_view(request: Request) -> HTMLResponse:
        params = request.query_params
        errors: list[dict] = []
        q.check_unknown(params, q.FILTER_PARAMS + q.PAGE_PARAMS, errors)
        f = q.parse_filter(params, errors)
        sort, limit, offset = q.parse_page(params, errors)
        if errors:
            raise q.QueryError(errors)
        result = queries.page(f, sort, limit, offset)
        state = {**f.params(), "sort": None if sort == "-date" else sort, "limit": None if limit == 50 else limit}

        def link(**changes) -> str:
            return _url("/", {**state, "offset": None, **changes})

        def facet_link(name: str, value: str) -> str:
            return link(**{name: value})

        def facet_value(name: str, value: str) -> str:
            return f"{q.country_name(value)} ({value})" if name == "country" else value.replace("_", " ")

        chips = [(f"{k.replace('_', ' ')}: {', '.join(q.country_name(c) for c in f.country) if k == 'country' else v}",
                  link(**{k: None})) for k, v in f.params().items()]
        data_query = urlencode(f.params())
        return page("events.html", request, nav="events", f=f, page=result, form=_form(params),
                    facets=queries.facets(f), facet_labels=FACET_LABELS, facet_link=facet_link, facet_value=facet_value,
                    vocab=q.vocabularies(), columns=COLUMNS, chips=chips,
                    sort_link=lambda col: link(sort=f"-{col}" if sort == col else col),
                    prev_link=_url("/", {**state, "offset": max(offset - limit, 0) or None}) if offset else None,
                    next_link=_url("/", {**state, "offset": offset + limit}) if offset + limit < result.total else None,
                    exports=[(label, _url("/export", {**f.params(), "format": fmt, "sort": state["sort"]}))
                             for label, fmt in EXPORT_LINKS],
                    data_query=data_query,
                    chart_base=_url("/", {k: v for k, v in state.items() if k not in ("date_from", "date_to")}))

    @app.get("/ui/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str) -> HTMLResponse:
        data = queries.payloads([event_id]).get(event_id)
        if data is None:
            raise HTTPException(404, f"There is no event {event_id!r}.")
        ids = [a["id"] for a in data["articles"]]
        rows = _article_rows(store, ids)
        view = event_view(data, {r.id: {"title": r.title, "publisher": r.publisher, "duplicate_of": r.duplicate_of}
                                 for r in rows.values()})
        marks: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        for c in data.get("claims") or []:
            marks[c["article"]][c["sentence"]].add("claim")
        for k in data.get("contradictions") or []:
            for c in k["claims"]:
                marks[c["article"]][c["sentence"]].add("contra")
        texts = []
        for a in data["articles"][:MAX_TEXTS]:
            row = rows.get(a["id"])
            if row is None:
                continue
            texts.append({"id": row.id, "title": row.title, "publisher": row.publisher, "published": row.published,
                          "role": a["role"], "independent": a["independent"], "duplicate_of": row.duplicate_of,
                          "html": _marked_text(store, row, marks.get(row.id, {}))})
        return page("event.html", request, nav="events", v=view, texts=texts, history=_history(store, event_id),
                    related=_related(store, data))

    @app.get("/ui/stories/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, event_id: str) -> HTMLResponse:
        rows, truncated = story_rows(queries, event_id)
        if not rows:
            raise HTTPException(404, f"There is no event {event_id!r}.")
        return page("story.html", request, nav="events", event={"id": event_id}, events=rows, truncated=truncated)

    @app.get("/ui/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_view(request: Request) -> HTMLResponse:
        params = request.query_params
        total, rows, (limit, offset) = article_page(store, params)
        state = {k: params.get(k) for k in ARTICLE_PARAMS if k != "offset"}
        items = [{**{c: getattr(r, c) for c in ("id", "title", "published", "publisher", "language", "duplicate_of",
                                                  "duplicate_kind", "main_event", "main_event_reason")},
                  "removed_count": len(json.loads(r.removed or "[]"))} for r in rows]
        return page("articles.html", request, nav="articles", rows=items, total=total, limit=limit, offset=offset,
                    form=_form(params),
                    prev_link=_url("/ui/articles", {**state, "offset": max(offset - limit, 0) or None}) if offset else None,
                    next_link=_url("/ui/articles", {**state, "offset": offset + limit}) if offset + limit < total else None)

    @app.get("/ui/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_view(request: Request, article_id: str, event: str | None = None) -> HTMLResponse:
        row = _article_rows(store, [article_id]).get(article_id)
        if row is None:
            raise HTTPException(404, f"There is no article {article_id!r}.")
        with Session(store.engine) as s:
            mentions = s.execute(select(EventMentionRow.event_id, EventMentionRow.role)
                                 .where(EventMentionRow.article_id == article_id).order_by(EventMentionRow.pk)).all()
            copies = s.execute(select(ArticleRow.id, ArticleRow.duplicate_kind).where(
                ArticleRow.duplicate_of == article_id, ArticleRow.is_current.is_(True))).all()
        roles: dict[str, str] = {}
        for eid, role in mentions:
            roles[eid] = "reported" if "reported" in (roles.get(eid), role) else role
        events = queries.columns(list(roles))
        selected = event if event in roles else row.main_event
        marks: dict[int, set[str]] = defaultdict(set)
        if selected:
            data = queries.payloads([selected]).get(selected) or {}
            for c in data.get("claims") or []:
                if c["article"] == article_id:
                    marks[c["sentence"]].add("claim")
        return page("article.html", request, nav="articles", a=row, copies=copies, selected=selected,
                    events=[{"id": e, "type": events[e]["type"], "role": r} for e, r in roles.items() if e in events],
                    text_html=_marked_text(store, row, marks), removed=json.loads(row.removed or "[]"))


def _form(params: Mapping[str, str]) -> dict[str, str]:
    """What the user typed, to show back in the form (escaped by the template)."""
    return defaultdict(str, {k: v for k, v in params.items()})


def _article_rows(store: Store, ids: list[str]) -> dict[str, ArticleRow]:
    with Session(store.engine, expire_on_commit=False) as s:
        rows = s.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids), ArticleRow.is_current.is_(True))).all()
        for r in rows:
            s.expunge(r)
    return {r.id: r for r in rows}


def _marked_text(store: Store, row: ArticleRow, marks: Mapping[int, set[str]]):
    """The article's cleaned text with the marked sentences highlighted (offsets from its analysis)."""
    doc = store.analysis(row.id) if marks else None
    spans = [(s.start, s.end) for s in doc.sentences] if doc else []
    return highlighted_text(row.text, spans, marks, row.id)


def _history(store: Store, event_id: str) -> list[dict]:
    """Merges and splits this event came from or went into."""
    needle = f'%"{event_id}"%'
    with Session(store.engine) as s:
        rows = s.execute(select(EventHistoryRow.at, EventHistoryRow.kind, EventHistoryRow.from_ids, EventHistoryRow.to_ids)
                         .where(or_(EventHistoryRow.from_ids.like(needle), EventHistoryRow.to_ids.like(needle)))
                         .order_by(EventHistoryRow.pk)).all()
    return [{"at": at, "kind": kind, "from_ids": json.loads(a), "to_ids": json.loads(b)} for at, kind, a, b in rows]


def _related(store: Store, data: dict, n: int = 6) -> list[dict]:
    """The same actors' and the same place's other events, latest first, with links to all of them."""
    out = []
    cols = (F.id, F.type, F.date_start, F.location)
    with Session(store.engine) as s:
        for name in list(dict.fromkeys(a["name"] for a in data.get("actors") or []))[:3]:
            rows = s.execute(select(*cols).join(EventActorRow, EventActorRow.event_id == F.id)
                             .where(EventActorRow.key == name.lower()[:256], F.id != data["id"])
                             .group_by(*cols).order_by(F.date_start.desc()).limit(n)).all()
            out.append({"label": f"Other events of {name}", "events": rows, "all": _url("/", {"actor": name})})
        loc = data.get("location") or {}
        if loc.get("name"):
            rows = s.execute(select(*cols).where(F.location == loc["name"], F.id != data["id"])
                             .order_by(F.date_start.desc()).limit(n)).all()
            out.append({"label": f"Other events in {loc['name']}", "events": rows,
                        "all": _url("/", {"place": loc["name"], "country": loc.get("country_code")})})
    return out


def story_rows(queries: q.EventQueries, event_id: str) -> tuple[list[dict], bool]:
    """The events of ``event_id``'s story in date order (table rows, each with ``core``: whether
    it ties the story or is only mentioned in passing), and whether the story was cut at STORY_CAP.
    Walks articles breadth-first with the rule of :func:`storyline.report.timeline.article_core`."""
    with Session(queries.store.engine) as s:
        if not s.scalar(select(func.count()).select_from(EventRow).where(EventRow.id == event_id)):
            return [], False

        def tied(events: set[str], skip: set[str]) -> dict[str, set[str]]:
            """The events each article mentioning ``events`` ties (articles in ``skip`` left out)."""
            articles = set(s.scalars(select(EventMentionRow.article_id).where(EventMentionRow.event_id.in_(events)))) - skip
            if not articles:
                return {}
            mains = dict(s.execute(select(ArticleRow.id, ArticleRow.main_event).where(
                ArticleRow.id.in_(articles), ArticleRow.is_current.is_(True), ArticleRow.main_event.is_not(None))).all())
            mentions: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for eid, aid, role in s.execute(select(EventMentionRow.event_id, EventMentionRow.article_id, EventMentionRow.role)
                                            .where(EventMentionRow.article_id.in_(articles))):
                mentions[aid].append((eid, role))
            is_main = queries.main_events(sorted({e for ms in mentions.values() for e, _ in ms}))
            return {aid: article_core(ms, mains.get(aid), is_main.__contains__) for aid, ms in mentions.items()}

        # an event that ties nothing itself (mentioned in passing) belongs to its articles' stories
        first = tied({event_id}, set())
        own = {aid: t for aid, t in first.items() if event_id in t}
        used = own or {aid: t for aid, t in first.items() if t}
        core: set[str] = set().union(*used.values()) if used else set()
        seen, frontier, truncated = set(used), set(core), False
        while frontier and not truncated:
            more = {aid: t for aid, t in tied(frontier, seen).items() if t & frontier}
            seen |= set(more)
            found = set().union(*more.values()) if more else set()
            frontier = found - core
            core |= found
            truncated = len(core) > STORY_CAP
    ids = sorted(core)[:STORY_CAP] if truncated else sorted(core)
    if event_id not in core:
        ids.append(event_id)
    rows = queries.columns(ids)
    out = [{**rows[i], "core": i in core} for i in ids if i in rows]
    out.sort(key=lambda r: (r["date_start"] or "9999", r["date_end"] or "9999", r["id"]))
    return out, truncated


def article_page(store: Store, params: Mapping[str, str]) -> tuple[int, list[ArticleRow], tuple[int, int]]:
    """One page of current articles, newest first, narrowed by copy kind, event, language and
    words of the title or publisher."""
    errors: list[dict] = []
    q.check_unknown(params, ARTICLE_PARAMS, errors)
    limit = q.parse_int(params["limit"], "limit", errors, 1, q.MAX_LIMIT) if params.get("limit") else 50
    offset = q.parse_int(params["offset"], "offset", errors, 0, q.MAX_OFFSET) if params.get("offset") else 0
    conds = [ArticleRow.is_current.is_(True)]
    dup = (params.get("duplicate") or "").strip()
    if dup == "any":
        conds.append(ArticleRow.duplicate_of.is_not(None))
    elif dup == "none":
        conds.append(ArticleRow.duplicate_of.is_(None))
    elif dup:
        conds.append(ArticleRow.duplicate_kind == dup)
    ev = (params.get("event") or "").strip()
    if ev not in ("", "yes", "no"):
        errors.append({"param": "event", "message": f"{ev!r}: yes or no"})
    elif ev:
        conds.append(ArticleRow.main_event.is_not(None) if ev == "yes" else ArticleRow.main_event.is_(None))
    if params.get("language"):
        conds.append(ArticleRow.language == params["language"].strip())
    for word in q.words(params.get("q") or ""):
        pattern = f"%{word}%"
        conds.append(or_(func.lower(ArticleRow.title).like(pattern), func.lower(ArticleRow.publisher).like(pattern)))
    if errors:
        raise q.QueryError(errors)
    with Session(store.engine, expire_on_commit=False) as s:
        total = s.scalar(select(func.count()).select_from(ArticleRow).where(*conds)) or 0
        rows = s.scalars(select(ArticleRow).where(*conds).order_by(ArticleRow.published.desc(), ArticleRow.id)
                         .limit(limit).offset(offset)).all()
        for r in rows:
            s.expunge(r)
    return total, list(rows), (limit or 50, offset or 0)
