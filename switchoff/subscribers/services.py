"""Writes to the registry: the one import path (check, then queue or write), import jobs, households, assigning an
address, the log of number searches, reveals and exports.

Every list, whether it comes through the import page, the API (a file or JSON
rows) or ``import_subscribers``, is checked by ``list_check`` (the same reading,
remembered columns, row checks and guards) and written by ``importer.import_list``:
in the background through ``import_job_create`` (the page, the API's file), or at
once through ``list_import`` (the command, the API's JSON rows).

Each is one transaction with its audit row; what must not happen before the
rows are committed (starting the worker, flagging a job as cancelled in the
cache) is queued with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.counts.services import Delta, counts_add_many
from switchoff.jobs.lease import enqueue
from switchoff.lib.phones import display_phone, mask_phone
from switchoff.lib.sheets import ReadResult, UnreadableFile, read_file
from switchoff.lib.text import fold
from switchoff.lib.throttle import Throttled, hit
from switchoff.people.access import require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.access import may_reveal, may_reveal_in
from switchoff.subscribers.counts import status_key
from switchoff.subscribers.guards import ImportRefusal, NoGoodRows, Review, refuse_future, review_list
from switchoff.subscribers.importer import (
    ApplyResult,
    CheckedList,
    Problem,
    ProgressHook,
    Refused,
    SavedCheck,
    check_list,
    import_list,
    remembered_columns,
)
from switchoff.subscribers.importer.columns import propose_mapping
from switchoff.subscribers.models import (
    ExportJob,
    Household,
    HouseholdDismissal,
    ImportJob,
    NumberView,
    RememberedMapping,
    Subscriber,
    SubscriberEvent,
)
from switchoff.subscribers.progress import (
    EXPORT_KIND,
    IMPORT_KIND,
    clear_cancel,
    is_stalled,
    progress_key,
    request_cancel,
    review_of,
)
from switchoff.subscribers.selectors import RegistryFilters, import_choices, unit_subscribers
from switchoff.units.models import Unit, UnitKind


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


@dataclass
class ListCheck:
    """A list read and checked, and what writing it would do: what every path shows before anyone confirms."""

    read: ReadResult
    checked: CheckedList
    review: Review
    mapping: dict[str, int] | None  # the columns used: the person's choice, else the operator's remembered ones
    # The cleaned rows the check kept (``save_rows``) and its state: the write streams them, not reading again.
    saved: SavedCheck | None = None
    rows_file: IO[bytes] | None = field(default=None, repr=False)  # deleted when closed (or dropped)

    def discard(self) -> None:
        """Remove the rows the check kept (written, or not to be written)."""
        if self.rows_file is not None:
            self.rows_file.close()
            self.rows_file, self.saved = None, None

    def refusal(self, *, allow_mass_leave: bool) -> ImportRefusal | None:
        """The first rule the list breaks (``Review.enforce``), or None."""
        try:
            self.review.enforce(allow_mass_leave=allow_mass_leave)
        except ImportRefusal as exc:
            return exc
        return None


def list_check(
    *,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    content: bytes | Path,
    file_name: str = "",
    read: ReadResult | None = None,
    mapping: dict[str, int] | None = None,
    encoding: str = "",
    separator: str = "",
    progress: ProgressHook = _no_progress,
    rows_to: IO[bytes] | None = None,
    sink: Callable[[Problem], None] | None = None,
    save_rows: bool = False,
) -> ListCheck:
    """Read and check a list as every path does; nothing is written.

    ``read`` is a list already read (the API's JSON rows); otherwise ``content``
    (bytes, or a stored file read as it goes) is read as ``file_name`` says, with
    the encoding and separator a person corrected. Without a ``mapping`` the
    operator's remembered columns apply. ``rows_to`` and ``sink`` keep the cleaned
    rows and the problems in files (the background check, ``jobs.run_check``);
    ``save_rows`` keeps the cleaned rows in a temporary file of the answer's own
    (``ListCheck.saved``), for ``list_import`` to write them as the page's
    confirmation does, without reading and cleaning the list again.
    Raises ``FutureList`` for a date after today, ``NoGoodRows`` for an empty
    file, ``UnreadableFile`` for a file beyond a limit or unreadable. What else
    the list breaks is in the answer's ``review`` (and ``refusal``), so that the
    check can say it before anyone confirms.
    """
    refuse_future(as_of)
    rows_file = tempfile.NamedTemporaryFile(prefix="switchoff-", suffix=".rows") if save_rows else None  # noqa: SIM115
    try:
        if read is None:
            read = read_file(content, file_name, encoding=encoding or None, separator=separator or None)
        mapping = mapping or remembered_columns(operator, read)
        checked = check_list(read, content=content, operator=operator, area=area, mapping=mapping, progress=progress,
                             rows_to=rows_file or rows_to, sink=sink)  # fmt: skip
        review = review_list(operator=operator, area=area, as_of=as_of, checked=checked)
    except UnreadableFile as exc:
        if rows_file is not None:
            rows_file.close()
        if exc.reason == "empty":  # an empty file is a list without a good row, on every path
            raise NoGoodRows from None
        raise
    except BaseException:
        if rows_file is not None:
            rows_file.close()
        raise
    check = ListCheck(read=read, checked=checked, review=review, mapping=mapping)
    if rows_file is not None:
        rows_file.flush()
        check.rows_file, check.saved = rows_file, SavedCheck(Path(rows_file.name), checked.state())
    return check


def list_import(
    *,
    actor: User | None,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    check: ListCheck,
    content: bytes,
    file_name: str,
    refuse_errors: bool = False,
    allow_mass_leave: bool = False,
    progress: ProgressHook = _no_progress,
) -> ApplyResult:
    """Write a checked list now (the command line, the API's JSON rows), under the rules ``enforce`` applies.

    ``import_list`` is one transaction with its audit row and applies the rules
    again inside it; the page and the API's file go through ``import_job_create``
    and the worker instead, which call the same ``import_list``. A check that kept
    its cleaned rows (``list_check(save_rows=True)``) is written from them, as the
    page's confirmation is; they are removed afterwards, written or refused.
    """
    try:
        if refuse_errors and check.checked.error_count:
            raise Refused
        check.review.enforce(allow_mass_leave=allow_mass_leave)
        return list_write(None if check.saved else check.read, content=content, actor=actor, operator=operator,
                          area=area, as_of=as_of, mapping=check.mapping, file_name=file_name,
                          refuse_errors=refuse_errors, allow_mass_leave=allow_mass_leave, progress=progress,
                          saved=check.saved)  # fmt: skip
    finally:
        check.discard()


@transaction.atomic
def list_write(
    read: ReadResult | None,
    *,
    content: bytes | Path,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    actor: User | None = None,
    mapping: dict[str, int] | None = None,
    file_name: str = "",
    refuse_errors: bool = False,
    allow_mass_leave: bool = False,
    progress: ProgressHook = _no_progress,
    saved: SavedCheck | None = None,
) -> ApplyResult:
    """Write a list (``importer.import_list``, which also gives its subscribers the class of their phone) and
    update the door-to-door cases (``fieldwork.cases.cases_after_list``), in one transaction.

    Every path ends here: ``list_import`` now, the worker's ``jobs.run_job`` later. The device class
    of each subscriber the list names with an IMEI is written with its new row, or set after the update
    of a known one (``devices/registry``); a list already imported changes nothing.
    """
    from switchoff.fieldwork.cases import cases_after_list  # fieldwork reads the registry's models

    result = import_list(read, content=content, actor=actor, operator=operator, area=area, as_of=as_of,
                         mapping=mapping, file_name=file_name, refuse_errors=refuse_errors,
                         allow_mass_leave=allow_mass_leave, progress=progress, saved=saved)  # fmt: skip
    if not result.already_imported:
        # The door-to-door cases the list brings, moves or settles (set-based, rolled back with the list): how
        # many it verified and sent back for a revisit are kept with the list, for the import's result page.
        cases = cases_after_list(source=result.source)
        if cases:
            result.source.summary = {**result.source.summary, "cases": cases}
            result.source.save(update_fields=["summary"])
    return result


def _start_after_commit(job_id: int) -> None:
    # Queued inside the transaction, the task could start (another worker, or Huey's immediate mode)
    # before the job's row exists for other connections, or for a row that then rolls back.
    transaction.on_commit(partial(enqueue, IMPORT_KIND, job_id))


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    upload_id: str,
    file_name: str,
    via: str,
    mapping: dict[str, int] | None = None,
    remember_from: ReadResult | None = None,
    encoding: str = "",
    separator: str = "",
    refuse_errors: bool = False,
    allow_mass_leave: bool = False,
    checked: dict[str, Any] | None = None,
) -> ImportJob:
    """Queue the import of a checked upload; the worker starts once the job's row is committed.

    ``checked`` is what the check keeps for the write (``{"state": CheckedList.state()}``, the API's file
    whose check saved its rows beside the upload): the worker then streams those rows, without reading
    the file again.

    With ``remember_from`` (the file read), the header text of each column in
    ``mapping`` is remembered for the operator's next file, in the same
    transaction. A retried confirmation queues a second job, which finds the
    same list already imported and changes nothing.
    """
    _may_import(actor, operator, area)
    mapping = mapping or {}
    if mapping and remember_from is not None:
        _remember_columns(operator=operator, read=remember_from, columns=mapping)
    job = ImportJob.objects.create(
        operator=operator,
        area=area,
        as_of=as_of,
        upload_id=upload_id,
        file_name=file_name,
        refuse_errors=refuse_errors,
        allow_mass_leave=allow_mass_leave,
        mapping=mapping,
        encoding=encoding,
        separator=separator,
        checked=checked or {},
        heartbeat=timezone.now(),
        created_by=actor,
    )
    log_action("subscribers.import.queued", actor=actor, obj=job, unit=area, data={"file": file_name, "via": via})
    _start_after_commit(job.pk)
    return job


def _may_import(actor: User, operator: Unit, area: Unit) -> None:
    operators, areas = import_choices(actor)
    if not (operators.filter(pk=operator.pk).exists() and areas.filter(pk=area.pk).exists()):
        raise PermissionDenied


@transaction.atomic
def import_check_create(
    *,
    actor: User,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    upload_id: str,
    file_name: str,
    via: str,
    mapping: dict[str, int] | None = None,
    encoding: str = "",
    separator: str = "",
    confirm_after_check: bool = False,
    allow_mass_leave: bool = False,
    refuse_errors: bool = False,
) -> ImportJob:
    """Queue the check of an uploaded list as a job (the import page, the API's file): the worker reads and
    checks every row and saves what it found; nothing is written to the registry until the person confirms
    (``import_job_confirm``), or, with ``confirm_after_check`` (the API's ``confirm=true``), as soon as the check
    passes the list's rules (``Review.enforce``, with ``allow_mass_leave``).
    """
    _may_import(actor, operator, area)
    job = ImportJob.objects.create(
        operator=operator,
        area=area,
        as_of=as_of,
        upload_id=upload_id,
        file_name=file_name,
        mapping=mapping or {},
        encoding=encoding,
        separator=separator,
        status=ImportJob.Status.CHECKING,
        confirm_after_check=confirm_after_check,
        allow_mass_leave=allow_mass_leave,
        refuse_errors=refuse_errors,
        heartbeat=timezone.now(),
        created_by=actor,
    )
    log_action("subscribers.import.checking", actor=actor, obj=job, unit=area,
               data={"file": file_name, "via": via, "confirm": confirm_after_check})  # fmt: skip
    _start_after_commit(job.pk)
    return job


@transaction.atomic
def import_job_recheck(
    *, actor: User, job: ImportJob, mapping: dict[str, int], encoding: str = "", separator: str = ""
) -> ImportJob:
    """Check a checked (or failed) upload again with other columns, encoding or separator, as a job again."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status not in {ImportJob.Status.CHECKED, ImportJob.Status.FAILED} or locked.result_id is not None:
        return locked  # being checked or written already (a retried request)
    _may_import(actor, locked.operator, locked.area)
    locked.mapping, locked.encoding, locked.separator = mapping, encoding, separator
    locked.status, locked.checked, locked.message, locked.heartbeat = ImportJob.Status.CHECKING, {}, "", timezone.now()
    locked.save(update_fields=["mapping", "encoding", "separator", "status", "checked", "message", "heartbeat"])
    log_action("subscribers.import.checking", actor=actor, obj=locked, unit=locked.area,
               data={"file": locked.file_name, "via": "page", "columns": mapping})  # fmt: skip
    transaction.on_commit(partial(_forget_progress, locked.pk))
    _start_after_commit(locked.pk)
    return locked


def _forget_progress(job_id: int) -> None:
    cache.delete(progress_key(job_id))
    clear_cancel(job_id)


@transaction.atomic
def import_job_confirm(
    *, actor: User, job: ImportJob, refuse_errors: bool = False, allow_mass_leave: bool = False
) -> ImportJob:
    """Queue the write of a checked upload. The check is not run again: the worker writes the rows it saved.

    The rules a list must pass are enforced from the stored review (``Review.enforce`` raises an
    ``ImportRefusal``) and again by ``import_list`` inside its transaction. A retried confirmation
    finds the job already queued and changes nothing.
    """
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.CHECKED:
        return locked
    _may_import(actor, locked.operator, locked.area)
    review_of(locked.checked).enforce(allow_mass_leave=allow_mass_leave)
    if locked.mapping:
        headers = locked.checked.get("headers", [])
        folded = {name: fold(headers[index]) for name, index in locked.mapping.items() if index < len(headers)}
        RememberedMapping.objects.update_or_create(operator=locked.operator, defaults={"headers": folded})
    locked.status, locked.heartbeat = ImportJob.Status.QUEUED, timezone.now()
    locked.refuse_errors, locked.allow_mass_leave = refuse_errors, allow_mass_leave
    locked.attempts = 0  # the write's runs are counted apart from the check's
    locked.save(update_fields=["status", "heartbeat", "refuse_errors", "allow_mass_leave", "attempts"])
    log_action("subscribers.import.queued", actor=actor, obj=locked, unit=locked.area,
               data={"file": locked.file_name, "via": "page"})  # fmt: skip
    transaction.on_commit(partial(_forget_progress, locked.pk))
    _start_after_commit(locked.pk)
    return locked


def _remember_columns(*, operator: Unit, read: ReadResult, columns: dict[str, int]) -> None:
    """Keep the header text of each chosen column for the operator's next file (``importer.remembered_columns``)."""
    proposed = propose_mapping(read.sheets[0].head) if read.sheets else None
    if proposed is None:
        return
    headers = {name: fold(proposed.headers[index]) for name, index in columns.items() if index < len(proposed.headers)}
    RememberedMapping.objects.update_or_create(operator=operator, defaults={"headers": headers})


@transaction.atomic
def import_job_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Cancel a job being checked, checked, queued or running (a running one rolls back, a check stops, at its
    next progress report). Else nothing."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    active = {ImportJob.Status.CHECKING, ImportJob.Status.CHECKED, ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}
    if locked.status not in active:
        return locked  # finished, or already cancelled by a retried request
    if locked.status != ImportJob.Status.RUNNING:
        locked.status = ImportJob.Status.CANCELLED
        locked.save(update_fields=["status"])
    log_action("subscribers.import.cancelled", actor=actor, obj=locked, unit=job.area)
    transaction.on_commit(partial(request_cancel, locked.pk))
    return locked


@transaction.atomic
def import_job_restart(*, actor: User, job: ImportJob) -> ImportJob:
    """Start again a job that stalled (its worker was killed), failed or was cancelled. Else nothing."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not (is_stalled(locked) or locked.status in {ImportJob.Status.FAILED, ImportJob.Status.CANCELLED}):
        return locked  # running, done, or already queued again by a retried request
    # A job that never finished its check checks again; a checked one writes what its check saved.
    checking = locked.status == ImportJob.Status.CHECKING or locked.checked.get("step") == "check"
    locked.status = ImportJob.Status.CHECKING if checking else ImportJob.Status.QUEUED
    locked.attempts = 0  # a person's restart gives the job its JOB_MAX_ATTEMPTS runs again
    locked.save(update_fields=["status", "attempts"])
    log_action("subscribers.import.restarted", actor=actor, obj=locked, unit=job.area)
    transaction.on_commit(partial(clear_cancel, locked.pk))
    _start_after_commit(locked.pk)
    return locked


@transaction.atomic
def household_confirm(*, actor: User, unit: Unit, subscriber_ids: list[int]) -> Household:
    """Group the numbers into one household. Confirming the same group again changes nothing."""
    require(actor, Perm.REPORT, unit)
    members = list(
        unit_subscribers(actor, unit, RegistryFilters(status="all"))
        .filter(pk__in=subscriber_ids)
        .select_for_update()
        .order_by("pk")
    )
    if len(members) < 2 or len(members) != len(set(subscriber_ids)):
        raise ValidationError(_("Choose at least two numbers of this unit."))
    existing = {m.household_id for m in members}
    if len(existing) == 1 and None not in existing:
        assert members[0].household is not None
        return members[0].household  # a retried confirmation
    if existing - {None}:
        raise ValidationError(_("Some of these numbers already belong to another household."))
    household = Household.objects.create(
        unit=members[0].unit or unit, name=members[0].name, address=members[0].address, confirmed_by=actor
    )
    for member in members:
        member.household = household
    type(members[0]).objects.bulk_update(members, ["household"])
    log_action(
        "subscribers.household.confirmed",
        actor=actor,
        obj=household,
        unit=unit,
        data={"subscribers": [m.pk for m in members]},
    )
    return household


def may_place(user: User, subscriber: Subscriber) -> bool:
    """Whether ``user`` puts ``subscriber`` in a unit: one with none (the list's importer), or a village of
    the commune they are in (also the commune's field officials, for the door-to-door case)."""
    from switchoff.people.access import can

    if can(user, Perm.IMPORT_SUBSCRIBERS, subscriber.list_area):
        return subscriber.unit_id is None or _refinable(subscriber)
    return _refinable(subscriber) and can(user, Perm.MANAGE_FIELD, subscriber.unit)


def _refinable(subscriber: Subscriber) -> bool:
    unit = subscriber.unit
    return unit is not None and unit.kind.category != UnitKind.Category.VILLAGE


@transaction.atomic
def subscriber_assign(*, actor: User, subscriber: Subscriber, unit: Unit) -> Subscriber:
    """Put a subscriber whose address was not recognised in a unit of their list's area, or one placed only
    in a commune into a village of it. Counted there from now; the door-to-door case follows."""
    locked = (
        Subscriber.objects.select_for_update(of=("self",))
        .select_related("unit__kind", "list_area")
        .get(pk=subscriber.pk)
    )
    if locked.unit_id == unit.pk:
        return locked  # a retried request
    if not may_place(actor, locked):
        if locked.unit_id is not None and not _refinable(locked):
            raise ValidationError(_("This subscriber already has a unit; the next list will move them if needed."))
        raise PermissionDenied
    inside = locked.unit or locked.list_area
    if unit.valid_to is not None or not unit.rollup_path.startswith(inside.rollup_path):
        raise ValidationError(_("Choose a current unit inside the area of the list."))
    if locked.unit_id is not None and unit.kind.category != UnitKind.Category.VILLAGE:
        raise ValidationError(_("Choose a village of %(unit)s.") % {"unit": locked.unit})
    SubscriberEvent.objects.create(
        subscriber=locked,
        kind=SubscriberEvent.Kind.ASSIGNED,
        as_of=timezone.localdate(),
        data={"unit": unit.pk, "from": locked.unit_id},
    )
    # Unassigned, they counted in their list's area (placed in a commune, there); from now on in the unit.
    key = status_key(locked.status)
    counts_add_many(
        [
            Delta(unit_id=locked.unit_id or locked.list_area_id, key=key, delta=-1, dimension=locked.operator_id),
            Delta(unit_id=unit.pk, key=key, delta=1, dimension=locked.operator_id),
        ]
    )
    locked.unit = unit
    locked.save(update_fields=["unit"])
    from switchoff.fieldwork.cases import cases_follow

    cases_follow(
        subscribers=Subscriber.objects.filter(pk=locked.pk)
    )  # the door-to-door case goes to the village's team
    log_action("subscribers.subscriber.assigned", actor=actor, obj=locked, unit=unit, data={"unit": unit.pk})
    return locked


@transaction.atomic
def household_dismiss(*, actor: User, unit: Unit, search_name: str, address: str) -> HouseholdDismissal:
    """Say that the numbers with this name and address are not one household: no longer suggested."""
    require(actor, Perm.REPORT, unit)
    dismissal, created = HouseholdDismissal.objects.get_or_create(
        search_name=search_name[:200], address=address[:300], defaults={"unit": unit, "dismissed_by": actor}
    )
    if created:
        log_action(
            "subscribers.household.dismissed",
            actor=actor,
            obj=dismissal,
            unit=unit,
            data={"name": search_name, "address": address},
        )
    return dismissal


NUMBER_SEARCH_WINDOW_S = 60


def number_search_admit(*, actor: User, unit: Unit | None) -> None:
    """Count one search by a full number; raise ``Throttled`` past ``NUMBER_SEARCH_LIMIT_PER_MIN`` in a minute.

    A mask (086****922) leaves 10,000 candidates: unlimited searches would
    recover any number. The first refusal of a window is written to the audit
    trail, where the administrators' panel of unusual search volume shows it.
    """
    limit = settings.NUMBER_SEARCH_LIMIT_PER_MIN
    hits = hit(f"number-search:{actor.pk}", window_s=NUMBER_SEARCH_WINDOW_S, limit=limit)
    if hits <= limit:
        return
    if hits == limit + 1:
        with transaction.atomic():
            log_action("subscribers.number.search_throttled", actor=actor, unit=unit, data={"limit": limit})
    raise Throttled(
        _("You searched by a full number %(n)s times in a minute, the most allowed. Wait a minute and search again.")
        % {"n": limit},
        details={"limit": limit, "window_s": NUMBER_SEARCH_WINDOW_S},
    )


@transaction.atomic
def number_search_record(
    *, actor: User, number: str, subscriber_ids: list[int], unit: Unit | None, via: str
) -> NumberView:
    """Log a search by a full number like a reveal: who searched, which rows it found (none is an answer too).

    This runs on a GET (the registry page, its export, the API list), which
    otherwise never writes: the log of who looked is the one exception, and it
    writes only the ``NumberView`` and the audit row. The trail keeps the
    number masked; the rows found name the subscribers.
    """
    view = NumberView.objects.create(user=actor, purpose="search", subscriber_ids=subscriber_ids)
    log_action(
        "subscribers.number.searched",
        actor=actor,
        unit=unit,
        data={"number": mask_phone(number), "matches": subscriber_ids, "via": via},
    )
    return view


@transaction.atomic
def number_reveal(*, actor: User, subscriber: Subscriber) -> str:
    """The subscriber's full number, for someone who may reveal it (``may_reveal``); logged with who saw it."""
    if not may_reveal(actor, subscriber):
        raise PermissionDenied
    NumberView.objects.create(user=actor, purpose="reveal", subscriber_ids=[subscriber.pk])
    log_action(
        "subscribers.number.revealed",
        actor=actor,
        obj=subscriber,
        unit=subscriber.unit or subscriber.list_area,
        data={"number": mask_phone(subscriber.msisdn)},
    )
    return display_phone(subscriber.msisdn)


@transaction.atomic
def registry_export_record(
    *, actor: User, unit: Unit, subscriber_ids: list[int], full: bool, filters: dict[str, str]
) -> NumberView:
    """Log an export of ``unit``'s list (its rows; full numbers only for who ``may_reveal_in`` the unit).

    A GET, like the search by number: the log of who looked is the one write.
    """
    if full and not may_reveal_in(actor, unit):
        raise PermissionDenied
    view = NumberView.objects.create(
        user=actor, purpose="export" if full else "export-masked", subscriber_ids=subscriber_ids
    )
    log_action(
        "subscribers.list.exported",
        actor=actor,
        obj=unit,
        unit=unit,
        data={"rows": len(subscriber_ids), "full_numbers": full, "filters": filters},
    )
    return view


def masked_query(query: dict[str, str]) -> dict[str, str]:
    """A registry query as it may be kept: a searched full number masked, as the search's own log keeps it."""
    number = RegistryFilters.of(query).searched_number
    return query | {"q": mask_phone(number)} if number is not None else dict(query)


@transaction.atomic
def registry_export_job_create(*, actor: User, unit: Unit, query: dict[str, str], full: bool) -> ExportJob:
    """Queue the export of ``unit``'s list as the registry page's ``query`` filters it, for a worker to make
    (``exporting.run_export``); full numbers only for who ``may_reveal_in`` the unit. The export is logged when
    the worker has made it, with its rows (``registry_export_job_done``)."""
    if full and not may_reveal_in(actor, unit):
        raise PermissionDenied
    name = f"thue-bao-2g-{slugify(unit.search_name)}-{timezone.localdate():%Y%m%d}.xlsx"
    job = ExportJob.objects.create(created_by=actor, unit=unit, query=query, full=full, file_name=name)
    # Queued once the row is committed: a worker must find it (and not one that rolled back).
    transaction.on_commit(lambda: enqueue(EXPORT_KIND, job.pk))
    return job


@transaction.atomic
def registry_export_job_done(*, job_id: int, subscriber_ids: list[int], stored: str) -> bool:
    """The worker made the export's file (``stored``): log it (a search by number too) and mark the job ready, in
    one transaction. False when it was done already (a worker that died after the commit): logged once."""
    job = ExportJob.objects.select_for_update(of=("self",)).select_related("created_by", "unit").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return False
    number = RegistryFilters.of(job.query).searched_number
    if number is not None:
        # An export of one searched number is a search too: logged as the search's own row is.
        number_search_record(actor=job.created_by, number=number, subscriber_ids=subscriber_ids, unit=job.unit,
                             via="export")  # fmt: skip
    kept = masked_query(job.query)
    registry_export_record(actor=job.created_by, unit=job.unit, subscriber_ids=subscriber_ids, full=job.full,
                           filters=kept)  # fmt: skip
    job.status, job.rows, job.stored, job.query = ExportJob.Status.DONE, len(subscriber_ids), stored, kept
    job.message, job.finished_at = "", timezone.now()
    job.save(update_fields=["status", "rows", "stored", "query", "message", "finished_at"])
    return True
