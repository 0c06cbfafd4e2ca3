"""Country borders, offline: the world-atlas TopoJSON (Natural Earth 1:50m, vendored with the web
app's static files) decoded to GeoJSON for the map and to SVG paths for the static report."""
from __future__ import annotations

import functools
import json
from importlib import resources

Ring = list[tuple[float, float]]


@functools.lru_cache(maxsize=1)
def countries() -> list[tuple[str, list[list[Ring]]]]:
    """Every country as (name, polygons), each polygon a list of rings of (lon, lat)."""
    path = resources.files("storyline.api") / "static" / "vendor" / "world-atlas" / "countries-50m.json"
    topo = json.loads(path.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 3), round(y * sy + ty, 3)))
        arcs.append(points)

    def ring(indexes: list[int]) -> Ring:
        out: Ring = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points if not out else points[1:])
        return out

    result = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"] if geom["type"] == "MultiPolygon" else []
        result.append((geom.get("properties", {}).get("name", ""), [[ring(r) for r in poly] for poly in polys]))
    return result


@functools.lru_cache(maxsize=1)
def geojson() -> bytes:
    """The borders as a GeoJSON FeatureCollection (what the web map draws)."""
    features = [{"type": "Feature", "properties": {"name": name},
                 "geometry": {"type": "MultiPolygon", "coordinates": [[[list(p) for p in r] for r in poly] for poly in polys]}}
                for name, polys in countries()]
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()


def svg_paths(lon0: float, lat0: float, lon1: float, lat1: float, width: float, height: float) -> list[str]:
    """SVG path data of the borders inside a lon/lat box, projected equirectangularly onto
    width x height (rings wholly outside the box are left out)."""
    def xy(lon: float, lat: float) -> str:
        return f"{(lon - lon0) / (lon1 - lon0) * width:.1f},{(lat1 - lat) / (lat1 - lat0) * height:.1f}"

    paths = []
    for _name, polys in countries():
        d = []
        for poly in polys:
            for r in poly:
                lons, lats = [p[0] for p in r], [p[1] for p in r]
                if max(lons) < lon0 or min(lons) > lon1 or max(lats) < lat0 or min(lats) > lat1:
                    continue
                d.append("M" + "L".join(xy(lon, lat) for lon, lat in r) + "Z")
        if d:
            paths.append("".join(d))
    return paths
