"""Importing an operator's list in two phases.

``check_list`` reads and validates every row and writes nothing: it returns
every problem with its sheet, row, column, value and reason, and the counts a
person reads before confirming. ``import_list`` then writes the snapshot in
one transaction, so a crash (or a worker killed midway) leaves the registry
exactly as it was, and running it again completes it. The same content for the
same operator and area is recognised and changes nothing.

Both phases stream the file row by row: a national list has millions of rows,
and neither the file's rows nor the cleaned ones are held in memory.
``import_list`` validates each row again as it goes and sends the rows of new
subscribers straight into the database's bulk path (COPY on PostgreSQL), so
the database writes while Python reads the next rows. Rows of subscribers
already known are set aside in a temporary file and applied afterwards by a
few set-based statements, as are the subscribers who left the list.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import functools
import gc
import hashlib
import itertools
import json
import marshal
import mmap
import multiprocessing
import pickle
import tempfile
import traceback
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter
from stdnum import imei as stdnum_imei

from switchoff.audit.services import log_action
from switchoff.counts.services import Delta, counts_add_many
from switchoff.lib.bulk import bulk_insert, indexes_built_after
from switchoff.lib.filelimits import FileRefused
from switchoff.lib.phones import mobile_pattern, parse_subscriber_number
from switchoff.lib.text import fold
from switchoff.subscribers.counts import LEFT, LISTED, counted_in
from switchoff.subscribers.guards import (
    MassLeave,
    NoGoodRows,
    OutOfOrder,
    current_subscribers,
    exceeds_share,
    refuse_future,
)
from switchoff.subscribers.models import Subscriber, SubscriberList
from switchoff.subscribers.reader import Mapping, ReadResult, propose_mapping, row_label
from switchoff.units.addresses import AddressResolver
from switchoff.units.models import Unit

# Problem codes, their level, and the sentence a person reads.
REASONS: dict[str, tuple[str, Any]] = {
    "number_empty": ("error", _("The number is empty.")),
    "number_not_a_number": ("error", _("The number contains letters or signs.")),
    "number_invalid": ("error", _("Not a valid Vietnamese mobile number.")),
    "number_duplicate": ("error", _("The same number is on an earlier row of this file (row %(row)s).")),
    "number_legacy": ("warning", _("An 11-digit number from before 2018, converted to %(number)s.")),
    "number_other_carrier": (
        "warning",
        _("The prefix belongs to %(carrier)s; kept as a subscriber of the operator that sent the list."),
    ),
    "number_other_operator": ("warning", _("This number is also on the list of %(operator)s.")),
    "imei_invalid": ("warning", _("Not a valid IMEI (15 digits with a check digit); the IMEI was left out.")),
    "address_unresolved": (
        "warning",
        _("The address was not recognised; the subscriber is kept for a person to assign."),
    ),
    "address_ambiguous": (
        "warning",
        _("The address matches several units (%(units)s); the subscriber is kept for a person to choose one."),
    ),
}  # fmt: skip

OPERATOR_CARRIERS = {"viettel": "Viettel", "vnpt": "Vinaphone", "vinaphone": "Vinaphone", "mobifone": "MobiFone",
                     "vietnamobile": "Vietnamobile", "gmobile": "G-Mobile"}  # fmt: skip
STAGING = "subscribers_import_rows"
# The columns a row of the file fills, for a new subscriber and in the staging table alike.
ROW_COLUMNS = ("msisdn", "msisdn_original", "name", "search_name", "address", "unit_id", "imei", "device")
CHUNK = 5000
ANALYZE_AFTER = 50_000  # rows changed by one import, above which the table's statistics are refreshed
REBUILD_FROM = 50_000  # new rows (about) from which SQLite builds the registry's indexes after the insert


@functools.lru_cache(maxsize=65536)
def _fold_name(name: str) -> str:
    return fold(name)


@dataclass(slots=True)
class Problem:
    sheet: str
    row: int  # 1-based, as Excel shows it
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    cells: list[object] | None = None  # the row as it was, kept for errors (the rejected-rows file)

    @property
    def level(self) -> str:
        return REASONS[self.code][0]

    @property
    def reason(self) -> str:
        return str(REASONS[self.code][1]) % self.params


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


class _Particulars(dict[str, str]):
    """Fills any %(name)s of a reason with an ellipsis: the reason in general, for the summary."""

    def __missing__(self, key: str) -> str:
        return "…"


NUMBERS_BELOW = 1_000_000_000  # national digits of a Vietnamese mobile number (9 after the 0)


class SeenNumbers:
    """The file's good numbers as they are met, in little memory whatever the file's size.

    "Met before?" is one bit per possible number in an anonymous memory map
    (125 MB of address space; a page takes memory only once a number in it is
    met). Each number and where it was met (sheet index << 32 | row) go into two
    arrays of 8 bytes an entry, in file order: a Python dict of 18 million
    numbers would need about 2 GB.
    """

    def __init__(self) -> None:
        self.bits: mmap.mmap | None = mmap.mmap(-1, NUMBERS_BELOW // 8 + 1)
        self.beyond: set[int] = set()  # numbers no bitmap covers (no valid mobile number has one)

    def met(self, number: int) -> bool:
        """Whether ``number`` was met before; marks it met."""
        if number >= NUMBERS_BELOW:
            if number in self.beyond:
                return True
            self.beyond.add(number)
            return False
        bits = self.bits
        assert bits is not None
        byte, bit = number >> 3, 1 << (number & 7)
        value = bits[byte]
        if value & bit:
            return True
        bits[byte] = value | bit
        return False

    def close(self) -> None:
        if self.bits is not None:
            self.bits.close()
            self.bits = None


def first_rows(numbers: array[int], where: array[int], wanted: Iterable[int]) -> dict[int, int]:
    """Where each wanted number was first met (``where`` values), found with one vectorised pass."""
    wanted_np = np.fromiter(set(wanted), dtype=np.int64)
    if not len(wanted_np) or not len(numbers):
        return {}
    numbers_np = np.frombuffer(numbers, dtype=np.int64)
    hits = np.flatnonzero(np.isin(numbers_np, wanted_np))
    found: dict[int, int] = {}
    for index in hits.tolist():
        found.setdefault(numbers[index], where[index])
    return found


@dataclass
class CheckedList:
    digest: str
    rows_read: int = 0
    good: int = 0
    problems: list[Problem] = field(default_factory=list)
    mappings: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: list[CleanRow] = field(default_factory=list)  # only when asked to keep them
    error_count: int = 0
    warning_count: int = 0
    # Phase two only counts the problems: phase one already showed them (and a national
    # list has hundreds of thousands, each keeping its row for the rejected-rows file).
    keep_problems: bool = True
    new_by_unit: Counter[int | None] = field(default_factory=Counter)  # while importing: new subscribers by unit
    no_name: list[str] = field(default_factory=list)  # sheets read without a column of names
    from_content: list[str] = field(default_factory=list)  # fields whose column no header named (found by content)
    # Each good number (national digits as an int) and where it was first seen (sheet index << 32 | row),
    # in file order, as two arrays of 8 bytes an entry; ``seen`` says whether a number was met.
    seen: SeenNumbers | None = field(default=None, repr=False)
    seen_numbers: array[int] = field(default_factory=lambda: array("q"), repr=False)
    seen_where: array[int] = field(default_factory=lambda: array("q"), repr=False)
    # Duplicates met while reading: their earlier row is filled in once the file is read.
    duplicates: list[tuple[int, Problem]] = field(default_factory=list, repr=False)
    # Where problems go when not kept in ``problems`` (the background check writes them to a file).
    sink: Callable[[Problem], None] | None = field(default=None, repr=False)
    # What the summary tells besides errors and warnings, counted per batch or by the rare rows concerned.
    codes: Counter[str] = field(default_factory=Counter)  # problems by code (kept or not)
    by_unit: Counter[int | None] = field(default_factory=Counter)  # good rows by the unit of their address
    restored_zero: int = 0  # numbers written without their leading 0 (Excel numbers)
    communes: list[CommuneCount] = field(default_factory=list)  # by_unit by current commune (check_list)

    def pack_seen(self) -> None:
        """The file is read: the duplicates get the row of their number's first sighting, the bitmap goes."""
        if self.seen is not None:
            self.seen.close()
            self.seen = None
        if self.duplicates:
            first = first_rows(self.seen_numbers, self.seen_where, (number for number, _p in self.duplicates))
            for number, problem in self.duplicates:
                problem.params = {"row": first.get(number, 0) & 0xFFFFFFFF}
                self.emit(problem)
            self.duplicates = []

    def count(self, problem: Problem) -> None:
        self.codes[problem.code] += 1
        if problem.level == "error":
            self.error_count += 1
        else:
            self.warning_count += 1

    def emit(self, problem: Problem) -> None:
        if self.sink is not None:
            self.sink(problem)
        elif self.keep_problems:
            self.problems.append(problem)

    def add(self, problem: Problem) -> None:
        self.count(problem)
        self.emit(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def by_reason(self) -> list[tuple[str, str, int]]:
        """(level, reason without its particulars, count), errors first, the most frequent first."""
        return reasons_of(self.codes)

    def column_warnings(self) -> list[str]:
        """What a person must know about the columns before confirming: a list read without names, guessed columns."""
        warnings = []
        sheets = ", ".join(f"“{name}”" for name in self.no_name if name)
        if sheets:
            message = _("No column of names was found in sheet %(sheets)s: the subscribers would be imported "
                        "without names. Choose the name column below.")  # fmt: skip
            warnings.append(str(message) % {"sheets": sheets})
        elif self.no_name:
            warnings.append(str(_("No column of names was found: the subscribers would be imported without names. "
                                  "Choose the name column below.")))  # fmt: skip
        labels = {"msisdn": _("number"), "name": _("name")}
        for name in dict.fromkeys(self.from_content):
            warnings.append(str(_("No header names the %(field)s column: it was chosen from the cells' content. "
                                  "Check it below.") % {"field": labels.get(name, name)}))  # fmt: skip
        return warnings

    @property
    def unresolved(self) -> int:
        """Good rows whose address named no unit (or several): they count under the list's area."""
        return self.by_unit[None]

    def summary(self) -> dict[str, Any]:
        """The counts a person reads before confirming (and a job's status names), as plain data."""
        levels = {code: REASONS[code][0] for code in self.codes}
        return {
            "rows_read": self.rows_read,
            "good": self.good,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "restored_zero": self.restored_zero,
            "legacy_converted": self.codes["number_legacy"],
            "resolved": self.good - self.unresolved,
            "unresolved": self.unresolved,
            "rejected": {code: n for code, n in sorted(self.codes.items()) if levels[code] == "error"},
            "warned": {code: n for code, n in sorted(self.codes.items()) if levels[code] == "warning"},
        }

    STATE = ("digest", "rows_read", "good", "error_count", "warning_count", "mappings", "restored_zero", "no_name",
             "from_content")  # fmt: skip

    def state(self) -> dict[str, Any]:
        """What the write needs of a check, as JSON data (stored on the job beside the cleaned rows)."""
        return {
            **{name: getattr(self, name) for name in self.STATE},
            "codes": dict(self.codes),
            "by_unit": [[pk, n] for pk, n in self.by_unit.items()],
            "communes": [list(c) for c in self.communes],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], *, keep_problems: bool = False) -> CheckedList:
        checked = cls(digest=state["digest"], keep_problems=keep_problems)
        for name in cls.STATE:
            setattr(checked, name, state[name])
        checked.codes = Counter(state["codes"])
        checked.by_unit = Counter({pk: n for pk, n in state["by_unit"]})
        checked.communes = [CommuneCount(*c) for c in state["communes"]]
        return checked


