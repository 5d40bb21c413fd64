"""API for the registry: operator staff upload a file or post rows as JSON; anyone in the area reads (masked)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from switchoff.api.types import Id
from switchoff.lib.filelimits import FileRefused, check_upload, list_limits
from switchoff.lib.phones import mask_phone
from switchoff.lib.uploads import store_upload
from switchoff.people.access import access_unit, require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.access import access_import_job
from switchoff.subscribers.guards import ImportRefusal, NoGoodRows, refuse_future, review_list
from switchoff.subscribers.importer import check_list, import_list
from switchoff.subscribers.jobs import is_stalled, message_of, owner_key, progress
from switchoff.subscribers.models import ImportJob
from switchoff.subscribers.reader import ReadResult, Sheet, UnreadableFile, read_file
from switchoff.subscribers.selectors import RegistryFilters, import_choices, registry_page
from switchoff.subscribers.services import import_job_create, number_search_admit, number_search_record
from switchoff.units.models import Unit

router = Router()


class RowIn(Schema):
    msisdn: str
    name: str = ""
    address: str = ""
    imei: str = ""
    device: str = ""


class RowsIn(Schema):
    operator_id: Id
    area_id: Id
    as_of: datetime.date
    rows: list[RowIn]
    allow_mass_leave: bool = False


class ProblemOut(Schema):
    row: int
    column: str
    value: str
    level: str
    code: str
    reason: str


class ImportOut(Schema):
    rows_read: int
    good: int
    already_imported: bool
    new: int
    relisted: int
    left: int
    unchanged: int
    problems: list[ProblemOut]


class JobOut(Schema):
    id: int
    status: str
    stalled: bool  # running, but its worker is gone or it ran past the time-out: it can be started again
    done: int
    total: int
    code: str  # what the job stored: "", "already_imported", "crashed", "mass_leave:…", a file-limit code…
    message: str  # what the code means, in the token owner's language
    list_id: int | None


class SubscriberOut(Schema):
    id: int
    number_masked: str
    name: str
    unit_id: int | None
    operator_id: int
    status: str
    first_seen: datetime.date
    left_on: datetime.date | None


class SubscriberPage(Schema):
    items: list[SubscriberOut]
    next_after: int | None


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


@router.post(
    "/rows", response=ImportOut, summary="Import an operator's list posted as JSON rows (checked, then written)"
)
def post_rows(request: HttpRequest, payload: RowsIn) -> dict[str, Any]:
    user = _user(request)
    operator, area = _operator_and_area(user, payload.operator_id, payload.area_id)
    header: list[object] = ["STT", "Số thuê bao", "Họ và tên", "Địa chỉ", "IMEI", "Loại máy"]
    rows: list[list[object]] = [header] + [
        [n, r.msisdn, r.name, r.address, r.imei, r.device] for n, r in enumerate(payload.rows, start=1)
    ]
    content = json.dumps(payload.model_dump(mode="json", exclude={"allow_mass_leave"}), sort_keys=True).encode()
    read = ReadResult(sheets=[Sheet.from_rows("", rows)])
    refuse_future(payload.as_of)
    checked = check_list(read, content=content, operator=operator, area=area)
    try:
        review_list(operator=operator, area=area, as_of=payload.as_of, checked=checked).enforce(
            allow_mass_leave=payload.allow_mass_leave
        )
    except NoGoodRows as exc:
        exc.field = "rows"
        raise
    result = import_list(read, content=content, actor=user, operator=operator, area=area, as_of=payload.as_of,
                         file_name="api", allow_mass_leave=payload.allow_mass_leave)  # fmt: skip
    return {
        "rows_read": checked.rows_read,
        "good": checked.good,
        "already_imported": result.already_imported,
        "new": result.new,
        "relisted": result.relisted,
        "left": result.left,
        "unchanged": result.unchanged,
        "problems": [
            # The row number counts the header: JSON row n is row n + 1.
            {
                "row": p.row - 1,
                "column": p.column,
                "value": p.value,
                "level": p.level,
                "code": p.code,
                "reason": p.reason,
            }
            for p in checked.problems
        ],
    }


@router.post("/files", response={202: JobOut}, summary="Upload an operator's file; it is imported in the background")
def post_file(
    request: HttpRequest,
    file: File[UploadedFile],
    operator_id: Form[Id],
    area_id: Form[Id],
    as_of: Form[datetime.date],
    allow_mass_leave: Form[bool] = False,
) -> Status[dict[str, Any]]:
    """Checked here as the import page checks it (the same rules), then written by the worker."""
    user = _user(request)
    operator, area = _operator_and_area(user, operator_id, area_id)
    refuse_future(as_of)
    try:
        check_upload(file, list_limits())
    except FileRefused as exc:
        if exc.reason == "empty":  # an empty file is a list without a good row, as on the page and the command
            raise NoGoodRows from None
        raise HttpError(413 if exc.reason == "upload" else 422, exc.message) from None
    upload_id, path = store_upload("subscribers", owner_key(operator.pk, area.pk), file)
    try:
        content = path.read_bytes()
        read = read_file(content, file.name or "")
        checked = check_list(read, content=content, operator=operator, area=area)
        review_list(operator=operator, area=area, as_of=as_of, checked=checked).enforce(
            allow_mass_leave=allow_mass_leave
        )
    except UnreadableFile as exc:  # a file limit, or neither a workbook nor text in a known encoding
        path.unlink(missing_ok=True)
        raise HttpError(413 if exc.reason == "upload" else 422, exc.message) from None
    except ImportRefusal:
        path.unlink(missing_ok=True)
        raise
    job = import_job_create(actor=user, operator=operator, area=area, as_of=as_of, upload_id=upload_id,
                            file_name=file.name or "api", via="api", allow_mass_leave=allow_mass_leave)  # fmt: skip
    # The worker starts once the job is committed: in the answer it is queued (or, in tests, already run).
    job.refresh_from_db()
    return Status(202, _job(job))


def _job(job: ImportJob) -> dict[str, Any]:
    state = progress(job.pk)
    return {
        "id": job.pk,
        "status": job.status,
        "stalled": is_stalled(job),
        "done": int(state.get("done") or 0),
        "total": int(state.get("total") or 0),
        "code": job.message,
        "message": message_of(job),
        "list_id": job.result_id,
    }


@router.get("/jobs/{job_id}", response=JobOut, summary="An import's status and progress")
def get_job(request: HttpRequest, job_id: Id) -> dict[str, Any]:
    return _job(access_import_job(_user(request), job_id))


@router.get(
    "/subscribers",
    response=SubscriberPage,
    summary="Subscribers under a unit, numbers masked, keyset-paginated",
    description=(
        "`q` searches by a full number in any written form, or by name without diacritics. A search by a full "
        "number is logged like a reveal and limited per person and minute (429 beyond it)."
    ),
)
def list_subscribers(
    request: HttpRequest, unit: Id, after: Id = 0, limit: int = 100, status: str = "all", q: str = ""
) -> dict[str, Any]:
    user = _user(request)
    target = access_unit(user, unit, Perm.VIEW_SUBSCRIBERS)
    limit = max(1, min(limit, 500))
    filters = RegistryFilters(status=status, query=q.replace("\x00", "").strip()[:100])
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
                "first_seen": s.first_seen,
                "left_on": s.left_on,
            }
            for s in rows
        ],
        "next_after": rows[-1].pk if more else None,
    }
