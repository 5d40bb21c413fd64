"""Phase two: ``import_list`` writes a list in one transaction.

New rows go through the bulk load; known ones and those who left are applied set-based.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import multiprocessing
import tempfile
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from switchoff.audit.services import log_action
from switchoff.counts.services import Delta, counts_add_many
from switchoff.devices.registry import class_of_imei, classify_list, classify_staged, device_classes, table_fingerprint
from switchoff.lib.bulk import bulk_insert, indexes_built_after
from switchoff.lib.sheets import ReadResult
from switchoff.subscribers.counts import LEFT, LISTED, counted_in
from switchoff.subscribers.guards import (
    MassLeave,
    NoGoodRows,
    OutOfOrder,
    current_subscribers,
    exceeds_share,
    refuse_future,
)
from switchoff.subscribers.importer import cleaning
from switchoff.subscribers.importer.check import content_digest, saved_rows
from switchoff.subscribers.importer.checked import CheckedList
from switchoff.subscribers.importer.cleaning import (
    _expected_carrier,
)
from switchoff.subscribers.importer.columns import propose_mapping
from switchoff.subscribers.importer.known import _known, _known_numbers
from switchoff.subscribers.importer.others import _flag_other_operators
from switchoff.subscribers.importer.parallel import PARALLEL_FROM, _ChildReader
from switchoff.subscribers.importer.problems import (
    Refused,
)
from switchoff.subscribers.importer.rows import (
    NATIONAL_COLUMNS,
    ROW_COLUMNS,
    ProgressHook,
    _collector_paused,
    _no_progress,
    _Spool,
    count_units,
)
from switchoff.subscribers.models import Subscriber, SubscriberList
from switchoff.units.models import Unit
from switchoff.units.national import is_national, resolver_for

STAGING = "subscribers_import_rows"


ANALYZE_AFTER = 50_000  # rows changed by one import, above which the table's statistics are refreshed


IMEI = ROW_COLUMNS.index("imei")

REBUILD_FROM = 50_000  # new rows (about) from which SQLite builds the registry's indexes after the insert


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
    resolver, carrier = resolver_for(area), _expected_carrier(operator)
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
            for batch in cleaning.clean_rows(read, checked, resolver=resolver, carrier=carrier, mapping=mapping,
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

    imei = "imei" in (mapping or {}) or any(
        "imei" in found.columns for sheet in read.sheets if (found := propose_mapping(sheet.head)) is not None
    )
    return _store(refusing(batches), checked, source, spool=spool, known=known, size=size, progress=progress,
                  imei=imei)  # fmt: skip


def _write_saved(
    rows: IO[bytes], checked: CheckedList, source: SubscriberList, *, spool: _Spool, progress: ProgressHook
) -> ApplyResult:
    """Write the rows a check saved: no reading, no cleaning; only new and known are told apart, by the registry now."""
    known = _known_numbers(source.operator)
    total = checked.good
    national = is_national(source.area)

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
            count_units(checked.new_by_unit, new, national=national)
            done += len(batch)
            progress("importing", done, total)
            yield new

    imei = any("imei" in columns for columns in checked.mappings.values())
    return _store(batches(), checked, source, spool=spool, known=known, size=total, progress=progress, imei=imei)


def _store(
    batches: Iterator[list[tuple[object, ...]]],
    checked: CheckedList,
    source: SubscriberList,
    *,
    spool: _Spool,
    known: array[int],
    size: int,
    progress: ProgressHook,
    imei: bool,
) -> ApplyResult:
    """The new rows into the bulk load as they come, then the known ones and those who left, set-based.

    A list with a column of IMEIs (``imei``): its new rows are written with their device class, from the
    device table read before the load; its known ones are classified after their update.
    """
    operator, area = source.operator, source.area
    day = connection.ops.adapt_datefield_value(source.as_of)
    # New subscribers go in through the database's bulk path while the file is read.
    constants = {"operator_id": operator.pk, "list_area_id": area.pk, "status": Subscriber.Status.LISTED.value,
                 "first_seen": day, "last_listed": day, "left_on": None, "first_list_id": source.pk}  # fmt: skip
    columns: tuple[str, ...] = ROW_COLUMNS
    if is_national(area):  # each row's list area is its province (``rows.LIST_AREA``)
        del constants["list_area_id"]
        columns = NATIONAL_COLUMNS
    # A list mostly of subscribers new to a registry smaller than it: SQLite builds its indexes after.
    expected_new = size - len(known)
    rebuild = (
        connection.vendor == "sqlite" and expected_new > REBUILD_FROM and expected_new > Subscriber.objects.count()
    )
    rows: Iterator[tuple[object, ...]] = itertools.chain.from_iterable(batches)
    if imei:
        classes, fingerprint = device_classes()
        rows = ((*row, class_of_imei(classes, row[IMEI])) for row in rows)  # type: ignore[arg-type]
        columns = (*columns, "device_class")
    with indexes_built_after(Subscriber._meta.db_table) if rebuild else contextlib.nullcontext():
        bulk_insert(Subscriber._meta.db_table, columns, rows, constants)
    new_by_unit = checked.new_by_unit
    result = ApplyResult(source=source, checked=checked, new=sum(new_by_unit.values()))
    # Counter deltas by (unit counted in, key), for the whole list: written at the end in one insert.
    deltas: defaultdict[tuple[int, str], int] = defaultdict(int)
    for unit, n in new_by_unit.items():
        deltas[(counted_in(unit, area.pk), LISTED)] += n
    # The set-based steps below say they are alive too (the worker's heartbeat is its progress).
    if spool.count:
        progress("finishing", checked.rows_read, checked.rows_read)
        _apply_known(source, spool, day, result, deltas, imei=imei)
    if imei and table_fingerprint() != fingerprint:  # a device table imported meanwhile: the list again, whole
        classify_list(operator_id=operator.pk, area_id=area.pk)
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
    source: SubscriberList, spool: _Spool, day: Any, result: ApplyResult, deltas: defaultdict[Any, int], *, imei: bool
) -> None:
    """Subscribers already in the registry: listed again, moved, or unchanged, in a few set-based statements."""
    subscribers, events = Subscriber._meta.db_table, "subscribers_subscriberevent"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (msisdn varchar(16) NOT NULL, msisdn_original varchar(40) NOT NULL, "
            "name varchar(200) NOT NULL, search_name varchar(200) NOT NULL, address varchar(300) NOT NULL, "
            "unit_id bigint NULL, imei varchar(15) NOT NULL, device varchar(120) NOT NULL, list_area_id bigint NULL)"
        )
    bulk_insert(STAGING, NATIONAL_COLUMNS if is_national(source.area) else ROW_COLUMNS, iter(spool))
    data = _json_object("'unit'", "COALESCE(r.unit_id, s.unit_id)", "'from'", "s.unit_id")
    join = f"FROM {STAGING} r JOIN {subscribers} s ON s.msisdn = r.msisdn AND s.operator_id = %s"
    changed = "s.status = 'left' OR (r.unit_id IS NOT NULL AND (s.unit_id IS NULL OR s.unit_id <> r.unit_id))"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {STAGING}")
        else:
            cursor.execute(f"CREATE INDEX {STAGING}_msisdn ON {STAGING} (msisdn)")
        cursor.execute(
            f"SELECT s.status, s.unit_id, COALESCE(r.unit_id, s.unit_id), s.list_area_id, "
            f"COALESCE(r.list_area_id, %s), COUNT(*) {join} GROUP BY 1, 2, 3, 4, 5",
            [source.area_id, source.operator_id],
        )
        for status, old, new, old_area, new_area, n in cursor.fetchall():
            # Counted in their unit, or while they have none in the area of the list that named them last.
            counted_before, counted_now = counted_in(old, old_area), counted_in(new, new_area)
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
            f"unit_id = COALESCE(r.unit_id, {subscribers}.unit_id), list_area_id = COALESCE(r.list_area_id, %s), "
            "last_listed = %s, "
            + ", ".join(
                f"{column} = {keep.format(column, subscribers)}"
                for column in ("name", "search_name", "address", "imei", "device")
            )
            + f" FROM {STAGING} r WHERE {subscribers}.msisdn = r.msisdn AND {subscribers}.operator_id = %s",
            [source.area_id, day, source.operator_id],
        )
        if imei:  # the class of those whose row brings an IMEI (the others keep theirs)
            classify_staged(operator_id=source.operator_id, staging=STAGING)
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


def same_list_imported(
    *, operator: Unit, area: Unit, as_of: datetime.date, content: bytes | Path, digest: str = ""
) -> SubscriberList | None:
    """The earlier import of exactly this content (or ``digest``), so that it need not be read and checked again."""
    digest = digest or content_digest(content)
    return SubscriberList.objects.filter(
        operator=operator, area=area, as_of=as_of, digest=digest, status=SubscriberList.Status.DONE
    ).first()
