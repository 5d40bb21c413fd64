"""API for the registry: operator staff upload a file or post rows as JSON; anyone in the area reads (masked).

Files and rows go through the one import path of ``services`` (``list_check``,
then ``import_job_create`` or ``list_import``), as the page and the command do.
An uploaded file's check is stored beside it (``lib/uploads.store_check``),
its problems one JSON line each (``lib.uploads.problem_lines``), under the operator
and area it was checked for, until it is confirmed.
"""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from switchoff.api.types import Id
from switchoff.devices.classes import DeviceClass
from switchoff.lib.filelimits import FileRefused, check_upload, list_limits
from switchoff.lib.phones import mask_phone
from switchoff.lib.sheets import ReadResult, Sheet
from switchoff.lib.uploads import (
    store_upload,
)
from switchoff.people.access import access_unit, require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.access import access_import_job
from switchoff.subscribers.guards import ImportRefusal, NoGoodRows, refuse_future
from switchoff.subscribers.importer import CheckedList, Problem
from switchoff.subscribers.jobs import is_stalled, message_of, owner_key, progress, review_of, stored_problems
from switchoff.subscribers.models import ImportJob
from switchoff.subscribers.selectors import RegistryFilters, import_choices, registry_page
from switchoff.subscribers.services import (
    import_check_create,
    import_job_confirm,
    import_job_restart,
    list_check,
    list_import,
    number_search_admit,
    number_search_record,
)
from switchoff.units.models import Unit

router = Router()


class RowIn(Schema):
    """One subscriber, field by field (as the file's columns would hold them)."""

    msisdn: str
    name: str = ""
    address: str = ""
    village: str = ""
    commune: str = ""
    district: str = ""
    imei: str = ""
    device: str = ""


ROW_FIELDS = ("msisdn", "name", "address", "village", "commune", "district", "imei", "device")


class RowsIn(Schema):
    operator_id: Id
    area_id: Id
    as_of: datetime.date
    rows: list[RowIn]
    allow_mass_leave: bool = False
    confirm: bool = True  # false: only the check is answered, nothing is written


class ProblemOut(Schema):
    sheet: str = ""
    row: int
    column: str
    value: str
    level: str
    code: str
    reason: str


class SummaryOut(Schema):
    rows_read: int
    good: int
    errors: int
    warnings: int
    restored_zero: int  # numbers whose lost leading 0 was put back
    legacy_converted: int  # pre-2018 11-digit numbers converted
    resolved: int  # good rows placed in a unit by their address
    unresolved: int  # good rows whose address was not recognised (counted under the list's area)
    rejected: dict[str, int]  # rows not imported, by the code of their error
    warned: dict[str, int]  # warnings by code


class CommuneOut(Schema):
    unit_id: int
    name: str
    subscribers: int
    in_area: bool  # false: a commune outside the area the list is about
    previous: int | None  # the operator's subscribers listed there now (None: no previous list of the area)
    change: int | None  # subscribers - previous
    jump: bool  # the commune's count halves or doubles (or appears or empties): look before confirming
    partial: int  # of subscribers, those placed by a partial match of their address: for a person to confirm
    # The legacy communes the addresses name, as written ("Phường Chi Lăng (2024), Thành phố Lạng Sơn"), with a count
    written: list[tuple[str, int]]
    province_id: int | None  # the province it is in


class ProvinceOut(Schema):
    """A national list's part in one province: what becomes the province's snapshot."""

    unit_id: int
    name: str
    subscribers: int
    unplaced: int  # of subscribers, those whose commune was not recognised (counted in the province)
    previous: int | None  # the operator's subscribers listed in the province now


class ImportOut(Schema):
    imported: bool  # false when only checked (confirm=false)
    rows_read: int
    good: int
    already_imported: bool
    new: int
    relisted: int
    moved: int
    left: int
    unchanged: int
    summary: SummaryOut
    communes: list[CommuneOut]
    provinces: list[ProvinceOut]  # a list for the country: by province (empty for any other list)
    problems: list[ProblemOut]


