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
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from switchoff.lib.filelimits import FileRefused, Limits, check_sheet_size, check_zipped_workbook, list_limits
from switchoff.lib.text import fold

FIELDS = ("msisdn", "name", "address", "village", "commune", "district", "imei", "device")

# One table of header aliases per field, matched on folded words: "Thôn/Khối", "thon - khoi"
# and "THÔN, KHỐI" are all "thon khoi" (see ``header_words``).
ALIASES: dict[str, set[str]] = {
    "msisdn": {
        "so thue bao", "sdt", "so dien thoai", "msisdn", "so tb", "thue bao", "isdn", "phone", "phone number",
        "so may", "dien thoai", "so thue bao di dong", "so dt", "so dtdd", "mobile", "mobile number", "subscriber",
        "so isdn", "thue bao isdn",
    },
    "name": {
        "ho va ten", "ho ten", "ten khach hang", "ten thue bao", "ten chu thue bao", "name", "full name", "customer",
        "ho va ten chu thue bao", "ho ten chu thue bao", "customer name", "subscriber name", "ten kh", "ho ten kh",
        "ho va ten khach hang", "ho ten khach hang", "chu thue bao", "ten chu tb", "ten",
    },
    "address": {
        "dia chi", "address", "dia chi lien he", "dia chi thuong tru", "dia chi khach hang", "dia chi cu tru",
        "noi o", "noi o hien nay", "dia chi thue bao", "dia chi lap dat",
    },
    "village": {
        "thon to", "thon", "to", "khoi", "village", "thon ban to dan pho", "to dan pho", "thon xom", "thon khoi",
        "khoi to", "ban", "xom", "thon ban", "to khoi", "khoi thon", "ap", "khu pho", "tdp",
    },
    "commune": {
        "phuong xa", "xa phuong", "xa", "phuong", "commune", "ward", "xa phuong thi tran", "phuong xa thi tran",
    },
    "district": {"huyen", "quan huyen", "huyen thanh pho", "district", "huyen tp", "quan", "huyen thi xa thanh pho"},
    "imei": {"imei", "so imei", "ma imei"},
    "device": {"loai may", "model", "ten may", "device", "thiet bi", "dong may", "loai thiet bi"},
}  # fmt: skip
# The field of each alias, found with one lookup.
_FIELD_OF_WORDS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

# Rows that are not subscribers: a totals row (its label in any cell, whatever the number cell
# holds), and the signature block or notes under the table. Folded labels, each followed in its
# cell by nothing, a colon, a number or a parenthesis.
TOTAL_LABELS = ("tong cong", "tong so", "tong", "cong", "total", "grand total")
FOOTER_LABELS = (
    "nguoi lap bieu", "nguoi lap", "nguoi ky", "nguoi duyet", "ghi chu", "luu y", "chu thich", "ky ghi ro ho ten",
    "ky va ghi ro ho ten", "ky ten", "thu truong don vi", "giam doc", "truong phong", "xac nhan cua", "prepared by",
    "note", "notes",
)  # fmt: skip
_LABEL = re.compile(
    rf"^\W*(?:(?P<total>{'|'.join(TOTAL_LABELS)})(?:\s+so)?(?:\s+thue bao)?|(?P<footer>{'|'.join(FOOTER_LABELS)}))"
    r"(?:$|\s*[:()\d]|\s+\d)"
)


@functools.lru_cache(maxsize=4096)
def _label_of(text: str) -> str:
    match = _LABEL.match(fold(text).replace(",", ""))
    if match is None:
        return ""
    return "total" if match.group("total") else "footer"


def row_label(cells: list[object]) -> str:
    """ "total" for a totals row, "footer" for a signature or a note under the table, else "".

    A footer label counts only in a row of a few cells: a subscriber's row may have a notes column.
    """
    filled = [cell for cell in cells if cell is not None and cell != ""]
    for cell in filled:
        if cell.__class__ is str:
            label = _label_of(cell)
            if label == "total" or (label == "footer" and len(filled) <= 3):
                return label
    return ""


TEXT_ENCODINGS = ("utf-8", "cp1258")


HEAD_ROWS = 30
SNIFF_CHARS = 64 * 1024  # the separator is guessed from this much of the first lines (a line can be 10 MB)
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
    # Rows given field by field (the API's JSON rows): no header to look for, the columns are the caller's mapping.
    headerless: bool = False

    def rows(self) -> Iterator[list[object]]:
        return self._rows()

    @classmethod
    def from_rows(cls, name: str, rows: list[list[object]], *, headerless: bool = False) -> Sheet:
        return cls(name, rows[:HEAD_ROWS], len(rows), lambda: iter(rows), headerless)


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
    from_content: list[str] = field(default_factory=list)  # fields whose column was proposed from its cells


