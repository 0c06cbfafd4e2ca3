"""Readers: turn files, folders, feeds, WARC archives and stdin into RawDocuments, streaming.

Each reader yields documents one at a time and reports bad input as :class:`InputError` through
an ``on_error`` callback, so one bad file (or line, or record) never stops the rest: whatever a
parser raises becomes such an error naming the file. A folder is read as a closed tree: symbolic
links are followed only to files inside it, and only regular files are opened (a FIFO would block).
"""
from __future__ import annotations

import codecs
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import charset_normalizer
import ftfy

from storyline.errors import InputError, InputWarning, printable
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
MAX_ID_CHARS = 200  # ids are indexed columns; a longer one is cut and made unique by its hash
MAX_ERRORS_PER_FILE = 20  # line or record errors listed for one file; the rest are counted
_MARKUP = re.compile(r"<[A-Za-z!/]")
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")
_XML_ENCODING = re.compile(rb"(<\?xml[^>]{0,200}?)\sencoding\s*=\s*(['\"])[^'\"]{0,100}\2")


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


def _ignore(_exc: InputError) -> None:
    pass


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _Throttle:
    """Passes on the first line or record errors of one file and counts the rest, so a file of a
    million bad lines gives a screenful of errors and one count, not a million lines in memory."""

    def __init__(self, source: str, on_error: OnError) -> None:
        self.source, self.on_error, self.seen = source, on_error, 0

    def __call__(self, exc: InputError) -> None:
        self.seen += 1
        if self.seen <= MAX_ERRORS_PER_FILE:
            self.on_error(exc)

    def close(self) -> None:
        if self.seen > MAX_ERRORS_PER_FILE:
            self.on_error(InputError(self.source, f"{self.seen - MAX_ERRORS_PER_FILE:,} more bad lines or records not listed"))


def _regular_size(path: Path, name: str) -> int:
    """The size of a regular file; FIFOs, devices and sockets are refused before they are opened."""
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket or other special file"
        raise InputError(name, f"not a regular file ({kind})")
    return st.st_size


def _read_file_bytes(path: Path, name: str) -> bytes:
    size = _regular_size(path, name)
    limit = f"over the {MAX_DOCUMENT_BYTES // 2**20} MB limit for one article"
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(name, f"file is {size / 1e6:.1f} MB, {limit}")
    with path.open("rb") as f:
        data = f.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:  # grew while we looked
        raise InputError(name, f"file is {limit}")
    return data


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    suffix = path.suffix.lower()
    for kind, exts in (("text", TEXT_EXT), ("html", HTML_EXT), ("jsonl", JSONL_EXT), ("json", JSON_EXT), ("feed", FEED_EXT)):
        if suffix in exts:
            return kind
    return None


def parse_json(data: str, source: str, line: int | None = None) -> object:
    """json.loads, with every way it can fail (nesting past the recursion limit, integers of more
    digits than Python converts) turned into an InputError."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        at = "" if line is not None else f" at line {exc.lineno}"
        raise InputError(source, f"malformed JSON ({exc.msg}{at})", line) from None
    except RecursionError:
        raise InputError(source, "JSON nested too deeply to read", line) from None
    except ValueError as exc:
        raise InputError(source, f"unreadable JSON value ({exc})", line) from None


def _scalar(value: object) -> str | None:
    """A metadata value as text; lists and objects where a name or date belongs are dropped."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def bounded_id(doc_id: str) -> dict[str, str | None]:
    """``id`` short enough for the store's indexed column (a long one keeps its start and a hash)
    and, when it was shortened, the id as given (``source_id``)."""
    if len(doc_id) <= MAX_ID_CHARS:
        return {"id": doc_id, "source_id": None}
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return {"id": f"{doc_id[:MAX_ID_CHARS - 17]}~{digest}", "source_id": doc_id}


def record_to_document(rec: object, source: str, fallback_id: str, line: int | None = None) -> RawDocument:
    """A JSON record {"id", "text" or "html", "url", "published", "publisher", "title"}."""
    if not isinstance(rec, dict):
        raise InputError(source, f"expected a JSON object, got {type(rec).__name__}", line)
    text, html = rec.get("text"), rec.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        raise InputError(source, 'record has neither "text" nor "html" string', line)
    doc_id = _scalar(rec.get("id"))
    return RawDocument(
        **bounded_id(doc_id or fallback_id),
        source=source if line is None else f"{source}:{line}",
        text=repair_text(text) if isinstance(text, str) else None,
        html=html if isinstance(html, str) else None,
        **{k: _scalar(rec.get(k)) for k in METADATA_FIELDS},
    )