def reasons_of(codes: dict[str, int]) -> list[tuple[str, str, int]]:
    """(level, reason without its particulars, count) of problem counts by code, errors first, then by count."""
    rows = [(REASONS[c][0], (str(REASONS[c][1]) % _Particulars()).rstrip("."), n) for c, n in codes.items() if n]
    return sorted(rows, key=lambda row: (row[0] != "error", -row[2]))


class CommuneCount(NamedTuple):
    """Good rows placed in one current commune (or ward): the check's table of where the list's people live."""

    unit_id: int
    name: str
    subscribers: int
    in_area: bool  # inside the area the list is about


def commune_counts(by_unit: Counter[int | None], area: Unit) -> list[CommuneCount]:
    """``by_unit`` summed by current commune, the largest first: a commune the list is not about stands out.

    A unit's current commune is the second step of its rollup path (province,
    commune, village…): a legacy commune or a village recorded under it rolls
    up into its successor, as the counts do.
    """
    communes: Counter[int] = Counter()
    ids = [pk for pk in by_unit if pk is not None]
    for start in range(0, len(ids), CHUNK):
        for pk, rollup in Unit.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "rollup_path"):
            steps = rollup.strip("/").split("/")
            communes[int(steps[1]) if len(steps) > 1 else pk] += by_unit[pk]
    units = Unit.objects.in_bulk(list(communes))
    rows = [
        CommuneCount(pk, units[pk].name, n, units[pk].rollup_path.startswith(area.rollup_path))
        for pk, n in communes.items()
        if pk in units
    ]
    return sorted(rows, key=lambda row: (-row.subscribers, row.name))