# The file is neither a workbook nor text in a known encoding, or it is beyond a limit: every
# refusal is a FileRefused, whose ``message`` says which in the user's language.
UnreadableFile = FileRefused


Opener = Callable[[], IO[bytes]]


def _chunks(opener: Opener) -> Iterator[bytes]:
    """The content a megabyte at a time: a stored file is never read whole into memory."""
    with opener() as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def _decodes(content: Opener, encoding: str) -> bool:
    """Whether the whole content decodes, checked a megabyte at a time (no copy of the text is kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in _chunks(content):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _line_count(content: Opener) -> int:
    lines, last = 0, b""
    for chunk in _chunks(content):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    return lines + (0 if last == b"\n" else 1)


def _encoding(content: Opener, encoding: str | None) -> str:
    if encoding:
        if not _decodes(content, encoding):
            raise UnreadableFile("encoding")
        return encoding
    with content() as handle:
        head = handle.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        # UTF-16 written without a byte-order mark: to UTF-8 it looks like text with a NUL every other byte.
        guessed = _utf16_without_bom(head)
        if guessed and _decodes(content, guessed):
            return guessed
    for candidate in TEXT_ENCODINGS:
        if _decodes(content, candidate):
            return candidate
    raise UnreadableFile("encoding")


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 of mostly Latin text: one byte of each pair is nearly always zero."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if odd >= 0.6 * pairs and even < 0.1 * pairs:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd < 0.1 * pairs:
        return "utf-16-be"
    return None


def _lines(content: Opener, encoding: str) -> Iterator[str]:
    return itertools.chain.from_iterable(_blocks(content, encoding))


def _blocks(content: Opener, encoding: str) -> Iterator[list[str]]:
    """The text's lines, about a megabyte at a time."""
    text = io.TextIOWrapper(content(), encoding=encoding, newline="")
    while block := text.readlines(1 << 20):
        # Windows-1258 writes tones as combining marks: compose them as everywhere else
        # (checked once per block, as most files are composed already).
        if not unicodedata.is_normalized("NFC", "".join(block)):
            block = [unicodedata.normalize("NFC", line) for line in block]
        yield block


