"""The evaluation corpora's shared layout: ``<doc>.txt`` files described by ``metadata.jsonl``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storyline.errors import InputError


def read_metadata(corpus_dir: Path, required: bool = True) -> dict[str, dict[str, Any]]:
    """``metadata.jsonl`` rows (``file``, ``published``, ``url``, ...) keyed by document id (the file stem)."""
    path = Path(corpus_dir) / "metadata.jsonl"
    if not path.is_file():
        if required:
            raise InputError(str(path), "missing metadata file")
        return {}
    rows: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows[Path(row["file"]).stem] = row
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}", f"not a metadata record with a 'file' ({exc})") from exc
    return rows
