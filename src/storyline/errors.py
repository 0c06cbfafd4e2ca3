"""The one documented error type: bad input that a stage refuses, with where and why."""
from __future__ import annotations


class InputError(Exception):
    """Bad input. Carries the file (and line or record) so the CLI can print one clear line."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source = source
        self.reason = reason
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