def _separator(sample: list[str], separator: str | None) -> str:
    if separator:
        return separator
    text = "".join(sample)[:SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(text, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        counts = {sep: text.count(sep) for sep in (",", ";", "\t")}
        return max(counts, key=lambda sep: counts[sep])


def _sheet_rows(sheet: CalamineSheet, name: str, most_chars: int) -> Iterator[list[object]]:
    """The sheet's rows from A1, so that row numbers are Excel's even when the data starts lower.

    A text cell longer than ``most_chars`` is refused (its width was checked before).
    """
    start = sheet.start or (0, 0)
    for _ in range(start[0]):
        yield []
    pad: list[object] = [""] * start[1]
    for number, row in enumerate(sheet.iter_rows(), start=start[0] + 1):
        for cell in row:
            if type(cell) is str and len(cell) > most_chars:
                raise FileRefused("field", limit="FIELD_MAX_CHARS", value=most_chars, row=number, sheet=name)
        yield [*pad, *row] if pad else cast(list[object], row)


def _text_rows(lines: Iterator[str], separator: str, limits: Limits) -> Iterator[list[object]]:
    """The rows of a text file; a row too wide, or a cell too long (a stray quote, a 10 MB line), is refused."""
    # The csv module's own limit is process-wide; it is the same for every import.
    csv.field_size_limit(limits.field_chars)
    reader = csv.reader(lines, delimiter=separator)
    most = limits.columns
    first_line = 1  # of the row being read: a stray quote makes one row of many lines
    try:
        for row in reader:
            if len(row) > most:
                raise FileRefused("columns", limit="SHEET_MAX_COLUMNS", value=most, row=first_line)
            yield row  # type: ignore[misc]
            first_line = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise FileRefused("field", limit="FIELD_MAX_CHARS", value=limits.field_chars, row=first_line) from None
        raise FileRefused("broken_text", row=first_line) from None


def read_file(
    content: bytes | Path,
    file_name: str,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """Every sheet of a workbook, or the one table of a text file, as rows of cells.

    The file is checked against ``limits`` (by default those of operators' lists) before
    it is read: a zip bomb, a sheet too long or too wide, a cell too long is a ``FileRefused``.
    Cells are checked as the rows are read, so iterating ``rows()`` can raise it too.
    """
    limits = limits or list_limits()
    opener: Opener
    if isinstance(content, Path):
        # A stored file: a text list is read from the disk as it goes, never whole into memory.
        path = content
        with path.open("rb") as handle:
            magic = handle.read(4)

        def opener() -> IO[bytes]:
            return path.open("rb")

    else:
        opener = functools.partial(io.BytesIO, content)
        magic = content[:4]
    if not magic:
        raise UnreadableFile("empty")
    lower = file_name.lower()
    zipped = magic == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm", ".ods"))
    if zipped or lower.endswith(".xls") or magic == b"\xd0\xcf\x11\xe0":
        if isinstance(content, Path):
            content = content.read_bytes()  # a workbook is read whole by calamine anyway
        if zipped:
            check_zipped_workbook(content, limits)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheets = []
            for name in book.sheet_names:
                sheet = book.get_sheet_by_name(name)
                size = sheet.total_height or sheet.height
                check_sheet_size(rows=size, columns=max(sheet.width, sheet.total_width), sheet=name, limits=limits)
                sheet_rows = functools.partial(_sheet_rows, sheet, name, limits.field_chars)
                first = [list(row) for _, row in zip(range(HEAD_ROWS), sheet_rows(), strict=False)]
                sheets.append(Sheet(name, first, size, sheet_rows))
            return ReadResult(sheets=sheets)
        except CalamineError as exc:
            raise UnreadableFile("workbook") from exc
    used_encoding = _encoding(opener, encoding)
    lines = _line_count(opener)
    check_sheet_size(rows=lines, columns=0, sheet="", limits=limits)
    sample = list(itertools.islice(_lines(opener, used_encoding), HEAD_ROWS))
    sep = _separator(sample, separator)

    def rows() -> Iterator[list[object]]:
        return _text_rows(_lines(opener, used_encoding), sep, limits)

    head: list[list[object]] = list(itertools.islice(rows(), HEAD_ROWS))
    return ReadResult(sheets=[Sheet("", head, lines, rows)], encoding=used_encoding, separator=sep)


def header_words(text: str) -> str:
    """A header as folded words: signs between the words and a note in brackets dropped ("Thôn/Khối (*)")."""
    folded = fold(text)
    folded = re.sub(r"\([^)]*\)", " ", folded)
    return " ".join(re.split(r"[^0-9a-z]+", folded)).strip()


@functools.lru_cache(maxsize=1024)
def _field_of_text(text: str) -> str | None:
    return _FIELD_OF_WORDS.get(header_words(text))


def _field_of(cell: object) -> str | None:
    if cell is None or cell == "":
        return None
    return _field_of_text(str(cell))


# Family names (folded) that open most Vietnamese personal names: a column of them is a column of names.
_FAMILIES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Nông Lương Vi Hà Triệu Lăng Chu Lò "
    "Đinh Mã Mai Đào Lưu Tô Hứa Lục Ma Sầm Đàm Phùng Lâm Tạ Trương Cao Quách Thân Tăng Vy La Hoàng Lộc Hầu Giàng "
    "Thào Mạc Văn Đoàn Kiều Khổng Tống Trịnh Lã Hán Chẩu Hoàng Bế Đàm Tằng Linh Nhữ Âu Thái Từ Quan Diệp Kim"
)
FAMILY_NAMES = frozenset(fold(name) for name in _FAMILIES.split())
SAMPLE_ROWS = 20
CONTENT_SHARE = 0.6  # of a column's filled cells below the header that must look like its field


def _looks_like_phone(cell: object) -> bool:
    from switchoff.lib.phones import parse_subscriber_number

    if cell is None or cell == "" or isinstance(cell, bool):
        return False
    if isinstance(cell, str) and sum(ch.isdigit() for ch in cell) < 9:
        return False
    return parse_subscriber_number(cell).e164 is not None


def _looks_like_name(cell: object) -> bool:
    if not isinstance(cell, str):
        return False
    words = fold(cell).split()
    return 2 <= len(words) <= 6 and words[0] in FAMILY_NAMES and all(word.isalpha() for word in words)


def _content_column(rows: list[list[object]], looks: Callable[[object], bool], taken: set[int]) -> int | None:
    """The first column not taken whose filled cells mostly look like the field."""
    width = max((len(row) for row in rows), default=0)
    for column in range(width):
        if column in taken:
            continue
        cells = [row[column] for row in rows if column < len(row) and row[column] not in (None, "")]
        if len(cells) >= 1 and sum(map(looks, cells)) >= CONTENT_SHARE * len(cells):
            return column
    return None


def _header_by_content(rows: list[list[object]], look: int) -> int | None:
    """The header row above rows whose cells are phone numbers, when no header names the number column."""
    for index, row in enumerate(rows[:look]):
        if sum(1 for cell in row if cell not in (None, "")) < 2 or any(_looks_like_phone(cell) for cell in row):
            continue
        below = rows[index + 1 : index + 1 + SAMPLE_ROWS]
        column = _content_column(below, _looks_like_phone, set())
        if column is not None and column < len(row) and row[column] not in (None, ""):
            return index
    return None


def propose_mapping(rows: list[list[object]], *, look: int = 25) -> Mapping | None:
    """The header row with a number column, and the fields found in it (and in a sub-header below).

    Where no header names the number or the name column, a column is proposed from its content
    (phone numbers; Vietnamese personal names), and listed in ``Mapping.from_content``.
    """
    best = _header_mapping(rows, look=look)
    if best is None:
        index = _header_by_content(rows, look)
        if index is None:
            return None
        row = rows[index]
        columns: dict[str, int] = {}
        for column, cell in enumerate(row):
            name = _field_of(cell)
            if name and name not in columns:
                columns[name] = column
        best = Mapping(header_row=index, columns=columns, headers=[str(c or "") for c in row])
    below = rows[best.header_row + 1 : best.header_row + 1 + SAMPLE_ROWS]
    for name, looks in (("msisdn", _looks_like_phone), ("name", _looks_like_name)):
        if name not in best.columns:
            found = _content_column(below, looks, set(best.columns.values()))
            if found is not None:
                best.columns[name] = found
                best.from_content.append(name)
    return best


def _header_mapping(rows: list[list[object]], *, look: int) -> Mapping | None:
    """The header row with a number column named, and the fields named in it (and in a sub-header below)."""
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


# Encodings in which the byte of a line feed is always a line feed (a text file can be cut at one).
SPLITTABLE = ("utf-8", "utf-8-sig", "cp1258")
SPLIT_TRIES = 1000  # lines looked at, from the middle on, for one without a quote to cut after


@dataclass
class TextSplit:
    """Where a text file can be cut in two, so that each half is read on its own: at ``offset`` (bytes), after
    ``lines`` lines. The halves' rows are those of the whole only if each half has a row for every line (no cell
    holds a line break); ``halves_read_alike`` tells."""

    offset: int
    lines: int


def text_split(content: bytes | Path, encoding: str) -> TextSplit | None:
    """A line end near the middle of a text file after which its second half can be read on its own, or None.

    Only where a line feed byte is one (UTF-8, Windows-1258), where line breaks are line feeds (a lone carriage
    return is a line break to the reader too), and after a line without a quote (so that the cut is not inside
    a quoted cell).
    """
    if encoding not in SPLITTABLE:
        return None
    opener: Opener = (
        (lambda: content.open("rb")) if isinstance(content, Path) else functools.partial(io.BytesIO, content)
    )
    size = content.stat().st_size if isinstance(content, Path) else len(content)
    middle = size // 2
    returns = feeds = before = 0
    last = b""
    with opener() as handle:
        position = 0
        while chunk := handle.read(1 << 20):
            returns += chunk.count(b"\r")
            feeds += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            if position < middle:
                before += chunk.count(b"\n", 0, max(0, middle - position))
            position += len(chunk)
            last = chunk[-1:]
        if returns != feeds:
            return None
        handle.seek(middle)
        tail = handle.read(1 << 20)
    start = tail.find(b"\n") + 1  # the first whole line after the middle
    for _ in range(SPLIT_TRIES):
        end = tail.find(b"\n", start)
        if start == 0 or end < 0:
            return None
        # A whole line without a quote: the cut after it is not inside a quoted cell that starts on it.
        if b'"' not in tail[start:end]:
            return TextSplit(offset=middle + end + 1, lines=before + tail.count(b"\n", 0, end + 1))
        start = end + 1
    return None


class _Range(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file or of bytes, read as a file."""

    def __init__(self, content: bytes | Path, start: int, end: int | None) -> None:
        self.handle: IO[bytes] = content.open("rb") if isinstance(content, Path) else io.BytesIO(content)
        self.handle.seek(start)
        self.left = (end - start) if end is not None else None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        want = len(buffer) if self.left is None else min(len(buffer), self.left)
        data = self.handle.read(want)
        buffer[: len(data)] = data
        if self.left is not None:
            self.left -= len(data)
        return len(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


def text_part(
    content: bytes | Path, *, encoding: str, separator: str, start: int, end: int | None, limits: Limits | None = None
) -> Iterator[list[object]]:
    """The rows of bytes ``start`` to ``end`` of a text file (a ``text_split`` half), as ``read_file`` reads them."""

    def opener() -> IO[bytes]:
        return io.BufferedReader(cast(io.RawIOBase, _Range(content, start, end)), 1 << 20)

    return _text_rows(_lines(opener, encoding), separator, limits or list_limits())
