"""Limits on the files people upload, checked before the work starts.

A spreadsheet can be a zip bomb (a small file whose sheet inflates to
gigabytes), a text file can hold a 10 MB "cell" after a stray quote, and a
sheet can have millions of rows or hundreds of columns. Each import calls
these checks first; each refusal is a ``FileRefused`` that names the limit
(the setting) and its value in the user's language.

A refusal can be stored as a short code (``str(exc)``: a background job keeps
it) and shown later in the language of whoever reads it (``from_code``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

EXCEL_MAX_ROWS = 1_048_576  # the most rows an XLSX sheet holds
RATIO_FROM_BYTES = 1 << 20  # parts smaller than this are not judged by their ratio (styles, themes)
SCAN_CHUNK = 1 << 20
ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")  # five bytes each
CELL_TAGS = (b"<c ", b"<c>", b"<c/", b":c ", b":c>", b":c/")
EXCEL_MAX_COLUMNS = 16_384  # XFD
# A sheet's grid (A1 to its last cell) is what a reader allocates, eight bytes or more a cell whether it
# holds anything or not. Beyond SPARSE_FLOOR cells, a grid more than SPARSE_FACTOR times the cells the
# sheet really holds is a sparse sheet (a cell far below or right of the table): refused before reading.
SPARSE_FLOOR = 1_000_000
SPARSE_FACTOR = 10
# The shared strings of a workbook: at most this many bytes, plus SHARED_STRINGS_PER_CELL for each cell.
SHARED_STRINGS_FLOOR = 2 << 20
SHARED_STRINGS_PER_CELL = 256
CARRY_MOST = 4096  # a tag cut between two chunks is shorter than this; a longer text between tags is not kept
CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="\$?([A-Z]{1,3})\$?([0-9]{1,8})"')
ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="([0-9]{1,8})"')
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?\bref="\$?[A-Z]*\$?[0-9]*(?::\$?([A-Z]{1,3})\$?([0-9]{1,8}))?"')


@dataclass(frozen=True)
class Limits:
    """What an import accepts; ``upload_setting`` and ``rows_setting`` name the settings for the messages."""

    upload_bytes: int
    upload_setting: str
    rows: int
    rows_setting: str
    uncompressed_bytes: int
    ratio: int
    columns: int
    field_chars: int


def list_limits() -> Limits:
    """For operators' lists: national lists run to millions of rows."""
    return Limits(
        upload_bytes=settings.UPLOAD_MAX_BYTES,
        upload_setting="UPLOAD_MAX_BYTES",
        rows=settings.SHEET_MAX_ROWS,
        rows_setting="SHEET_MAX_ROWS",
        uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_BYTES,
        ratio=settings.XLSX_MAX_RATIO,
        columns=settings.SHEET_MAX_COLUMNS,
        field_chars=settings.FIELD_MAX_CHARS,
    )


def workbook_limits() -> Limits:
    """For the small workbooks people keep themselves (a commune's villages, a unit's activity sheet)."""
    return Limits(
        upload_bytes=settings.WORKBOOK_UPLOAD_MAX_BYTES,
        upload_setting="WORKBOOK_UPLOAD_MAX_BYTES",
        rows=settings.WORKBOOK_MAX_ROWS,
        rows_setting="WORKBOOK_MAX_ROWS",
        uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_BYTES,
        ratio=settings.XLSX_MAX_RATIO,
        columns=settings.SHEET_MAX_COLUMNS,
        field_chars=settings.FIELD_MAX_CHARS,
    )


def bulk_limits() -> Limits:
    """For the device check's bulk file of IMEIs, read and answered within the request."""
    return Limits(
        upload_bytes=settings.DEVICE_BULK_UPLOAD_MAX_BYTES,
        upload_setting="DEVICE_BULK_UPLOAD_MAX_BYTES",
        rows=settings.DEVICE_BULK_MAX_ROWS,
        rows_setting="DEVICE_BULK_MAX_ROWS",
        uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_BYTES,
        ratio=settings.XLSX_MAX_RATIO,
        columns=settings.SHEET_MAX_COLUMNS,
        field_chars=settings.FIELD_MAX_CHARS,
    )


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _megabytes(value: int) -> str:
    return number_format(max(1, round(value / (1 << 20))), force_grouping=True)


