"""Reading a province's commune boundaries from a GeoJSON file, as the GIS office exports it.

A file is a FeatureCollection of Polygon or MultiPolygon features in longitude and latitude (WGS 84,
EPSG:4326), sometimes with a ``crs`` member saying so, and with the GIS office's own properties: the commune's
official code (``ma_xa``, ``MaXa``, ``code`` …) and its name (``ten_xa``, ``TenXa``, ``name`` …), often more.
Each feature is matched to a unit below the chosen one (a commune or a district) by its code, else by its name
(with or without diacritics and the "Xã", "Phường", "P." prefixes). What cannot be used is listed feature by
feature (which feature, which property, what is wrong), never dropped silently; the file as a whole is refused
when it is not GeoJSON, too large, or drawn in projected metres (VN-2000) rather than degrees.

Geometries are simplified (Douglas–Peucker, plain Python: a few dozen lines, tested in ``tests/test_maps.py``)
and their coordinates rounded to five decimals (about a metre), so a commune weighs a few kilobytes on the page.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind

MAX_BYTES = 20 * 1024 * 1024
MAX_FEATURES = 2_000
MAX_FEATURE_VERTICES = 200_000  # one commune drawn to the centimetre; more is a mistake in the export
MAX_VERTICES = 5_000_000
# What a commune keeps once simplified: enough for a province's map on a projector.
KEEP_VERTICES = 600
FIRST_TOLERANCE = 0.0001  # degrees, about 11 m
DECIMALS = 5

# Property names as GIS offices write them, compared folded (lower case, no "_", "-" or spaces).
CODE_KEYS = ("maxa", "maphuongxa", "madvhc", "madonvi", "communecode", "code", "ma")
NAME_KEYS = ("tenxa", "tenphuongxa", "tendvhc", "tendonvi", "communename", "name", "ten")
PREFIXES = ("thi tran ", "tt. ", "tt ", "phuong ", "p. ", "p.", "xa ", "x. ", "dac khu ")
GEOGRAPHIC_CRS = re.compile(r"(?:EPSG:{1,2}(?:[\d.]*:)?4326|CRS84|WGS\s*84)$", re.IGNORECASE)


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, in the reader's language."""


@dataclass
class Problem:
    feature: int  # 1-based, as a person counts them
    label: str  # the feature's code or name as written, to find it in the GIS program
    field: str  # the property or member concerned
    reason: str


@dataclass
class Matched:
    feature: int
    unit: Unit
    geometry: dict[str, Any]
    vertices: int  # before simplification
    kept: int  # after


@dataclass
class Parsed:
    matched: list[Matched] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    features: int = 0


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", fold(name))


def _prop(properties: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, str] | None:
    """The first of ``keys`` present with a value: (the property's name as written, its value as text)."""
    folded = {_key(k): k for k in properties}
    for key in keys:
        original = folded.get(key)
        if original is None:
            continue
        value = properties[original]
        if value is None or isinstance(value, (dict, list)) or str(value).strip() == "":
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return original, str(value).strip()
    return None


def bare_name(name: str) -> str:
    """A unit's name folded and without its kind: "Phường Lương Văn Tri", "P. Luong Van Tri" → "luong van tri"."""
    folded = fold(name)
    for prefix in PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :].strip()
    return folded


def _code(text: str) -> str:
    """A commune code as the GSO writes it: five digits (a spreadsheet or a GIS field of numbers drops the 0)."""
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _crs_name(collection: dict[str, Any]) -> str | None:
    crs = collection.get("crs")
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    return str(name) if name is not None else json.dumps(crs)[:80]


def _rings(geometry: dict[str, Any]) -> list[list[list[Any]]]:
    """Every ring of a Polygon or MultiPolygon (the caller checked the type)."""
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise ValueError(_("has no coordinates"))
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    rings: list[list[list[Any]]] = []
    for polygon in polygons:
        if not isinstance(polygon, list):
            raise ValueError(_("coordinates are not a list of rings"))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError(_("a ring has fewer than four points"))
            rings.append(ring)
    return rings


def _point(raw: Any) -> tuple[float, float]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise ValueError(_("a point is not [longitude, latitude]"))
    x, y = raw[0], raw[1]
    if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
        raise ValueError(_("a point is not [longitude, latitude]"))
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(_("a point is not [longitude, latitude]"))
    return float(x), float(y)


