"""The dashboard's charts: their data for ECharts in the browser, and the same figures drawn as SVG on the server.

The browser draws with Apache ECharts (SVG renderer) from ``chart_data``. The
print view and the PDF have no browser to run it: ``svg_charts`` draws the
same series as plain SVG in Python (bars and lines, Vietnamese number format),
which WeasyPrint renders as it is. Both read the tables of ``tables.py``.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from switchoff.dashboard import tables

PALETTE = ["#1d5fa7", "#d9822b", "#2e8540", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b7950b"]


def _series(table: tables.Table, first_value_column: int = 1) -> tuple[list[str], list[dict[str, Any]]]:
    categories = [str(row[0]) for row in table.rows]
    series = [
        {"name": header, "data": [row[i] for row in table.rows], "dashed": i in table.target_columns}
        for i, header in enumerate(table.headers)
        if i >= first_value_column
    ]
    return categories, series


def chart_data(by_key: dict[str, tables.Table]) -> list[dict[str, Any]]:
    """Each chart's kind, categories and series (what ECharts draws): the tables' figures, nothing else."""
    charts: list[dict[str, Any]] = []
    categories, series = _series(by_key["funnel"])
    charts.append({"id": "funnel", "kind": "hbar", "categories": categories, "series": series})
    categories, series = _series(by_key["weeks"])
    charts.append({"id": "weeks", "kind": "bar", "categories": categories, "series": series})
    if by_key["listed"].rows:
        categories, series = _series(by_key["listed"])
        charts.append({"id": "listed", "kind": "line", "categories": categories, "series": series})
    communication = by_key["communication"]
    if communication.rows:
        charts.append(
            {
                "id": "communication",
                "kind": "panels",
                "categories": communication.headers[2:-1],
                "panels": communication_panels(communication),
            }
        )
    return charts


def communication_panels(communication: tables.Table) -> list[dict[str, Any]]:
    """One panel per unit of count, each with its own axis: a broadcast and an article never share a scale.

    Each form is a line over the months in the panel of its unit of count (the table's second column), in the
    order the table lists the forms.
    """
    panels: dict[str, list[dict[str, Any]]] = {}
    for row in communication.rows:
        panels.setdefault(str(row[1]), []).append({"name": str(row[0]), "data": row[2:-1]})
    return [{"unit": unit, "series": series} for unit, series in panels.items()]


def _n(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return number_format(value, 1, force_grouping=True)
    return number_format(value, force_grouping=True)


def _text(x: float, y: float, s: str, *, anchor: str = "start", size: int = 11, fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-family="DejaVu Sans, sans-serif">{escape(s)}</text>'
    )


def hbar_svg(labels: list[str], values: list[int], *, width: int = 520) -> str:
    """Horizontal bars, one per label, the value written at the bar's end."""
    row_h, label_w = 24, 250
    height = row_h * len(labels) + 8
    peak = max([v or 0 for v in values] + [1])
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row_h
        w = (width - label_w - 70) * (value or 0) / peak
        shown = label if len(label) <= 40 else label[:39] + "…"
        parts.append(_text(label_w - 6, y + 15, shown, anchor="end", size=10))
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}"/>')
        parts.append(_text(label_w + w + 4, y + 15, _n(value)))
    return _svg(width, height, parts)


def bars_svg(categories: list[str], values: list[int], *, width: int = 520, height: int = 180) -> str:
    """Vertical bars over the categories, with the highest value on the axis."""
    left, bottom, top = 44, 28, 12
    peak = max([v or 0 for v in values] + [1])
    n = max(len(categories), 1)
    slot = (width - left - 8) / n
    parts = [_text(left - 4, top + 4, _n(peak), anchor="end", size=9)]
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" stroke="#999"/>')
    every = max(1, -(-n // 6))  # at most six labels: a week label is as wide as two bars of twelve
    for i, (category, value) in enumerate(zip(categories, values, strict=True)):
        h = (height - bottom - top) * (value or 0) / peak
        x = left + i * slot
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{height - bottom - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
        if i % every == 0:
            # A week's Monday "dd/mm/yyyy" written "dd/mm/yy" under its bar.
            parts.append(
                _text(x + slot / 2, height - bottom + 14, category[:6] + category[8:], anchor="middle", size=9)
            )
    return _svg(width, height, parts)


def lines_svg(categories: list[str], series: list[dict[str, Any]], *, width: int = 520, height: int = 200) -> str:
    """One line per series over the categories, a legend below; a missing value breaks no line (it is skipped)."""
    left, bottom, top = 52, 30 + 14 * len(series), 12
    values = [v for s in series for v in s["data"] if v is not None]
    peak = max([*values, 1])
    n = max(len(categories) - 1, 1)
    plot_h = height + 14 * len(series) - bottom - top
    total_h = height + 14 * len(series)
    parts = [_text(left - 4, top + 4, _n(peak), anchor="end", size=9)]
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" stroke="#999"/>')
    every = max(1, len(categories) // 6)
    for i, category in enumerate(categories):
        if i % every == 0:
            x = left + (width - left - 12) * i / n
            parts.append(_text(x, top + plot_h + 14, category, anchor="middle", size=9))
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            f"{left + (width - left - 12) * i / n:.1f},{top + plot_h - plot_h * v / peak:.1f}"
            for i, v in enumerate(s["data"])
            if v is not None
        ]
        if len(points) == 1:
            cx, cy = points[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        elif points:
            dash = ' stroke-dasharray="6 4"' if s.get("dashed") else ""
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{" ".join(points)}"/>'
            )
        legend_y = top + plot_h + 30 + 14 * k
        parts.append(f'<rect x="{left}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(left + 14, legend_y + 1, str(s["name"])[:70], size=10))
    return _svg(width, total_h, parts)


def panels_svg(categories: list[str], panels: list[dict[str, Any]], *, width: int = 520) -> list[str]:
    """One small line chart per unit of count, each titled with its unit and scaled on its own axis."""
    drawn = []
    for panel in panels:
        heading = f"{_('Unit of count')}: {panel['unit']}"
        title = _svg(width, 18, [_text(4, 13, heading, size=10, fill="#444")])
        drawn.append(title + lines_svg(categories, panel["series"], width=width, height=120))
    return drawn


def _svg(width: int, height: int, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(parts)}</svg>'
    )


def svg_charts(charts: list[dict[str, Any]]) -> dict[str, SafeString]:
    """The charts of ``chart_data`` drawn on the server (print view, PDF): every text in them escaped."""
    drawn: dict[str, SafeString] = {}
    for chart in charts:
        if chart["kind"] == "hbar":
            svg = hbar_svg(chart["categories"], chart["series"][0]["data"])
        elif chart["kind"] == "bar":
            svg = bars_svg(chart["categories"], chart["series"][0]["data"])
        elif chart["kind"] == "panels":
            svg = "".join(panels_svg(chart["categories"], chart["panels"]))
        else:
            svg = lines_svg(chart["categories"], chart["series"])
        drawn[chart["id"]] = mark_safe(svg)  # noqa: S308  # built above from escaped text and numbers
    return drawn
