"""Reading and checking a file in a forked process while SQLite stores the rows in this one (two cores)."""

from __future__ import annotations

import bisect
import contextlib
import marshal
import multiprocessing
import pickle
import tempfile
import traceback
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import Problem, ReadResult, Sheet, column_letter
from switchoff.lib.sheets import cell_text as _text
from switchoff.lib.sheets.reading import TextSplit, text_part, text_split
from switchoff.subscribers.importer import cleaning
from switchoff.subscribers.importer.checked import CheckedList
from switchoff.subscribers.importer.problems import Refused
from switchoff.subscribers.importer.rows import ProgressHook, _collector_paused, _Spool, counted_unit
from switchoff.subscribers.importer.seen import NUMBERS_BELOW

PARALLEL_FROM = 50_000  # rows (about): from here on SQLite imports read the file in a second process


def _read_in_child(
    send: Any, read: ReadResult, kwargs: dict[str, Any], refuse_errors: bool, keep_problems: bool
) -> None:
    """The forked reader: validates every row and sends the rows to write, a batch at a time, then its findings.

    It never touches the database (the connection it inherited belongs to the parent).
    """
    checked = CheckedList(digest="", keep_problems=keep_problems)

    def tell(*message: object) -> None:
        send.send_bytes(b"P" + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def progress(phase: str, done: int, total: int) -> None:
        tell("progress", done, total, checked.error_count)

    try:
        for batch in cleaning.clean_rows(read, checked, progress=progress, phase="importing", **kwargs):
            if refuse_errors and checked.error_count:
                raise Refused
            # Rows hold only text, whole numbers and None: marshal is three times quicker than pickle.
            if batch.new:
                send.send_bytes(b"N" + marshal.dumps(batch.new))
            if batch.known:
                send.send_bytes(b"K" + marshal.dumps(batch.known))
        names = ("rows_read", "good", "error_count", "warning_count", "problems", "mappings", "seen_numbers",
                 "seen_where", "new_by_unit", "no_name", "from_content", "codes", "by_unit",
                 "restored_zero")  # fmt: skip
        state = {name: getattr(checked, name) for name in names}
        tell("done", state)
    except Refused:
        tell("refused")
    except FileRefused as exc:  # a cell too long further down: the parent refuses the file with the reason
        tell("file", exc.code)
    except BaseException:  # told to the parent, which raises
        tell("error", traceback.format_exc())
    finally:
        send.close()


class _ChildReader:
    """Reading and checking the file in a forked process, so that it uses the second core.

    Python validates rows at a few microseconds each; SQLite needs about as long
    to store them, in this same process. Here the child reads and checks while
    this process stores. A crash, a cancel or a kill of either side stops both,
    and the transaction is rolled back as always.
    """

    def __init__(self, read: ReadResult, checked: CheckedList, *, spool: _Spool, refuse_errors: bool,
                 progress: ProgressHook, **kwargs: Any) -> None:  # fmt: skip
        self.checked, self.spool = checked, spool
        self.refuse_errors, self.progress = refuse_errors, progress
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_read_in_child, args=(send, read, kwargs, refuse_errors, checked.keep_problems), daemon=True
        )
        self.child.start()
        send.close()

    def new_rows(self) -> Iterator[list[tuple[object, ...]]]:
        """The rows of new subscribers, a batch at a time; known ones go to the spool meanwhile."""
        try:
            while True:
                try:
                    data = self.receive.recv_bytes()
                except EOFError:
                    raise RuntimeError("The process reading the file stopped.") from None
                tag = data[:1]
                if tag == b"N":
                    yield marshal.loads(memoryview(data)[1:])  # noqa: S302  # our own child
                    continue
                if tag == b"K":
                    self.spool.extend(marshal.loads(memoryview(data)[1:]))  # noqa: S302
                    continue
                message = pickle.loads(memoryview(data)[1:])  # noqa: S301  # our own child
                kind = message[0]
                if kind == "progress":
                    self.checked.error_count = message[3]
                    if self.refuse_errors and self.checked.error_count:
                        raise Refused
                    self.progress("importing", message[1], message[2])
                elif kind == "done":
                    for name, value in message[1].items():
                        setattr(self.checked, name, value)
                    return
                elif kind == "refused":
                    raise Refused
                elif kind == "file":
                    raise FileRefused.from_code(message[1])
                else:
                    raise RuntimeError(message[1])
        finally:
            self.receive.close()
            if self.child.is_alive():
                self.child.kill()
            self.child.join()


PARALLEL_CHECK_FROM = 50_000  # lines (about): from here on the check of a text file reads each half in a process


