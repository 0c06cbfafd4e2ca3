"""The `storyline` command: a thin Typer layer over the stage modules."""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from storyline.errors import InputError, InputWarning, printable
from storyline.models import to_dict
from storyline.store.db import DEFAULT_DB, Store

app = typer.Typer(help="Turn raw news articles into a deduplicated, source-traced database of events.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True)

DbOpt = Annotated[str, typer.Option("--db", help="SQLite file or postgresql:// URL")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit non-zero on any input error")]
PathsArg = Annotated[list[str], typer.Argument(help="Files or folders ('-' reads JSONL from stdin)")]


def print_error(exc: InputError) -> None:
    """One line per error; a Text, so that a file named "[red]x" or ":cat:" prints as it is named."""
    label = ("warning", "yellow") if isinstance(exc, InputWarning) else ("error", "red")
    err.print(Text.assemble(label, " ", str(exc)), highlight=False, soft_wrap=True)


def collecting_errors() -> tuple[list[InputError], Callable[[InputError], None]]:
    """A list of input errors and warnings, and the callback that prints each one and keeps it."""
    problems: list[InputError] = []

    def on_error(exc: InputError) -> None:
        problems.append(exc)
        print_error(exc)

    return problems, on_error


def write_json_line(record: dict) -> None:
    """One JSON line as UTF-8 whatever the locale; a character UTF-8 cannot hold (a lone surrogate)
    is written as an escape instead of as invalid bytes."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    sys.stdout.buffer.write(line.encode("utf-8", "backslashreplace"))


def exit_status(read: int, problems: list[InputError], strict: bool) -> None:
    """The documented rule: with --strict any error (not a warning) fails the run; otherwise only
    a run in which nothing could be read and something was wrong or skipped."""
    errors = [p for p in problems if not isinstance(p, InputWarning)]
    if (strict and errors) or (read == 0 and problems):
        raise typer.Exit(1)


@contextmanager
def progress_bar(label: str, quiet: bool):
    """A Rich progress bar with counts and items/s; yields (set_total, advance)."""
    if quiet:
        yield (lambda _t: None), (lambda n=1: None)
        return
    start = time.monotonic()
    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err, transient=False) as prog:
        task = prog.add_task(label, total=None, rate="")

        def advance(n: int = 1) -> None:
            done = prog.tasks[0].completed + n
            prog.update(task, advance=n, rate=f"{done / max(time.monotonic() - start, 1e-6):.1f} articles/s")

        yield (lambda total: prog.update(task, total=total)), advance


def _ingest(paths: list[str], store: Store, quiet: bool, strict: bool, workers=None):
    from storyline.ingest.run import ingest_paths

    with progress_bar("ingest", quiet) as (set_total, advance):
        report = ingest_paths(paths, store, on_error=print_error, on_total=set_total, on_article=lambda _a: advance(),
                              workers=workers)
    warnings = f", {len(report.warnings)} warnings" if report.warnings else ""
    err.print(f"ingested: {report.read} read, {report.added} new, {report.new_versions} new versions, "
              f"{report.unchanged} unchanged, {len(report.errors)} errors{warnings}", highlight=False)
    exit_status(report.read, report.errors + report.warnings, strict)
    return report


@app.command()
def ingest(paths: PathsArg, db: DbOpt = DEFAULT_DB, quiet: QuietOpt = False, strict: StrictOpt = False) -> None:
    """Read, clean and store articles (idempotent by content hash)."""
    store = Store(db)
    try:
        _ingest(paths, store, quiet, strict)
    finally:
        store.close()


@app.command()
def clean(paths: PathsArg, strict: StrictOpt = False) -> None:
    """Print one JSON line per cleaned article, with every removed line and its reason."""
    from storyline.ingest.run import clean_paths

    errors, on_error = collecting_errors()

    n = 0
    for a in clean_paths(paths, on_error):
        n += 1
        rec = {k: getattr(a, k) for k in ("id", "title", "published", "publisher", "url", "text")}
        rec["removed"] = to_dict(a.removed)
        write_json_line(rec)
    exit_status(n, errors, strict)


def usable_cpus() -> int:
    """The cores this process may run on (at most 4: analysis gains little beyond)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def _workers(engine: str, workers: int, address: str | None):
    """Who runs cleaning and analysis: this process, local processes, or Ray (one line and exit 2
    when Ray is asked for and not installed)."""
    from storyline.distribute import InProcess, ProcessPool

    if engine == "ray":
        from storyline.distribute.cluster import RayUnavailable, RayWorkers

        try:
            return RayWorkers(workers or usable_cpus(), address)
        except RayUnavailable as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None
    if engine != "local":
        err.print(f"error: unknown engine {engine!r}; choose local or ray", markup=False, highlight=False)
        raise typer.Exit(2)
    n = workers or usable_cpus()
    return ProcessPool(n) if n > 1 else InProcess()


@app.command()
def run(paths: PathsArg, db: DbOpt = DEFAULT_DB, report: Annotated[Path | None, typer.Option("--report", help="Write the HTML report here")] = None,
        quiet: QuietOpt = False, strict: StrictOpt = False,
        workers: Annotated[int, typer.Option("--workers", help="Processes (or Ray actors) that analyse articles (0: one per usable core, up to 4; 1: this process only)")] = 0,
        engine: Annotated[str, typer.Option("--engine", help="local (this machine) or ray (a Ray cluster)")] = "local",
        address: Annotated[str | None, typer.Option("--address", help="Ray cluster: auto or ray://host:port (default: start Ray here)")] = None) -> None:
    """Run every stage: ingest and clean, analyse, then take what is new into the events
    (deduplicate, cluster, reconcile), and print a summary; optionally write the report.
    Cleaning and analysis may run elsewhere (--workers, --engine ray); reading, writing the store
    and updating the events always run here, one writer per store."""
    from storyline.cluster.engine import EngineReport, EventEngine
    from storyline.pipeline import analyze_pending, write_report

    store = Store(db)
    try:
        events, done = EventEngine(store), EngineReport()
        with _workers(engine, workers, address) as pool:
            clock = [time.monotonic()]
            _ingest(paths, store, quiet, strict, pool)
            clock.append(time.monotonic())
            # with the analysis elsewhere, this process takes whole batches into the events meanwhile
            beside = (lambda before: events.run(before=before, report=done)) if pool.elsewhere else None
            with progress_bar("analyze", quiet) as (set_total, advance):
                analyze_pending(store, on_total=set_total, on_done=advance, workers=pool, take_in=beside)
            clock.append(time.monotonic())
        with progress_bar("events", quiet) as (set_total, advance):
            set_total(events.pending())
            events.run(on_batch=advance, report=done)
        clock.append(time.monotonic())
        err.print(f"events: {done.articles} article versions taken in, {done.events_changed} events updated, "
                  f"{done.merges} merges, {done.splits} splits", highlight=False)
        err.print("time: " + ", ".join(f"{stage} {b - a:.1f} s" for stage, a, b in
                                       zip(("ingest", "analysis", "events"), clock, clock[1:])), highlight=False)
        _print_summary(store, store.events())
        if report is not None:
            write_report(store, report)
            err.print(f"report written to {report}")
    finally:
        store.close()


def _print_summary(store: Store, events) -> None:
    from rich.table import Table

    from storyline.report.timeline import sort_key

    articles = list(store.iter_articles())
    copies = sum(1 for a in articles if a.duplicate_of)
    unread = Counter(a.main_event_reason for a in articles if a.main_event_reason)
    table = Table(title=f"{len(events)} events from {len(articles)} articles ({copies} copies)", title_justify="left")
    for col in ("date", "±", "type", "place", "killed", "hurt", "src", "disputed"):
        table.add_column(col, overflow="fold")
    precision = {"day": "day", "week": "wk", "month": "mo", "year": "yr", "reported_by": "~pub", "range": "rng"}
    for ev in sorted(events, key=sort_key):
        table.add_row(ev.date.start or "?", precision.get(ev.date.precision, ev.date.precision or ""),
                      ev.type, ev.location.name or "?", str(ev.fatalities.best if ev.fatalities else ""),
                      str(ev.injuries.best if ev.injuries else ""), str(ev.sources),
                      ", ".join(sorted({c.attribute for c in ev.contradictions})))
    Console().print(table)
    for reason, n in sorted(unread.items()):
        err.print(f"{n} article(s) without an event: {reason}", highlight=False)


@app.command()
def export(db: DbOpt = DEFAULT_DB,
           what: Annotated[str, typer.Option("--what", help="articles")] = "articles",
           fmt: Annotated[str, typer.Option("--format", help="jsonl | csv")] = "jsonl",
           output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout)")] = None) -> None:
    """Export the database (the field lists are a contract)."""
    from storyline.report.exports import export_records

    store = Store(db)
    try:
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            export_records(store, what, fmt, out)
        except ValueError as exc:
            err.print(f"[red]error[/red] {exc}")
            raise typer.Exit(2) from None
        finally:
            if output:
                out.close()
    finally:
        store.close()


def _inspect_inputs(paths: list[str], published: str | None, raw: bool, jsonl_input: bool, on_error):
    """DocumentInputs for inspect: JSONL {"id","text","published"} lines, raw files, or cleaned articles."""
    from storyline.ingest.readers import read_paths
    from storyline.ingest.run import clean_paths
    from storyline.nlp.analyze import DocumentInput

    if jsonl_input or raw:
        for doc in read_paths(paths, on_error):
            text = doc.text if doc.text is not None else doc.html or ""
            yield DocumentInput(doc.id, text, published or doc.published, doc.url)
    else:
        for a in clean_paths(paths, on_error):
            yield DocumentInput(a.id, a.text, published or a.published, a.url, a.language)


@app.command()
def inspect(paths: PathsArg,
            published: Annotated[str | None, typer.Option("--published", help="Publication date YYYY-MM-DD for every document")] = None,
            raw: Annotated[bool, typer.Option("--raw", help="No cleaning: offsets point into the input file")] = False,
            jsonl_input: Annotated[bool, typer.Option("--jsonl-input", help='Inputs are JSONL {"id","text","published"}')] = False) -> None:
    """Print one JSON line per document: sentences, entities, times, places and event mentions."""
    from storyline.nlp.analyze import analyze_documents
    from storyline.report.inspect import inspect_record

    errors, on_error = collecting_errors()

    n = 0
    for doc in analyze_documents(_inspect_inputs(paths, published, raw, jsonl_input, on_error)):
        n += 1
        write_json_line(inspect_record(doc))
    exit_status(n, errors, strict=False)


@app.command()
def report(db: DbOpt = DEFAULT_DB, output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write")] = Path("report.html")) -> None:
    """Write the self-contained HTML report: timeline, map, events with sources and contradictions."""
    from storyline.pipeline import write_report

    store = Store(db)
    try:
        n = write_report(store, output)
    finally:
        store.close()
    err.print(f"report: {n} events -> {output}")


@app.command()
def timeline(db: DbOpt = DEFAULT_DB,
             by: Annotated[str, typer.Option("--by", help="all | actor | place | story")] = "all",
             name: Annotated[str | None, typer.Option("--name", help="Only groups whose name contains this")] = None) -> None:
    """Print events in date order (precision shown), grouped by actor, place or story."""
    from rich.table import Table

    from storyline.report.timeline import date_label
    from storyline.report.timeline import timeline as group_events

    store = Store(db)
    try:
        events = store.events()
        mains = store.main_events() if by == "story" else None
    finally:
        store.close()
    try:
        groups = group_events(events, by, mains)
    except ValueError as exc:
        err.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from None
    out = Console()
    for group, evs in groups.items():
        if name and name.lower() not in group.lower():
            continue
        table = Table(title=group, title_justify="left")
        for col in ("date", "type", "place", "killed", "sources", "event"):
            table.add_column(col)
        for ev in evs:
            table.add_row(date_label(ev), ev.type, ev.location.name or "?",
                          str(ev.fatalities.best if ev.fatalities else ""), str(ev.sources), ev.id)
        out.print(table)


@app.command()
def serve(db: DbOpt = DEFAULT_DB,
          host: Annotated[str, typer.Option(help="Interface to listen on (another than 127.0.0.1 exposes the server)")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port")] = 8000,
          token_file: Annotated[Path | None, typer.Option("--token-file", help="File holding the bearer token that enables "
                                                          "POST /articles and POST /runs; without it the server is read-only")] = None,
          max_body: Annotated[int | None, typer.Option("--max-body", min=1, help="Largest request body accepted, in bytes "
                                                       "(default 20 MB)")] = None,
          allow_origin: Annotated[list[str] | None, typer.Option("--allow-origin", help="Origin allowed cross-site "
                                                                 "requests (repeatable; CORS is closed by default)")] = None) -> None:
    """Serve the analyst's workbench (/) and the REST API (/events, /articles, /docs) over a store."""
    import logging

    if "://" not in db and not Path(db).expanduser().is_file():
        err.print(Text(f"error {printable(db)}: no such database file (serve only reads; create one with "
                       f"`storyline ingest` or `storyline run`)"), highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    token = None
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            err.print(Text(f"error {printable(str(token_file))}: cannot read the token ({exc.__class__.__name__})"), highlight=False)
            raise typer.Exit(2) from None
        if len(token) < 16 or any(c.isspace() for c in token):
            err.print(Text(f"error {printable(str(token_file))}: the token must be at least 16 characters, without spaces"),
                      highlight=False)
            raise typer.Exit(2)
    import uvicorn

    from storyline.api.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    options = {"token": token, "max_body": max_body, "allow_origins": tuple(allow_origin or ())}
    app_ = create_app(db, **{k: v for k, v in options.items() if v})  # what is not set keeps create_app's default
    uvicorn.run(app_, host=host, port=port, access_log=False, server_header=False)


eval_app = typer.Typer(help="Score against evaluation corpora; prints JSON.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def _print_json(result: dict) -> None:
    sys.stdout.write(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n")


@eval_app.command("times")
def eval_times(corpus: Path) -> None:
    """TIMEX3 value and span F1 on a corpus with gold.json "timex" (e.g. meantime-dev), whole and by fixed halves."""
    from storyline.evaluation.times import evaluate_times

    _print_json(evaluate_times(corpus))


@eval_app.command("places")
def eval_places(corpus: Path) -> None:
    """Toponym resolution accuracy within 161 km on a corpus with gold.json "toponyms"."""
    from storyline.evaluation.places import evaluate_places

    _print_json(evaluate_places(corpus))


@eval_app.command("plover")
def eval_plover(corpus: Path) -> None:
    """PLOVER event type and actor accuracy on records.jsonl (a file or its folder), overall and
    per fixed half."""
    from storyline.evaluation.plover import evaluate_plover

    _print_json(evaluate_plover(corpus / "records.jsonl" if corpus.is_dir() else corpus))


@eval_app.command("typing")
def eval_typing(corpus: Path) -> None:
    """ACLED sub-event typing on snippets.jsonl (e.g. case2021-dev): accuracy, macro-F1 over the
    ACLED types and the share of out-of-ACLED snippets answered none, overall and per fixed half."""
    from storyline.evaluation.typing import evaluate_typing

    _print_json(evaluate_typing(corpus))


@eval_app.command("clusters")
def eval_clusters(corpus: Path) -> None:
    """Run the product on the corpus (temporary database) and score each article's main_event
    against gold.json "clusters": B-cubed P/R/F1 and ARI, overall and per fixed half."""
    from storyline.evaluation.clusters import evaluate_clusters

    _print_json(evaluate_clusters(corpus, progress=lambda msg: err.print(msg)))


@eval_app.command("seeds")
def eval_seeds(corpus: Path) -> None:
    """Check mentions per article, then run the whole pipeline and check every gold event,
    its articles, its separation from similar events and its contradictions."""
    from storyline.evaluation.events import evaluate_events
    from storyline.evaluation.seeds import evaluate_seed_mentions
    from storyline.nlp.analyze import analyze_text

    _print_json({"mentions": evaluate_seed_mentions(corpus, analyze_text), "events": evaluate_events(corpus)})


if __name__ == "__main__":
    app()