# Each reason's sentence, and the one naming the sheet of a workbook where it differs.
MESSAGES: dict[str, tuple[str | Promise, ...]] = {
    "empty": (gettext_lazy("The file is empty."),),
    "encoding": (gettext_lazy("The file is neither an Excel workbook nor a text file in a known encoding."),),
    "workbook": (gettext_lazy("The workbook cannot be read: it is damaged or is not an Excel file."),),
    "not_zip": (gettext_lazy("The file is not an Excel workbook (.xlsx)."),),
    "upload": (gettext_lazy("The file is larger than %(mb)s MB (limit %(limit)s)."),),
    "uncompressed": (gettext_lazy("Uncompressed, the workbook would take more than %(mb)s MB (limit %(limit)s)."),),
    "ratio": (
        gettext_lazy(
            "A part of the workbook (%(sheet)s) is compressed more than %(number)s times, as a zip bomb is "
            "(limit %(limit)s)."
        ),
    ),
    "rows": (
        gettext_lazy("The file has more than %(number)s rows (limit %(limit)s)."),
        gettext_lazy("The sheet “%(sheet)s” has more than %(number)s rows (limit %(limit)s)."),
    ),
    "excel_rows": (gettext_lazy("The sheet “%(sheet)s” has more than %(number)s rows, more than Excel allows."),),
    "columns": (
        gettext_lazy("Row %(row)s has more than %(number)s columns (limit %(limit)s)."),
        gettext_lazy("Row %(row)s of the sheet “%(sheet)s” has more than %(number)s columns (limit %(limit)s)."),
    ),
    "sheet_columns": (gettext_lazy("The sheet “%(sheet)s” has more than %(number)s columns (limit %(limit)s)."),),
    "field": (
        gettext_lazy("Row %(row)s has a cell longer than %(number)s characters (limit %(limit)s)."),
        gettext_lazy(
            "Row %(row)s of the sheet “%(sheet)s” has a cell longer than %(number)s characters (limit %(limit)s)."
        ),
    ),
    "broken_text": (gettext_lazy("Row %(row)s cannot be read as a row of a table."),),
    "cells": (
        gettext_lazy(
            "The sheet “%(sheet)s” spans more than %(number)s cells from A1 to its last cell (limit %(limit)s)."
        ),
    ),
    "sparse": (
        gettext_lazy(
            "The sheet “%(sheet)s” reaches row %(row)s but is almost empty: a cell far below or to the right of "
            "the table makes it huge. Copy the table alone into a new sheet and upload that."
        ),
    ),
    "shared_strings": (
        gettext_lazy(
            "The workbook holds far more text than its cells use (%(mb)s MB): save it again from "
            "Excel, or upload the sheet as CSV."
        ),
    ),
    "memory": (
        gettext_lazy(
            "The workbook needs more than %(mb)s MB of memory to read (limit %(limit)s): split it into smaller "
            "files, or upload it as CSV."
        ),
    ),
}


class FileRefused(ValueError):
    """A file that is not read: unreadable, or beyond a limit. ``message`` says why, in the active language."""

    def __init__(self, reason: str, *, limit: str = "", value: int = 0, row: int = 0, sheet: str = "") -> None:
        self.reason, self.limit, self.value, self.row, self.sheet = reason, limit, value, row, sheet
        super().__init__(self.code)

    @property
    def code(self) -> str:
        """A short form to store (a job's message): ``file:reason:limit:value:row:sheet``."""
        return f"file:{self.reason}:{self.limit}:{self.value}:{self.row}:{self.sheet}"[:300]

    def __reduce__(self) -> tuple[object, ...]:
        return (FileRefused.from_code, (self.code,))

    @classmethod
    def from_code(cls, code: str) -> FileRefused:
        parts = code.split(":", 5)
        if len(parts) < 6 or parts[0] != "file":
            return cls("workbook")
        _file, reason, limit, value, row, sheet = parts
        return cls(
            reason,
            limit=limit,
            value=int(value) if value.isdigit() else 0,
            row=int(row) if row.isdigit() else 0,
            sheet=sheet,
        )

    @property
    def message(self) -> str:
        params = {
            "limit": self.limit,
            "number": _number(self.value),
            "mb": _megabytes(self.value),
            "row": _number(self.row),
            "sheet": self.sheet,
        }
        sentences = MESSAGES.get(self.reason, MESSAGES["workbook"])
        return str(sentences[-1 if self.sheet else 0]) % params


def is_refusal_code(message: str) -> bool:
    return message.startswith("file:")


def check_upload(upload: UploadedFile[bytes], limits: Limits) -> None:
    """The upload's size, before it is stored or read."""
    if (upload.size or 0) > limits.upload_bytes:
        raise FileRefused("upload", limit=limits.upload_setting, value=limits.upload_bytes)
    if not upload.size:
        raise FileRefused("empty")


