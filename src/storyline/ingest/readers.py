"""Readers: turn files, folders, feeds, WARC archives and stdin into RawDocuments, streaming.

Each reader yields documents one at a time and reports bad input as :class:`InputError` through
an ``on_error`` callback, so one bad file (or line, or record) never stops the rest.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import charset_normalizer
import ftfy

from storyline.errors import InputError
from storyline.models import RawDocument

OnError = Callable[[InputError], None]

# Repair mojibake only: curly quotes, line breaks and widths stay as written, so offsets into a
# decoded file still point at the words the file holds.
REPAIR = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
                              fix_character_width=False, fix_line_breaks=False, normalization=None)


def repair_text(text: str) -> str:
    return ftfy.fix_text(text, REPAIR)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # one article larger than this is not an article
TEXT_EXT = {".txt", ".text", ".md"}
HTML_EXT = {".html", ".htm", ".xhtml"}
JSONL_EXT = {".jsonl", ".ndjson"}
JSON_EXT = {".json"}
FEED_EXT = {".rss", ".atom", ".xml"}
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")
SIDECARS = {"metadata.jsonl", "gold.json", "expected.json"}  # folder annotations, not articles
METADATA_FIELDS = ("url", "published", "publisher", "title")


def decode_bytes(data: bytes, source: str) -> str:
    """Decode bytes of unknown encoding, refuse binary data, and repair mojibake."""
    if not data.strip():
        raise InputError(source, "empty file")
    sample = data[:65536]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source, "binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_legacy(data, source)
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 65536):
        raise InputError(source, "binary file (control characters), not text")
    return repair_text(text)


def _decode_legacy(data: bytes, source: str) -> str:
    """Detect a legacy charset; on short or ambiguous text prefer Windows-1252, the web's usual one."""
    matches = sorted(charset_normalizer.from_bytes(data[:1_000_000]), key=lambda m: m.chaos)
    best_chaos = matches[0].chaos if matches else 1.0
    for m in matches:
        if m.encoding == "cp1252" and m.chaos <= best_chaos + 0.01:
            return data.decode("cp1252")
    if best_chaos > 0.1:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    if not matches:
        raise InputError(source, "unknown text encoding (could not detect a charset)")
    return data.decode(matches[0].encoding, errors="replace")


def _read_file_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(str(path), f"file is {size / 1e6:.1f} MB, over the {MAX_DOCUMENT_BYTES // 2**20} MB limit for one article")
    return path.read_bytes()


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    suffix = path.suffix.lower()
    for kind, exts in (("text", TEXT_EXT), ("html", HTML_EXT), ("jsonl", JSONL_EXT), ("json", JSON_EXT), ("feed", FEED_EXT)):
        if suffix in exts:
            return kind
    return None


def record_to_document(rec: object, source: str, fallback_id: str, line: int | None = None) -> RawDocument:
    """A JSON record {"id", "text" or "html", "url", "published", "publisher", "title"}."""
    if not isinstance(rec, dict):
        raise InputError(source, f"expected a JSON object, got {type(rec).__name__}", line)
    text, html = rec.get("text"), rec.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        raise InputError(source, 'record has neither "text" nor "html" string', line)
    doc_id = rec.get("id")
    meta = {k: (str(rec[k]) if rec.get(k) is not None else None) for k in METADATA_FIELDS}
    return RawDocument(
        id=str(doc_id) if doc_id not in (None, "") else fallback_id,
        source=source if line is None else f"{source}:{line}",
        text=repair_text(text) if isinstance(text, str) else None,
        html=html if isinstance(html, str) else None,
        **meta,
    )


def read_jsonl_stream(stream: Iterable[bytes], source: str, stem: str, on_error: OnError) -> Iterator[RawDocument]:
    """One record per line; a malformed line is reported with its number and skipped."""
    for n, raw in enumerate(stream, 1):
        if len(raw) > MAX_DOCUMENT_BYTES:
            on_error(InputError(source, f"line is {len(raw) / 1e6:.1f} MB, over the limit for one article", n))
            continue
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8", errors="replace"))
            yield record_to_document(rec, source, f"{stem}-{n}", n)
        except json.JSONDecodeError as exc:
            on_error(InputError(source, f"malformed JSON ({exc.msg})", n))
        except InputError as exc:
            on_error(exc)


def _bounded_lines(f: io.BufferedReader) -> Iterator[bytes]:
    """Lines of a binary stream, never holding more than the document limit of one line."""
    while True:
        line = f.readline(MAX_DOCUMENT_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n"):
            while (rest := f.readline(MAX_DOCUMENT_BYTES)) and not rest.endswith(b"\n"):
                pass
        yield line


def read_json_file(path: Path, on_error: OnError) -> Iterator[RawDocument]:
    try:
        data = json.loads(decode_bytes(_read_file_bytes(path), str(path)))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"malformed JSON ({exc.msg} at line {exc.lineno})") from None
    records = data if isinstance(data, list) else [data]
    for i, rec in enumerate(records):
        try:
            yield record_to_document(rec, str(path), f"{path.stem}-{i}" if len(records) > 1 else path.stem, None)
        except InputError as exc:
            on_error(exc)