class _Problems:
    """Problems set aside in a temporary file, marshalled a thousand at a time (text cells: quicker than pickle)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.buffer: list[tuple[object, ...]] = []

    def add(self, p: Problem) -> None:
        self.buffer.append((p.sheet, p.row, p.column, p.value, p.code, p.params, p.cells))
        if len(self.buffer) >= 1000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            data = marshal.dumps(self.buffer)
            self.file.write(len(data).to_bytes(8, "little"))
            self.file.write(data)
            self.buffer = []

    def __iter__(self) -> Iterator[Problem]:
        self.flush()
        self.file.seek(0)
        while size := int.from_bytes(self.file.read(8), "little"):
            for fields in marshal.loads(self.file.read(size)):  # noqa: S302  # our own temporary file
                yield Problem(*fields)


def _copy(source: IO[bytes], into: IO[bytes], end: int) -> None:
    """The bytes of ``source`` from where it stands to ``end``, into ``into``."""
    while (left := end - source.tell()) > 0 and (data := source.read(min(left, 1 << 20))):
        into.write(data)


@dataclass
class _Half:
    """The temporary files a forked check of the second half writes, and its count of rows done."""

    rows: IO[bytes]
    problems: IO[bytes]
    duplicates: IO[bytes]
    state: IO[bytes]
    seen: IO[bytes]  # its numbers (8 bytes each), then where it met each
    done: Any  # a shared counter


@dataclass
class _HalfChecked(CheckedList):
    """The second half's check, which notes where each duplicate starts in its file and its row."""

    duplicate_rows: array[int] = field(default_factory=lambda: array("q"), repr=False)
    duplicate_at: array[int] = field(default_factory=lambda: array("q"), repr=False)

    def hold_counted(self, number: int, problem: Problem) -> None:
        assert self.duplicate_file is not None
        self.duplicate_rows.append(problem.row)
        self.duplicate_at.append(self.duplicate_file.tell())
        super().hold_counted(number, problem)


def _check_half(half: _Half, read: ReadResult, split: TextSplit, content: bytes | Path, kwargs: dict[str, Any]) -> None:
    """The forked check of the file's second half: its rows, problems and duplicates into ``half``'s files, then its
    counts. It never touches the database (the connection it inherited belongs to the parent)."""
    state: dict[str, Any]
    try:
        problems = _Problems(half.problems)
        checked = _HalfChecked(digest="", sink=problems.add)
        checked.duplicate_file = half.duplicates
        sheet = read.sheets[0]
        lines = 0
        # Where each batch of rows starts in the rows file, and the first row index after it.
        batches: list[tuple[int, int]] = []

        def part() -> Iterator[list[object]]:
            nonlocal lines
            for cells in text_part(content, encoding=read.encoding, separator=read.separator, start=split.offset,
                                   end=None):  # fmt: skip
                lines += 1
                yield cells

        def progress(phase: str, done: int, total: int) -> None:
            half.done.value = done - split.lines

        halved = ReadResult([Sheet(sheet.name, sheet.head, sheet.size, part)], read.encoding, read.separator)
        with _collector_paused():
            for batch in cleaning.clean_rows(halved, checked, progress=progress, phase="checking",
                                             start_row=split.lines, pack=False, **kwargs):  # fmt: skip
                if batch.new:
                    # The row just read (lines) belongs to the next batch: this one ends before it.
                    batches.append((half.rows.tell(), split.lines + lines - 1))
                    data = marshal.dumps(batch.new)
                    half.rows.write(len(data).to_bytes(8, "little"))
                    half.rows.write(data)
        if checked.seen is not None:
            checked.seen.close()
            checked.seen = None
        state = {name: getattr(checked, name) for name in _HALF_STATE}
        state["seen"] = len(checked.seen_numbers)
        checked.seen_numbers.tofile(half.seen)
        checked.seen_where.tofile(half.seen)
        state["lines"], state["ok"], state["batches"] = lines, True, batches
        problems.flush()
    except BaseException:  # the parent checks the whole file itself
        state = {"ok": False, "error": traceback.format_exc()}
    for file in (half.rows, half.problems, half.duplicates, half.seen):
        file.flush()
    pickle.dump(state, half.state, protocol=pickle.HIGHEST_PROTOCOL)
    half.state.flush()


_HALF_STATE = ("rows_read", "good", "error_count", "warning_count", "codes", "by_unit", "restored_zero",
               "partial_by_unit", "legacy_by_unit",
               "duplicate_numbers", "duplicate_rows", "duplicate_at",
               "below_footer")  # fmt: skip


