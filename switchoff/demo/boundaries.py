"""The demo's commune boundaries: schematic hexagons, not the GIS office's shapes.

The demo is fictitious, and the real boundaries are the province's to give: ``make run`` still shows the map,
from a honeycomb of one hexagon per commune laid over the province's rough extent, in the order of the communes'
codes. The file is read and stored as an administrator's upload is (``geojson.parse``, then the service), and its
name, which the map's caption shows, says the shapes are illustrative.
"""

from __future__ import annotations

import json
import math
from typing import Any

from switchoff.maps import geojson, services
from switchoff.people.models import User
from switchoff.units.models import Unit, UnitKind

SOURCE_NAME = (
    "Sơ đồ minh họa của dữ liệu demo, không phải ranh giới của cơ quan địa chính / "
    "Illustrative demo shapes, not the GIS office's boundaries"
)
# Lạng Sơn's rough extent (degrees): west, south, east, north.
EXTENT = (106.1, 21.4, 107.3, 22.4)


def _hexagon(cx: float, cy: float, r: float, aspect: float) -> list[list[float]]:
    """A pointy-top hexagon of radius ``r`` (degrees of latitude), widened by ``aspect`` in longitude."""
    ring = [
        [
            round(cx + r * math.cos(math.radians(90 + 60 * i)) / aspect, 5),
            round(cy + r * math.sin(math.radians(90 + 60 * i)), 5),
        ]
        for i in range(6)
    ]
    return [*ring, ring[0]]


def schematic_collection(units: list[Unit]) -> dict[str, Any]:
    """One hexagon per unit, in a honeycomb over ``EXTENT`` (rows as wide as the extent keeps its shape)."""
    west, south, east, north = EXTENT
    aspect = math.cos(math.radians((south + north) / 2))
    width, height = (east - west) * aspect, north - south
    n = max(len(units), 1)
    columns = max(1, math.ceil(math.sqrt(n * width / height)))
    rows = math.ceil(n / columns)
    # Neighbouring pointy-top hexagons: sqrt(3)·r apart in a row, 1.5·r between rows; the odd rows shifted.
    r = min(width / (math.sqrt(3) * (columns + 0.5)), height / (1.5 * rows + 0.5))
    features = []
    for index, unit in enumerate(units):
        row, column = divmod(index, columns)
        x = west + (math.sqrt(3) * r * (column + 0.5 + (0.5 if row % 2 else 0))) / aspect
        y = north - r - 1.5 * r * row
        features.append(
            {
                "type": "Feature",
                "properties": {"ma_xa": unit.code, "ten_xa": unit.name, "nguon": SOURCE_NAME},
                "geometry": {"type": "Polygon", "coordinates": [_hexagon(x, y, r * 0.98, aspect)]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def demo_boundaries(*, actor: User, province: Unit) -> int:
    """Import the schematic boundaries of the province's current communes, as an upload is imported."""
    communes = list(
        Unit.objects.filter(parent=province, valid_to__isnull=True, kind__category=UnitKind.Category.COMMUNE).order_by(
            "code", "pk"
        )
    )
    content = json.dumps(schematic_collection(communes), ensure_ascii=False).encode()
    parsed = geojson.parse(content, province)
    return services.boundaries_import(actor=actor, root=province, parsed=parsed, source_name=SOURCE_NAME)
