"""The dashboard's map drawn on the server as SVG, for the print view and the PDF (WeasyPrint runs no script).

It draws the same simplified shapes the page's map fetches, coloured by the same scale as the page's
(``map.js``: ECharts' continuous scale from the lowest to the highest figure through red, amber and green,
reversed when lower is better), with a legend and each shape labelled: by its name where the name fits inside
the shape, else by a number whose name the key under the map gives.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# The page's scale (map.js GOOD_HIGH), and the colour of a shape without a figure.
GOOD_HIGH = ("#c0392b", "#f0b429", "#2e8540")
NO_FIGURE = "#e5e7eb"
FONT = "DejaVu Sans, sans-serif"
LABEL_SIZES = (12.0, 10.0, 8.0, 7.0)
# DejaVu Sans is wide: a character takes about 0.6 of the font's size (Vietnamese diacritics stay inside it).
CHAR_WIDTH = 0.6

Point = tuple[float, float]


@dataclass(frozen=True)
class Shape:
    unit_id: int
    name: str
    geometry: dict[str, Any]
    value: float | int | None


def _polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    coords = geometry.get("coordinates") or []
    polygons = [coords] if geometry.get("type") == "Polygon" else coords
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in polygons]


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def colour_of(value: float | None, low: float, high: float, *, better: str) -> str:
    """The page's colour for ``value`` on a scale from ``low`` to ``high`` (linear between the three stops)."""
    if value is None:
        return NO_FIGURE
    stops = GOOD_HIGH if better == "high" else GOOD_HIGH[::-1]
    t = 0.0 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
    position = t * (len(stops) - 1)
    i = min(int(position), len(stops) - 2)
    f = position - i
    a, b = _hex(stops[i]), _hex(stops[i + 1])
    return "#{:02x}{:02x}{:02x}".format(*(round(x + (y - x) * f) for x, y in zip(a, b, strict=True)))


def scale(values: list[float | int | None]) -> tuple[float, float]:
    """The scale's ends as the page sets them: the lowest and highest figure (one apart when they are equal)."""
    present = [float(v) for v in values if v is not None]
    low = min(present, default=0.0)
    high = max(present, default=1.0)
    return low, (low + 1 if high == low else high)


