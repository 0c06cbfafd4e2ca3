"""The REST API and the analyst's workbench over one store (SQLite or PostgreSQL).

JSON records are the export formats (the same contract as ``storyline export``), so a client can
switch between files and the API without a second schema. Filtering, sorting, paging and counting
run in SQL (:mod:`storyline.api.query`). Without a token the server is read-only; with one, the
write endpoints take articles and start runs.
"""
from __future__ import annotations

import io
import itertools
import json
import tempfile
from collections.abc import Iterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from storyline.api import query as q
from storyline.api.runs import MAX_FILES, Runs, ingest_upload, run_json
from storyline.api.security import Guard, require_token
from storyline.models import Event, from_dict, to_dict
from storyline.report.exports import EVENT_FIELDS, article_record, export_records
from storyline.report.timeline import timeline
from storyline.store.db import Store

MAX_BODY = 20 * 1024 * 1024
EXPORT_FORMATS = {"csv": ("events", "csv", "text/csv"), "acled-csv": ("events", "acled-csv", "text/csv"),
                  "geojson": ("events", "geojson", "application/geo+json"), "jsonl": ("events", "jsonl", "application/x-ndjson"),
                  "claims-csv": ("claims", "csv", "text/csv"), "claims-jsonl": ("claims", "jsonl", "application/x-ndjson")}
EXPORT_SUFFIX = {"csv": "csv", "acled-csv": "acled.csv", "geojson": "geojson", "jsonl": "jsonl",
                 "claims-csv": "claims.csv", "claims-jsonl": "claims.jsonl"}


def filter_params(request: Request,
                  date_from: Annotated[str | None, Query(description="events ending on or after: YYYY-MM-DD, YYYY-MM or YYYY")] = None,
                  date_to: Annotated[str | None, Query(description="events starting on or before")] = None,
                  country: Annotated[str | None, Query(description="names, ISO codes or demonyms, comma-separated (Mali, ML, MLI, Malian)")] = None,
                  admin1: Annotated[str | None, Query(description="first-order division, exactly as stored")] = None,
                  place: Annotated[str | None, Query(description="place name, exactly as stored")] = None,
                  type: Annotated[str | None, Query(description="project event type (airstrike, drone_attack, ...)")] = None,
                  acled_event_type: Annotated[str | None, Query(description="ACLED event type")] = None,
                  acled_sub_event_type: Annotated[str | None, Query(description="ACLED sub-event type")] = None,
                  plover_type: Annotated[str | None, Query(description="PLOVER category")] = None,
                  actor: Annotated[str | None, Query(description="words of an actor's name or alias (word prefixes)")] = None,
                  fatalities_min: Annotated[str | None, Query(description="at least this many killed")] = None,
                  fatalities_max: Annotated[str | None, Query(description="at most this many killed (unknown counts as 0)")] = None,
                  sources_min: Annotated[str | None, Query(description="at least this many independent sources")] = None,
                  sources_max: Annotated[str | None, Query()] = None,
                  contradictions: Annotated[str | None, Query(description="true: sources disagree; false: they do not")] = None,
                  q_: Annotated[str | None, Query(alias="q", description="words in the summary or a claim's sentence")] = None,
                  ) -> q.EventFilter:
    """The filter every event endpoint takes (declared here for the OpenAPI docs; parsed and
    checked by :func:`storyline.api.query.parse_filter`, which reads the raw parameters)."""
    errors: list[dict] = []
    q.check_unknown(request.query_params, EVENT_PARAMS, errors)
    f = q.parse_filter(request.query_params, errors)
    if errors:
        raise q.QueryError(errors)
    return f


def _page(request: Request) -> tuple[str, int, int]:
    errors: list[dict] = []
    page = q.parse_page(request.query_params, errors)
    if errors:
        raise q.QueryError(errors)
    return page


FilterDep = Annotated[q.EventFilter, Depends(filter_params)]
EVENT_PARAMS = q.FILTER_PARAMS + q.PAGE_PARAMS + ("interval", "format", "by")


