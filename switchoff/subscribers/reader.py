"""Reading operators' lists as they really come: XLSX, XLS, CSV/TXT in any of the usual encodings.

``read_file`` turns a file into sheets of rows; ``propose_mapping`` finds the
header row (below any title rows, across a two-row merged header) and which
column holds which field, from Vietnamese headers with or without diacritics
or English ones.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from switchoff.lib.text import fold

FIELDS = ("msisdn", "name", "address", "village", "commune", "district", "imei", "device")

ALIASES: dict[str, set[str]] = {
    "msisdn": {
        "so thue bao", "sdt", "so dien thoai", "msisdn", "so tb", "thue bao", "isdn", "phone", "phone number",
        "so may", "dien thoai",
    },
    "name": {
        "ho va ten", "ho ten", "ten khach hang", "ten thue bao", "ten chu thue bao", "name", "full name", "customer",
    },
    "address": {"dia chi", "address", "dia chi lien he", "dia chi thuong tru"},
    "village": {"thon/to", "thon", "to", "thon to", "khoi", "village", "thon/ban/to dan pho", "to dan pho", "thon/xom"},
    "commune": {"phuong/xa", "xa/phuong", "xa", "phuong", "commune", "ward", "phuong xa", "xa phuong"},
    "district": {"huyen", "quan/huyen", "huyen/thanh pho", "district", "quan huyen", "huyen/tp"},
    "imei": {"imei", "so imei", "ma imei"},
    "device": {"loai may", "model", "ten may", "device", "thiet bi", "dong may", "loai thiet bi"},
}  # fmt: skip

TEXT_ENCODINGS = ("utf-8", "cp1258")


HEAD_ROWS = 30
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1258")
SEPARATORS = (",", ";", "\t", "|")


@dataclass
class Sheet:
    """A sheet read row by row: a million-row list is never held whole in memory.

    ``head`` holds the first rows (where the title and header are); ``rows()``
    starts again from the top each time it is called; ``size`` is the number of
    rows, or for text an estimate from the number of lines.
    """

    name: str
    head: list[list[object]]
    size: int
    _rows: Callable[[], Iterator[list[object]]]

    def rows(self) -> Iterator[list[object]]:
        return self._rows()

    @classmethod
    def from_rows(cls, name: str, rows: list[list[object]]) -> Sheet:
        return cls(name, rows[:HEAD_ROWS], len(rows), lambda: iter(rows))


@dataclass
class ReadResult:
    sheets: list[Sheet]
    encoding: str = ""
    separator: str = ""


@dataclass
class Mapping:
    """Where the header is and which column (0-based) holds each field."""

    header_row: int  # 0-based index of the last header row; data starts below it
    columns: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)


class UnreadableFile(ValueError):
    """The file is neither a workbook nor text in a known encoding."""


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether the whole content decodes, checked a megabyte at a time (no copy of the text is kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(content)
    try:
        for start in range(0, len(content), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(content: bytes, encoding: str | None) -> str:
    if encoding:
        if not _decodes(content, encoding):
            raise UnreadableFile("encoding")
        return encoding
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for candidate in TEXT_ENCODINGS:
        if _decodes(content, candidate):
            return candidate
    raise UnreadableFile("encoding")


def _lines(content: bytes, encoding: str) -> Iterator[str]:
    return itertools.chain.from_iterable(_blocks(content, encoding))


def _blocks(content: bytes, encoding: str) -> Iterator[list[str]]:
    """The text's lines, about a megabyte at a time."""
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    while block := text.readlines(1 << 20):
        # Windows-1258 writes tones as combining marks: compose them as everywhere else
        # (checked once per block, as most files are composed already).
        if not unicodedata.is_normalized("NFC", "".join(block)):
            block = [unicodedata.normalize("NFC", line) for line in block]
        yield block


def _separator(sample: list[str], separator: str | None) -> str:
    if separator:
        return separator
    text = "".join(sample)
    try:
        return csv.Sniffer().sniff(text, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        counts = {sep: text.count(sep) for sep in (",", ";", "\t")}
        return max(counts, key=lambda sep: counts[sep])


def _sheet_rows(sheet: CalamineSheet) -> Iterator[list[object]]:
    """The sheet's rows from A1, so that row numbers are Excel's even when the data starts lower."""
    start = sheet.start or (0, 0)
    for _ in range(start[0]):
        yield []
    pad: list[object] = [""] * start[1]
    for row in sheet.iter_rows():
        yield [*pad, *row] if pad else cast(list[object], row)


def read_file(
    content: bytes, file_name: str, *, encoding: str | None = None, separator: str | None = None
) -> ReadResult:
    """Every sheet of a workbook, or the one table of a text file, as rows of cells."""
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".ods")) or content[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheets = []
            for name in book.sheet_names:
                sheet = book.get_sheet_by_name(name)
                first = [list(row) for _, row in zip(range(HEAD_ROWS), _sheet_rows(sheet), strict=False)]
                sheets.append(
                    Sheet(name, first, sheet.total_height or sheet.height, functools.partial(_sheet_rows, sheet))
                )
            return ReadResult(sheets=sheets)
        except CalamineError as exc:
            raise UnreadableFile("workbook") from exc
    used_encoding = _encoding(content, encoding)
    sample = list(itertools.islice(_lines(content, used_encoding), HEAD_ROWS))
    sep = _separator(sample, separator)

    def rows() -> Iterator[list[object]]:
        return csv.reader(_lines(content, used_encoding), delimiter=sep)  # type: ignore[return-value]

    head: list[list[object]] = list(itertools.islice(rows(), HEAD_ROWS))
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return ReadResult(sheets=[Sheet("", head, lines, rows)], encoding=used_encoding, separator=sep)


def _field_of(cell: object) -> str | None:
    if cell is None:
        return None
    key = fold(str(cell)).strip(" :*.")
    for name, aliases in ALIASES.items():
        if key in aliases:
            return name
    return None


def propose_mapping(rows: list[list[object]], *, look: int = 25) -> Mapping | None:
    """The header row with a number column, and the fields found in it (and in a sub-header below)."""
    best: Mapping | None = None
    for index, row in enumerate(rows[:look]):
        columns = {}
        for column, cell in enumerate(row):
            name = _field_of(cell)
            if name and name not in columns:
                columns[name] = column
        if "msisdn" in columns and (best is None or len(columns) > len(best.columns)):
            best = Mapping(header_row=index, columns=columns, headers=[str(c or "") for c in row])
    if best is None:
        return None
    # A merged two-row header: "Địa chỉ" above "Thôn/Tổ | Phường/Xã | Huyện".
    if best.header_row + 1 < len(rows):
        below = rows[best.header_row + 1]
        extra = {}
        for column, cell in enumerate(below):
            name = _field_of(cell)
            if name and name not in best.columns:
                extra[name] = column
        if extra:
            # The group header ("Địa chỉ") spans the sub-headers' columns: the sub-headers win.
            taken = set(extra.values())
            best.columns = {name: column for name, column in best.columns.items() if column not in taken}
            best.columns.update(extra)
            best.header_row += 1
            best.headers = [
                str(a or b or "") for a, b in zip(best.headers, [*below, *[None] * len(best.headers)], strict=False)
            ]
    return best