def check_in_two(
    read: ReadResult,
    result: CheckedList,
    *,
    content: bytes | Path,
    rows_to: IO[bytes] | None,
    progress: ProgressHook,
    **kwargs: Any,
) -> bool:
    """Check a text file's two halves at once, one in a forked process, as one check of the whole would.

    The halves are merged as if read in one go: the problems in file order, the rows of the second half after
    those of the first, and a number of the second half first seen in the first is a duplicate there (its
    row left out, its warnings dropped). False when the file cannot be cut (a workbook, UTF-16, no line to cut
    after), or when a half's rows are not its lines (a cell with a line break), or when the first half ends below
    a signature block: the caller then checks the whole file itself, from the start (``result`` and ``rows_to``
    may hold part of the halves' findings).
    """
    if "fork" not in multiprocessing.get_all_start_methods() or len(read.sheets) != 1 or not read.encoding:
        return False
    if read.sheets[0].size < PARALLEL_CHECK_FROM:
        return False
    split = text_split(content, read.encoding)
    if split is None:
        return False
    sheet = read.sheets[0]
    context = multiprocessing.get_context("fork")
    with contextlib.ExitStack() as files:
        temporary = [files.enter_context(tempfile.TemporaryFile()) for _ in range(6)]
        rows, problems, duplicates, state_file, seen_file = temporary[:5]
        half = _Half(rows, problems, duplicates, state_file, seen_file, done=context.Value("q", 0, lock=False))
        child = context.Process(target=_check_half, args=(half, read, split, content, kwargs), daemon=True)
        child.start()
        try:
            mine = _Problems(temporary[5])  # the first half's problems, emitted once the halves are merged
            sink, result.sink = result.sink, mine.add
            lines = 0

            def part() -> Iterator[list[object]]:
                nonlocal lines
                for cells in text_part(content, encoding=read.encoding, separator=read.separator, start=0,
                                       end=split.offset):  # fmt: skip
                    lines += 1
                    yield cells

            def both(phase: str, done: int, total: int) -> None:
                progress(phase, min(done + half.done.value, sheet.size), sheet.size)

            halved = ReadResult([Sheet(sheet.name, sheet.head, sheet.size, part)], read.encoding, read.separator)
            with _collector_paused():
                for batch in cleaning.clean_rows(halved, result, progress=both, phase="checking", pack=False,
                                                 **kwargs):  # fmt: skip
                    if rows_to is not None and batch.new:
                        data = marshal.dumps(batch.new)
                        rows_to.write(len(data).to_bytes(8, "little"))
                        rows_to.write(data)
            while child.is_alive():
                child.join(0.5)
                both("checking", split.lines, sheet.size)  # the parent's reports carry cancelling and the heartbeat
        finally:
            if child.is_alive():
                child.kill()
            child.join()
        result.sink = sink
        half.state.seek(0)
        try:
            state = pickle.load(half.state)  # noqa: S301  # our own child
        except EOFError:
            state = {"ok": False}
        if not state["ok"] or lines != split.lines or state["lines"] != sheet.size - split.lines or result.below_footer:
            return False
        _merge(result, state, half, mine, split, read, content, rows_to)
    return True