class CheckOut(Schema):
    upload_id: str
    file_name: str
    as_of: datetime.date
    summary: SummaryOut
    communes: list[CommuneOut]
    provinces: list[ProvinceOut]  # a list for the country: by province (empty for any other list)
    column_warnings: list[str]
    columns: dict[str, int]  # the column (0-based) read for each field
    encoding: str
    separator: str
    already_imported: bool  # this very list is the operator's last of the area: confirming changes nothing
    current: int  # the operator's subscribers listed in the area now
    leaving: int  # of those, how many this list would mark as left
    mass_leave: bool  # more than REGISTRY_MASS_LEAVE_SHARE would leave: confirm with allow_mass_leave=true
    problems: list[ProblemOut]
    problems_total: int
    next_offset: int | None  # GET /files/{upload_id}?offset=… for the next page of problems
    job_id: int  # the job that checked it, and writes it once confirmed


class ConfirmIn(Schema):
    operator_id: Id
    area_id: Id
    allow_mass_leave: bool = False
    refuse_errors: bool = False


class JobCounts(Schema):
    rows_read: int
    good: int
    rejected: dict[str, int]  # rows not imported, by the code of their error
    new: int
    relisted: int
    moved: int
    unchanged: int
    left: int


class JobOut(Schema):
    id: int
    upload_id: str  # the file it checks or writes: GET /files/{upload_id}, POST /files/{upload_id}/confirm
    status: str
    stalled: bool  # running, but its worker is gone or it ran past the time-out: it can be started again
    done: int
    total: int
    code: str  # what the job stored: "", "already_imported", "crashed", "mass_leave:…", a file-limit code…
    message: str  # what the code means, in the token owner's language
    list_id: int | None
    # Once done: what this job did (for a list already imported, nothing: no new and none left).
    counts: JobCounts | None


# The classes as integers, in the order of devices.classes.DeviceClass.
CLASS_DESCRIPTION = "The phone the IMEI names: " + ", ".join(f"{c.value} {c.name.lower()}" for c in DeviceClass)
DeviceClassIn = Annotated[int | None, Field(ge=min(DeviceClass.values), le=max(DeviceClass.values))]


class SubscriberOut(Schema):
    id: int
    number_masked: str
    name: str
    unit_id: int | None
    operator_id: int
    status: str
    device_class: int = Field(description=CLASS_DESCRIPTION)
    first_seen: datetime.date
    left_on: datetime.date | None


class SubscriberPage(Schema):
    items: list[SubscriberOut]
    next_after: int | None


PROBLEMS_PAGE = 100
UPLOADS = "subscribers"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _operator_and_area(user: User, operator_id: int, area_id: int) -> tuple[Unit, Unit]:
    require(user, Perm.IMPORT_SUBSCRIBERS)
    operators, areas = import_choices(user)
    operator = operators.filter(pk=operator_id).first()
    area = areas.filter(pk=area_id).first()
    if operator is None or area is None:
        raise PermissionDenied
    return operator, area


def _problem(p: Problem) -> dict[str, Any]:
    return {"sheet": p.sheet, "row": p.row, "column": p.column, "value": p.value, "level": p.level, "code": p.code,
            "reason": p.reason}  # fmt: skip


def _communes(checked: CheckedList) -> list[dict[str, Any]]:
    return [c._asdict() | {"change": c.change, "jump": c.jump} for c in checked.communes]