@functools.lru_cache(maxsize=256)
def column_letter(index: int) -> str:
    """The Excel name of a 0-based column: 0 is A, 27 is AB."""
    return get_column_letter(index + 1)


def _expected_carrier(operator: Unit) -> str | None:
    name = fold(operator.name)
    return next((carrier for word, carrier in OPERATOR_CARRIERS.items() if word in name), None)


ProgressHook = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


NO_COLUMN = 1 << 30  # a column index no row reaches: the field is not in the file


def _text(value: object) -> str:
    """A cell as text: whole numbers without ".0", whitespace collapsed."""
    if value.__class__ is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    if "\x00" in value:
        value = value.replace("\x00", "")  # PostgreSQL text cannot hold it
    return " ".join(value.split())


def _name_of(cell: object) -> tuple[str, str]:
    """A name cell as the name written and the name folded for search."""
    name = _text(cell)[:200]
    return name, _fold_name(name)


# The text of the cells a list repeats (names, addresses, devices), each worked out once;
# typed, so that the cell True is not taken for the cell 1.
_cached_text = functools.lru_cache(maxsize=65536, typed=True)(_text)
_cached_name = functools.lru_cache(maxsize=65536, typed=True)(_name_of)
NO_NAME = ("", "")


def _clean_rows(
    read: ReadResult,
    result: CheckedList,
    *,
    resolver: AddressResolver,
    carrier: str | None,
    mapping: dict[str, int] | None,
    progress: ProgressHook,
    phase: str,
    known: array[int] | None = None,
) -> Iterator[Batch]:
    """The file's good rows, cleaned, a batch every ``CHUNK`` rows read; every problem goes into ``result``.

    With ``known`` (the operator's numbers already in the registry, sorted), as
    an import has: the rows are sorted into new and known, and the new ones are
    counted by unit in ``result.new_by_unit``. Without it every good row is new.

    This loop runs once per row of a national list and is written for that: the
    usual number (0912345678) skips the parser, cells that repeat (names,
    devices, addresses) are cleaned once, an address met before is found without
    a call, rows leave in batches, and the counts are kept by the rare rows that
    are skipped rather than by every row. It indexes cells directly and leaves
    whitespace alone in the address parts it only looks up (the resolver cleans
    them when it meets a new one).
    """
    if result.seen is None:
        result.seen = SeenNumbers()
    met = result.seen.met
    seen_numbers, seen_where = result.seen_numbers.append, result.seen_where.append
    add, count = result.add, result.count
    duplicates = result.duplicates
    resolve, by_cells = resolver.resolve_cells, resolver.by_cells
    text, name_of = _cached_text, _cached_name
    counting = known is not None
    known = known if known is not None else array("q")
    sorting = len(known) > 0
    new_rows: list[tuple[object, ...]] = []
    known_rows: list[tuple[object, ...]] = []
    total = sum(sheet.size for sheet in read.sheets)
    # Rows of the sheets done, rows below the header row of sheets done or under way (data),
    # and of those the blank or totals rows (not read) and the rows with an error (not good).
    done_before = data_before = blank = bad = 0
    restored = 0  # numbers whose lost leading 0 was put back (only parsed rows can have lost it)

    def batch_done(done: int, data: int, *, last: bool = False) -> Batch:
        nonlocal new_rows, known_rows
        result.rows_read = data - blank
        result.good = result.rows_read - bad
        if counting:
            result.new_by_unit.update(map(UNIT_OF_ROW, new_rows))
        result.by_unit.update(map(UNIT_OF_ROW, new_rows))
        result.by_unit.update(map(UNIT_OF_ROW, known_rows))
        result.restored_zero = restored
        progress(phase, done, done if last else max(total, done))
        batch = Batch(new_rows, known_rows)
        new_rows, known_rows = [], []
        return batch

    for sheet_index, sheet in enumerate(read.sheets):
        proposed = None if sheet.headerless else propose_mapping(sheet.head)
        if proposed is None and mapping is None:
            continue
        found = proposed or Mapping(header_row=-1 if sheet.headerless else 0)
        columns = {**found.columns, **(mapping or {})}
        result.mappings[sheet.name] = columns
        c_msisdn, c_name, c_address, c_imei, c_device, c_village, c_commune, c_district = (
            columns.get(k, NO_COLUMN)
            for k in ("msisdn", "name", "address", "imei", "device", "village", "commune", "district")
        )
        msisdn_letter = column_letter(c_msisdn) if c_msisdn != NO_COLUMN else ""
        address_column = columns.get("address", columns.get("commune"))
        address_letter = column_letter(address_column) if address_column is not None else ""
        where_sheet = sheet_index << 32
        name_of_sheet = sheet.name
        first = found.header_row + 1  # the first row below the header (0-based)
        new_append, known_append = new_rows.append, known_rows.append
        index = first - 1
        footer = False  # below a signature block or a note
        if c_name == NO_COLUMN:
            result.no_name.append(name_of_sheet)
        result.from_content += [field for field in found.from_content if field not in (mapping or {})]
        for index, cells in enumerate(itertools.islice(sheet.rows(), first, None), start=first):
            if index % CHUNK == 0:
                yield batch_done(done_before + index, data_before + index - first)
                new_append, known_append = new_rows.append, known_rows.append
            width = len(cells)
            raw = cells[c_msisdn] if c_msisdn < width else None
            legacy = False
            if (
                raw.__class__ is str and len(raw) == 10 and raw[0] == "0" and raw.isdigit() and raw.isascii()
                and (pattern := mobile_pattern(raw[:4], 10))[0]
            ):  # fmt: skip
                # The usual 0912345678, without building a parsed number (see parse_subscriber_number).
                msisdn, original, number, number_carrier = "+84" + raw[1:], raw, int(raw), pattern[1]
            else:
                if (raw is None or raw == "" or (raw.__class__ is str and not raw.strip())) and not any(
                    _text(v) for v in cells
                ):
                    blank += 1
                    continue
                parsed = parse_subscriber_number(raw)
                if parsed.e164 is None:
                    # A totals row ("Tổng cộng | 430 thuê bao"), a signature block or a note under the
                    # table, and every row without a number below it: not subscribers, not errors.
                    if footer or (label := row_label(cells)):
                        footer = footer or label == "footer"
                        blank += 1
                        continue
                    bad += 1
                    add(Problem(name_of_sheet, index + 1, msisdn_letter, _text(raw), f"number_{parsed.problem}", {},
                                cells))  # fmt: skip
                    continue
                msisdn, legacy, number_carrier = parsed.e164, parsed.converted_from_legacy, parsed.carrier
                restored += parsed.restored_zero
                number = int(msisdn[3:])
                original = parsed.original
                original = original[:40] if original.isprintable() else " ".join(original.split())[:40]
            if met(number):
                bad += 1
                # Its earlier row is found once the file is read (``pack_seen``).
                duplicate = Problem(name_of_sheet, index + 1, msisdn_letter, _text(raw), "number_duplicate", {}, cells)
                count(duplicate)
                duplicates.append((number, duplicate))
                continue
            seen_numbers(number)
            seen_where(where_sheet | (index + 1))
            if legacy:
                add(Problem(name_of_sheet, index + 1, msisdn_letter, _text(raw), "number_legacy",
                            {"number": "0" + msisdn[3:]}))  # fmt: skip
            if carrier and number_carrier and number_carrier != carrier:
                add(
                    Problem(
                        name_of_sheet, index + 1, msisdn_letter, _text(raw), "number_other_carrier",
                        {"carrier": number_carrier},
                    )
                )  # fmt: skip
            imei = ""
            if c_imei < width:
                imei_text = _text(cells[c_imei]).replace(" ", "")
                if imei_text:
                    if stdnum_imei.is_valid(imei_text):
                        imei = stdnum_imei.compact(imei_text)[:15]
                    else:
                        add(Problem(name_of_sheet, index + 1, column_letter(c_imei), imei_text, "imei_invalid"))
            address = text(cells[c_address]) if c_address < width else ""
            parts = (
                address,
                cells[c_village] if c_village < width else "",
                cells[c_commune] if c_commune < width else "",
                cells[c_district] if c_district < width else "",
            )
            try:
                unit_id = by_cells[parts]
            except (KeyError, TypeError):
                unit_id = resolve(*parts)
            if unit_id is None:
                add(_unresolved(resolver, parts, Problem(name_of_sheet, index + 1, address_letter, address, "")))
            name, search_name = name_of(cells[c_name]) if c_name < width else NO_NAME
            row = (
                msisdn, original, name, search_name, address[:300], unit_id, imei,
                text(cells[c_device])[:120] if c_device < width else "",
            )  # fmt: skip
            if sorting and _known(known, number):
                known_append(row)
            else:
                new_append(row)
        done_before += index + 1
        data_before += index + 1 - first
    result.pack_seen()
    yield batch_done(done_before, data_before, last=True)


