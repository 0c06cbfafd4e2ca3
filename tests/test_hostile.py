"""Hostile and odd input, one defect at a time: each gives one clear error (or is read), the batch
goes on, memory and time stay bounded, and nothing outside the input tree is read."""
from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyline.clean import Cleaner
from storyline.clean.residue import residue_reason
from storyline.cli import app
from storyline.errors import InputError, InputWarning, printable
from storyline.ingest.readers import MAX_ERRORS_PER_FILE, read_paths
from storyline.models import Article, RawDocument
from storyline.nlp import analyze
from storyline.report import exports
from storyline.report.exports import export_records
from storyline.store.db import Store

runner = CliRunner()
GOOD = "Heavy rain flooded parts of Dhaka on Monday, cutting power to thousands of homes, officials said."
DEEP = "[" * 100_000


def read_all(*paths) -> tuple[list[RawDocument], list[InputError]]:
    errors: list[InputError] = []
    docs = list(read_paths([str(p) for p in paths], errors.append))
    return docs, errors


def ingest(*args: str, input: str | None = None):
    result = runner.invoke(app, ["ingest", *args, "--quiet"], input=input)
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit)), result.output
    return result


def stored(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM articles WHERE is_current")}


# --------------------------------------------------------------------------- 1, 2, 11: JSON
def test_deep_nesting_is_one_error_in_every_json_reader(tmp_path):
    (tmp_path / "deep.jsonl").write_text(DEEP + "\n" + json.dumps({"id": "after", "text": GOOD}) + "\n")
    (tmp_path / "deep.json").write_text(DEEP)
    (tmp_path / "metadata.jsonl").write_text(DEEP + "\n" + json.dumps({"file": "good.txt", "publisher": "Dhaka Wire"}) + "\n")
    (tmp_path / "good.txt").write_text(GOOD)
    docs, errors = read_all(tmp_path)
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {"after", "good"} and by_id["good"].publisher == "Dhaka Wire"
    messages = sorted(str(e) for e in errors)
    assert len(messages) == 3 and all("nested too deeply" in m for m in messages)
    assert any("deep.jsonl:1" in m for m in messages) and any("metadata.jsonl:1" in m for m in messages)
    db = tmp_path / "s.db"
    result = ingest("-", "--db", str(db), input=DEEP + "\n" + json.dumps({"id": "stdin-ok", "text": GOOD}) + "\n")
    assert result.exit_code == 0 and "<stdin>:1: JSON nested too deeply" in result.output
    assert "stdin-ok" in stored(db)


def test_metadata_line_that_is_not_an_object_is_skipped_not_fatal(tmp_path):
    lines = ["[1]", '"text"', "7", "null", '{"file": ["a"]}', json.dumps({"file": "good.txt", "title": "Floods in Dhaka"})]
    (tmp_path / "metadata.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "good.txt").write_text(GOOD)
    docs, errors = read_all(tmp_path)
    assert [d.title for d in docs] == ["Floods in Dhaka"]
    assert [e.line for e in errors] == [1, 2, 3, 4, 5] and all("metadata.jsonl" in e.source for e in errors)


def test_byte_order_mark_keeps_the_first_record_and_utf16_is_one_error(tmp_path):
    rec = json.dumps({"id": "first", "text": GOOD})
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + rec.encode() + b"\n")
    (tmp_path / "wide.jsonl").write_bytes((rec + "\n" + rec + "\n").encode("utf-16"))
    docs, errors = read_all(tmp_path)
    assert [d.id for d in docs] == ["first"]
    assert len(errors) == 1 and "wide.jsonl" in errors[0].source and "UTF-16" in errors[0].reason


def test_json_values_of_the_wrong_kind_and_huge_ids(tmp_path):
    recs = [{"id": "x" * 5000, "text": GOOD}, {"id": "m", "text": GOOD, "title": ["a", "b"], "published": {"y": 1}},
            {"id": "n", "text": "1" * 10}, "9" * 5000]
    (tmp_path / "odd.jsonl").write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in recs) + "\n")
    docs, errors = read_all(tmp_path)
    assert len(docs) == 3 and len(docs[0].id) <= 200 and docs[0].id.startswith("xxx")
    assert docs[1].title is None and docs[1].published is None  # a list is no title, an object no date
    assert len(errors) == 1 and errors[0].line == 4 and "JSON" in errors[0].reason