@router.post(
    "/rows",
    response=ImportOut,
    summary="Import an operator's list posted as JSON rows, field by field (checked, then written)",
    description=(
        "The rows are checked as a file is (the same service, the same rules) and, unless `confirm` is false, "
        "written at once. Row numbers in `problems` count the posted rows from 1."
    ),
)
def post_rows(request: HttpRequest, payload: RowsIn) -> dict[str, Any]:
    user = _user(request)
    operator, area = _operator_and_area(user, payload.operator_id, payload.area_id)
    rows: list[list[object]] = [[getattr(r, name) for name in ROW_FIELDS] for r in payload.rows]
    read = ReadResult(sheets=[Sheet.from_rows("", rows, headerless=True)])
    content = json.dumps(payload.model_dump(mode="json", exclude={"allow_mass_leave", "confirm"}), sort_keys=True)
    mapping = {name: index for index, name in enumerate(ROW_FIELDS)}
    # The check keeps its cleaned rows when they are to be written: the write streams them, reading nothing again.
    check = list_check(operator=operator, area=area, as_of=payload.as_of, content=content.encode(), read=read,
                       mapping=mapping, save_rows=payload.confirm)  # fmt: skip
    checked = check.checked
    answer: dict[str, Any] = {
        **dict.fromkeys(("new", "relisted", "moved", "left", "unchanged"), 0),
        "imported": False,
        "rows_read": checked.rows_read,
        "good": checked.good,
        "already_imported": check.review.already_imported,
        "summary": checked.summary(),
        "communes": _communes(checked),
        "provinces": [p._asdict() for p in checked.provinces],
        "problems": [_problem(p) for p in checked.problems],
    }
    if not payload.confirm:
        return answer
    try:
        result = list_import(
            actor=user,
            operator=operator,
            area=area,
            as_of=payload.as_of,
            check=check,
            content=content.encode(),
            file_name="api",
            allow_mass_leave=payload.allow_mass_leave,
        )
    except NoGoodRows as exc:
        exc.field = "rows"
        raise
    answer.update(imported=True, already_imported=result.already_imported, new=result.new, relisted=result.relisted,
                  moved=result.moved, left=result.left, unchanged=result.unchanged)  # fmt: skip
    return answer


class StillChecking(Exception):
    """The upload's check has not finished: its job says how far it got (409 ``checking``)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(job_id)
        self.job_id = job_id


class CheckFailed(ImportRefusal):
    """The upload's check refused the list (no good row, an older list, an unreadable file…): 422 with the code
    the job stored and its message, as the check in the request used to answer."""

    def __init__(self, job: ImportJob) -> None:
        super().__init__(job.message)
        self.code, self.text, self.job_id = job.message or "refused", message_of(job), job.pk

    @property
    def message(self) -> str:
        return self.text

    @property
    def details(self) -> dict[str, Any]:
        return {"field": "file", "job_id": self.job_id}


def _upload_job(user: User, upload_id: str, operator_id: int, area_id: int) -> ImportJob:
    """The job that checks an upload, found only under the operator and area it was uploaded for (else 404)."""
    operator, area = _operator_and_area(user, operator_id, area_id)
    job = ImportJob.objects.filter(operator=operator, area=area, upload_id=upload_id).order_by("-pk").first()
    if job is None:
        raise Http404
    return access_import_job(user, job.pk)


def _checked(job: ImportJob) -> dict[str, Any]:
    """The job's check once the worker finished it, else ``StillChecking`` or ``CheckFailed``."""
    if "state" in job.checked:
        return job.checked
    if job.status == ImportJob.Status.FAILED:
        raise CheckFailed(job)
    raise StillChecking(job.pk)


def _check_page(job: ImportJob, *, offset: int, limit: int) -> dict[str, Any]:
    """The job's check with a page of its problems, read from their file (in the reader's language)."""
    data = _checked(job)
    offset, limit = max(offset, 0), max(1, min(limit, 1000))
    review = review_of(data)
    checked = CheckedList.from_state(data["state"])
    total = int(data.get("problems", 0))
    more = offset + limit < total
    return {
        "upload_id": job.upload_id,
        "file_name": job.file_name,
        "as_of": job.as_of,
        "summary": data["summary"],
        "communes": _communes(checked),
        "provinces": [p._asdict() for p in checked.provinces],
        "column_warnings": checked.column_warnings(),
        "columns": data["columns"],
        "encoding": data["encoding"] or "",
        "separator": data["separator"] or "",
        "already_imported": review.already_imported,
        "current": review.current,
        "leaving": review.leaving,
        "mass_leave": review.mass_leave,
        "problems": [_problem(p) for p in stored_problems(job, offset=offset, limit=limit)],
        "problems_total": total,
        "next_offset": offset + limit if more else None,
        "job_id": job.pk,
    }


