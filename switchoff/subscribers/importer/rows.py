"""What a cleaned row is (the values written, in ``ROW_COLUMNS`` order), its batches, the progress hook."""

from __future__ import annotations

import contextlib
import gc
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import IO, NamedTuple

# The columns a row of the file fills, for a new subscriber and in the staging table alike.
ROW_COLUMNS = ("msisdn", "msisdn_original", "name", "search_name", "address", "unit_id", "imei", "device")


CHUNK = 5000


class CleanRow(NamedTuple):
    """A good row, cleaned: the values written (``ROW_COLUMNS``), in their order."""

    msisdn: str
    original: str
    name: str
    search_name: str
    address: str
    unit_id: int | None
    imei: str
    device: str


class Batch(NamedTuple):
    """The good rows of a stretch of the file, as the values written (``ROW_COLUMNS``).

    ``known`` holds the rows of numbers the registry already had for the operator, ``new`` the others.
    """

    new: list[tuple[object, ...]]
    known: list[tuple[object, ...]]


ProgressHook = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


UNIT_OF_ROW = itemgetter(ROW_COLUMNS.index("unit_id"))
# A national list's rows carry one more value: the province whose snapshot they belong to (the subscriber's
# ``list_area``), for each province's part to be replaced by a later list of that province alone.
LIST_AREA = len(ROW_COLUMNS)
_UNIT = ROW_COLUMNS.index("unit_id")
NATIONAL_COLUMNS = (*ROW_COLUMNS, "list_area_id")


def counted_unit(row: tuple[object, ...]) -> int | None:
    """The unit a row counts in (``subscribers.counts.counted_in``): its own, or its list area without one."""
    unit = row[_UNIT]
    return unit if unit is not None or len(row) <= LIST_AREA else row[LIST_AREA]  # type: ignore[return-value]


_UNIT_AND_AREA = itemgetter(_UNIT, LIST_AREA)


def count_units(counter: Counter[int | None], rows: Iterable[tuple[object, ...]], *, national: bool) -> None:
    """Add to ``counter`` each row's unit as ``counted_unit`` tells it (national rows: by (unit, province) pairs
    counted in C, then each pair once, rather than a Python call a row). The units come in the order rows met
    them first, as a count row by row would put them (ties among the largest communes are shown in that order)."""
    if not national:
        counter.update(map(UNIT_OF_ROW, rows))
        return
    for (unit, area), n in Counter(map(_UNIT_AND_AREA, rows)).items():
        counter[unit if unit is not None else area] += n


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a list is written.

    The rows make no reference cycles, yet their millions of tuples set the collector
    off again and again, each time walking the whole heap: a tenth of the time. The
    forked reader, started meanwhile, inherits the pause.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Spool:
    """Rows set aside in a temporary file, a chunk at a time, to be read back once."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.buffer: list[tuple[object, ...]] = []
        self.count = 0

    def extend(self, rows: list[tuple[object, ...]]) -> None:
        self.buffer += rows
        self.count += len(rows)
        if len(self.buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            pickle.dump(self.buffer, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.buffer = []

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        self.flush()
        self.file.seek(0)
        while True:
            try:
                chunk = pickle.load(self.file)  # noqa: S301  # our own temporary file
            except EOFError:
                return
            yield from chunk
