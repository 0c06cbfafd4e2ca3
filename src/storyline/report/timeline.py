"""Timelines: events ordered by date (precision shown), grouped by actor, place or story.

A story is a set of events that share articles: a report of one event that recalls another links
them, so follow-ups, retaliations and the background they cite end up in one story.
"""
from __future__ import annotations

from collections import defaultdict

from storyline.models import Event
from storyline.unionfind import UnionFind


def date_label(ev: Event) -> str:
    d = ev.date
    if not d.start:
        return "date unknown"
    if d.start == d.end:
        return f"{d.start} ({d.precision})"
    return f"{d.start} – {d.end} ({d.precision})"


def sort_key(ev: Event) -> tuple:
    return (ev.date.start or "9999", ev.date.end or "9999", ev.id)


def stories(events: list[Event]) -> list[list[Event]]:
    """Connected components of events linked by a shared article, each ordered by date."""
    sets = UnionFind(len(events))
    by_article: dict[str, list[int]] = defaultdict(list)
    for k, ev in enumerate(events):
        for a in ev.articles:
            by_article[a.id].append(k)
    for members in by_article.values():
        for other in members[1:]:
            sets.union(members[0], other)
    groups = [sorted((events[k] for k in g), key=sort_key) for g in sets.groups()]
    return sorted(groups, key=lambda g: sort_key(g[0]))


def timeline(events: list[Event], by: str) -> dict[str, list[Event]]:
    """Events grouped by 'actor', 'place' or 'story' (or 'all'), each group ordered by date."""
    groups: dict[str, list[Event]] = defaultdict(list)
    if by == "all":
        groups["all events"] = list(events)
    elif by == "actor":
        for ev in events:
            for name in {a.name for a in ev.actors}:
                groups[name].append(ev)
    elif by == "place":
        for ev in events:
            groups[ev.location.name or "place unknown"].append(ev)
    elif by == "story":
        for i, story in enumerate(stories(events), 1):
            groups[f"story {i}: {story[0].type} … {story[-1].type}" if len(story) > 1 else f"story {i}: {story[0].type}"] = story
    else:
        raise ValueError(f"unknown timeline grouping {by!r}; choose all, actor, place or story")
    return {k: sorted(v, key=sort_key) for k, v in sorted(groups.items(), key=lambda kv: sort_key(min(kv[1], key=sort_key)))}