def read_jsonl_stream(stream: Iterable[bytes], source: str, stem: str, on_error: OnError) -> Iterator[RawDocument]:
    """One record per line; a malformed line is reported with its number and skipped."""
    errors = _Throttle(source, on_error)
    for n, raw in enumerate(stream, 1):
        if n == 1:
            if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                on_error(InputError(source, "JSONL must be UTF-8; this file starts with a UTF-16 or UTF-32 byte-order mark"))
                return
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if len(raw) > MAX_DOCUMENT_BYTES:
            errors(InputError(source, f"line is over the {MAX_DOCUMENT_BYTES // 2**20} MB limit for one article", n))
            continue
        if not raw.strip():
            continue
        try:
            doc = record_to_document(parse_json(raw.decode("utf-8", errors="replace"), source, n), source, f"{stem}-{n}", n)
        except InputError as exc:
            errors(exc)
            continue
        yield doc
    errors.close()


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


def read_json_file(path: Path, name: str, on_error: OnError) -> Iterator[RawDocument]:
    """A JSON file of one record or a list of them (each list item named as "#recordN")."""
    data = parse_json(decode_bytes(_read_file_bytes(path, name), name), name)
    records = data if isinstance(data, list) else [data]
    errors = _Throttle(name, on_error)
    stem = printable(path.stem)
    for i, rec in enumerate(records, 1):
        many = len(records) > 1
        try:
            doc = record_to_document(rec, f"{name}#record{i}" if many else name, f"{stem}-{i - 1}" if many else stem)
        except InputError as exc:
            errors(exc)
            continue
        yield doc
    errors.close()


def _charref(m: re.Match[bytes]) -> bytes:
    code = int(m[1], 16) if m[1] else int(m[2])
    return m[0] if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else b"&#xFFFD;"


def _parse_feed(data: bytes):
    """feedparser on a stream, never on bytes (it opens bytes that name a file as that file), with
    references to characters that cannot exist (surrogates) replaced, and a declared encoding that
    does not decode ignored on a second try, so the feed is read as the bytes it holds."""
    import feedparser

    data = _CHARREF.sub(_charref, data)
    try:
        return feedparser.parse(io.BytesIO(data))
    except (LookupError, UnicodeError):
        return feedparser.parse(io.BytesIO(_XML_ENCODING.sub(rb"\1", data, count=1)))


def read_feed(path: Path, name: str, data: bytes, on_error: OnError) -> Iterator[RawDocument]:
    """RSS/Atom: one document per entry, its content (or summary) as the body: HTML when it holds
    markup, else plain text (many feeds give a plain-text description)."""
    try:
        feed = _parse_feed(data)
    except Exception as exc:  # its encoding and SGML fallbacks raise assorted errors on garbage
        raise InputError(name, f"not a readable RSS/Atom feed ({_why(exc)})") from None
    if not feed.entries:
        reason = f"not a readable RSS/Atom feed ({feed.get('bozo_exception', 'no entries')})"
        raise InputError(name, reason)
    publisher = feed.feed.get("title")
    errors = _Throttle(name, on_error)
    stem = printable(path.stem)
    for i, entry in enumerate(feed.entries):
        content = entry.get("content") or []
        body = content[0].get("value") if content else entry.get("summary")
        if not body or not body.strip():
            errors(InputError(f"{name}#entry{i}", "feed entry has no content or description"))
            continue
        published = None
        for key in ("published_parsed", "updated_parsed"):
            if entry.get(key):
                t = entry[key]
                published = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
                break
        markup = _MARKUP.search(body) is not None
        yield RawDocument(
            **bounded_id(str(entry.get("id") or entry.get("link") or f"{stem}-{i}")),
            source=f"{name}#entry{i}", html=body if markup else None, text=None if markup else body,
            url=entry.get("link"), published=published, publisher=publisher, title=entry.get("title"),
        )
    errors.close()