def _merge(
    result: CheckedList,
    state: dict[str, Any],
    half: _Half,
    mine: _Problems,
    split: TextSplit,
    read: ReadResult,
    content: bytes | Path,
    rows_to: IO[bytes] | None,
) -> None:
    """The second half's findings added to the first's, as one reading of the whole file would have found them."""
    late = _merge_seen(result, state["seen"], half.seen)
    codes: Counter[str] = Counter(state["codes"])
    by_unit: Counter[int | None] = Counter(state["by_unit"])
    errors, warnings = state["error_count"], state["warning_count"]
    # Their rows after ours; a batch holding a late row without it (the others copied as they are).
    half.rows.seek(0)
    late_indexes = sorted(row - 1 for row in late)
    late_msisdns = {f"+84{number}" for number in late.values()}
    batches = state["batches"]
    for number, (_at, before) in enumerate(batches):
        first_index = batches[number - 1][1] if number else split.lines
        last = number == len(batches) - 1
        hit = bisect.bisect_left(late_indexes, first_index)
        if hit == len(late_indexes) or (late_indexes[hit] >= before and not last):
            if rows_to is not None:
                _copy(half.rows, rows_to, batches[number + 1][0] if not last else 1 << 62)
            else:
                half.rows.seek(batches[number + 1][0] if not last else 0, 0 if not last else 2)
            continue
        size = int.from_bytes(half.rows.read(8), "little")
        batch = marshal.loads(half.rows.read(size))  # noqa: S302  # our own child's file
        kept = []
        for row in batch:
            if row[0] in late_msisdns:
                by_unit[counted_unit(row)] -= 1
            else:
                kept.append(row)
        if rows_to is not None and kept:
            data = marshal.dumps(kept)
            rows_to.write(len(data).to_bytes(8, "little"))
            rows_to.write(data)
    # The problems in file order: ours, then theirs but those of the late rows (duplicates have none).
    for problem in mine:
        result.emit(problem)
    for problem in _Problems(half.problems):
        if problem.row in late:
            codes[problem.code] -= 1
            if problem.level == "error":
                errors -= 1
            else:
                warnings -= 1
            continue
        result.emit(problem)
    # The late rows as duplicates, with their cells (read again: they are few), among the second half's own.
    sheet = read.sheets[0]
    column = result.mappings.get(sheet.name, {}).get("msisdn")
    letter = column_letter(column) if column is not None else ""
    found: list[tuple[int, Problem]] = []
    if late:
        rows = text_part(content, encoding=read.encoding, separator=read.separator, start=split.offset, end=None)
        for index, cells in enumerate(rows, start=split.lines):
            if index + 1 in late:
                value = cells[column] if column is not None and column < len(cells) else None
                problem = Problem(sheet.name, index + 1, letter, _text(value), "number_duplicate", {}, cells)
                found.append((late[index + 1], problem))
                result.count(problem)
            if index >= late_indexes[-1]:
                break
    # After ours (in the file the first half's went to), theirs with the late ones among them, in row order.
    numbers, rows_of, at = state["duplicate_numbers"], state["duplicate_rows"], state["duplicate_at"]
    if result.duplicate_file is None:
        result.duplicate_file = tempfile.TemporaryFile()  # noqa: SIM115  # closed by pack_seen
    held = result.duplicate_file
    held.seek(0, 2)
    half.duplicates.seek(0)
    done = 0  # of the second half's duplicates, copied
    for number, late_problem in [*found, (0, None)]:
        upto = bisect.bisect_left(rows_of, late_problem.row) if late_problem is not None else len(numbers)
        if upto > done:
            _copy(half.duplicates, held, at[upto] if upto < len(at) else 1 << 62)
            result.duplicate_numbers.extend(numbers[done:upto])
            done = upto
        if late_problem is not None:
            p = late_problem
            pickle.dump(
                (p.sheet, p.row, p.column, p.value, p.code, {}, p.cells), held, protocol=pickle.HIGHEST_PROTOCOL
            )
            result.duplicate_numbers.append(number)
    # The counts of both halves.
    result.rows_read += state["rows_read"]
    result.good += state["good"] - len(late)
    result.error_count += errors
    result.warning_count += warnings
    result.codes.update(codes)
    result.by_unit.update(by_unit)
    result.partial_by_unit.update(state["partial_by_unit"])
    result.legacy_by_unit.update(state["legacy_by_unit"])
    result.restored_zero += state["restored_zero"]
    result.codes = +result.codes  # no code left at zero
    result.below_footer = state["below_footer"]
    result.pack_seen()


SEEN_CHUNK = 1 << 20  # numbers of the second half merged at a time (8 MB each for numbers and places)


def _merge_seen(result: CheckedList, count: int, source: IO[bytes]) -> dict[int, int]:
    """The second half's numbers after the first's, a chunk at a time (memory stays bounded), but those the first
    half had met (its bitmap tells): answered as {row: number}, the late rows, duplicates of the first half."""
    seen = result.seen
    assert seen is not None and seen.bits is not None
    bits = np.frombuffer(seen.bits, dtype=np.uint8)
    beyond = np.fromiter(seen.beyond, dtype=np.int64) if seen.beyond else None
    late: dict[int, int] = {}
    for start in range(0, count, SEEN_CHUNK):
        size = min(SEEN_CHUNK, count - start)
        source.seek(start * 8)
        numbers = np.frombuffer(source.read(size * 8), dtype=np.int64)
        source.seek((count + start) * 8)
        where = np.frombuffer(source.read(size * 8), dtype=np.int64)
        inside = numbers < NUMBERS_BELOW
        small = numbers[inside]
        again = np.zeros(size, dtype=bool)
        again[inside] = ((bits[small >> 3] >> (small & 7).astype(np.uint8)) & 1).astype(bool)
        if beyond is not None:
            again[~inside] = np.isin(numbers[~inside], beyond)
        if again.any():
            late.update(zip((where[again] & 0xFFFFFFFF).tolist(), numbers[again].tolist(), strict=True))
            numbers, where = numbers[~again], where[~again]
        result.seen_numbers.frombytes(numbers.tobytes())
        result.seen_where.frombytes(where.tobytes())
    del bits  # a view of the bitmap, which pack_seen closes
    return late