def _unresolved(resolver: AddressResolver, parts: tuple[str, object, object, object], problem: Problem) -> Problem:
    """The warning of an address not resolved: not recognised, or matching several units (named)."""
    candidates = resolver.candidates(*parts)
    problem.code = "address_ambiguous" if candidates else "address_unresolved"
    if candidates:
        problem.params = {"units": ", ".join(resolver.labels[pk] for pk in candidates)}
    return problem


UNIT_OF_ROW = itemgetter(ROW_COLUMNS.index("unit_id"))


def _flag_other_operators(result: CheckedList, read: ReadResult, operator: Unit) -> None:
    """The same number from two operators is flagged, never silently merged.

    Two ways to find them, the cheaper first: when the other operators have fewer
    listed numbers than the file (a first operator in a new registry, a province
    list against a national one), those numbers are read and looked up here;
    otherwise the file's numbers are probed in the (msisdn, operator) index.
    """
    numbers = result.seen_numbers
    if not numbers:
        return
    table = Subscriber._meta.db_table
    # "Another operator" as two ranges, so that the indexes answer it without reading this operator's rows.
    other = "(s.operator_id < %s OR s.operator_id > %s)"
    found: list[tuple[str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.msisdn, s.operator_id FROM {table} s WHERE {other} AND s.status = 'listed' LIMIT %s",  # noqa: S608
            [operator.pk, operator.pk, len(numbers) + 1],
        )
        others = cursor.fetchall()
        if len(others) <= len(numbers):
            theirs: dict[int, list[int]] = defaultdict(list)
            for msisdn, owner in others:
                theirs[int(msisdn[3:])].append(owner)
            del others
            for number in numbers:
                if number in theirs:
                    found += [(f"+84{number}", owner) for owner in theirs[number]]
        else:
            del others
            found = _probe_other_operators(cursor, numbers, operator, other)
    if not found:
        return
    names = dict(Unit.objects.filter(kind__code="operator_branch").values_list("pk", "name"))
    wanted = {int(msisdn[3:]) for msisdn, _owner in found}
    where = {n: w for n, w in zip(numbers, result.seen_where, strict=True) if n in wanted}
    for msisdn, owner in found:
        where_seen = where[int(msisdn[3:])]
        result.add(
            Problem(read.sheets[where_seen >> 32].name, where_seen & 0xFFFFFFFF, "", msisdn, "number_other_operator",
                    {"operator": names.get(owner, "")})
        )  # fmt: skip


def _probe_other_operators(cursor: Any, numbers: array[int], operator: Unit, other: str) -> list[tuple[str, int]]:
    """The file's numbers listed by another operator, looked up a chunk at a time in the number index."""
    found: list[tuple[str, int]] = []
    table = Subscriber._meta.db_table
    step = CHUNK * 20
    params: list[Any]
    for start in range(0, len(numbers), step):
        chunk = numbers[start : start + step].tolist()
        # The numbers go as one parameter (an array, or JSON for SQLite): thousands of
        # placeholders cost more to send than to look up.
        if connection.vendor == "postgresql":
            source, params = "(SELECT '+84' || u AS msisdn FROM unnest(%s::bigint[]) AS u) AS n", [chunk]
        else:
            source, params = "(SELECT '+84' || value AS msisdn FROM json_each(%s)) AS n", [json.dumps(chunk)]
        cursor.execute(
            f"SELECT s.msisdn, s.operator_id FROM {source} CROSS JOIN {table} s "  # noqa: S608
            f"WHERE s.msisdn = n.msisdn AND {other} AND s.status = 'listed'",
            [*params, operator.pk, operator.pk],
        )
        found += cursor.fetchall()
    return found


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
    result = CheckedList(digest=content_digest(content), sink=sink)
    batches = _clean_rows(
        read,
        result,
        resolver=AddressResolver(area),
        carrier=_expected_carrier(operator),
        mapping=mapping,
        progress=progress,
        phase="checking",
    )
    with _collector_paused():
        for batch in batches:
            if keep_rows:
                result.rows += map(CleanRow._make, batch.new)
            if rows_to is not None and batch.new:
                marshal.dump(batch.new, rows_to)
    _flag_other_operators(result, read, operator)
    if result.problems:
        order = {sheet.name: index for index, sheet in enumerate(read.sheets)}
        result.problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row))
    result.communes = commune_counts(result.by_unit, area)
    return result