def read_warc(path: Path, name: str, on_error: OnError) -> Iterator[RawDocument]:
    """WARC response records holding HTML; a truncated archive keeps the records before the damage.

    warcio prints its own warnings (a wrong Content-Length, a broken gzip member) to stderr, raw
    bytes and all: they are caught and become one error line each, like every other problem."""
    errors = _Throttle(name, on_error)
    pending: list[InputError] = []
    printed = io.StringIO()
    records = _warc_records(path, name, pending.append)
    while True:
        with contextlib.redirect_stderr(printed):  # never across a yield: only warcio's own work
            doc = next(records, None)
        for exc in pending:
            errors(exc)
        pending.clear()
        if printed.tell():
            notes = [ln.strip().removeprefix("WARNING: ") for ln in printed.getvalue().splitlines()]
            errors(InputError(name, "damaged WARC: " + "; ".join(n for n in notes if n and not n.startswith("Remainder"))))
            printed.seek(0)
            printed.truncate()
        if doc is None:
            break
        yield doc
    errors.close()


def _warc_records(path: Path, name: str, on_error: OnError) -> Iterator[RawDocument]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

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
                    on_error(InputError(f"{name}#record{n}", f"record ({uri}) is over the size limit for one article"))
                    continue
                try:
                    html = decode_bytes(body, f"{name}#record{n}")
                except InputError as exc:
                    on_error(exc)
                    continue
                rec_id = (record.rec_headers.get_header("WARC-Record-ID") or f"{path.stem}-{n}").strip("<>")
                date = (record.rec_headers.get_header("WARC-Date") or "")[:10] or None
                found += 1
                yield RawDocument(**bounded_id(printable(rec_id.removeprefix("urn:uuid:"))), source=f"{name}#record{n}",
                                  html=html, url=uri, published=date)
            if records.offset < os.fstat(f.fileno()).st_size:  # warcio stops quietly at a cut
                on_error(InputError(name, f"truncated WARC: {os.fstat(f.fileno()).st_size - records.offset} bytes after record {n} unreadable"))
            elif found == 0:
                on_error(InputError(name, f"no HTML response records among {n} WARC records"))
    except ArchiveLoadFailed as exc:  # its message quotes the bad line's bytes: keep only the words
        where = f"after record {n}" if n else "at its start"
        on_error(InputError(name, f"not a valid WARC record {where} ({exc.msg.split(', first line')[0]})"))
    except (EOFError, OSError, gzip.BadGzipFile, zlib.error) as exc:
        on_error(InputError(name, f"truncated or corrupt WARC after record {n} ({_why(exc)})"))
    except Exception as exc:  # warcio trips over records that lack a header it expects
        on_error(InputError(name, f"invalid WARC record headers after record {n} ({type(exc).__name__} in warcio)"))


def read_metadata(folder: Path, on_error: OnError, top: Path | None = None) -> dict[str, dict]:
    """A folder's metadata.jsonl: {"file", "url", "published", "publisher", "title"} per line."""
    meta_path = folder / "metadata.jsonl"
    meta: dict[str, dict] = {}
    if not meta_path.is_file():
        return meta
    name = printable(str(meta_path))
    if top is not None and not meta_path.resolve().is_relative_to(top):
        on_error(InputWarning(name, f"symbolic link to {meta_path.resolve()}, outside the input folder: not read"))
        return meta
    errors = _Throttle(name, on_error)
    with meta_path.open("rb") as f:
        for n, raw in enumerate(_bounded_lines(f), 1):
            raw = raw.removeprefix(codecs.BOM_UTF8) if n == 1 else raw
            if not raw.strip():
                continue
            try:
                rec = parse_json(raw.decode("utf-8", errors="replace"), name, n)
                file = _scalar(rec.get("file")) if isinstance(rec, dict) else None
                if file is None:
                    raise InputError(name, 'bad metadata line: expected a JSON object with a "file" name', n)
            except InputError as exc:
                errors(exc)
                continue
            meta[file] = {k: v for k in METADATA_FIELDS if (v := _scalar(rec.get(k))) is not None}
    errors.close()
    return meta