def test_repeated_bad_lines_are_listed_up_to_a_cap_and_counted(tmp_path):
    (tmp_path / "junk.jsonl").write_text("{bad\n" * 500 + json.dumps({"id": "last", "text": GOOD}) + "\n")
    docs, errors = read_all(tmp_path)
    assert [d.id for d in docs] == ["last"]
    assert len(errors) == MAX_ERRORS_PER_FILE + 1 and f"{500 - MAX_ERRORS_PER_FILE:,} more" in errors[-1].reason


# --------------------------------------------------------------------------- 3, 10: feeds
def test_feeds_with_bad_character_references_or_encodings_are_read(tmp_path):
    item = "<item><guid>{g}</guid><title>Flood</title><description>{d}</description></item>"
    (tmp_path / "surrogate.rss").write_text(
        "<rss><channel><title>Wire</title>" + item.format(g="s1", d="Water rose &#xD800; in Dhaka on Monday.") + "</channel></rss>")
    (tmp_path / "encoding.rss").write_bytes(
        b'<?xml version="1.0" encoding="utf-\x94"?><rss><channel>' + item.format(g="e1", d=GOOD).encode() + b"</channel></rss>")
    (tmp_path / "plain.rss").write_text(
        "<rss><channel>" + item.format(g="p1", d=GOOD) + item.format(g="p2", d="&lt;p&gt;A short one.&lt;/p&gt;") + "</channel></rss>")
    docs, errors = read_all(tmp_path)
    by_id = {d.id: d for d in docs}
    assert errors == [] and set(by_id) == {"s1", "e1", "p1", "p2"}
    assert by_id["p1"].text == GOOD and by_id["p1"].html is None  # plain text is text, not HTML
    assert by_id["p2"].html == "<p>A short one.</p>"
    cleaner = Cleaner()
    articles = {i: cleaner.clean(by_id[i]) for i in by_id}
    assert articles["p1"].text == GOOD and articles["e1"].text == GOOD
    assert articles["p2"].text == "A short one."  # a fragment trafilatura finds too short
    assert "\ufffd" in articles["s1"].text and "Dhaka" in articles["s1"].text


def test_feed_content_naming_a_file_is_not_opened(tmp_path):
    outside = tmp_path / "secret.xml"
    outside.write_text("<rss><channel><item><description>SECRET words from outside the tree.</description></item></channel></rss>")
    feed = tmp_path / "in" / "trick.rss"
    feed.parent.mkdir()
    feed.write_bytes(str(outside).encode())
    docs, errors = read_all(feed.parent)
    assert docs == [] and len(errors) == 1 and "trick.rss" in errors[0].source