@router.post(
    "/files",
    response={202: JobOut},
    summary="Upload an operator's file: its check runs in the background (202 and the job)",
    description=(
        "The file is stored and a worker checks every row as on the import page and the command line (the same "
        "service); the answer is the job at once (`status` `checking`, its `upload_id`). Follow it at "
        "`GET /jobs/{id}` (`checked` once the check is done, with its progress meanwhile), then read the check at "
        "`GET /files/{upload_id}` (the summary, the columns read, whether the list was already imported, how many "
        "would leave, the problems a page at a time) and write it with `POST /files/{upload_id}/confirm`. With "
        "`confirm=true` the job writes the list as soon as its check passes. A date after today, an empty file: "
        "422 at once (413 beyond UPLOAD_MAX_BYTES); a list without a good row, older than the last one, or "
        "unreadable: the job fails with that code, and `GET /files/{upload_id}` answers it as 422."
    ),
)
def post_file(
    request: HttpRequest,
    file: File[UploadedFile],
    operator_id: Form[Id],
    area_id: Form[Id],
    as_of: Form[datetime.date],
    allow_mass_leave: Form[bool] = False,
    confirm: Form[bool] = False,
    refuse_errors: Form[bool] = False,
) -> Status[dict[str, Any]]:
    user = _user(request)
    operator, area = _operator_and_area(user, operator_id, area_id)
    refuse_future(as_of)
    try:
        check_upload(file, list_limits())
    except FileRefused as exc:
        if exc.reason == "empty":  # an empty file is a list without a good row, as on the page and the command
            raise NoGoodRows from None
        raise HttpError(413 if exc.reason == "upload" else 422, exc.message) from None
    upload_id, _name = store_upload(UPLOADS, owner_key(operator.pk, area.pk), file)
    job = import_check_create(actor=user, operator=operator, area=area, as_of=as_of, upload_id=upload_id,
                              file_name=file.name or "api", via="api", confirm_after_check=confirm,
                              allow_mass_leave=allow_mass_leave, refuse_errors=refuse_errors)  # fmt: skip
    job.refresh_from_db()  # the worker starts once the job is committed (in the tests, it already ran)
    return Status(202, _job(job))


@router.get(
    "/files/{upload_id}",
    response=CheckOut,
    summary="An uploaded file's check, with a page of its problems",
    description=(
        "`operator_id` and `area_id` are those of the upload: a check is found only under them. 409 `checking` "
        "while the worker still checks it; 422 with the job's code when the check refused the list."
    ),
)
def get_file(
    request: HttpRequest, upload_id: str, operator_id: Id, area_id: Id, offset: int = 0, limit: int = PROBLEMS_PAGE
) -> dict[str, Any]:
    return _check_page(_upload_job(_user(request), upload_id, operator_id, area_id), offset=offset, limit=limit)


@router.post(
    "/files/{upload_id}/confirm",
    response={202: JobOut},
    summary="Import a checked file in the background (its check is not run again)",
    description=(
        "A list that would mark more than REGISTRY_MASS_LEAVE_SHARE of the area's subscribers as left needs "
        "`allow_mass_leave=true` (else 422 `mass_leave`). Confirming again answers the same job. 409 `checking` "
        "while the worker still checks the file."
    ),
)
def confirm_file(request: HttpRequest, upload_id: str, payload: ConfirmIn) -> Status[dict[str, Any]]:
    user = _user(request)
    job = _upload_job(user, upload_id, payload.operator_id, payload.area_id)
    if job.status in {ImportJob.Status.CHECKING, ImportJob.Status.CHECKED, ImportJob.Status.FAILED}:
        _checked(job)  # still checking (409), or its check refused the list (422)
    if job.status == ImportJob.Status.CHECKED:
        job = import_job_confirm(actor=user, job=job, refuse_errors=payload.refuse_errors,
                                 allow_mass_leave=payload.allow_mass_leave)  # fmt: skip
    job.refresh_from_db()  # a retried confirmation: the job it queued, as it is now
    return Status(202, _job(job))