def saved_rows(rows: IO[bytes]) -> Iterator[list[tuple[object, ...]]]:
    """The batches ``check_list(rows_to=…)`` wrote, read back one at a time."""
    while True:
        try:
            yield marshal.load(rows)  # noqa: S302  # our own file, written by the check
        except EOFError:
            return


@dataclass
class ApplyResult:
    source: SubscriberList
    checked: CheckedList
    already_imported: bool = False
    new: int = 0
    relisted: int = 0
    moved: int = 0
    unchanged: int = 0
    left: int = 0


class Refused(ValueError):
    """The person chose to refuse the whole file if any row has an error, and one has."""


def _known_numbers(operator: Unit) -> array[int]:
    """The operator's numbers already in the registry, sorted, 8 bytes each (millions fit in memory)."""
    numbers: array[int] = array("q")
    ordered = True
    for msisdn in (
        Subscriber.objects.filter(operator=operator).order_by("msisdn").values_list("msisdn", flat=True).iterator(20000)
    ):
        number = int(msisdn[3:])
        if numbers and number < numbers[-1]:
            ordered = False
        numbers.append(number)
    return numbers if ordered else array("q", sorted(numbers))


def _known(numbers: array[int], number: int) -> bool:
    index = bisect.bisect_left(numbers, number)
    return index < len(numbers) and numbers[index] == number


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


