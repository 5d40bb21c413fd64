"""Reading and cleaning a list's rows (``clean_rows``): numbers, duplicates, IMEIs, names, addresses, a batch at a time.

Callers go through the module (``cleaning.clean_rows``), so that a test can count every reading of a file."""

from __future__ import annotations

import functools
import itertools
from array import array
from collections.abc import Iterator

from stdnum import imei as stdnum_imei

from switchoff.lib.phones import mobile_pattern, parse_subscriber_number
from switchoff.lib.sheets import Problem, ReadResult, column_letter, row_label
from switchoff.lib.sheets import cell_text as _text
from switchoff.lib.text import fold
from switchoff.subscribers.importer.checked import CheckedList
from switchoff.subscribers.importer.columns import Mapping, propose_mapping
from switchoff.subscribers.importer.known import _known
from switchoff.subscribers.importer.rows import (
    CHUNK,
    Batch,
    ProgressHook,
    count_units,
)
from switchoff.subscribers.importer.seen import SeenNumbers
from switchoff.units.addresses import AddressResolver
from switchoff.units.models import Unit
from switchoff.units.national import NationalResolver

OPERATOR_CARRIERS = {"viettel": "Viettel", "vnpt": "Vinaphone", "vinaphone": "Vinaphone", "mobifone": "MobiFone",
                     "vietnamobile": "Vietnamobile", "gmobile": "G-Mobile"}  # fmt: skip


@functools.lru_cache(maxsize=65536)
def _fold_name(name: str) -> str:
    return fold(name)


def _expected_carrier(operator: Unit) -> str | None:
    name = fold(operator.name)
    return next((carrier for word, carrier in OPERATOR_CARRIERS.items() if word in name), None)


NO_COLUMN = 1 << 30  # a column index no row reaches: the field is not in the file


def _name_of(cell: object) -> tuple[str, str]:
    """A name cell as the name written and the name folded for search."""
    name = _text(cell)[:200]
    return name, _fold_name(name)


# The text of the cells a list repeats (names, addresses, devices), each worked out once;
# typed, so that the cell True is not taken for the cell 1.
_cached_text = functools.lru_cache(maxsize=65536, typed=True)(_text)


_cached_name = functools.lru_cache(maxsize=65536, typed=True)(_name_of)


NO_NAME = ("", "")


def clean_rows(
    read: ReadResult,
    result: CheckedList,
    *,
    resolver: AddressResolver | NationalResolver,
    carrier: str | None,
    mapping: dict[str, int] | None,
    progress: ProgressHook,
    phase: str,
    known: array[int] | None = None,
    start_row: int = 0,
    pack: bool = True,
) -> Iterator[Batch]:
    """The file's good rows, cleaned, a batch every ``CHUNK`` rows read; every problem goes into ``result``.

    With ``known`` (the operator's numbers already in the registry, sorted), as
    an import has: the rows are sorted into new and known, and the new ones are
    counted by unit in ``result.new_by_unit``. Without it every good row is new.

    ``start_row`` is the index in the file of the sheet's first row (the second half of a text file read on its
    own, ``parallel.check_in_two``); ``pack=False`` leaves the duplicates to be completed by the caller.

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
    add = result.add
    hold_duplicate = result.hold_duplicate
    resolve, by_cells = resolver.resolve_cells, resolver.by_cells
    partial_of, legacy_of = resolver.partial_by_cells.get, resolver.legacy_by_cells.get
    text, name_of = _cached_text, _cached_name
    counting = known is not None
    # A list for the country: each row names its province, or is refused (``units.national``).
    national = getattr(resolver, "national", False)
    province_of = getattr(resolver, "province_by_cells", {}).__getitem__
    province: int | None = None
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
            count_units(result.new_by_unit, new_rows, national=national)
        count_units(result.by_unit, new_rows, national=national)
        count_units(result.by_unit, known_rows, national=national)
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
        first_data = max(first, start_row)
        new_append, known_append = new_rows.append, known_rows.append
        index = first_data - 1
        footer = False  # below a signature block or a note
        if start_row:  # a part of the file: its rows are all data rows
            rows = enumerate(sheet.rows(), start=start_row)
        else:
            rows = enumerate(itertools.islice(sheet.rows(), first, None), start=first)
        if c_name == NO_COLUMN:
            result.no_name.append(name_of_sheet)
        result.from_content += [field for field in found.from_content if field not in (mapping or {})]
        for index, cells in rows:
            if index % CHUNK == 0:
                yield batch_done(done_before + index, data_before + index - first_data)
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
            # The address is placed before the number is marked as met: a national list refuses a row whose
            # address names no province, and a later row with the same number is then not its duplicate.
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
            if national:
                try:
                    province = province_of(parts)
                except TypeError:  # a cell that cannot be a key
                    province = resolver.province_of(*parts)  # type: ignore[union-attr]
                if province is None:
                    bad += 1
                    add(Problem(name_of_sheet, index + 1, address_letter, address,
                                resolver.problem(*parts), {}, cells))  # type: ignore[union-attr]  # fmt: skip
                    continue
            if met(number):
                bad += 1
                # Its earlier row is found once the file is read (``pack_seen``).
                hold_duplicate(number, Problem(name_of_sheet, index + 1, msisdn_letter, _text(raw), "number_duplicate",
                                               {}, cells))  # fmt: skip
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
            if unit_id is None:
                add(_unresolved(resolver, parts, Problem(name_of_sheet, index + 1, address_letter, address, "")))
            else:
                try:  # straight to the resolver's dicts: a million rows
                    partial, old_commune = partial_of(parts), legacy_of(parts)
                except TypeError:  # a cell that cannot be a key
                    partial, old_commune = resolver.partial_match(*parts), resolver.legacy_commune(*parts)
                if partial is not None:
                    result.partial_by_unit[partial] += 1
                    add(Problem(name_of_sheet, index + 1, address_letter, address, "address_partial",
                                {"unit": resolver.labels[partial]}))  # fmt: skip
                if old_commune is not None:
                    result.legacy_by_unit[old_commune] += 1
            name, search_name = name_of(cells[c_name]) if c_name < width else NO_NAME
            device = text(cells[c_device])[:120] if c_device < width else ""
            row: tuple[object, ...] = (
                (msisdn, original, name, search_name, address[:300], unit_id, imei, device, province)
                if national  # the province whose snapshot the row belongs to (``rows.LIST_AREA``)
                else (msisdn, original, name, search_name, address[:300], unit_id, imei, device)
            )
            if sorting and _known(known, number):
                known_append(row)
            else:
                new_append(row)
        done_before += index + 1
        data_before += index + 1 - first_data
        result.below_footer = footer
    if pack:
        result.pack_seen()
    yield batch_done(done_before, data_before, last=True)


def _unresolved(
    resolver: AddressResolver | NationalResolver, parts: tuple[str, object, object, object], problem: Problem
) -> Problem:
    """The warning of an address not resolved: not recognised, or matching several units (named)."""
    candidates = resolver.candidates(*parts)
    problem.code = "address_ambiguous" if candidates else "address_unresolved"
    if candidates:
        problem.params = {"units": ", ".join(resolver.labels[pk] for pk in candidates)}
    return problem