def create_app(db: str, token: str | None = None, max_body: int = MAX_BODY, allow_origins: tuple[str, ...] = ()) -> FastAPI:
    """The app over ``db``. ``token`` enables the write endpoints; ``allow_origins`` opens CORS
    to those origins only (closed by default)."""
    store = Store(db)
    queries = q.EventQueries(store)
    runs = Runs(store)
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        runs.shutdown()
        store.close()

    app = FastAPI(title="Storyline", docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Events extracted from news, every fact traced to its sentences and sources, "
                              "every disagreement between sources shown.")
    app.state.store, app.state.queries, app.state.read_only = store, queries, token is None
    app.add_middleware(Guard, max_body=max_body)
    if allow_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(allow_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.mount("/static", StaticFiles(directory=str(resources.files("storyline.api") / "static")), name="static")
    writer = [Depends(require_token(token))]

    # ------------------------------------------------------------------ errors (failures: see security.Guard)
    @app.exception_handler(q.QueryError)
    async def _params(request: Request, exc: q.QueryError):
        """Invalid parameters: 422 with each problem (as JSON, or as a page for the views)."""
        if _wants_html(request):
            from storyline.api.web import error_page

            return error_page(request, 422, "Some parameters were not understood.", exc.errors)
        return JSONResponse({"detail": "invalid parameters", "errors": exc.errors}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError):
        errors = [{"param": ".".join(str(x) for x in e.get("loc", ())[1:]) or "body", "message": e.get("msg", "")}
                  for e in exc.errors()]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if _wants_html(request) and exc.status_code in (404, 405):
            from storyline.api.web import error_page

            return error_page(request, exc.status_code, str(exc.detail))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    # ------------------------------------------------------------------ events
    @app.get("/events", tags=["events"])
    def events(request: Request, f: FilterDep,
               sort: Annotated[str, Query(description=f"one of {', '.join(q.SORTS)}; prefix - for descending")] = "-date",
               limit: Annotated[str, Query(description=f"1 to {q.MAX_LIMIT}")] = "50",
               offset: Annotated[str, Query(description="events to skip")] = "0") -> dict:
        """Matching events, one page: each as in `storyline export --what events`, with the total."""
        sort, limit, offset = _page(request)
        page = queries.page(f, sort, limit, offset, payload=True)
        nxt = offset + limit if offset + limit < page.total else None
        return JSONResponse({"total": page.total, "limit": limit, "offset": offset, "sort": sort, "next_offset": nxt,
                             "events": [{k: ev[k] for k in EVENT_FIELDS} for ev in page.rows]})

    @app.get("/events/facets", tags=["events"])
    def facets(f: FilterDep) -> dict:
        """Counts of matching events per country, ACLED type, PLOVER type, type, admin1 and actor
        (each counted under the other filters)."""
        return JSONResponse({name: [{"value": v, "count": n} for v, n in values] for name, values in queries.facets(f).items()})

    @app.get("/events/histogram", tags=["events"])
    def histogram(f: FilterDep, interval: Annotated[str, Query(description="auto, day, week, month or year")] = "auto") -> dict:
        """Matching events per period of their start date."""
        if interval not in q.INTERVALS + ("auto",):
            raise q.QueryError([{"param": "interval", "message": f"{interval!r}: one of auto, {', '.join(q.INTERVALS)}"}])
        days = queries.days(f)
        chosen = q.auto_interval(days) if interval == "auto" else interval
        return {"interval": chosen, "buckets": [{"start": s, "count": n} for s, n in q.histogram(days, chosen)]}

    @app.get("/events/map", tags=["events"])
    def points(f: FilterDep) -> dict:
        """Matching events with coordinates, the deadliest first (at most 5,000), with their precision."""
        total, pts = queries.points(f)
        return JSONResponse({"total": total, "shown": len(pts), "points": pts})

    @app.get("/events/{event_id}", tags=["events"])
    def event(event_id: str) -> dict:
        """One event as exported, with its claims and contradictions."""
        data = queries.payloads([event_id]).get(event_id)
        if data is None:
            raise HTTPException(404, f"no event {event_id!r}")
        return {k: data[k] for k in EVENT_FIELDS}

    @app.get("/events/{event_id}/story", tags=["events"])
    def story(event_id: str) -> dict:
        """The events one story is made of, in date order (see the story view)."""
        from storyline.api.web import story_rows

        rows, truncated = story_rows(queries, event_id)
        if not rows:
            raise HTTPException(404, f"no event {event_id!r}")
        return {"event": event_id, "truncated": truncated, "events": rows}

    @app.get("/export", tags=["events"])
    def export(request: Request, f: FilterDep,
               format: Annotated[str, Query(description=", ".join(EXPORT_FORMATS))] = "csv") -> Response:
        """The matching events (or their claims) in an export format, as `storyline export` writes them."""
        if format not in EXPORT_FORMATS:
            raise q.QueryError([{"param": "format", "message": f"{format!r}: one of {', '.join(EXPORT_FORMATS)}"}])
        sort = _page(request)[0]
        what, fmt, media = EXPORT_FORMATS[format]
        return StreamingResponse(_export_stream(store, queries, f, sort, what, fmt), media_type=media,
                                 headers={"Content-Disposition": f'attachment; filename="storyline-events.{EXPORT_SUFFIX[format]}"'})

    # ------------------------------------------------------------------ articles
    @app.get("/articles", tags=["articles"])
    def articles(request: Request,
                 limit: Annotated[str, Query(description=f"1 to {q.MAX_LIMIT}")] = "50",
                 offset: Annotated[str, Query()] = "0",
                 duplicate: Annotated[str | None, Query(description="any, none, or a copy kind (exact, syndicated, rewritten, near)")] = None,
                 event: Annotated[str | None, Query(description="yes: has a main event; no: has none")] = None,
                 language: Annotated[str | None, Query()] = None,
                 q_: Annotated[str | None, Query(alias="q", description="words of the title or publisher")] = None) -> dict:
        """Current articles, one page, each as in `storyline export --what articles`."""
        from storyline.api.web import article_page

        total, rows, (limit_, offset_) = article_page(store, request.query_params)
        return {"total": total, "limit": limit_, "offset": offset_, "articles": [article_record(r) for r in rows]}

    @app.get("/articles/{article_id}", tags=["articles"])
    def article(article_id: str) -> dict:
        for row in store.iter_articles(article_id=article_id):
            return article_record(row) | {"removed": json.loads(row.removed or "[]")}
        raise HTTPException(404, f"no article {article_id!r}")

    @app.post("/articles", tags=["write"], dependencies=writer, status_code=200)
    async def post_articles(request: Request) -> JSONResponse:
        """Add articles: a JSON object or list of objects (`id`, `text` or `html`, `title`,
        `published`, `publisher`, `url`), or files as multipart/form-data (any format `storyline
        ingest` reads). Needs the bearer token."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            try:
                body = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise HTTPException(422, f"the body is not JSON: {exc}") from None
            docs = body if isinstance(body, list) else [body]
            if not docs or not all(isinstance(d, dict) for d in docs):
                raise HTTPException(422, "send an article object or a list of them")
            result = ingest_upload(store, documents=docs)
        elif kind == "multipart/form-data":
            form = await request.form(max_files=MAX_FILES)
            files = [(v.filename or "", await v.read()) for _k, v in form.multi_items() if isinstance(v, UploadFile)]
            if not files:
                raise HTTPException(422, "no file in the form")
            result = ingest_upload(store, files=files)
        else:
            raise HTTPException(415, "send application/json or multipart/form-data")
        status = 201 if result["added"] or result["new_versions"] else 422 if not result["read"] else 200
        return JSONResponse(result, status_code=status)

    # ------------------------------------------------------------------ runs
    @app.post("/runs", tags=["write"], dependencies=writer, status_code=202)
    def post_run() -> dict:
        """Analyse the articles not analysed yet and update the events (as `storyline run` does),
        in the background; poll `GET /runs/{id}`. Needs the bearer token."""
        return run_json(runs.start())

    @app.get("/runs/{run_id}", tags=["write"])
    def get_run(run_id: str) -> dict:
        run = runs.get(run_id)
        if run is None:
            raise HTTPException(404, f"no run {run_id!r}")
        return run_json(run)

    # ------------------------------------------------------------------ timelines, map data, docs
    @app.get("/timeline", tags=["events"])
    def timelines(f: FilterDep, by: str = "all") -> dict[str, list[dict]]:
        """Matching events grouped by actor, place or story, each group in date order."""
        if by not in ("all", "actor", "place", "story"):
            raise HTTPException(400, f"unknown timeline grouping {by!r}; choose all, actor, place or story")
        evs = list(_events(queries, queries.event_ids(f)))
        groups = timeline(evs, by, mains=store.main_events() if by == "story" else None)
        return {name: [{"id": ev.id, "type": ev.type, "date": to_dict(ev.date), "place": ev.location.name} for ev in group]
                for name, group in groups.items()}

    @app.get("/map/countries.geojson", include_in_schema=False)
    def borders() -> Response:
        from storyline.report.world import geojson

        return Response(geojson(), media_type="application/geo+json", headers={"Cache-Control": "max-age=86400"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse((resources.files("storyline.report") / "templates" / "docs.html").read_text(encoding="utf-8"))

    from storyline.api.web import add_views

    add_views(app, store, queries)
    return app


def _wants_html(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/ui/")


def _events(queries: q.EventQueries, ids: Iterator[str], chunk: int = 500) -> Iterator[Event]:
    """Events by id, read in chunks (exports of large views stream instead of loading all)."""
    ids = iter(ids)
    while batch := list(itertools.islice(ids, chunk)):
        payloads = queries.payloads(batch)
        yield from (from_dict(Event, payloads[x]) for x in batch if x in payloads)


def _export_stream(store: Store, queries: q.EventQueries, f: q.EventFilter, sort: str, what: str, fmt: str) -> Iterator[bytes]:
    """The export written to a spooled file (memory up to 8 MB), then sent in blocks."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        export_records(store, what, fmt, out, events=_events(queries, queries.event_ids(f, sort)))
        out.flush()
        raw.seek(0)
        while block := raw.read(64 * 1024):
            yield block
        out.detach()
