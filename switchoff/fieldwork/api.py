"""The field API (tag "field"): a member's cases, their visits and calls, progress.

Authenticated by a field device (``Authorization: Device fd_…``, bound to one member)
or by an API token (``Bearer so_…``) for other clients. Either way the caller acts only
on their own and their teams' cases (``access.field_cases``). A revoked device is
answered 401 ``device_revoked`` with ``Clear-Site-Data`` so that a lost phone forgets
what it holds at its next contact. See docs/architecture.md, "Field work".
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from switchoff.api.base import DeviceAuth, TokenAuth, error
from switchoff.api.types import Id
from switchoff.fieldwork import selectors, services
from switchoff.fieldwork.access import field_cases, teams_of_member
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Outcome
from switchoff.fieldwork.rules import Status as CaseStatus
from switchoff.lib.phones import mask_phone
from switchoff.people.access import access_unit, can
from switchoff.people.models import User
from switchoff.people.roles import Perm

BATCH_MAX = 200
OUTCOMES = Literal[
    "not_home", "informed", "agrees", "needs_support", "switched", "refuses", "not_used", "moved", "deceased",
    "wrong_number",
]  # fmt: skip


def _auth() -> list[Any]:
    return [DeviceAuth(), TokenAuth()]


def _in_utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


# A time with its offset, taken in UTC: a phone may send any offset pydantic accepts (up to ±24 h), while
# PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement out of range", a 500 the fuzz found).
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc)]

router = Router(auth=_auth())


class FieldRef(Schema):
    id: int
    name: str


class FieldLastVisitOut(Schema):
    visited_at: datetime.datetime
    outcome: str
    outcome_label: str


class FieldCaseOut(Schema):
    id: int
    version: int
    status: str = Field(description=" | ".join(CaseStatus.values))
    status_label: str = Field(description="In the member's language.")
    follow_up_on: datetime.date | None
    due: bool = Field(description="A follow-up due today or overdue.")
    conflict: bool
    village: FieldRef | None
    address: str
    name: str
    number: str = Field(description="In full, as dialled (0xxxxxxxxx): each download is logged as a disclosure.")
    number_masked: str
    operator: str
    household: list[int] = Field(description="Other cases at the same address.")
    team: FieldRef | None
    member_id: int | None
    last_visit: FieldLastVisitOut | None
    found_in_field: bool


class FieldMeOut(Schema):
    member: FieldRef
    device: FieldRef | None
    teams: list[FieldRef]
    server_time: datetime.datetime


class FieldCasesOut(Schema):
    items: list[FieldCaseOut]
    next_cursor: str | None
    server_time: datetime.datetime
    removed: list[int]


# The visits' schemas are plain pydantic models: ninja's Schema runs a Python validator per object
# (to read Django models' attributes), a third of a batch's time for plain dicts.
class FieldHouseholdIn(BaseModel):
    case_id: Id
    outcome: OUTCOMES


class FieldFoundIn(BaseModel):
    name: str = Field(max_length=200)
    number: str = Field("", max_length=40)
    address: str = Field("", max_length=300)
    village_id: Id


class FieldVisitIn(BaseModel):
    id: uuid.UUID
    case_id: Id | None = None
    case_version: int | None = Field(None, ge=0, le=2**31 - 1)
    visited_at: Moment
    outcome: OUTCOMES
    note: str = Field("", max_length=services.NOTE_MAX)
    reason: str = Field("", max_length=300)
    moved_to: str = Field("", max_length=300)
    device_model: str = Field("", max_length=120)
    household: list[FieldHouseholdIn] = Field(default_factory=list, max_length=20)
    found: FieldFoundIn | None = None
    consent_photo: bool = False
    consent_location: bool = False
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class FieldVisitsIn(BaseModel):
    visits: list[FieldVisitIn] = Field(max_length=BATCH_MAX, description=f"Up to {BATCH_MAX} visits.")


class FieldVisitCaseOut(BaseModel):
    """The case as the visit left it: what changes with a visit. The rest (number, address, household…)
    comes with the case from GET /field/cases, which also sends these cases again at the next sync."""

    id: int
    version: int
    status: str = Field(description=" | ".join(CaseStatus.values))
    status_label: str = Field(description="In the member's language.")
    follow_up_on: datetime.date | None
    due: bool = Field(description="A follow-up due today or overdue.")
    conflict: bool


class FieldVisitResultOut(BaseModel):
    id: uuid.UUID
    result: Literal["created", "same", "conflict", "invalid"]
    message: str | None
    case: FieldVisitCaseOut | None = Field(description="For a visit recorded now; no number, so nothing disclosed.")


class FieldVisitsOut(BaseModel):
    results: list[FieldVisitResultOut]


class FieldCallIn(Schema):
    id: uuid.UUID
    case_id: Id
    at: Moment


class FieldCallsIn(Schema):
    calls: list[FieldCallIn] = Field(max_length=BATCH_MAX)


class FieldCallResultOut(Schema):
    id: uuid.UUID
    result: Literal["created", "same", "invalid"]


class FieldCallsOut(Schema):
    results: list[FieldCallResultOut]


class FieldErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class FieldErrorOut(Schema):
    error: FieldErrorBody


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def dialled(e164: str) -> str:
    """The number as a member dials it in Vietnam: 0 and the national digits, no spaces (0868123456)."""
    return "0" + e164[3:] if e164.startswith("+84") else e164


def case_out(case: Case, *, household: list[int], last: Visit | None, today: datetime.date) -> dict[str, Any]:
    number = case.msisdn
    return {
        **visit_case_out(case, today=today),
        "village": _ref(case.unit),
        "address": case.address,
        "name": case.name,
        "number": dialled(number) if number else "",
        "number_masked": mask_phone(number) if number else "",
        "operator": case.subscriber.operator.name if case.subscriber is not None else "",
        "household": household,
        "team": _ref(case.team),
        "member_id": case.member_id,
        "last_visit": {
            "visited_at": last.visited_at,
            "outcome": last.outcome,
            "outcome_label": str(Outcome(last.outcome).label),
        }
        if last is not None
        else None,
        "found_in_field": case.found_in_field,
    }


def cases_out(
    user: User, cases: list[Case], households: dict[int, list[int]] | None = None
) -> dict[int, dict[str, Any]]:
    if households is None:
        households = selectors.households(field_cases(user), cases)
    last = selectors.last_visits([c.pk for c in cases])
    today = timezone.localdate()
    return {c.pk: case_out(c, household=households.get(c.pk, []), last=last.get(c.pk), today=today) for c in cases}


@router.get("/me", response=FieldMeOut, summary="The member, their phone and teams")
def me(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    device = getattr(request, "field_device", None)
    return {
        "member": {"id": user.pk, "name": str(user)},
        "device": _ref(device),
        "teams": [_ref(t) for t in teams_of_member(user)],
        "server_time": timezone.now(),
    }


@router.get("/cases", response=FieldCasesOut, summary="My cases, by village then address; changes since a time")
def cases(
    request: HttpRequest,
    since: Moment | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    """Full numbers are sent (the member calls them): each page sent is logged as a disclosure."""
    user = _user(request)
    now = timezone.now()
    try:
        page = selectors.member_cases(user=user, since=since, cursor=cursor, limit=limit)
    except selectors.BadCursor:
        from django.core.exceptions import ValidationError

        raise ValidationError({"cursor": ["not a cursor this API gave"]}) from None
    services.cases_download_record(actor=user, cases=page.items, via="api")
    out = cases_out(user, page.items, page.households)
    return {
        "items": [out[c.pk] for c in page.items],
        "next_cursor": page.next_cursor,
        "server_time": now,
        "removed": page.removed,
    }


def _visit_input(v: FieldVisitIn) -> services.VisitInput:
    found = v.found
    return services.VisitInput(
        id=v.id,
        case_id=v.case_id,
        case_version=v.case_version,
        visited_at=v.visited_at,
        outcome=v.outcome,
        note=v.note,
        reason=v.reason,
        moved_to=v.moved_to,
        device_model=v.device_model,
        household=tuple((h.case_id, h.outcome) for h in v.household),
        found=services.FoundPerson(found.name, found.number, found.address, found.village_id) if found else None,
        consent_photo=v.consent_photo,
        consent_location=v.consent_location,
        lat=v.lat,
        lon=v.lon,
    )


def visit_case_out(case: Case, *, today: datetime.date) -> dict[str, Any]:
    return {
        "id": case.pk,
        "version": case.version,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "follow_up_on": case.follow_up_on,
        "due": case.follow_up_on is not None and case.follow_up_on <= today,
        "conflict": case.conflict,
    }


def _record(request: HttpRequest, visits: list[FieldVisitIn]) -> list[dict[str, Any]]:
    user = _user(request)
    results = services.visits_record(
        actor=user, visits=[_visit_input(v) for v in visits], device=getattr(request, "field_device", None)
    )
    today = timezone.localdate()
    return [
        {
            "id": r.id,
            "result": r.result,
            "message": r.message,
            "case": visit_case_out(r.case, today=today) if r.case is not None else None,
        }
        for r in results
    ]


@router.post("/visits", response=FieldVisitsOut, summary=f"Record up to {BATCH_MAX} visits, one result each")
def visits(request: HttpRequest, payload: FieldVisitsIn) -> dict[str, Any]:
    """Idempotent by visit id: "same" for a retry, "conflict" for the same id with other content (nothing written)."""
    return {"results": _record(request, payload.visits)}


@router.put(
    "/visits/{visit_id}",
    response={
        200: FieldVisitResultOut,
        201: FieldVisitResultOut,
        409: FieldVisitResultOut,
        422: FieldVisitResultOut | FieldErrorOut,
    },
    summary="Record one visit: 201 created, 200 same, 409 conflict, 422 invalid",
)
def visit_put(request: HttpRequest, visit_id: uuid.UUID, payload: FieldVisitIn) -> Status[dict[str, Any]]:
    if payload.id != visit_id:
        message = translation.gettext("The visit's id does not match the address.")
        return Status(422, {"id": payload.id, "result": "invalid", "message": message, "case": None})
    (result,) = _record(request, [payload])
    return Status({"created": 201, "same": 200, "conflict": 409, "invalid": 422}[result["result"]], result)


class FieldPhotoOut(BaseModel):
    id: uuid.UUID
    visit_id: uuid.UUID
    result: Literal["created", "same"]
    width: int
    height: int
    bytes: int = Field(description="The size of the JPEG kept (re-encoded, without EXIF).")


@router.post(
    "/visits/{visit_id}/photos",
    response={200: FieldPhotoOut, 201: FieldPhotoOut},
    summary="Add a photo to one of my visits (only with the person's consent): 201 created, 200 same",
    description=(
        "Multipart: `id` (made on the phone) and `photo` (JPEG, PNG or WebP). Sent after the visit was recorded. "
        "Idempotent by `id`: the same id with the same bytes answers 200 and writes nothing; with other bytes, or "
        "for another visit, 409 `conflict`. 422 `no_consent` when the visit does not record the person's consent "
        "to a photo, 422 `not_an_image`, 422 `too_many` past FIELD_PHOTOS_PER_VISIT, 413 `too_large` past "
        "FIELD_PHOTO_MAX_BYTES, 404 for a visit that is not the caller's. The photo is kept re-encoded as a "
        "JPEG of at most FIELD_PHOTO_MAX_SIDE pixels, without EXIF (its place only with the location consent)."
    ),
)
def visit_photo(
    request: HttpRequest, visit_id: uuid.UUID, id: Form[uuid.UUID], photo: File[UploadedFile]
) -> Status[dict[str, Any]] | HttpResponse:
    try:
        services.photo_check_size(photo.size or 0)
        added = services.visit_photo_add(actor=_user(request), visit_id=visit_id, photo_id=id, content=photo.read())
    except services.PhotoRefused as exc:
        return error(request, exc.status, exc.code, exc.message)
    kept = added.photo
    body = {"id": kept.pk, "visit_id": kept.visit_id, "result": added.result, "width": kept.width,
            "height": kept.height, "bytes": kept.size}  # fmt: skip
    return Status(201 if added.result == "created" else 200, body)


@router.post("/calls", response=FieldCallsOut, summary="Calls made from the field (each a logged reveal of the number)")
def calls(request: HttpRequest, payload: FieldCallsIn) -> dict[str, Any]:
    results = services.calls_record(
        actor=_user(request), calls=[services.CallInput(id=c.id, case_id=c.case_id, at=c.at) for c in payload.calls]
    )
    return {"results": [{"id": i, "result": r} for i, r in results]}


@router.get("/progress", summary="Progress of the member's team, or of a unit: cases by status, visits, the funnel")
def progress(request: HttpRequest, unit: Id | None = None) -> dict[str, Any]:
    user = _user(request)
    team = None
    if unit is None:
        teams = teams_of_member(user)
        if not teams:
            from django.http import Http404

            raise Http404
        team = where = teams[0]
    else:
        where = access_unit(user, unit, Perm.VIEW_SUBSCRIBERS)
        if where.kind.category == "team":
            team = where
    if not can(user, Perm.VIEW_SUBSCRIBERS, where):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    campaign = selectors.campaign_for(where.geographic_anchor())
    if campaign is None:
        from django.http import Http404

        raise Http404
    return selectors.progress(campaign=campaign, unit=where, team=team).as_dict()
