"""Fuzzing the readers and `storyline ingest` / `inspect` with hostile input.

Hypothesis drives the pure functions; a generated corpus of over 2,000 odd files (random bytes,
legacy and wide encodings, deep nesting, huge lines, malformed HTML/XML/JSON/WARC/gzip, odd
names, symbolic links, FIFOs) goes through the real command line with good files interleaved:
no traceback, every good file stored, nothing from outside the tree.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.cli import app
from storyline.errors import InputError, printable
from storyline.ingest.readers import read_jsonl_stream, read_paths
from storyline.report.exports import FORMULA_START, csv_cell

runner = CliRunner()
SECRET = "SECRETOUTSIDE"
EXTS = [".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".rss", ".atom", ".xml", ".warc", ".warc.gz", ".bin", ""]

# --------------------------------------------------------------------------- hypothesis
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["id", "text", "html", "title", "url", "published", "publisher", "file", "x"]), inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values | st.binary(max_size=60).map(lambda b: b.decode("latin-1")), max_size=8))
def test_any_json_lines_give_documents_or_errors_naming_their_line(values):
    lines = [(v if isinstance(v, str) and not v.startswith(("{", "[")) else json.dumps(v)).encode("utf-8", "surrogatepass") + b"\n"
             for v in values]
    errors: list[InputError] = []
    docs = list(read_jsonl_stream(iter(lines), "f.jsonl", "f", errors.append))
    assert len(docs) + len(errors) <= len(lines)
    assert all(e.source == "f.jsonl" and e.line is not None and "\n" not in str(e) for e in errors)
    assert all(isinstance(d.text, str) or isinstance(d.html, str) for d in docs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=80), max_size=6), st.binary(max_size=400))
def test_any_metadata_and_feed_bytes_only_give_input_errors(tmp_path, meta_lines, feed_body):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "metadata.jsonl").write_bytes(b"\n".join(meta_lines))
    (folder / "feed.rss").write_bytes(b"<rss><channel><item><description>" + feed_body + b"</description></item></channel></rss>")
    (folder / "good.txt").write_text("Floods cut the road to the port on Monday, officials said.")
    errors: list[InputError] = []
    docs = list(read_paths([str(folder)], errors.append))
    assert "good" in {d.id for d in docs}
    assert all(isinstance(e, InputError) for e in errors)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(min_value=10, max_value=500))
def test_printable_never_lets_a_control_character_through(s, limit):
    out = printable(s, limit)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]", out)
    assert len(out) <= limit + 40


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none()))
def test_csv_cell_neutralises_formulas_and_keeps_the_value(value):
    cell = csv_cell(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        assert cell == "'" + value
    else:
        assert cell is value


# --------------------------------------------------------------------------- the generated corpus
def _sentence(i: int) -> str:
    return (f"Officials in Marlow said on Monday that report M{i:05d}Q described floods that cut power to "
            f"{i + 3} homes across the district, and that crews worked through the night.")


PAGE = ("<html><head><title>Report {i}</title></head><body><nav>Home | News</nav><article><h1>Report {i}</h1>"
        "<p>{s}</p><p>Engineers said the repairs to the embankment near the rail yard would take weeks, and "
        "residents were told to boil water until further notice in case {i}.</p><p>The regional council "
        "met late on Monday to discuss emergency funds for the farmers whose fields were flooded.</p>"
        "</article></body></html>")


def _warc(pages: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for uri, html in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(html.encode()), http_headers=headers))
    return buf.getvalue()


def _good(i: int) -> tuple[str, bytes]:
    """A valid file of one of the formats holding the marker of ``i``."""
    s = _sentence(i)
    kind = i % 7
    if kind == 0:
        return ".txt", f"Floods in Marlow\n\n{s}\n\nMore rain is forecast for the weekend in case {i}.\n".encode()
    if kind == 1:
        return ".html", PAGE.format(i=i, s=s).encode()
    if kind == 2:  # a bad line, then the good record
        return ".jsonl", b"{broken\n" + json.dumps({"id": f"rec{i}", "text": s}).encode() + b"\n"
    if kind == 3:
        return ".json", json.dumps([{"id": f"j{i}", "text": s}, [1]]).encode()
    if kind == 4:  # plain-text description, the common kind
        return ".rss", (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Marlow Wire</title><item><guid>g{i}</guid>'
                        f"<title>Floods</title><description>{s}</description></item></channel></rss>").encode()
    if kind == 5:
        return ".atom", (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><entry><id>a{i}</id><title>Floods</title>'
                         f'<content type="html">&lt;p&gt;{s}&lt;/p&gt;</content></entry></feed>').encode()
    return ".warc.gz", _warc([(f"https://example.org/{i}", PAGE.format(i=i, s=s))])


def _mutate(rng: random.Random, data: bytes) -> bytes:
    """Truncate, flip bytes, splice garbage in, or repeat a span."""
    op = rng.randrange(4)
    if not data:
        return bytes(rng.randrange(256) for _ in range(10))
    if op == 0:
        return data[: rng.randrange(len(data))]
    if op == 1:
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == 2:
        at = rng.randrange(len(data))
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))) + data[at:]
    a = rng.randrange(len(data))
    return data[:a] + data[a:a + 300] * rng.randint(2, 50) + data[a:]


def _encoded(rng: random.Random, i: int) -> tuple[str, bytes]:
    text = rng.choice([_sentence(i), "Жители города вышли на улицы в понедельник.", "東京で月曜日に大雨が降った。",
                       "Les habitants de Bangui ont manifesté à la préfecture."])
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "shift_jis", "koi8-r", "gb18030", "latin-1", "utf-7"])
    data = text.encode(enc, errors="replace")
    ext = rng.choice([".txt", ".html", ".jsonl", ".json", ".rss"])
    if ext == ".jsonl":
        data = json.dumps({"id": f"e{i}", "text": text}, ensure_ascii=False).encode(enc, errors="replace")
    elif ext == ".html":
        charset = rng.choice(["utf-8", "bogus", "utf-\x94", enc])
        data = f'<html><head><meta charset="{charset}"></head><body><p>{text}</p></body></html>'.encode(enc, errors="replace")
    elif ext == ".rss":
        declared = rng.choice(["utf-8", "nope", enc])
        data = (f'<?xml version="1.0" encoding="{declared}"?><rss><channel><item><description>{text}</description>'
                "</item></channel></rss>").encode(enc, errors="replace")
    return ext, data


def _nested(rng: random.Random) -> tuple[str, bytes]:
    depth = rng.choice([50, 1_000, 5_000, 100_000])
    return rng.choice([
        (".json", b"[" * depth + b"]" * depth),
        (".jsonl", b'{"a":' * depth + b"1" + b"}" * depth + b"\n"),
        (".jsonl", b'{"text": "x", "title": ' + b"[" * depth + b"]" * depth + b"}\n"),
        (".html", b"<div>" * min(depth, 20_000) + b"<p>Deep text here.</p>"),
        (".rss", b"<rss><channel><item><description>" + b"<b>" * min(depth, 20_000) + b"x</description></item></channel></rss>"),
        (".xml", b"<a>" * min(depth, 20_000)),
    ])


def _huge(rng: random.Random, i: int) -> tuple[str, bytes]:
    size = rng.choice([300_000, 1_000_000, 2_000_000])
    token = rng.choice([b"x", b"share", b"a.", b"a@b.", b"follow us on x ", b"\xe2\x80\x8b"])
    line = (token * (size // len(token) + 1))[:size]
    return rng.choice([(".txt", line + b"\n"), (".jsonl", json.dumps({"id": f"h{i}", "text": line.decode(errors="replace")}).encode()),
                       (".html", b"<p>" + line + b"</p>")])


ODD_NAMES = [b"new\nline", b"esc\x1b[31mred", b"bad\xff\xfename", b"rtl\xe2\x80\xaeevil", b"[red]markup[bold]", b":cat: emoji",
             b"-dash", b"sp ace", b"tab\there", b"bell\x07", b"del\x7f", b"x" * 200, "caf\u00e9 \u6771\u4eac".encode()]


def make_corpus(root: Path, n: int = 2000, seed: int = 12) -> tuple[set[str], list[Path]]:
    """``n`` hostile files with a good file after every few bad ones; returns the good files'
    markers and a sample of paths for `inspect`."""
    rng = random.Random(seed)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET} lives outside the input tree and must never be stored.")
    tree = root / "in"
    folders = [tree] + [tree / f"sub{k}" for k in range(8)] + [tree / "sub0" / "deeper"]
    for f in folders:
        f.mkdir(parents=True, exist_ok=True)
    (tree / ".hidden").mkdir()
    (tree / ".hidden" / "x.txt").write_text(SECRET)
    # hostile metadata beside the files of some folders
    (folders[1] / "metadata.jsonl").write_bytes(b"[1]\n" + b"[" * 100_000 + b"\n\xff\xfe\x00junk\n" + json.dumps({"file": "x"}).encode())
    (folders[2] / "metadata.jsonl").write_bytes(b"\xef\xbb\xbf" + json.dumps({"file": "00003-good.txt", "title": ["no"]}).encode())
    (folders[3] / "metadata.jsonl").symlink_to(outside / "secret.txt")
    markers: set[str] = set()
    sample: list[Path] = []
    base = [_good(i)[1] for i in range(7)]
    good_path: Path | None = None
    for i in range(n):
        folder = folders[i % len(folders)]
        stem = f"{i:05d}"
        if i % 6 == 5:  # a good file after every five others
            ext, data = _good(i)
            markers.add(f"M{i:05d}Q")
            path = folder / f"{stem}-good{ext}"
            good_path = good_path or path
        else:
            kind = rng.choices(["random", "encoding", "nested", "huge", "mutated", "name", "empty"], [30, 12, 8, 1, 40, 5, 4])[0]
            if kind == "random":
                ext, data = rng.choice(EXTS), bytes(rng.randrange(256) for _ in range(rng.randrange(4000)))
            elif kind == "encoding":
                ext, data = _encoded(rng, i)
            elif kind == "nested":
                ext, data = _nested(rng)
            elif kind == "huge" and i < n // 2:
                ext, data = _huge(rng, i)
            elif kind == "name":
                ext, data = _good(i)
                markers.add(f"M{i:05d}Q")
                name = rng.choice(ODD_NAMES) + f"-{stem}".encode() + ext.encode()
                with open(os.path.join(os.fsencode(folder), name), "wb") as f:
                    f.write(data)
                sample.append(Path(os.fsdecode(os.path.join(os.fsencode(folder), name))))
                continue
            elif kind == "empty":
                ext, data = rng.choice([".txt", ".json", ".jsonl", ".html", ".rss", ".warc.gz"]), rng.choice([b"", b"\n\n", b"   ", b"{}", b"[]"])
            else:
                k = rng.randrange(7)
                ext, data = [".txt", ".html", ".jsonl", ".json", ".rss", ".atom", ".warc.gz"][k], _mutate(rng, base[k])
                if rng.random() < 0.2:
                    ext, data = rng.choice([".warc", ".warc.gz", ".jsonl"]), gzip.compress(_mutate(rng, data))[: rng.randrange(1, 400)]
            path = folder / f"{stem}-{kind}{ext}"
        path.write_bytes(data)
        if len(sample) < 40 and len(data) < 200_000 and rng.random() < 0.03:
            sample.append(path)
    links = {"passwd.txt": Path("/etc/passwd"), "secret.txt": outside / "secret.txt", "outdir": outside,
             "dangling.txt": tree / "gone.txt", "alias.txt": good_path, "loop1.txt": tree / "sub4" / "loop2.txt",
             "loop2.txt": tree / "sub4" / "loop1.txt", "up.txt": tree / ".." / "outside" / "secret.txt", "self": tree}
    for name, target in links.items():
        (tree / "sub4" / name).symlink_to(target)
    os.mkfifo(tree / "sub5" / "pipe.jsonl")
    with (tree / "sub6" / "over-limit.txt").open("wb") as f:  # sparse: 30 MB on paper, nothing on disk
        f.seek(30 * 2**20)
        f.write(b"x")
    return markers, sample


def _count_files(tree: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(tree))


def test_ingest_a_hostile_corpus_without_a_traceback_and_keep_every_good_file(tmp_path):
    markers, _ = make_corpus(tmp_path)
    assert _count_files(tmp_path / "in") >= 2000 and len(markers) >= 300
    db = tmp_path / "fuzz.db"
    result = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(db), "--quiet"])
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit)), result.output[-3000:]
    assert result.exit_code == 0, result.output[-3000:]
    with sqlite3.connect(db) as conn:
        texts = [t for (t,) in conn.execute("SELECT text || ' ' || COALESCE(title, '') FROM articles")]
    found = {m for t in texts for m in re.findall(r"M\d{5}Q", t)}
    assert markers <= found, sorted(markers - found)[:20]
    assert not any(SECRET in t or "root:x:0:0" in t for t in texts)
    lines = result.output.splitlines()
    assert all(len(line) < 1200 and not re.search("[\x00-\x08\x0b-\x1f\x7f]", line) for line in lines)
    assert any(line.startswith("warning") and "passwd.txt" in line for line in lines)


def test_inspect_raw_on_a_sample_of_the_corpus(tmp_path):
    _, sample = make_corpus(tmp_path, n=600, seed=5)
    assert len(sample) >= 15
    result = runner.invoke(app, ["inspect", "--raw", *map(str, sample)])
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit)), result.output[-3000:]
    docs = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    assert docs and all({"id", "text", "sentences", "event_mentions", "warnings"} <= set(d) for d in docs)


@pytest.mark.parametrize("seed", [1, 2])
def test_stdin_with_hostile_lines_keeps_the_good_ones(tmp_path, seed):
    rng = random.Random(seed)
    lines, good = [], []
    for i in range(300):
        if i % 5 == 4:
            lines.append(json.dumps({"id": f"s{i}", "text": _sentence(i)}).encode())
            good.append(f"s{i}")
        else:
            lines.append(rng.choice([b"[" * 50_000, b"\xef\xbb\xbf{", bytes(rng.randrange(256) for _ in range(80)),
                                     b'{"text": ' + b"1" * 5000 + b"}", b'"x"', b"null", b"\x00" * 20]))
    db = tmp_path / "stdin.db"
    result = runner.invoke(app, ["ingest", "-", "--db", str(db), "--quiet"], input=b"\n".join(lines) + b"\n")
    assert "Traceback" not in result.output and result.exit_code == 0, result.output[-2000:]
    with sqlite3.connect(db) as conn:
        assert {i for (i,) in conn.execute("SELECT id FROM articles")} >= set(good)