# --------------------------------------------------------------------------- 4, 13: names and messages
def test_file_names_that_are_not_utf8_or_hold_control_characters(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    names = [b"bad\xffname.txt", b"new\nline.txt", b"esc\x1b[31mred.txt", b"[red]markup.txt"]
    for i, name in enumerate(names):
        with open(os.path.join(os.fsencode(folder), name), "wb") as f:
            f.write(f"{GOOD} Report {i}.".encode())
    open(os.path.join(os.fsencode(folder), b"empty\x1b[2J.txt"), "wb").close()
    db = tmp_path / "s.db"
    result = ingest(str(folder), "--db", str(db))
    assert result.exit_code == 0
    rows = stored(db)
    assert set(rows) == {"bad\\xffname", "new\\x0aline", "esc\\x1b[31mred", "[red]markup"}
    assert all(str(folder) in r["source"] for r in rows.values())
    err_lines = [ln for ln in result.output.splitlines() if ln.startswith("error")]
    assert err_lines == [f"error {folder}/empty\\x1b[2J.txt: empty file"]
    assert "\x1b" not in result.output
    out = runner.invoke(app, ["inspect", "--raw", str(folder / "[red]markup.txt"), str(Path(os.fsdecode(folder)) / "bad\udcffname.txt")])
    assert out.exit_code == 0
    ids = [json.loads(line)["id"] for line in out.stdout_bytes.decode("utf-8").splitlines()]
    assert ids == ["[red]markup", "bad\\xffname"]


def test_error_reasons_are_bounded_and_printable():
    e = InputError("a\nb.warc", "unreadable WARC: " + "\x00\x01\xfe garbage " * 500)
    assert "\n" not in str(e) and "\x00" not in str(e) and len(e.reason) < 400 and "a\\x0ab.warc" in str(e)
    assert printable("caf\u00e9 \u202eevil") == "caf\u00e9 \\u202eevil"


def test_garbage_warc_gives_a_short_error(tmp_path):
    (tmp_path / "bad.warc").write_bytes(b"WARC/1.0\r\n" + bytes(range(256)) * 8 + b"\r\n\r\n")
    (tmp_path / "good.txt").write_text(GOOD)
    docs, errors = read_all(tmp_path)
    assert [d.id for d in docs] == ["good"]
    assert len(errors) == 1 and "bad.warc" in str(errors[0]) and len(str(errors[0])) < 500


# --------------------------------------------------------------------------- 9: the input tree
def test_symlinks_out_of_the_tree_are_skipped_inside_read_once(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET text that lives outside the input folder and must never be read.")
    feed = tmp_path / "feed"
    (feed / "sub").mkdir(parents=True)
    (feed / "sub" / "real.txt").write_text(GOOD)
    (feed / "alias.txt").symlink_to(feed / "sub" / "real.txt")
    (feed / "passwd.txt").symlink_to("/etc/passwd")
    (feed / "secret.txt").symlink_to(outside / "secret.txt")
    (feed / "outdir").symlink_to(outside)
    (feed / "dangling.txt").symlink_to(feed / "gone.txt")
    (feed / "loop1.txt").symlink_to(feed / "loop2.txt")
    (feed / "loop2.txt").symlink_to(feed / "loop1.txt")
    (feed / "metadata.jsonl").symlink_to(outside / "meta.jsonl")
    (outside / "meta.jsonl").write_text(json.dumps({"file": "alias.txt", "title": "SECRET title"}) + "\n")
    docs, errors = read_all(feed)
    assert [d.text for d in docs] == [GOOD]
    warnings = [e for e in errors if isinstance(e, InputWarning)]
    assert sorted(Path(w.source).name for w in warnings) == ["metadata.jsonl", "outdir", "passwd.txt", "secret.txt"]
    others = {Path(e.source).name: e.reason for e in errors if not isinstance(e, InputWarning)}
    assert sorted(others) == ["dangling.txt", "loop1.txt", "loop2.txt"] and "loop" in others["loop1.txt"]
    db = tmp_path / "s.db"
    result = ingest(str(feed), "--db", str(db), "--strict")
    assert result.exit_code == 1  # the dangling link is an error
    assert "warning" in result.output and "4 warnings" in result.output
    assert all("SECRET" not in (r["text"] + (r["title"] or "")) and "root:" not in r["text"] for r in stored(db).values())


def test_only_warnings_do_not_fail_strict_but_nothing_read_does(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "good.txt").write_text(GOOD)
    (feed / "passwd.txt").symlink_to("/etc/passwd")
    assert ingest(str(feed), "--db", str(tmp_path / "a.db"), "--strict").exit_code == 0
    (feed / "good.txt").unlink()
    assert ingest(str(feed), "--db", str(tmp_path / "b.db")).exit_code == 1


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "good.txt").write_text(GOOD)
    start = time.monotonic()
    docs, errors = read_all(tmp_path)
    assert time.monotonic() - start < 10
    assert [d.id for d in docs] == ["good"] and "FIFO" in errors[0].reason


# --------------------------------------------------------------------------- 7, 8: memory and time
@pytest.mark.parametrize("token", ["x", "share", "a.", "a@", "|a"])
def test_line_rules_are_fast_on_a_huge_one_token_line(token):
    line = token * (2_000_000 // len(token))
    start = time.monotonic()
    residue_reason(line)
    article = Cleaner().clean(RawDocument(id="t", source="t.txt", text=line))
    assert time.monotonic() - start < 5 and article.text == line


def test_long_unpunctuated_runs_are_cut_into_bounded_chunks():
    text = "\n".join(["the army attacked the village near the river and killed people"] * 3000)
    chunks = analyze.split_chunks(text)
    assert "".join(c for _, c in chunks) == text and all(len(c) <= analyze.MAX_RUN_CHARS for _, c in chunks)
    prose = "Rebels attacked a post near Goma. " * 2000
    chunks = analyze.split_chunks(prose)
    assert "".join(c for _, c in chunks) == prose and all(c.endswith(". ") for _, c in chunks[:-1])
    assert max(len(c) for _, c in chunks) > analyze.MAX_RUN_CHARS  # punctuated text keeps large chunks


def test_analysis_of_unpunctuated_text_is_bounded_in_time():
    analyze.analyze_text("warm", "Rebels attacked Goma on Monday.", "2024-05-01")
    text = "\n".join(["the army attacked the village near the river and killed people"] * 600)
    start = time.monotonic()
    doc = analyze.analyze_text("u", text, "2024-05-01")
    assert time.monotonic() - start < 30 and doc.sentences and doc.warnings == []


def test_text_over_the_cap_and_the_time_budget_leave_warnings(monkeypatch):
    sentence = "Rebels attacked an army post near Goma on Tuesday, killing three soldiers, the army said.\n"
    monkeypatch.setattr(analyze, "MAX_ANALYZED_CHARS", 50 * len(sentence))
    doc = analyze.analyze_text("cap", sentence * 80, "2024-05-01")
    assert max(s.end for s in doc.sentences) <= 50 * len(sentence)
    assert len(doc.warnings) == 1 and "not analysed" in doc.warnings[0] and f"{len(sentence) * 80:,}" in doc.warnings[0]
    monkeypatch.setattr(analyze, "MAX_ANALYZED_CHARS", 10**9)
    monkeypatch.setattr(analyze, "ANALYSIS_SECONDS", 0.0)
    doc = analyze.analyze_text("slow", sentence * 300, "2024-05-01")  # two chunks; the budget is spent on the first
    assert doc.event_mentions and max(m.end for m in doc.event_mentions) <= analyze.CHUNK_CHARS
    assert len(doc.warnings) == 1 and "budget" in doc.warnings[0]


# --------------------------------------------------------------------------- 12: the repeated-line learner
def test_briefs_that_differ_only_in_their_numbers_are_all_kept(tmp_path):
    for i, n in enumerate([3, 4, 5, 6, 7, 12]):
        (tmp_path / f"brief{i}.txt").write_text(f"Police in Paris arrested {n} men on Monday, officials said.\n")
    db = tmp_path / "s.db"
    assert ingest(str(tmp_path), "--db", str(db)).exit_code == 0
    assert len(stored(db)) == 6


# --------------------------------------------------------------------------- storage safety
def test_nul_and_surrogates_never_reach_the_store(tmp_path):
    recs = [{"id": "nul\u0000", "text": GOOD + " a\u0000b", "title": "T\u0000"}, {"id": "sur\ud800", "text": GOOD + " \udcff"}]
    db = tmp_path / "s.db"
    stdin = "\n".join(json.dumps(r) for r in recs) + "\n"
    assert ingest("-", "--db", str(db), input=stdin).exit_code == 0
    rows = stored(db)
    assert set(rows) == {"nul\ufffd", "sur\ufffd"}
    assert all("\x00" not in (r["text"] + r["title"]) for r in rows.values() if r["title"])


# --------------------------------------------------------------------------- 14: CSV injection
def test_csv_cells_that_start_a_formula_are_neutralised(tmp_path, monkeypatch):
    db = str(tmp_path / "s.db")
    store = Store(db)
    store.add_articles([Article(id="=1+1", text="-2 soldiers were reported missing.", title='=HYPERLINK("http://x","y")',
                                publisher="@SUM(1)", url="\thttp://x", content_hash="h1")])
    out = io.StringIO()
    export_records(store, "articles", "csv", out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["id"] == "'=1+1" and row["title"] == "'=HYPERLINK(\"http://x\",\"y\")" and row["publisher"] == "'@SUM(1)"
    assert row["text"] == "'-2 soldiers were reported missing." and row["url"] == "'\thttp://x"
    hostile = {"title": "=1+2", "text": "-two", "location": "+Goma", "summary": "\r=cmd|' /C calc'!A0", "notes": "@SUM(1)", "latitude": -1.5, "value": "-3"}
    for (what, fmt), (_, fields) in list(exports.EXPORTS.items()):  # every CSV export, whatever its records
        if fmt.endswith("csv"):
            monkeypatch.setitem(exports.EXPORTS, (what, fmt), (lambda _s: iter([hostile]), fields))
            out = io.StringIO()
            export_records(store, what, fmt, out)
            (row,) = csv.DictReader(io.StringIO(out.getvalue()))
            cells = {k: v for k, v in row.items() if k in hostile and k != "latitude"}
            assert cells and all(v == "'" + hostile[k] for k, v in cells.items()), (what, fmt, row)
            assert row.get("latitude", "-1.5") == "-1.5"  # numbers stay numbers
    store.close()


# --------------------------------------------------------------------------- 15: serve
def test_serve_refuses_a_missing_database_file(tmp_path, monkeypatch):
    result = runner.invoke(app, ["serve", "--db", str(tmp_path / "typo.db")])
    assert result.exit_code == 2 and "no such database file" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "typo.db").exists()
    served = []
    monkeypatch.setattr("uvicorn.run", lambda app_, **kw: served.append(kw))
    monkeypatch.setattr("storyline.api.app.create_app", lambda db: db)
    assert runner.invoke(app, ["serve", "--db", "postgresql://127.0.0.1:1/none"]).exit_code == 0 and served