def _job(job: ImportJob) -> dict[str, Any]:
    state = progress(job.pk)
    summary = job.result.summary if job.result is not None and job.status == ImportJob.Status.DONE else None
    counts: dict[str, object] | None = None
    if summary is not None:
        names = ("rows_read", "good", "new", "relisted", "moved", "unchanged", "left")
        counts = {name: int(summary.get(name, 0)) for name in names} | {"rejected": summary.get("rejected", {})}
        if job.message == "already_imported":
            # The same content as the list it found: the same rows read, good and rejected, but this job
            # changed nothing (its own counts, not the earlier import's): every good row was already there.
            counts |= {"new": 0, "relisted": 0, "moved": 0, "left": 0, "unchanged": counts["good"]}
    return {
        "id": job.pk,
        "upload_id": job.upload_id,
        "status": job.status,
        "stalled": is_stalled(job),
        "done": int(state.get("done") or 0),
        "total": int(state.get("total") or 0),
        "code": job.message,
        "message": message_of(job),
        "list_id": job.result_id,
        "counts": counts,
    }


@router.get("/jobs/{job_id}", response=JobOut, summary="An import's status and progress")
def get_job(request: HttpRequest, job_id: Id) -> dict[str, Any]:
    return _job(access_import_job(_user(request), job_id))


@router.post(
    "/jobs/{job_id}/restart",
    response={202: JobOut},
    summary="Start again an import that stalled, failed or was cancelled",
    description=(
        'The same as the job page\'s "start again", for the same people (whoever may follow the job). A job whose '
        "worker died is queued again by itself once its lease lapses (JOB_LEASE_S); this is for one that failed "
        "after JOB_MAX_ATTEMPTS, or was cancelled. A job running or done is answered as it is, unchanged: a "
        "retried request does nothing twice."
    ),
)
def restart_job(request: HttpRequest, job_id: Id) -> Status[dict[str, Any]]:
    user = _user(request)
    job = import_job_restart(actor=user, job=access_import_job(user, job_id))
    job.refresh_from_db()  # the worker starts once the restart is committed (in tests, already run)
    return Status(202, _job(job))


@router.get(
    "/subscribers",
    response=SubscriberPage,
    summary="Subscribers under a unit, numbers masked, keyset-paginated",
    description=(
        "`q` searches by a full number in any written form, or by name without diacritics. A search by a full "
        "number is logged like a reveal and limited per person and minute (429 beyond it). `device_class` keeps "
        "the subscribers whose phone is of that class (see `device_class` in the items)."
    ),
)
def list_subscribers(
    request: HttpRequest,
    unit: Id,
    after: Id = 0,
    limit: int = 100,
    status: str = "all",
    q: str = "",
    device_class: DeviceClassIn = None,
) -> dict[str, Any]:
    user = _user(request)
    target = access_unit(user, unit, Perm.VIEW_SUBSCRIBERS)
    limit = max(1, min(limit, 500))
    filters = RegistryFilters(status=status, query=q.replace("\x00", "").strip()[:100], device_class=device_class)
    number = filters.searched_number
    if number is not None:
        number_search_admit(actor=user, unit=target)  # Throttled: a 429
    rows = registry_page(user, target, filters, after=max(after, 0), size=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if number is not None:
        number_search_record(actor=user, number=number, subscriber_ids=[s.pk for s in rows], unit=target, via="api")
    return {
        "items": [
            {
                "id": s.pk,
                "number_masked": mask_phone(s.msisdn),
                "name": s.name,
                "unit_id": s.unit_id,
                "operator_id": s.operator_id,
                "status": s.status,
                "device_class": s.device_class,
                "first_seen": s.first_seen,
                "left_on": s.left_on,
            }
            for s in rows
        ],
        "next_after": rows[-1].pk if more else None,
    }
