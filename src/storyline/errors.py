"""The one documented error type: bad input that a stage refuses, with where and why.

File names and parser messages come from the input itself (names with newlines or terminal
escape sequences, bytes that are not UTF-8, parser messages quoting kilobytes of binary), so both
are made printable and the reason is cut to a bounded length: one error is always one short line.
"""
from __future__ import annotations

import re

MAX_REASON_CHARS = 300
MAX_SOURCE_CHARS = 500

# C0/C1 controls, line and paragraph separators, bidirectional overrides, lone surrogates
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    o = ord(m.group())
    if 0xDC80 <= o <= 0xDCFF:  # a byte of a file name that is not UTF-8 (Python's surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def printable(s: str, limit: int | None = None) -> str:
    """``s`` with control characters and undecodable bytes written as escapes, cut to ``limit``."""
    s = _UNPRINTABLE.sub(_escape, s)
    if limit is not None and len(s) > limit:
        s = f"{s[:limit]}… ({len(s):,} characters in all)"
    return s


class InputError(Exception):
    """Bad input. Carries the file (and line or record) so the CLI can print one clear line."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source = printable(source, MAX_SOURCE_CHARS)
        self.reason = printable(reason, MAX_REASON_CHARS)
        self.line = line
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {self.reason}")


class InputWarning(InputError):
    """Input skipped on purpose (a symbolic link out of the input folder): reported, not an error."""