def _perpendicular(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    return abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / math.hypot(dx, dy)


def simplify_line(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker: the points that keep the line within ``tolerance`` of the original (ends always kept)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, at = 0.0, -1
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > worst:
                worst, at = d, i
        if at >= 0 and worst > tolerance:
            keep[at] = True
            stack += [(first, at), (at, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """A closed ring simplified and still closed, with at least four points (a triangle) when it had them.

    The ring is split at its point farthest from the first, so both halves keep the ring's extent.
    """
    if len(ring) <= 4:
        return list(ring)
    far = max(range(len(ring)), key=lambda i: math.hypot(ring[i][0] - ring[0][0], ring[i][1] - ring[0][1]))
    first = simplify_line(ring[: far + 1], tolerance)
    second = simplify_line(ring[far:], tolerance)
    out = first + second[1:]
    if len(out) < 4:
        # Too small to draw at this tolerance: the original's extreme points keep a triangle.
        third = ring[len(ring) // 3] if far > len(ring) // 2 else ring[(far + len(ring)) // 2]
        out = [ring[0], third, ring[far], ring[0]] if third not in (ring[0], ring[far]) else list(ring[:4])
    return out


def simplify(
    polygons: list[list[list[tuple[float, float]]]], keep: int = KEEP_VERTICES
) -> list[list[list[list[float]]]]:
    """Simplify every ring, doubling the tolerance until the whole shape keeps at most ``keep`` vertices."""
    tolerance = FIRST_TOLERANCE
    while True:
        out = [[simplify_ring(ring, tolerance) for ring in polygon] for polygon in polygons]
        count = sum(len(ring) for polygon in out for ring in polygon)
        if count <= keep or tolerance > 0.1:
            break
        tolerance *= 2
    return [[[[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring] for ring in polygon] for polygon in out]


def _candidates(root: Unit) -> list[Unit]:
    """The units below ``root`` a boundary can belong to: current communes and districts."""
    return list(
        Unit.objects.filter(
            rollup_path__startswith=root.rollup_path,
            valid_to__isnull=True,
            kind__category__in=[UnitKind.Category.COMMUNE, UnitKind.Category.DISTRICT],
        )
        .exclude(pk=root.pk)
        .select_related("kind")
    )


def _fmt(n: int) -> str:
    return number_format(n, force_grouping=True)


def too_large(size: int) -> str:
    return _(
        "The file is %(size)s bytes; at most %(limit)s are accepted. Simplify the boundaries in the GIS program first."
    ) % {"size": _fmt(size), "limit": _fmt(MAX_BYTES)}


def load(content: bytes) -> dict[str, Any]:
    """The file's FeatureCollection, or ``FileRefused`` saying why not."""
    if len(content) > MAX_BYTES:
        raise FileRefused(too_large(len(content)))
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileRefused(_("The file is not text in UTF-8: export it again as GeoJSON.")) from None
    except json.JSONDecodeError as exc:
        raise FileRefused(
            _("The file is not valid GeoJSON: line %(line)s, column %(column)s: %(reason)s.")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}
        ) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise FileRefused(
            _('The file is JSON but not a GeoJSON FeatureCollection (its "type" must be "FeatureCollection").')
        )
    crs = _crs_name(data)
    if crs is not None and not GEOGRAPHIC_CRS.search(crs.strip()):
        raise FileRefused(
            _(
                "The file's coordinates are in %(crs)s, a projected system (metres, such as VN-2000). Export it again "
                "in longitude and latitude, WGS 84 (EPSG:4326)."
            )
            % {"crs": crs}
        )
    if len(data["features"]) > MAX_FEATURES:
        raise FileRefused(
            _("The file has %(n)s features; at most %(limit)s are accepted.")
            % {"n": _fmt(len(data["features"])), "limit": _fmt(MAX_FEATURES)}
        )
    if not data["features"]:
        raise FileRefused(_("The file has no features."))
    return data


def parse(content: bytes, root: Unit) -> Parsed:
    """Check every feature of the file against the units below ``root``; ``FileRefused`` for the whole file."""
    data = load(content)
    units = _candidates(root)
    by_code = {u.code: u for u in units if u.code}
    by_name: dict[str, list[Unit]] = {}
    by_bare: dict[str, list[Unit]] = {}
    for u in units:
        by_name.setdefault(u.search_name, []).append(u)
        by_bare.setdefault(bare_name(u.name), []).append(u)
    parsed = Parsed(features=len(data["features"]))
    seen: dict[int, int] = {}
    total = 0
    projected = 0
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            parsed.problems.append(Problem(number, "", "type", _("not a GeoJSON Feature")))
            continue
        raw = feature.get("properties")
        properties: dict[str, Any] = raw if isinstance(raw, dict) else {}
        code = _prop(properties, CODE_KEYS)
        name = _prop(properties, NAME_KEYS)
        label = " · ".join(v for v in (code and code[1], name and name[1]) if v)

        def problem(where: str, reason: str, label: str = label, number: int = number) -> None:
            parsed.problems.append(Problem(number, label, where, reason))

        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            kind = geometry.get("type") if isinstance(geometry, dict) else _("none")
            problem("geometry", _("the geometry is %(kind)s; only Polygon and MultiPolygon are drawn") % {"kind": kind})
            continue
        try:
            rings = _rings(geometry)
            count = sum(len(r) for r in rings)
            if count > MAX_FEATURE_VERTICES:
                problem(
                    "geometry",
                    _("%(n)s vertices; at most %(limit)s per feature are accepted: simplify it in the GIS program")
                    % {"n": _fmt(count), "limit": _fmt(MAX_FEATURE_VERTICES)},
                )
                continue
            total += count
            if total > MAX_VERTICES:
                raise FileRefused(
                    _("The file has more than %(limit)s vertices in all: simplify the boundaries in the GIS program.")
                    % {"limit": _fmt(MAX_VERTICES)}
                )
            points = [[_point(p) for p in ring] for ring in rings]
        except ValueError as exc:
            problem("geometry", str(exc))
            continue
        flat = [p for ring in points for p in ring]
        if any(abs(x) > 180 or abs(y) > 90 for x, y in flat):
            projected += 1
            problem(
                "geometry",
                _(
                    "coordinates such as %(x)s, %(y)s are metres of a projected system (VN-2000?), not degrees: "
                    "export the file again in WGS 84 (EPSG:4326)"
                )
                % {"x": _fmt(round(flat[0][0])), "y": _fmt(round(flat[0][1]))},
            )
            continue
        if all(8 <= x <= 24 and 102 <= y <= 110 for x, y in flat[:10]):
            problem("geometry", _("longitude and latitude look swapped (latitude first): export it again"))
            continue
        unit = None
        if code is not None:
            unit = by_code.get(_code(code[1]))
            if unit is None and name is None:
                problem(
                    code[0],
                    _("no commune with the code %(code)s below %(root)s") % {"code": code[1], "root": root.name},
                )
                continue
        if unit is None and name is not None:
            found = by_name.get(fold(name[1])) or by_bare.get(bare_name(name[1])) or []
            if len(found) > 1:
                problem(name[0], _("more than one unit is called %(name)s: add the commune code") % {"name": name[1]})
                continue
            if not found:
                where = f"{code[0]}, {name[0]}" if code else name[0]
                problem(where, _("no commune with this code or name below %(root)s") % {"root": root.name})
                continue
            unit = found[0]
        if unit is None:
            problem(
                "properties",
                _("no property with the commune's code (ma_xa, MaXa, code) or name (ten_xa, TenXa, name)"),
            )
            continue
        if unit.pk in seen:
            problem(
                code[0] if code else name[0] if name else "properties",
                _("%(unit)s already has feature %(n)s in this file") % {"unit": unit.name, "n": seen[unit.pk]},
            )
            continue
        seen[unit.pk] = number
        polygons = [points] if geometry["type"] == "Polygon" else _split(points, geometry)
        simple = simplify(polygons)
        kept = sum(len(r) for p in simple for r in p)
        shape = {"type": "MultiPolygon", "coordinates": simple}
        parsed.matched.append(Matched(number, unit, shape, count, kept))
    if projected and projected == parsed.features:
        raise FileRefused(
            _(
                "Every feature's coordinates are metres of a projected system (such as VN-2000), not degrees. "
                "Export the file again in longitude and latitude, WGS 84 (EPSG:4326)."
            )
        )
    return parsed


def _split(points: list[list[tuple[float, float]]], geometry: dict[str, Any]) -> list[list[list[tuple[float, float]]]]:
    """A MultiPolygon's rings, read flat by ``_rings``, grouped back into its polygons."""
    out = []
    at = 0
    for polygon in geometry["coordinates"]:
        out.append(points[at : at + len(polygon)])
        at += len(polygon)
    return out
