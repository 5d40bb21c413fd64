"""The dashboard's map: which of a unit's children have a boundary, and the figures the map colours them by.

``map_section`` is the one hook the dashboard calls; it reads only which boundaries exist (one small query),
never the geometries, which the page fetches from ``maps:geo``. The figures are the child units' table's
(``dashboard.selectors.ChildRow``), so the map and the table beside it cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from switchoff.maps import svg
from switchoff.maps.models import Boundary


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # how its numbers read: "%" or ""
    better: str  # "high" or "low": which end is coloured green


def figures() -> list[Figure]:
    return [
        Figure("switched_share", _("Switched (%)"), "%", "high"),
        Figure("listed", _("Still listed"), "", "low"),
        Figure("visits_per_1000", _("Visits per 1,000 listed"), "", "high"),
    ]


def _value(row: Any, key: str) -> float | int | None:
    value: float | int | None = getattr(row, key)
    return value


def map_section(*, unit: Any, children: list[Any], campaign: Any) -> dict[str, Any] | None:
    """The map's context for the dashboard of ``unit``, or None when none of its children has a boundary."""
    ids = {r.unit.pk for r in children}
    # By parent, not by the children's ids: one query on every page, a village's (no children) too, so that
    # the dashboard costs the same queries at every level.
    sources = dict(Boundary.objects.filter(unit__parent=unit).values_list("unit_id", "source_name"))
    drawn = set(sources) & ids
    if not drawn:
        return None
    rows = [r for r in children if r.unit.pk in drawn]
    return {
        "figures": figures(),
        "rows": rows,
        # Where the shapes come from (the files imported), said under the map: the demo's are schematic.
        "sources": sorted({sources[pk] for pk in drawn}),
        "missing": [r.unit for r in children if r.unit.pk not in drawn],
        "data": {
            "geo": reverse("maps:geo", args=[unit.pk]),
            "figures": [{"key": f.key, "label": f.label, "unit": f.unit, "better": f.better} for f in figures()],
            "units": [
                {
                    "id": r.unit.pk,
                    "name": r.unit.name,
                    "href": reverse("dashboard:unit", args=[r.unit.pk]) + f"?campaign={campaign.pk}",
                    **{f.key: _value(r, f.key) for f in figures()},
                }
                for r in rows
            ],
        },
    }


def map_print(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """The map of ``section`` (``map_section``'s) drawn as SVG for the print view and the PDF, by its first figure."""
    if section is None:
        return None
    rows = section["rows"]
    geometries = dict(Boundary.objects.filter(unit_id__in=[r.unit.pk for r in rows]).values_list("unit_id", "geometry"))
    figure = figures()[0]
    drawn = svg.choropleth_svg(
        svg.shapes_of(rows, geometries, figure.key), label=figure.label, unit=figure.unit, better=figure.better
    )
    # Built from escaped names and numbers only (svg.py escapes every text it writes).
    return {"svg": mark_safe(drawn), "figure": figure, "sources": section["sources"]}  # noqa: S308