def read_feed(path: Path, data: bytes | None = None) -> Iterator[RawDocument]:
    """RSS/Atom: one document per entry, its HTML content (or summary) as the body."""
    import feedparser

    data = data if data is not None else _read_file_bytes(path)
    feed = feedparser.parse(data)
    if not feed.entries:
        reason = f"not a readable RSS/Atom feed ({feed.get('bozo_exception', 'no entries')})"
        raise InputError(str(path), reason)
    publisher = feed.feed.get("title")
    for i, entry in enumerate(feed.entries):
        content = entry.get("content") or []
        body = content[0].get("value") if content else entry.get("summary")
        if not body:
            continue
        published = None
        for key in ("published_parsed", "updated_parsed"):
            if entry.get(key):
                t = entry[key]
                published = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
                break
        yield RawDocument(
            id=str(entry.get("id") or entry.get("link") or f"{path.stem}-{i}"),
            source=f"{path}#entry{i}", html=body, url=entry.get("link"),
            published=published, publisher=publisher, title=entry.get("title"),
        )


def read_warc(path: Path, on_error: OnError) -> Iterator[RawDocument]:
    """WARC response records holding HTML; a truncated archive keeps the records before the damage."""
    from warcio.archiveiterator import ArchiveIterator

    n = found = 0
    try:
        with path.open("rb") as f:
            records = ArchiveIterator(f)
            for n, record in enumerate(records, 1):
                if record.rec_type != "response" or not record.http_headers:
                    continue
                ctype = record.http_headers.get_header("Content-Type") or ""
                if "html" not in ctype.lower():
                    continue
                body = record.content_stream().read(MAX_DOCUMENT_BYTES + 1)
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if len(body) > MAX_DOCUMENT_BYTES:
                    on_error(InputError(str(path), f"record {n} ({uri}) is over the size limit for one article"))
                    continue
                try:
                    html = decode_bytes(body, f"{path}#record{n}")
                except InputError as exc:
                    on_error(exc)
                    continue
                rec_id = (record.rec_headers.get_header("WARC-Record-ID") or f"{path.stem}-{n}").strip("<>")
                date = (record.rec_headers.get_header("WARC-Date") or "")[:10] or None
                found += 1
                yield RawDocument(id=rec_id.removeprefix("urn:uuid:"), source=f"{path}#record{n}", html=html, url=uri, published=date)
            if records.offset < os.fstat(f.fileno()).st_size:  # warcio stops quietly at a cut
                on_error(InputError(str(path), f"truncated WARC: {os.fstat(f.fileno()).st_size - records.offset} bytes after record {n} unreadable"))
            elif found == 0:
                on_error(InputError(str(path), f"no HTML response records among {n} WARC records"))
    except (EOFError, OSError, gzip.BadGzipFile, ValueError) as exc:
        on_error(InputError(str(path), f"truncated or corrupt WARC after record {n} ({type(exc).__name__}: {exc})"))
    except Exception as exc:  # warcio raises its own ArchiveLoadFailed for broken headers
        on_error(InputError(str(path), f"unreadable WARC after record {n} ({type(exc).__name__}: {exc})"))


def read_metadata(folder: Path, on_error: OnError) -> dict[str, dict]:
    """A folder's metadata.jsonl: {"file", "url", "published", "publisher", "title"} per line."""
    meta_path = folder / "metadata.jsonl"
    meta: dict[str, dict] = {}
    if not meta_path.is_file():
        return meta
    with meta_path.open("rb") as f:
        for n, raw in enumerate(_bounded_lines(f), 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
                meta[str(rec["file"])] = {k: rec.get(k) for k in METADATA_FIELDS if rec.get(k) is not None}
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                on_error(InputError(str(meta_path), f"bad metadata line ({type(exc).__name__})", n))
    return meta


def read_file(path: Path, on_error: OnError, meta: dict | None = None) -> Iterator[RawDocument]:
    """Every document in one file; metadata from the folder's metadata.jsonl fills the gaps."""
    kind = _kind(path)
    if kind is None:
        raise InputError(str(path), f"unsupported file type {path.suffix or '(no extension)'!r}")
    if kind == "jsonl":
        with path.open("rb") as f:
            yield from read_jsonl_stream(_bounded_lines(f), str(path), path.stem, on_error)
        return
    if kind == "json":
        yield from read_json_file(path, on_error)
        return
    if kind == "warc":
        yield from read_warc(path, on_error)
        return
    data = _read_file_bytes(path)
    head = data[:2048].lstrip().lower()
    if kind == "feed" or head.startswith((b"<rss", b"<feed")) or (head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head)):
        yield from read_feed(path, data)
        return
    content = decode_bytes(data, str(path))
    fields = dict(meta or {})
    if kind == "html":
        yield RawDocument(id=path.stem, source=str(path), html=content, **fields)
    else:
        yield RawDocument(id=path.stem, source=str(path), text=content, **fields)


def iter_files(path: Path) -> Iterator[Path]:
    """Files under a folder, recursively, in a stable order, skipping hidden files and sidecars."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name in SIDECARS or name.lower().startswith(("readme", "license")):
                continue
            yield Path(root) / name


def read_paths(paths: Iterable[str], on_error: OnError) -> Iterator[RawDocument]:
    """All documents under the given paths ('-' = JSONL on stdin), streaming."""
    for p in paths:
        if p == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>", "stdin", on_error)
            continue
        path = Path(p)
        if not path.exists():
            on_error(InputError(p, "no such file or folder"))
            continue
        files = iter_files(path) if path.is_dir() else iter([path])
        meta_cache: dict[Path, dict[str, dict]] = {}
        for f in files:
            if f.parent not in meta_cache:
                meta_cache[f.parent] = read_metadata(f.parent, on_error)
            try:
                yield from read_file(f, on_error, meta_cache[f.parent].get(f.name))
            except InputError as exc:
                on_error(exc)
            except OSError as exc:
                on_error(InputError(str(f), f"cannot read ({exc.strerror or exc})"))
