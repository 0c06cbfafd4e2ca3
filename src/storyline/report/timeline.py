"""Timelines: events ordered by date (precision shown), grouped by actor, place or story.

A story is the events reports tie together: an article ties its main event to the events it
recalls as background and to other articles' main events it reports. Events an article mentions
only in passing tie nothing (they join the story of the article's main event), or one explainer
that mentions everything would chain every event into one story.
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


def article_core(mentions: list[tuple[str, str]], main: str | None, is_main) -> set[str]:
    """The events one article ties into a story: its main event, plus each event it mentions
    (event id, role) as background or that is some article's main event (``is_main(id)``). An
    article with no main event ties nothing."""
    if main is None:
        return set()
    return {main} | {eid for eid, role in mentions if role == "background" or is_main(eid)}


def stories(events: list[Event], mains: dict[str, str] | None = None) -> list[list[Event]]:
    """Stories, each ordered by date. ``mains`` maps article ids to their main event; without it
    every shared article ties its events (the coarser grouping of older callers)."""
    index = {ev.id: k for k, ev in enumerate(events)}
    sets = UnionFind(len(events))
    by_article: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ev in events:
        for a in ev.articles:
            by_article[a.id].append((ev.id, a.role))
    main_ids = set((mains or {}).values())
    core_ids: set[str] = set()
    attached: dict[str, str] = {}  # an event mentioned only in passing -> the main event it joins
    for article, mentions in by_article.items():
        if mains is None:
            core = {eid for eid, _ in mentions}
        else:
            main = mains.get(article)
            core = {e for e in article_core(mentions, main, main_ids.__contains__) if e in index}
            if main in index:
                for eid, _ in mentions:
                    attached.setdefault(eid, main)
        core_ids |= core
        ids = sorted(core)
        for other in ids[1:]:
            sets.union(index[ids[0]], index[other])
    groups: dict[int, list[Event]] = defaultdict(list)
    for ev in events:
        passing = ev.id not in core_ids and ev.id in attached
        groups[sets.find(index[attached[ev.id] if passing else ev.id])].append(ev)
    return sorted((sorted(g, key=sort_key) for g in groups.values()), key=lambda g: sort_key(g[0]))


def timeline(events: list[Event], by: str, mains: dict[str, str] | None = None) -> dict[str, list[Event]]:
    """Events grouped by 'actor', 'place' or 'story' (or 'all'), each group ordered by date;
    ``mains`` (article id -> main event) lets stories leave passing mentions out of the links."""
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
        for i, story in enumerate(stories(events, mains), 1):
            groups[f"story {i}: {story[0].type} … {story[-1].type}" if len(story) > 1 else f"story {i}: {story[0].type}"] = story
    else:
        raise ValueError(f"unknown timeline grouping {by!r}; choose all, actor, place or story")
    return {k: sorted(v, key=sort_key) for k, v in sorted(groups.items(), key=lambda kv: sort_key(min(kv[1], key=sort_key)))}
