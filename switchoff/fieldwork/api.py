"""The field API (tag "field"): a member's cases, their visits and calls, progress.

Authenticated by a field device (``Authorization: Device fd_…``, bound to one member)
or by an API token (``Bearer so_…``) for other clients. Either way the caller acts only
on their own and their teams' cases (``access.field_cases``). A revoked device is
answered 401 ``device_revoked``: the phone then hands what it still holds to
``POST /field/revoked/visits`` (held for the team leader) and forgets the rest.
See docs/architecture.md, "Field work".
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import SkipJsonSchema

from switchoff.api.base import DeviceAuth, RevokedDeviceAuth, TokenAuth, error
from switchoff.api.types import Id
from switchoff.fieldwork import limits, selectors, services, synctoken
from switchoff.fieldwork.access import field_cases, teams_of_member
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Outcome
from switchoff.fieldwork.rules import Status as CaseStatus
from switchoff.lib.phones import mask_phone
from switchoff.people.access import access_unit, can
from switchoff.people.models import User
from switchoff.people.roles import Perm

BATCH_MAX = 200


def _auth() -> list[Any]:
    return [DeviceAuth(), TokenAuth()]


def _in_utc(moment: datetime.datetime) -> datetime.datetime:
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:  # 0001-01-01T00:00+23:59 is before the year 1 in UTC: a 422, not a 500
        raise ValueError("the time is out of range once taken in UTC") from None


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
    member_id: int


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


class FieldVillageOut(Schema):
    id: int
    name: str
    team_id: int


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
    villages: list[FieldVillageOut] | None = Field(
        None,
        description="On the first page of a whole list (no token): the villages the member's teams cover, where a "
        "person found at the door is placed.",
    )
    sync_token: str = Field(
        description="Send it back as `token` at the next sync: only what changed since comes (412 `resync`: "
        "download the whole list again). On every page of a walk, the same."
    )


# The visits' schemas are plain pydantic models: ninja's Schema runs a Python validator per object
# (to read Django models' attributes), a third of a batch's time for plain dicts. They hold the shape of a
# visit only: every rule about one visit (lengths, a village for a person found, outcomes…) is judged per
# visit by the service (``limits``, ``services.visits.visit_problem``), so that one never refuses a batch.
class FieldHouseholdIn(BaseModel):
    case_id: Id
    outcome: str = Field(description=" | ".join(Outcome.values))


class FieldFoundIn(BaseModel):
    name: str = Field(description=f"At most {limits.FOUND_NAME_MAX} characters.")
    number: str = Field("", description=f"At most {limits.FOUND_NUMBER_MAX} characters.")
    address: str = Field("", description=f"At most {limits.FOUND_ADDRESS_MAX} characters.")
    village_id: Id | None = Field(None, description="Needed (one of GET /field/me's villages).")


class FieldVisitIn(BaseModel):
    id: uuid.UUID
    case_id: Id | None = None
    case_version: int | None = Field(None, ge=0, le=2**31 - 1)
    visited_at: datetime.datetime | None = Field(
        None,
        description="The phone's clock, with its offset (without one: Vietnam's time). A wrong clock is corrected "
        "(`clock_offset_s`, or the batch's `sent_at`), a time in the future becomes the time it arrived: a visit is "
        "never refused for its time.",
    )
    outcome: str = Field(description=" | ".join(Outcome.values))
    note: str = Field("", description=f"At most {limits.NOTE_MAX} characters.")
    reason: str = Field("", description=f"At most {limits.REASON_MAX} characters.")
    moved_to: str = Field("", description=f"At most {limits.MOVED_TO_MAX} characters.")
    device_model: str = Field("", description=f"At most {limits.DEVICE_MODEL_MAX} characters.")
    household: list[FieldHouseholdIn] = Field(default_factory=list, description=f"At most {limits.HOUSEHOLD_MAX}.")
    found: FieldFoundIn | None = None
    consent_photo: bool = False
    consent_location: bool = False
    lat: float | None = None
    lon: float | None = None
    clock_offset_s: int | None = Field(
        None, description="The server's time minus the phone's, measured at the phone's last contact before the visit."
    )


class MalformedVisit:
    """An item of a batch that is not shaped like a visit: answered "invalid" on its own, the others go on."""

    def __init__(self, raw: Any, errors: list[Any]) -> None:
        self.raw, self.errors = raw, errors

    @property
    def id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.raw.get("id"))) if isinstance(self.raw, dict) else None
        except ValueError:
            return None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(cls)


def _each_visit(value: Any, handler: ValidatorFunctionWrapHandler) -> FieldVisitIn | MalformedVisit:
    try:
        visit: FieldVisitIn = handler(value)
    except ValidationError as exc:
        return MalformedVisit(value, exc.errors(include_url=False, include_context=False, include_input=False))
    return visit


VisitItem = Annotated[FieldVisitIn | SkipJsonSchema[MalformedVisit], WrapValidator(_each_visit)]


class FieldVisitsIn(BaseModel):
    visits: list[VisitItem] = Field(
        max_length=BATCH_MAX,
        description=f"Up to {BATCH_MAX} visits; each is answered on its own, even one not shaped like a visit.",
    )
    sent_at: datetime.datetime | None = Field(
        None, description="The phone's clock when it sent the batch: corrects visits made with a wrong clock."
    )


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
    id: uuid.UUID | None = Field(description="The visit's id (none for an item whose id could not be read).")
    result: Literal["created", "same", "conflict", "invalid"]
    code: str | None = Field(
        None,
        description="Why, for a client: `case_changed` (recorded, the case flagged for the leader), `time_corrected`,"
        " `id_reused`, `malformed`, `unknown_outcome`, `case_or_found`, `<field>_too_long`, `household_too_many`, "
        "`household_outcome`, `name_required`, `bad_number`, `village_required`, `not_your_case`, "
        "`household_not_yours`, `village_not_yours`, `no_campaign`, `already_a_case`.",
    )
    message: str | None = Field(description="In the member's language.")
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


class FieldHeldResultOut(BaseModel):
    id: uuid.UUID | None
    result: Literal["held", "same", "refused", "invalid"]
    code: str | None
    message: str | None


class FieldHeldOut(BaseModel):
    results: list[FieldHeldResultOut]
    revoked_at: datetime.datetime


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
            "member_id": last.member_id,
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


@router.get(
    "/cases",
    response={200: FieldCasesOut, 412: FieldErrorOut},
    summary="My cases, by village then address; only the changes since a sync token",
)
def cases(
    request: HttpRequest,
    since: Moment | None = None,
    token: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Any:
    """Full numbers are sent (the member calls them): each page sent is logged as a disclosure, and only its cases.

    With `token` (the `sync_token` of the last sync), only the cases changed since, and `removed`: those that
    left the member's list. A token too old (`FIELD_SYNC_TOKEN_DAYS`), made before the member's teams or roles
    changed, or not readable is answered 412 `resync`: the phone then downloads its whole list, without a token.
    """
    user = _user(request)
    now = timezone.now()
    if token:
        try:
            since = synctoken.read(token, user, now=now)
        except synctoken.StaleToken as exc:
            message = translation.gettext("This phone's list is out of date: download it again, whole.")
            return error(request, 412, "resync", message, {"reason": exc.reason})
    try:
        page = selectors.member_cases(user=user, since=since, cursor=cursor, limit=limit, now=now)
    except selectors.BadCursor:
        from django.core.exceptions import ValidationError as DjangoValidationError

        raise DjangoValidationError({"cursor": ["not a cursor this API gave"]}) from None
    services.cases_download_record(actor=user, cases=page.items, via="api")
    out = cases_out(user, page.items, page.households)
    whole = since is None and not cursor
    return {
        "items": [out[c.pk] for c in page.items],
        "next_cursor": page.next_cursor,
        "server_time": now,
        "removed": page.removed,
        "villages": selectors.villages_of_teams([t.pk for t in teams_of_member(user)]) if whole else None,
        "sync_token": synctoken.make(user, started=page.started),
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
        clock_offset_s=v.clock_offset_s,
    )


def _malformed(item: MalformedVisit) -> dict[str, Any]:
    fields = sorted({".".join(str(part) for part in error["loc"]) or "visit" for error in item.errors})
    message = translation.gettext("This visit could not be read (%(fields)s): nothing was recorded.") % {
        "fields": ", ".join(fields)
    }
    return {"id": item.id, "result": "invalid", "code": "malformed", "message": message, "case": None}


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


def _record(
    request: HttpRequest, visits: list[FieldVisitIn | MalformedVisit], sent_at: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    user = _user(request)
    shaped = [v for v in visits if isinstance(v, FieldVisitIn)]
    results = iter(
        services.visits_record(
            actor=user,
            visits=[_visit_input(v) for v in shaped],
            device=getattr(request, "field_device", None),
            sent_at=sent_at,
        )
    )
    today = timezone.localdate()
    out = []
    for v in visits:
        if isinstance(v, MalformedVisit):
            out.append(_malformed(v))
            continue
        r = next(results)
        out.append(
            {
                "id": r.id,
                "result": r.result,
                "code": r.code,
                "message": r.message,
                "case": visit_case_out(r.case, today=today) if r.case is not None else None,
            }
        )
    return out


@router.post("/visits", response=FieldVisitsOut, summary=f"Record up to {BATCH_MAX} visits, one result each")
def visits(request: HttpRequest, payload: FieldVisitsIn) -> dict[str, Any]:
    """Idempotent by visit id: "same" for a retry, "conflict" for the same id with other content (nothing written).

    Each visit is judged on its own: one the rules refuse ("invalid", with its `code` and a message in the member's
    language) never holds back the others."""
    return {"results": _record(request, payload.visits, payload.sent_at)}


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
        body = {"id": payload.id, "result": "invalid", "code": "id_mismatch", "message": message, "case": None}
        return Status(422, body)
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


@router.post(
    "/revoked/visits",
    auth=RevokedDeviceAuth(),
    response=FieldHeldOut,
    summary="A signed-out phone hands over the visits it still holds: those made before the revoke wait for the leader",
    description=(
        "Only with the token of a revoked field device (`Device fd_…`; every other call answers it 401 "
        "`device_revoked`). Each visit recorded before the revoke (its time corrected as for any visit) is held for "
        "a leader of the case's team to accept or discard (`held`); one recorded after it is `refused` "
        "(`after_revoke`); a retry is `same`. Photos are not taken."
    ),
)
def revoked_visits(request: HttpRequest, payload: FieldVisitsIn) -> dict[str, Any]:
    device = request.field_device  # type: ignore[attr-defined]
    shaped = [v for v in payload.visits if isinstance(v, FieldVisitIn)]
    results = iter(
        services.held_visits_receive(device=device, visits=[_visit_input(v) for v in shaped], sent_at=payload.sent_at)
    )
    out = []
    for v in payload.visits:
        if isinstance(v, MalformedVisit):
            malformed = _malformed(v)
            out.append({k: malformed[k] for k in ("id", "result", "code", "message")})
            continue
        r = next(results)
        out.append({"id": r.id, "result": r.result, "code": r.code, "message": r.message})
    return {"results": out, "revoked_at": device.revoked_at}


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