@dataclass
class SavedCheck:
    """A check's cleaned rows (``check_list(rows_to=…)``) and its state (``CheckedList.state``): what a write needs."""

    rows: Path
    state: dict[str, Any]


def import_list(
    read: ReadResult | None,
    *,
    content: bytes | Path,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    actor: Any | None = None,
    mapping: dict[str, int] | None = None,
    file_name: str = "",
    refuse_errors: bool = False,
    allow_mass_leave: bool = False,
    progress: ProgressHook = _no_progress,
    saved: SavedCheck | None = None,
) -> ApplyResult:
    """Phase two: the list is the operator's snapshot of ``area`` on ``as_of``; write it in one transaction.

    With ``saved`` (the background check's cleaned rows and counts) the rows go
    straight into the bulk load and the file is not read again; otherwise
    ``read`` is read and each row checked again as it goes.
    The rules of ``guards`` hold here too, whoever calls: a list dated after today, one
    without a good row, or one that would mark more than the allowed share of the area's
    subscribers as left (unless ``allow_mass_leave``) raises, and nothing is written.
    """
    refuse_future(as_of)
    digest = saved.state["digest"] if saved is not None else content_digest(content)
    with transaction.atomic():
        # One import per operator at a time: they touch the same subscribers.
        list(Unit.objects.select_for_update().filter(pk=operator.pk).values_list("pk"))
        previous = (
            SubscriberList.objects.filter(operator=operator, area=area, status=SubscriberList.Status.DONE)
            .order_by("-as_of", "-pk")
            .first()
        )
        checked = CheckedList(digest=digest, keep_problems=False)
        if previous is not None and previous.digest == digest and previous.as_of == as_of:
            checked.rows_read = int(previous.summary.get("rows_read", 0))
            checked.good = int(previous.summary.get("good", 0))
            return ApplyResult(source=previous, checked=checked, already_imported=True)
        if previous is not None and previous.as_of > as_of:
            raise OutOfOrder(previous.as_of)
        current = current_subscribers(operator=operator, area=area)
        source = SubscriberList.objects.create(
            operator=operator,
            area=area,
            as_of=as_of,
            file_name=file_name[:255],
            digest=digest,
            status=SubscriberList.Status.IMPORTING,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if saved is not None:
            checked = CheckedList.from_state(saved.state)
            if refuse_errors and checked.error_count:
                raise Refused
        with tempfile.TemporaryFile() as spool_file, _collector_paused():
            if saved is not None:
                with saved.rows.open("rb") as rows:
                    result = _write_saved(rows, checked, source, spool=_Spool(spool_file), progress=progress)
            else:
                assert read is not None
                result = _write(read, checked, source, spool=_Spool(spool_file), mapping=mapping,
                                refuse_errors=refuse_errors, progress=progress)  # fmt: skip
        # The last guard: raising here rolls back what was just written.
        if not checked.good:
            raise NoGoodRows
        if not allow_mass_leave and exceeds_share(leaving=result.left, current=current):
            raise MassLeave(result.left, current)
        progress("finishing", checked.rows_read, checked.rows_read)
        if saved is None:  # the saved check counted them already
            assert read is not None
            _flag_other_operators(checked, read, operator)
        source.status = SubscriberList.Status.DONE
        source.finished_at = timezone.now()
        source.mapping = checked.mappings
        source.summary = {
            **checked.summary(),
            "new": result.new,
            "relisted": result.relisted,
            "moved": result.moved,
            "unchanged": result.unchanged,
            "left": result.left,
        }
        source.save(update_fields=["status", "finished_at", "mapping", "summary"])
        log_action("subscribers.list.imported", actor=actor, obj=source, unit=area, data=source.summary)
    if connection.vendor == "postgresql" and result.new + result.moved + result.left > ANALYZE_AFTER:
        # Plans for the next pages depend on fresh statistics; autovacuum would come later.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Subscriber._meta.db_table}")
    return result


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
        for batch in _clean_rows(read, checked, progress=progress, phase="importing", **kwargs):
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


def _write(
    read: ReadResult,
    checked: CheckedList,
    source: SubscriberList,
    *,
    spool: _Spool,
    mapping: dict[str, int] | None,
    refuse_errors: bool,
    progress: ProgressHook,
) -> ApplyResult:
    operator, area = source.operator, source.area
    # Everything the rows need from the database is read before the copy starts.
    known = _known_numbers(operator)
    resolver, carrier = AddressResolver(area), _expected_carrier(operator)
    batches: Iterator[list[tuple[object, ...]]]
    # Two cores: PostgreSQL's own server process already takes the second one, while SQLite
    # stores rows in this process; there, a forked child reads and checks the file meanwhile.
    # (Measured on PostgreSQL: a child reading, even one formatting COPY text for this process
    # to forward, made the import slower, 15 s instead of 12 s for a million rows.)
    parallel = connection.vendor == "sqlite" and "fork" in multiprocessing.get_all_start_methods()
    size = sum(sheet.size for sheet in read.sheets)
    if parallel and size >= PARALLEL_FROM:
        reader = _ChildReader(read, checked, spool=spool, refuse_errors=refuse_errors, progress=progress,
                              resolver=resolver, carrier=carrier, mapping=mapping, known=known)  # fmt: skip
        batches = reader.new_rows()
    else:

        def in_process() -> Iterator[list[tuple[object, ...]]]:
            for batch in _clean_rows(read, checked, resolver=resolver, carrier=carrier, mapping=mapping,
                                     progress=progress, phase="importing", known=known):  # fmt: skip
                if refuse_errors and checked.error_count:
                    raise Refused
                spool.extend(batch.known)
                yield batch.new

        batches = in_process()

    def refusing(batches: Iterator[list[tuple[object, ...]]]) -> Iterator[list[tuple[object, ...]]]:
        yield from batches
        if refuse_errors and checked.error_count:  # the forked reader tells its last count at its end
            raise Refused

    return _store(refusing(batches), checked, source, spool=spool, known=known, size=size, progress=progress)


def _write_saved(
    rows: IO[bytes], checked: CheckedList, source: SubscriberList, *, spool: _Spool, progress: ProgressHook
) -> ApplyResult:
    """Write the rows a check saved: no reading, no cleaning; only new and known are told apart, by the registry now."""
    known = _known_numbers(source.operator)
    total = checked.good

    def batches() -> Iterator[list[tuple[object, ...]]]:
        done = 0
        for batch in saved_rows(rows):
            if known:
                new: list[tuple[object, ...]] = []
                seen: list[tuple[object, ...]] = []
                for row in batch:
                    (seen if _known(known, int(row[0][3:])) else new).append(row)  # type: ignore[index]
                spool.extend(seen)
            else:
                new = batch
            checked.new_by_unit.update(map(UNIT_OF_ROW, new))
            done += len(batch)
            progress("importing", done, total)
            yield new

    return _store(batches(), checked, source, spool=spool, known=known, size=total, progress=progress)


def _store(
    batches: Iterator[list[tuple[object, ...]]],
    checked: CheckedList,
    source: SubscriberList,
    *,
    spool: _Spool,
    known: array[int],
    size: int,
    progress: ProgressHook,
) -> ApplyResult:
    """The new rows into the bulk load as they come, then the known ones and those who left, set-based."""
    operator, area = source.operator, source.area
    day = connection.ops.adapt_datefield_value(source.as_of)
    # New subscribers go in through the database's bulk path while the file is read.
    constants = {"operator_id": operator.pk, "list_area_id": area.pk, "status": Subscriber.Status.LISTED.value,
                 "first_seen": day, "last_listed": day, "left_on": None, "first_list_id": source.pk}  # fmt: skip
    # A list mostly of subscribers new to a registry smaller than it: SQLite builds its indexes after.
    expected_new = size - len(known)
    rebuild = (
        connection.vendor == "sqlite" and expected_new > REBUILD_FROM and expected_new > Subscriber.objects.count()
    )
    with indexes_built_after(Subscriber._meta.db_table) if rebuild else contextlib.nullcontext():
        bulk_insert(Subscriber._meta.db_table, ROW_COLUMNS, itertools.chain.from_iterable(batches), constants)
    new_by_unit = checked.new_by_unit
    result = ApplyResult(source=source, checked=checked, new=sum(new_by_unit.values()))
    # Counter deltas by (unit counted in, key), for the whole list: written at the end in one insert.
    deltas: defaultdict[tuple[int, str], int] = defaultdict(int)
    for unit, n in new_by_unit.items():
        deltas[(counted_in(unit, area.pk), LISTED)] += n
    # The set-based steps below say they are alive too (the worker's heartbeat is its progress).
    if spool.count:
        progress("finishing", checked.rows_read, checked.rows_read)
        _apply_known(source, spool, day, result, deltas)
    progress("finishing", checked.rows_read, checked.rows_read)
    if known:  # only those the registry knew before this list can have left it
        _apply_left(source, day, result, deltas)
    counts_add_many(
        Delta(unit_id=unit, key=key, delta=n, dimension=operator.pk, day=source.as_of)
        for (unit, key), n in deltas.items()
    )
    return result


def _json_object(*pairs: str) -> str:
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    return f"{function}({', '.join(pairs)})"


def _apply_known(
    source: SubscriberList, spool: _Spool, day: Any, result: ApplyResult, deltas: defaultdict[Any, int]
) -> None:
    """Subscribers already in the registry: listed again, moved, or unchanged, in a few set-based statements."""
    subscribers, events = Subscriber._meta.db_table, "subscribers_subscriberevent"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (msisdn varchar(16) NOT NULL, msisdn_original varchar(40) NOT NULL, "
            "name varchar(200) NOT NULL, search_name varchar(200) NOT NULL, address varchar(300) NOT NULL, "
            "unit_id bigint NULL, imei varchar(15) NOT NULL, device varchar(120) NOT NULL)"
        )
    bulk_insert(STAGING, ROW_COLUMNS, iter(spool))
    data = _json_object("'unit'", "COALESCE(r.unit_id, s.unit_id)", "'from'", "s.unit_id")
    join = f"FROM {STAGING} r JOIN {subscribers} s ON s.msisdn = r.msisdn AND s.operator_id = %s"
    changed = "s.status = 'left' OR (r.unit_id IS NOT NULL AND (s.unit_id IS NULL OR s.unit_id <> r.unit_id))"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {STAGING}")
        else:
            cursor.execute(f"CREATE INDEX {STAGING}_msisdn ON {STAGING} (msisdn)")
        cursor.execute(
            f"SELECT s.status, s.unit_id, COALESCE(r.unit_id, s.unit_id), s.list_area_id, COUNT(*) {join} "
            "GROUP BY 1, 2, 3, 4",
            [source.operator_id],
        )
        for status, old, new, old_area, n in cursor.fetchall():
            # Counted in their unit, or while they have none in the area of the list that named them last.
            counted_before, counted_now = counted_in(old, old_area), counted_in(new, source.area_id)
            if status == Subscriber.Status.LEFT:
                result.relisted += n
                deltas[(counted_before, LEFT)] -= n
                deltas[(counted_now, LISTED)] += n
            else:
                if old != new:
                    result.moved += n
                else:
                    result.unchanged += n
                deltas[(counted_before, LISTED)] -= n
                deltas[(counted_now, LISTED)] += n
        cursor.execute(
            f"INSERT INTO {events} (subscriber_id, source_id, kind, as_of, data) "
            f"SELECT s.id, %s, CASE WHEN s.status = 'left' THEN 'relisted' ELSE 'moved' END, %s, "
            f"{data} {join} WHERE {changed}",
            [source.pk, day, source.operator_id],
        )
        # A list without an address, name or device does not forget what an earlier one said.
        keep = "CASE WHEN r.{0} <> '' THEN r.{0} ELSE {1}.{0} END"
        cursor.execute(
            f"UPDATE {subscribers} SET status = 'listed', left_on = NULL, "  # noqa: S608
            f"unit_id = COALESCE(r.unit_id, {subscribers}.unit_id), list_area_id = %s, last_listed = %s, "
            + ", ".join(
                f"{column} = {keep.format(column, subscribers)}"
                for column in ("name", "search_name", "address", "imei", "device")
            )
            + f" FROM {STAGING} r WHERE {subscribers}.msisdn = r.msisdn AND {subscribers}.operator_id = %s",
            [source.area_id, day, source.operator_id],
        )
        cursor.execute(f"DROP TABLE {STAGING}")


def _apply_left(source: SubscriberList, day: Any, result: ApplyResult, deltas: defaultdict[Any, int]) -> None:
    """Whoever was on this operator's lists for this area and is not on this one has left."""
    gone = Subscriber.objects.filter(
        operator_id=source.operator_id,
        status=Subscriber.Status.LISTED,
        list_area__rollup_path__startswith=source.area.rollup_path,
    ).exclude(last_listed=source.as_of)
    by_unit = gone.values("unit_id", "list_area_id").annotate(n=Count("id"))
    for unit_id, list_area_id, n in by_unit.values_list("unit_id", "list_area_id", "n").order_by():
        deltas[(counted_in(unit_id, list_area_id), LISTED)] -= n
        deltas[(counted_in(unit_id, list_area_id), LEFT)] += n
        result.left += n
    if not result.left:
        return
    sql, params = gone.values("id").query.sql_with_params()
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subscribers_subscriberevent (subscriber_id, source_id, kind, as_of, data) "  # noqa: S608
            f"SELECT g.id, %s, 'left', %s, {empty} FROM ({sql}) g",
            [source.pk, day, *params],
        )
    gone.update(status=Subscriber.Status.LEFT, left_on=source.as_of)


def rejected_rows_xlsx(errors: Iterable[Problem]) -> bytes:
    """The rows that will not be imported (``errors``), as they were, with the reason in a last column."""
    from openpyxl.styles import Font

    from switchoff.lib import xlsx

    book = xlsx.new_workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_("Rejected rows"))[:31]
    bold = Font(bold=True)
    xlsx.append(sheet, [str(_("Sheet")), str(_("Row")), str(_("Column")), str(_("Reason")), str(_("Original row"))])
    for cell in sheet[1]:
        cell.font = bold
    for problem in errors:
        original = problem.cells or []
        xlsx.append(sheet, [problem.sheet, problem.row, problem.column, problem.reason, *original])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCD", (14, 8, 8, 60), strict=True):
        sheet.column_dimensions[column].width = width
    return xlsx.to_bytes(book)


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


def same_list_imported(
    *, operator: Unit, area: Unit, as_of: datetime.date, content: bytes | Path, digest: str = ""
) -> SubscriberList | None:
    """The earlier import of exactly this content (or ``digest``), so that it need not be read and checked again."""
    digest = digest or content_digest(content)
    return SubscriberList.objects.filter(
        operator=operator, area=area, as_of=as_of, digest=digest, status=SubscriberList.Status.DONE
    ).first()
