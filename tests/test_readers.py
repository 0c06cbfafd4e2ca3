"""Readers on every input format, and bad input that must give one clear error and go on."""
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from conftest import SEEDS, needs
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.errors import InputError
from storyline.ingest.readers import decode_bytes, read_jsonl_stream, read_paths

PAGE = "<html><head><title>Port reopens</title></head><body><article><p>The port of Mombasa reopened on Monday after a two-day strike by dock workers.</p></article></body></html>"


def read_all(*paths) -> tuple[list, list[InputError]]:
    errors: list[InputError] = []
    docs = list(read_paths([str(p) for p in paths], errors.append))
    return docs, errors


def write_warc(path: Path, pages: list[tuple[str, str]], gz: bool = True) -> None:
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=gz)
        for uri, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(html.encode()), http_headers=headers))


def test_seed_folder_uses_metadata_and_skips_sidecars():
    docs, errors = read_all(needs(SEEDS))
    assert errors == []
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {"000_15c06cd4376757a1", "003_156b8218a0b301a0", "004_73e17c7dd4048fab"}
    assert by_id["003_156b8218a0b301a0"].published == "2021-02-26"
    assert by_id["000_15c06cd4376757a1"].publisher == "American Military News"
    assert "’" in by_id["004_73e17c7dd4048fab"].text  # UTF-8 punctuation decoded, not mojibake


def test_every_format(tmp_path):
    (tmp_path / "a.txt").write_text("Plain text article body.", encoding="utf-8")
    (tmp_path / "b.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"id": "j1", "text": "First record.", "published": "2024-01-02", "publisher": "Wire"}) + "\n"
        + json.dumps({"id": "j2", "html": PAGE, "url": "https://example.org/j2"}) + "\n", encoding="utf-8")
    (tmp_path / "d.json").write_text(json.dumps([{"id": "k1", "text": "One."}, {"id": "k2", "text": "Two."}]), encoding="utf-8")
    (tmp_path / "e.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Coast Wire</title>'
        "<item><guid>item-1</guid><title>Storm hits</title><link>https://example.org/1</link>"
        "<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate><description>&lt;p&gt;A storm hit the coast.&lt;/p&gt;</description></item>"
        "</channel></rss>", encoding="utf-8")
    (tmp_path / "f.atom").write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>'
        "<entry><id>urn:x:1</id><title>Bridge opens</title><updated>2024-04-01T00:00:00Z</updated>"
        '<content type="html">&lt;p&gt;The bridge opened.&lt;/p&gt;</content></entry></feed>', encoding="utf-8")
    write_warc(tmp_path / "g.warc.gz", [("https://example.org/w1", PAGE)])
    docs, errors = read_all(tmp_path)
    assert errors == []
    by_id = {d.id: d for d in docs}
    assert by_id["a"].text == "Plain text article body."
    assert "Mombasa" in by_id["b"].html
    assert by_id["j1"].published == "2024-01-02" and by_id["j1"].publisher == "Wire"
    assert by_id["j2"].html and by_id["j2"].url == "https://example.org/j2"
    assert {"k1", "k2"} <= set(by_id)
    assert by_id["item-1"].publisher == "Coast Wire" and by_id["item-1"].published == "2024-03-05"
    assert by_id["urn:x:1"].title == "Bridge opens" and by_id["urn:x:1"].published == "2024-04-01"
    warc = [d for d in docs if d.url == "https://example.org/w1"]
    assert len(warc) == 1 and "Mombasa" in warc[0].html


def test_bad_inputs_each_give_one_error_naming_the_file(tmp_path):
    (tmp_path / "good.txt").write_text("A good article.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 50)
    (tmp_path / "lines.jsonl").write_text('{"id": "ok", "text": "fine"}\n{not json\n{"id": "x"}\n', encoding="utf-8")
    (tmp_path / "feed.rss").write_text("<rss><channel>", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    good_warc = tmp_path / "whole.warc.gz"
    write_warc(good_warc, [(f"https://example.org/{i}", PAGE.replace("Monday", f"day {i}")) for i in range(5)])
    data = good_warc.read_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) * 2 // 3])
    good_warc.unlink()
    docs, errors = read_all(tmp_path)
    ids = {d.id for d in docs}
    assert "good" in ids and "ok" in ids
    messages = [str(e) for e in errors]
    assert any("empty.txt" in m and "empty" in m for m in messages)
    assert any("binary.txt" in m and "binary" in m for m in messages)
    assert any("lines.jsonl:2" in m and "malformed JSON" in m for m in messages)
    assert any("lines.jsonl:3" in m and "neither" in m for m in messages)
    assert any("feed.rss" in m for m in messages)
    assert any("notes.docx" in m and "unsupported" in m for m in messages)
    assert any("cut.warc.gz" in m for m in messages)
    assert 1 <= sum(1 for d in docs if d.source.startswith(str(tmp_path / "cut.warc.gz"))) < 5


def test_legacy_encoding_detected_and_mojibake_repaired():
    text = "Les habitants de Bangui ont manifesté à la préfecture contre la fermeture de l'hôpital régional."
    assert decode_bytes(text.encode("cp1252"), "f.txt") == text
    german = "Die Bewohner gingen am Montag auf die Straße, um gegen die Schließung zu protestieren."
    assert decode_bytes(german.encode("latin-1"), "f.txt") == german
    russian = "Жители города вышли на улицы в понедельник, чтобы протестовать против закрытия больницы."
    assert decode_bytes(russian.encode("cp1251"), "f.txt") == russian
    assert decode_bytes("The minister’s statement".encode("utf-8").decode("latin-1").encode("utf-8"), "f.txt") == "The minister’s statement"


def test_huge_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:
        f.seek(100 * 1024 * 1024)
        f.write(b"x")
    docs, errors = read_all(big)
    assert docs == [] and len(errors) == 1 and "huge.txt" in str(errors[0]) and "MB" in errors[0].reason


def test_gzip_garbage_warc(tmp_path):
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(gzip.compress(b"not a warc at all\r\n\r\n"))
    docs, errors = read_all(bad)
    assert docs == [] and len(errors) == 1 and "bad.warc.gz" in str(errors[0])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_only_raise_the_documented_error(data):
    try:
        decode_bytes(data, "fuzz.txt")
    except InputError:
        pass
    errors: list[InputError] = []
    list(read_jsonl_stream(iter(data.splitlines(keepends=True)), "fuzz.jsonl", "fuzz", errors.append))
    assert all(isinstance(e, InputError) for e in errors)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([".txt", ".html", ".json", ".jsonl", ".rss", ".xml", ".warc", ".warc.gz"]))
def test_arbitrary_files_only_raise_the_documented_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(data)
    docs, errors = read_all(path)
    assert all(isinstance(e, InputError) and str(path) in str(e) for e in errors)