def _area_centroid(ring: list[Point]) -> tuple[float, Point]:
    """A ring's area (absolute) and the centre of its area; the mean of its points when it has no area."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-12:
        n = max(len(ring), 1)
        return 0.0, (sum(p[0] for p in ring) / n, sum(p[1] for p in ring) / n)
    return abs(a) / 2, (cx / (3 * a), cy / (3 * a))


def _inside(point: Point, ring: list[Point]) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (x1 - x0) * (y - y0) / (y1 - y0):
            inside = not inside
    return inside


def _label_box(outer: list[Point], anchor: Point) -> tuple[float, float]:
    """The width and height free around ``anchor`` inside ``outer`` (drawn coordinates), along its two axes."""
    x, y = anchor
    left = right = up = down = math.inf
    for (x0, y0), (x1, y1) in zip(outer, outer[1:] + outer[:1], strict=True):
        if (y0 > y) != (y1 > y):
            cross = x0 + (x1 - x0) * (y - y0) / (y1 - y0)
            if cross >= x:
                right = min(right, cross - x)
            else:
                left = min(left, x - cross)
        if (x0 > x) != (x1 > x):
            cross = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            if cross >= y:
                down = min(down, cross - y)
            else:
                up = min(up, y - cross)
    return 2 * min(left, right), 2 * min(up, down)


def _n(value: float | int | None, unit: str) -> str:
    if value is None:
        return "–"
    text = number_format(value, 1 if isinstance(value, float) else 0, force_grouping=True)
    return f"{text} {unit}" if unit else text


def _text(
    x: float, y: float, s: str, *, size: float, anchor: str = "middle", weight: str = "normal", halo: bool = False
) -> str:
    attributes = (
        f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" font-family="{FONT}"'
    )
    # A label on a coloured shape: drawn first in a white outline, so it reads on dark green as on amber.
    under = f'<text {attributes} fill="#fff" stroke="#fff" stroke-width="3">{escape(s)}</text>' if halo else ""
    return f'{under}<text {attributes} fill="#111">{escape(s)}</text>'


def choropleth_svg(
    shapes: list[Shape], *, label: str, unit: str, better: str, width: int = 700, height: int = 420
) -> str:
    """The shapes coloured by their figure, each labelled, with the scale's legend and the key of the numbers."""
    drawn = [(s, _polygons(s.geometry)) for s in shapes]
    points = [p for _s, polygons in drawn for polygon in polygons for ring in polygon[:1] for p in ring]
    if not points:
        return ""
    min_x = min(p[0] for p in points)
    max_x = max(p[0] for p in points)
    min_y = min(p[1] for p in points)
    max_y = max(p[1] for p in points)
    # Degrees of longitude shrink with the latitude: an equirectangular projection at the map's middle.
    aspect = math.cos(math.radians((min_y + max_y) / 2))
    legend_h = 44
    box_w, box_h = width - 8, height - legend_h - 8
    k = min(box_w / max((max_x - min_x) * aspect, 1e-9), box_h / max(max_y - min_y, 1e-9))
    off_x = 4 + (box_w - (max_x - min_x) * aspect * k) / 2
    off_y = 4 + (box_h - (max_y - min_y) * k) / 2

    def project(p: Point) -> Point:
        return off_x + (p[0] - min_x) * aspect * k, off_y + (max_y - p[1]) * k

    low, high = scale([s.value for s in shapes])
    paths: list[str] = []
    labels: list[str] = []
    key: list[tuple[int, str]] = []
    for shape, polygons in drawn:
        projected = [[[project(p) for p in ring] for ring in polygon] for polygon in polygons]
        d = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + " Z" for polygon in projected for ring in polygon
        )
        fill = colour_of(None if shape.value is None else float(shape.value), low, high, better=better)
        title = f"{shape.name}: {_n(shape.value, unit)}"
        paths.append(
            f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#ffffff" stroke-width="1">'
            f"<title>{escape(title)}</title></path>"
        )
        if not projected:
            continue
        # The label goes on the largest piece, at the centre of its area (or its points' middle when the
        # centre falls outside, as in a crescent), if the name fits in the room around that point.
        outer = max((polygon[0] for polygon in projected), key=lambda ring: _area_centroid(ring)[0])
        anchor = _area_centroid(outer)[1]
        if not _inside(anchor, outer):
            anchor = (sum(p[0] for p in outer) / len(outer), sum(p[1] for p in outer) / len(outer))
        room_w, room_h = _label_box(outer, anchor)
        for size in LABEL_SIZES:
            if len(shape.name) * size * CHAR_WIDTH <= room_w * 0.95 and size * 1.3 <= room_h:
                labels.append(_text(anchor[0], anchor[1] + size * 0.35, shape.name, size=size, halo=True))
                break
        else:
            number = len(key) + 1
            key.append((number, shape.name))
            labels.append(_text(anchor[0], anchor[1] + 3, str(number), size=9, weight="bold", halo=True))

    # The legend: the scale in ten steps from the lowest figure to the highest, its ends written under it.
    legend_y = height - legend_h + 6
    steps = 10
    step_w = 16.0
    legend_x = 4.0
    parts = [_text(legend_x, legend_y - 2, label, size=8, anchor="start")]
    for i in range(steps):
        colour = colour_of(low + (high - low) * (i + 0.5) / steps, low, high, better=better)
        x = legend_x + i * step_w
        parts.append(f'<rect x="{x:.1f}" y="{legend_y + 2}" width="{step_w:.1f}" height="9" fill="{colour}"/>')
    parts.append(_text(legend_x, legend_y + 21, _n(_round(low), unit), size=8, anchor="start"))
    parts.append(_text(legend_x + steps * step_w, legend_y + 21, _n(_round(high), unit), size=8, anchor="end"))
    no_x = legend_x + steps * step_w + 14
    parts.append(f'<rect x="{no_x:.1f}" y="{legend_y + 2}" width="12" height="9" fill="{NO_FIGURE}" stroke="#999"/>')
    parts.append(_text(no_x + 16, legend_y + 10, _("No figure"), size=8, anchor="start"))
    body = "".join(paths) + "".join(labels) + "".join(parts)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">{body}</svg>'
    )
    if key:
        svg += '<p class="map-key">' + " · ".join(f"{n}: {escape(name)}" for n, name in key) + "</p>"
    return svg


def _round(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)


def shapes_of(rows: list[Any], geometries: dict[int, str], key: str) -> list[Shape]:
    """The child units' rows that have a boundary, as shapes carrying the figure ``key``."""
    return [
        Shape(r.unit.pk, r.unit.name, json.loads(geometries[r.unit.pk]), getattr(r, key))
        for r in rows
        if r.unit.pk in geometries
    ]
