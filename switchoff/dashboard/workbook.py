"""The dashboard's tables as an Excel workbook (one sheet per table), through ``lib/xlsx``."""

from __future__ import annotations

import re

from django.utils.translation import pgettext
from openpyxl.styles import Font

from switchoff.dashboard import tables
from switchoff.dashboard.selectors import Dashboard
from switchoff.lib import xlsx

# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31


def sheet_names() -> dict[str, str]:
    """Each table's sheet name in the reader's language (Vietnamese with its diacritics: Excel takes them)."""
    return {
        "headline": pgettext("sheet", "Overview"),
        "funnel": pgettext("sheet", "Funnel"),
        "weeks": pgettext("sheet", "Visits per week"),
        "listed": pgettext("sheet", "Still listed"),
        "children": pgettext("sheet", "Units below"),
        "grid": pgettext("sheet", "Monthly reports"),
        "communication": pgettext("sheet", "Communication"),
    }


def sheet_name(text: str) -> str:
    """``text`` as Excel accepts a sheet's name: the forbidden characters dropped, at most 31 characters."""
    return SHEET_FORBIDDEN.sub("", text).strip()[:SHEET_MAX].strip() or "?"


def dashboard_workbook(d: Dashboard) -> bytes:
    """Each table of the dashboard on its own sheet: a title row, the unit and day, the header, the rows."""
    book = xlsx.new_workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    names = sheet_names()
    for table in tables.all_tables(d):
        sheet = book.create_sheet(sheet_name(names[table.key]))
        xlsx.put(sheet, 1, 1, table.title).font = Font(bold=True, size=13)
        xlsx.put(sheet, 2, 1, f"{d.unit.name} — {d.campaign.name} — {d.today:%d/%m/%Y}")
        for column, header in enumerate(table.headers, start=1):
            xlsx.put(sheet, 4, column, header).font = bold
        for r, row in enumerate(table.rows, start=5):
            for column, value in enumerate(row, start=1):
                xlsx.put(sheet, r, column, value)
        if table.note:
            xlsx.put(sheet, len(table.rows) + 6, 1, table.note)
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDEFGHIJKLMNOP":
            sheet.column_dimensions[letter].width = 16
    return xlsx.to_bytes(book)
