"""Phase one: ``check_list`` reads and checks every row and writes nothing.

It can save the cleaned rows (``rows_to``) for the write to stream.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from switchoff.lib.sheets import Problem, ReadResult
from switchoff.lib.text import fold
from switchoff.subscribers.importer import cleaning, parallel
from switchoff.subscribers.importer.checked import CheckedList, commune_counts, listed_by_unit, province_counts
from switchoff.subscribers.importer.cleaning import (
    _expected_carrier,
)
from switchoff.subscribers.importer.columns import propose_mapping
from switchoff.subscribers.importer.others import _flag_other_operators
from switchoff.subscribers.importer.rows import (
    Batch,
    CleanRow,
    ProgressHook,
    _collector_paused,
    _no_progress,
)
from switchoff.units.models import Unit
from switchoff.units.national import is_national, resolver_for


def content_digest(content: bytes | Path) -> str:
    """The SHA-256 of a list's bytes, or of a stored file read a megabyte at a time."""
    if isinstance(content, Path):
        with content.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    return hashlib.sha256(content).hexdigest()


def check_list(
    read: ReadResult,
    *,
    content: bytes | Path,
    operator: Unit,
    area: Unit,
    mapping: dict[str, int] | None = None,
    progress: ProgressHook = _no_progress,
    keep_rows: bool = False,
    rows_to: IO[bytes] | None = None,
    sink: Callable[[Problem], None] | None = None,
) -> CheckedList:
    """Phase one: every row checked, nothing written. ``mapping`` overrides the proposed columns.

    ``keep_rows`` also returns the cleaned rows (for short lists). ``rows_to``
    receives the cleaned good rows, a marshalled batch at a time, for
    ``import_list(saved=…)`` to write without reading the file again. With a
    ``sink`` the problems go there (in file order, the duplicates and the numbers
    of other operators last) instead of into ``problems``.
    """
    digest = content_digest(content)
    result = CheckedList(digest=digest, sink=sink)
    resolver, carrier = resolver_for(area), _expected_carrier(operator)
    # A long text list: each half read and checked in a process of its own (both cores), merged as one reading.
    start = rows_to.tell() if rows_to is not None else 0
    halves = not keep_rows and parallel.check_in_two(read, result, content=content, rows_to=rows_to,
                                                     progress=progress, resolver=resolver, carrier=carrier,
                                                     mapping=mapping)  # fmt: skip
    if not halves:  # the whole file in this process (from the start, should halves have been tried)
        result = CheckedList(digest=digest, sink=sink)
        if rows_to is not None and rows_to.tell() != start:
            rows_to.seek(start)
            rows_to.truncate()
    batches: Iterator[Batch] = iter(())
    if not halves:
        batches = cleaning.clean_rows(read, result, resolver=resolver, carrier=carrier, mapping=mapping,
                                      progress=progress, phase="checking")  # fmt: skip
    with _collector_paused():
        for batch in batches:
            if keep_rows:
                result.rows += map(CleanRow._make, batch.new)
            if rows_to is not None and batch.new:
                # Length first: marshal.load from a file reads it a few bytes at a time, ten times slower.
                data = marshal.dumps(batch.new)
                rows_to.write(len(data).to_bytes(8, "little"))
                rows_to.write(data)
    _flag_other_operators(result, read, operator)
    if result.problems:
        order = {sheet.name: index for index, sheet in enumerate(read.sheets)}
        result.problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row))
    if is_national(area):
        result.provinces = province_counts(result.by_unit, operator=operator, area=area)
    result.communes = commune_counts(
        result.by_unit,
        area,
        previous=listed_by_unit(operator=operator, area=area),
        partial=result.partial_by_unit,
        legacy=result.legacy_by_unit,
    )
    return result


def saved_rows(rows: IO[bytes]) -> Iterator[list[tuple[object, ...]]]:
    """The batches ``check_list(rows_to=…)`` wrote, read back one at a time."""
    while size := int.from_bytes(rows.read(8), "little"):
        yield marshal.loads(rows.read(size))  # noqa: S302  # our own file, written by the check


def remembered_columns(operator: Unit, read: ReadResult) -> dict[str, int] | None:
    """The operator's remembered choices, applied to this file's header row, or None."""
    from switchoff.subscribers.models import RememberedMapping

    remembered = RememberedMapping.objects.filter(operator=operator).first()
    if remembered is None or not read.sheets:
        return None
    proposed = propose_mapping(read.sheets[0].head)
    if proposed is None:
        return None
    by_header = {fold(text): index for index, text in enumerate(proposed.headers) if text}
    columns = {name: by_header[header] for name, header in remembered.headers.items() if header in by_header}
    return columns or None