@dataclass
class Extent:
    """What a scan of a sheet's XML found: its row tags and cells, and how far its references reach."""

    rows: int = 0
    cells: int = 0
    last_row: int = 0  # the largest row of a row or cell reference, or of ``<dimension>``
    last_column: int = 0

    @property
    def grid(self) -> int:
        """The cells from A1 to the last row and column: what a reader allocates."""
        return max(self.last_row, self.rows) * max(self.last_column, 1)


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scan(member: IO[bytes], most_rows: int) -> Extent:
    """Count a sheet's rows and cells and find its farthest references, inflating a megabyte at a time.

    Stops early (with the count so far) once the rows pass ``most_rows``. Counting tags is far cheaper
    than parsing, and it is done on what really inflates: a zip member that lies about its size fails
    its checksum here (``BadZipFile``). Only whole tags are looked at: what follows the chunk's last ``>``
    waits for the next chunk.
    """
    extent, carry = Extent(), b""
    while chunk := member.read(SCAN_CHUNK):
        text = carry + chunk
        end = text.rfind(b">") + 1
        text, carry = text[:end], text[end:]
        if len(carry) > CARRY_MOST:
            carry = carry[-CARRY_MOST:]
        extent.rows += sum(text.count(tag) for tag in ROW_TAGS)
        extent.cells += sum(text.count(tag) for tag in CELL_TAGS)
        if b'r="' in text:
            for row in ROW_REF.findall(text):
                extent.last_row = max(extent.last_row, int(row))
            for column, row in CELL_REF.findall(text):
                extent.last_row = max(extent.last_row, int(row))
                extent.last_column = max(extent.last_column, column_number(column))
        if b"dimension" in text and (found := DIMENSION.search(text)) and found.group(1):
            extent.last_row = max(extent.last_row, int(found.group(2)))
            extent.last_column = max(extent.last_column, column_number(found.group(1)))
        if max(extent.rows, extent.last_row) > most_rows:
            break
    return extent


def check_extent(extent: Extent, *, sheet: str, limits: Limits) -> None:
    """A sheet's size as its XML says it (row tags, cell references, ``<dimension>``), before any reader
    allocates its grid: too long, too wide, too big, or sparse (a far cell that makes a few cells a grid of
    billions)."""
    most = min(limits.rows, EXCEL_MAX_ROWS)
    if max(extent.rows, extent.last_row) > most:
        if most == limits.rows:
            raise FileRefused("rows", limit=limits.rows_setting, value=limits.rows, sheet=sheet)
        raise FileRefused("excel_rows", value=EXCEL_MAX_ROWS, sheet=sheet)
    if extent.last_column > limits.columns:
        raise FileRefused("sheet_columns", limit="SHEET_MAX_COLUMNS", value=limits.columns, sheet=sheet)
    grid = extent.grid
    if grid > settings.SHEET_MAX_CELLS:
        raise FileRefused("cells", limit="SHEET_MAX_CELLS", value=settings.SHEET_MAX_CELLS, sheet=sheet)
    if grid > SPARSE_FLOOR and grid > SPARSE_FACTOR * max(extent.cells, 1):
        raise FileRefused("sparse", row=max(extent.last_row, extent.rows), sheet=sheet)


def check_zipped_workbook(content: bytes, limits: Limits) -> None:
    """An XLSX (or ODS) before it is opened: a valid zip, not inflating beyond the limits, each sheet's
    extent within them (``check_extent``), and no more shared text than its cells can use."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused("not_zip") from None
    if sum(member.file_size for member in members) > limits.uncompressed_bytes:
        raise FileRefused("uncompressed", limit="XLSX_MAX_UNCOMPRESSED_BYTES", value=limits.uncompressed_bytes)
    for member in members:
        if member.file_size >= RATIO_FROM_BYTES and member.file_size > limits.ratio * max(member.compress_size, 1):
            raise FileRefused("ratio", limit="XLSX_MAX_RATIO", value=limits.ratio, sheet=member.filename)
    most = min(limits.rows, EXCEL_MAX_ROWS)
    cells = 0
    for member in members:
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
            continue
        try:
            with archive.open(member) as stream:
                extent = _scan(stream, most)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            # zipfile raises NotImplementedError for a compression method it does not know: not a workbook we read.
            raise FileRefused("not_zip") from None
        check_extent(extent, sheet=member.filename.removeprefix("xl/worksheets/").removesuffix(".xml"), limits=limits)
        cells += extent.cells
    shared = sum(member.file_size for member in members if member.filename.lower() == "xl/sharedstrings.xml")
    if shared > SHARED_STRINGS_FLOOR + SHARED_STRINGS_PER_CELL * cells:
        raise FileRefused("shared_strings", value=shared)


def check_sheet_size(*, rows: int, columns: int, sheet: str, limits: Limits) -> None:
    """A sheet's size as the reader measured it, before its rows are read."""
    if rows > limits.rows:
        raise FileRefused("rows", limit=limits.rows_setting, value=limits.rows, sheet=sheet)
    if columns > limits.columns:
        raise FileRefused("sheet_columns", limit="SHEET_MAX_COLUMNS", value=limits.columns, sheet=sheet)
