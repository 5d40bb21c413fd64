"""Writing Excel files: every workbook the project writes is made, filled and saved through here.

A cell whose text starts with = + - @ (or a tab or carriage return followed by
one) is taken as a formula by Excel or LibreOffice when the file is opened or
the cell edited: a village named ``=HYPERLINK(…)`` in a commune's workbook
would become a live link. ``safe`` quotes such text with an apostrophe (the
spreadsheet convention for "this is text") and drops the control characters
that XML cannot hold. Writers use ``new_workbook``, ``append`` / ``put`` and
``to_bytes``; ``to_bytes`` passes every cell of an ordinary sheet through the
guard once more, so a cell written any other way is caught too (write-only
sheets stream their rows, so they are filled through ``append`` only).
``tests/security/test_export_formulas.py`` opens every export with hostile
names, and checks that no module but this one makes a workbook.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from switchoff.lib.text import excel_safe

# Characters that XML 1.0 forbids: openpyxl refuses to write them (a pasted free text may hold them).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe(value: Any) -> Any:
    """``value`` as it may go into a cell: text never read as a formula, nothing XML cannot hold."""
    if isinstance(value, str):
        return excel_safe(_ILLEGAL_XML.sub("", value))
    return value


def unquote(value: Any) -> Any:
    """Undo ``safe``'s apostrophe when a workbook the project wrote is read back (export, edit, import)."""
    if isinstance(value, str) and value.startswith("'") and excel_safe(value[1:]) == value:
        return value[1:]
    return value


def new_workbook(*, write_only: bool = False) -> Workbook:
    return Workbook(write_only=write_only)


def append(sheet: Any, values: Iterable[Any]) -> None:
    """Add a row at the end of ``sheet`` (ordinary or write-only), each value through the guard."""
    row = []
    for value in values:
        if isinstance(value, Cell):
            value.value = safe(value.value)
            row.append(value)
        else:
            row.append(safe(value))
    sheet.append(row)


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write one cell of an ordinary sheet through the guard; returns the cell (to style it)."""
    cell = sheet.cell(row=row, column=column, value=safe(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def write_only_cell(sheet: Any, value: Any) -> Cell:
    """A styled cell of a write-only sheet, its value through the guard."""
    return WriteOnlyCell(sheet, value=safe(value))


def to_bytes(book: Workbook) -> bytes:
    """The workbook as an .xlsx file, after one more pass of the guard over every cell of its ordinary sheets."""
    for sheet in book.worksheets:
        if isinstance(sheet, Worksheet):
            for cells in sheet.iter_rows():
                for cell in cells:
                    if cell.data_type == "f" or isinstance(cell.value, str):
                        cleaned = safe(cell.value)
                        if cleaned != cell.value or cell.data_type == "f":
                            cell.value = cleaned
                            cell.data_type = "s"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
