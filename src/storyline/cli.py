"""The `storyline` command: a thin Typer layer over the stage modules."""
from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storyline.errors import InputError
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
    err.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(label: str, quiet: bool):
    """A Rich progress bar with counts and items/s; yields (set_total, advance)."""
    if quiet:
        yield (lambda _t: None), (lambda: None)
        return
    start = time.monotonic()
    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err, transient=False) as prog:
        task = prog.add_task(label, total=None, rate="")

        def advance() -> None:
            done = prog.tasks[0].completed + 1
            prog.update(task, advance=1, rate=f"{done / max(time.monotonic() - start, 1e-6):.1f} articles/s")

        yield (lambda total: prog.update(task, total=total)), advance


def _ingest(paths: list[str], store: Store, quiet: bool, strict: bool):
    from storyline.ingest.run import ingest_paths

    with progress_bar("ingest", quiet) as (set_total, advance):
        report = ingest_paths(paths, store, on_error=print_error, on_total=set_total, on_article=lambda _a: advance())
    err.print(f"ingested: {report.read} read, {report.added} new, {report.new_versions} new versions, "
              f"{report.unchanged} unchanged, {len(report.errors)} errors", highlight=False)
    if (strict and report.errors) or (report.read == 0 and report.errors):
        raise typer.Exit(1)
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

    errors: list[InputError] = []

    def on_error(exc: InputError) -> None:
        errors.append(exc)
        print_error(exc)

    n = 0
    for a in clean_paths(paths, on_error):
        n += 1
        rec = {k: getattr(a, k) for k in ("id", "title", "published", "publisher", "url", "text")}
        rec["removed"] = to_dict(a.removed)
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if (strict and errors) or (n == 0 and errors):
        raise typer.Exit(1)


@app.command()
def run(paths: PathsArg, db: DbOpt = DEFAULT_DB, report: Annotated[Path | None, typer.Option("--report", help="Write the HTML report here")] = None,
        quiet: QuietOpt = False, strict: StrictOpt = False) -> None:
    """Run every stage: ingest and clean, then the analysis stages, then the report."""
    store = Store(db)
    try:
        _ingest(paths, store, quiet, strict)
        err.print(f"articles in store: {store.count_articles()}")
    finally:
        store.close()


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


if __name__ == "__main__":
    app()
