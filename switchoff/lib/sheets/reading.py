"""Reading the tables people upload as they really come: XLSX, XLS, ODS, CSV/TXT in any of the usual encodings.

``read_file`` turns a file into sheets of rows, each read as it goes (a
national list has millions), within the limits the import sets.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from django.conf import settings
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from switchoff.lib.filelimits import FileRefused, Limits, check_sheet_size, check_zipped_workbook, list_limits

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


CHILD = Path(__file__).with_name("child.py")


@dataclass(frozen=True)
class ChildRead:
    """How the child process's reading of a workbook went: ``peak_bytes`` is its largest resident memory
    (as the child measured it: the ``ru_maxrss`` of a child counts what its parent held when it started)."""

    peak_bytes: int


def read_in_child(content: bytes, *, memory_bytes: int | None = None) -> ChildRead:
    """Read a workbook whole in a child process whose address space is limited to ``memory_bytes``
    (by default ``FILE_READER_MAX_BYTES``): a file it cannot read within that, or that ends it (a native
    abort, a signal), is a ``FileRefused``; the calling process is never the one that runs out."""
    limit = memory_bytes or settings.FILE_READER_MAX_BYTES
    child = subprocess.Popen(  # noqa: S603 (this interpreter running this project's script)
        [sys.executable, "-I", str(CHILD), str(limit)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={"PATH": os.environ.get("PATH", ""), "RUST_BACKTRACE": "0"},
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(content)
        child.stdin.close()
    except BrokenPipeError:  # ended before it read the whole file
        pass
    answer = child.stdout.read()
    child.stdout.close()
    child.wait()
    try:
        told = json.loads(answer) if child.returncode == 0 else {"error": "memory"}
    except ValueError:
        told = {"error": "memory"}
    if told.get("error") == "workbook":
        raise UnreadableFile("workbook")
    if told.get("error"):
        raise FileRefused("memory", limit="FILE_READER_MAX_BYTES", value=limit)
    return ChildRead(peak_bytes=int(told.get("peak", 0)))


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
        read_in_child(content)  # a file that would end this process ends a child instead
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
