"""Reading operators' lists as they really come: XLSX, XLS, CSV/TXT in any of the usual encodings.

``read_file`` turns a file into sheets of rows; ``propose_mapping`` finds the
header row (below any title rows, across a two-row merged header) and which
column holds which field, from Vietnamese headers with or without diacritics
or English ones.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field

from python_calamine import CalamineError, CalamineWorkbook

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


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]


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


def _decode(content: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        return content.decode(encoding), encoding
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), "utf-16"
    for candidate in TEXT_ENCODINGS:
        try:
            return content.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("encoding")


def _separator(text: str, separator: str | None) -> str:
    if separator:
        return separator
    sample = "\n".join(text.splitlines()[:30])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in (",", ";", "\t")}
        return max(counts, key=lambda sep: counts[sep])


def read_file(
    content: bytes, file_name: str, *, encoding: str | None = None, separator: str | None = None
) -> ReadResult:
    """Every sheet of a workbook, or the one table of a text file, as rows of cells."""
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".ods")) or content[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheets = [
                Sheet(name, [list(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)])
                for name in book.sheet_names
            ]
            return ReadResult(sheets=sheets)
        except CalamineError as exc:
            raise UnreadableFile("workbook") from exc
    text, used_encoding = _decode(content, encoding)
    # Windows-1258 writes tones as combining marks: compose them as everywhere else.
    text = unicodedata.normalize("NFC", text)
    sep = _separator(text, separator)
    rows: list[list[object]] = [list(row) for row in csv.reader(io.StringIO(text), delimiter=sep)]
    return ReadResult(sheets=[Sheet("", rows)], encoding=used_encoding, separator=sep)


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
