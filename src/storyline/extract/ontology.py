"""The label sets of an event mention: project key -> ACLED event/sub-event type -> PLOVER category.

The mapping lives in ``data/ontology.json`` so analysts can read and change it without code.
"""
from __future__ import annotations

import functools
import json
from importlib import resources
from typing import NamedTuple


class Labels(NamedTuple):
    acled_event_type: str | None
    acled_sub_event_type: str | None
    plover_type: str | None


@functools.lru_cache(maxsize=1)
def load() -> dict:
    """The raw ontology document (cached: read once per process)."""
    return json.loads(resources.files("storyline.data").joinpath("ontology.json").read_text("utf-8"))


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, Labels]:
    data = load()
    table: dict[str, Labels] = {}
    for event_type, subs in data["acled"].items():
        for sub, spec in subs.items():
            for key in spec["keys"]:
                table[key] = Labels(event_type, sub, spec["plover"])
    for section in ("political", "general"):
        for key, plover in data[section].items():
            table[key] = Labels(None, None, plover)
    return table


def keys() -> list[str]:
    """Every project key the extractor may emit."""
    return list(_table())


def plover_types() -> list[str]:
    return list(load()["plover"])


def lookup(key: str) -> Labels:
    """(acled_event_type, acled_sub_event_type, plover_type) for a project key; KeyError if unknown."""
    return _table()[key]


@functools.lru_cache(maxsize=1)
def _sub_events() -> dict[str, tuple[str, list[str]]]:
    return {sub: (event_type, spec["keys"]) for event_type, subs in load()["acled"].items() for sub, spec in subs.items()}


def sub_event_keys(sub_event_type: str) -> tuple[str, list[str]]:
    """(ACLED event type, project keys) of an ACLED sub-event type; KeyError if unknown."""
    return _sub_events()[sub_event_type]
