"""The dashboard's tables as an Excel workbook (one sheet per table), through ``lib/xlsx``."""

from __future__ import annotations

from openpyxl.styles import Font

from switchoff.dashboard import tables
from switchoff.dashboard.selectors import Dashboard
from switchoff.lib import xlsx

# Sheet names: at most 31 characters, none of []:*?/\ (Excel's rules).
SHEET_NAMES = {
    "headline": "Tong quan",
    "funnel": "Pheu",
    "weeks": "Tham theo tuan",
    "listed": "Con trong danh sach",
    "children": "Don vi cap duoi",
    "grid": "Bao cao theo thang",
    "communication": "Tuyen truyen",
}


def dashboard_workbook(d: Dashboard) -> bytes:
    """Each table of the dashboard on its own sheet: a title row, the unit and day, the header, the rows."""
    book = xlsx.new_workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables.all_tables(d):
        sheet = book.create_sheet(SHEET_NAMES[table.key])
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