def read_file(path: Path, on_error: OnError, meta: dict | None = None) -> Iterator[RawDocument]:
    """Every document in one file; metadata from the folder's metadata.jsonl fills the gaps."""
    name = printable(str(path))
    kind = _kind(path)
    if kind is None:
        raise InputError(name, f"unsupported file type {path.suffix or '(no extension)'!r}")
    if kind == "jsonl":
        _regular_size(path, name)
        with path.open("rb") as f:
            yield from read_jsonl_stream(_bounded_lines(f), name, printable(path.stem), on_error)
        return
    if kind == "json":
        yield from read_json_file(path, name, on_error)
        return
    if kind == "warc":
        _regular_size(path, name)
        yield from read_warc(path, name, on_error)
        return
    data = _read_file_bytes(path, name)
    head = data[:2048].lstrip().lower()
    if kind == "feed" or head.startswith((b"<rss", b"<feed")) or (head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head)):
        yield from read_feed(path, name, data, on_error)
        return
    content = decode_bytes(data, name)
    fields = dict(meta or {})
    doc_id = printable(path.stem)
    if kind == "html":
        yield RawDocument(id=doc_id, source=name, html=content, **fields)
    else:
        yield RawDocument(id=doc_id, source=name, text=content, **fields)


def iter_files(path: Path, on_error: OnError = _ignore) -> Iterator[Path]:
    """Files under a folder, recursively, in a stable order, skipping hidden files and sidecars.

    Only the folder's own tree is read: a symbolic link leading out of it is skipped with a
    warning (a folder of feeds must not make Storyline store /etc/passwd), and a file reached both
    directly and through a link inside the tree is read once."""
    top = path.resolve()
    seen: set[Path] = set()

    def unreadable(exc: OSError) -> None:
        on_error(InputError(printable(str(exc.filename)), f"cannot read folder ({exc.strerror or exc})"))

    for root, dirs, files in os.walk(path, onerror=unreadable):
        here = Path(root)
        for d in sorted(dirs):
            if not d.startswith(".") and (here / d).is_symlink() and not (here / d).resolve().is_relative_to(top):
                on_error(InputWarning(printable(str(here / d)), f"symbolic link to {(here / d).resolve()}, outside the input folder: skipped"))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        for name in sorted(files):
            if name.startswith(".") or name in SIDECARS or name.lower().startswith(("readme", "license")):
                continue
            f = here / name
            try:
                real = f.resolve()
            except (RuntimeError, OSError):  # Python reports a symbolic link loop as RuntimeError
                on_error(InputError(printable(str(f)), "symbolic link loop: never reaches a file"))
                continue
            if not real.is_relative_to(top):
                on_error(InputWarning(printable(str(f)), f"symbolic link to {real}, outside the input folder: skipped"))
                continue
            if real not in seen:
                seen.add(real)
                yield f


def _read_one(f: Path, on_error: OnError, meta: dict | None) -> Iterator[RawDocument]:
    """One file's documents; any failure, even one no reader foresaw, is one error and the batch goes on."""
    try:
        yield from read_file(f, on_error, meta)
    except InputError as exc:
        on_error(exc)
    except OSError as exc:
        on_error(InputError(printable(str(f)), f"cannot read ({exc.strerror or exc})"))
    except Exception as exc:
        on_error(InputError(printable(str(f)), f"unreadable ({_why(exc)})"))


def read_paths(paths: Iterable[str], on_error: OnError) -> Iterator[RawDocument]:
    """All documents under the given paths ('-' = JSONL on stdin), streaming."""
    for p in paths:
        if p == "-":
            yield from read_jsonl_stream(_bounded_lines(sys.stdin.buffer), "<stdin>", "stdin", on_error)
            continue
        path = Path(p)
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except (OSError, ValueError) as exc:
            on_error(InputError(printable(p), f"cannot read ({_why(exc)})"))
            continue
        if not exists:
            on_error(InputError(printable(p), "no such file or folder"))
            continue
        top = path.resolve() if is_dir else None
        files = iter_files(path, on_error) if is_dir else iter([path])
        meta_cache: dict[Path, dict[str, dict]] = {}
        for f in files:
            if f.parent not in meta_cache:
                try:
                    meta_cache[f.parent] = read_metadata(f.parent, on_error, top)
                except OSError as exc:
                    on_error(InputError(printable(str(f.parent / "metadata.jsonl")), f"cannot read ({exc.strerror or exc})"))
                    meta_cache[f.parent] = {}
            yield from _read_one(f, on_error, meta_cache[f.parent].get(f.name))
