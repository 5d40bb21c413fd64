"""The field app's banners (tag "field"): what the member's teams hung, new placements, photos, take-downs.

The phone sends them in the same sync as its visits, each exactly once by its id (made on the phone):
a retry answers "same". Authenticated like the rest of the field API (a field device or an API token).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, Field

from switchoff.api.base import DeviceAuth, TokenAuth, error
from switchoff.banners import services
from switchoff.banners.models import Placement
from switchoff.fieldwork.access import teams_of_member
from switchoff.fieldwork.selectors import campaign_for
from switchoff.fieldwork.services.visit_photos import PhotoRefused, photo_check_size
from switchoff.people.models import User
from switchoff.units.models import Unit

BATCH_MAX = 200

router = Router(auth=[DeviceAuth(), TokenAuth()])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class FieldPlacementOut(Schema):
    id: uuid.UUID
    team_id: int
    kind: str
    kind_label: str
    quantity: int
    place: str
    address: str
    start: datetime.date
    last_day: datetime.date = Field(description="Its own last day, else the campaign's switch-off date.")
    state: Literal["up", "expiring", "expired"]
    has_photo: bool


class FieldKindOut(Schema):
    code: str
    label: str


class FieldPlacementsOut(Schema):
    items: list[FieldPlacementOut]
    kinds: list[FieldKindOut]


class FieldPlacementIn(BaseModel):
    id: uuid.UUID
    team_id: int | None = Field(None, description="The member's team that hung it (their first team when absent).")
    kind: str
    quantity: int
    place_id: int
    address: str = Field("", max_length=200)
    start: datetime.date
    until: datetime.date | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class FieldPlacementsIn(BaseModel):
    placements: list[FieldPlacementIn] = Field(max_length=BATCH_MAX)


class FieldPlacementResultOut(BaseModel):
    id: uuid.UUID
    result: Literal["created", "same", "refused"]
    code: str = ""
    message: str = ""


class FieldPlacementsResultOut(BaseModel):
    results: list[FieldPlacementResultOut]


class FieldTakeDownIn(BaseModel):
    day: datetime.date | None = None


class FieldTakeDownOut(BaseModel):
    id: uuid.UUID
    result: Literal["taken_down", "same"]


class FieldBannerPhotoOut(BaseModel):
    id: uuid.UUID
    result: Literal["created", "same"]


def _teams(user: User) -> list[Unit]:
    return teams_of_member(user)


@router.get("", response=FieldPlacementsOut, summary="Banners and posters still hanging that the member's teams hung")
def placements(request: HttpRequest) -> dict[str, Any]:
    teams = _teams(_user(request))
    today = timezone.localdate()
    rows = (
        Placement.objects.filter(unit__in=teams, taken_down_on__isnull=True)
        .select_related("campaign", "place")
        .order_by("start", "pk")[:1000]
    )
    items = [
        {
            "id": p.pk,
            "team_id": p.unit_id,
            "kind": p.kind,
            "kind_label": p.get_kind_display(),
            "quantity": p.quantity,
            "place": p.place.name,
            "address": p.address,
            "start": p.start,
            "last_day": p.last_day,
            "state": p.state(today),
            "has_photo": bool(p.photo),
        }
        for p in rows
    ]
    return {"items": items, "kinds": [{"code": c, "label": str(label)} for c, label in Placement.Kind.choices]}


@router.post(
    "",
    response=FieldPlacementsResultOut,
    summary=f"Record up to {BATCH_MAX} placements of banners or posters, one result each",
    description=(
        "Each exactly once by its `id`: a retry answers `same`. Refused ones (`refused`, with `code` and `message`) "
        "are not recorded: a place outside the team's area, a day outside the campaign or in the future, a month "
        "whose report is already sent. Each counts into the monthly report of the unit that reports for the team."
    ),
)
def placements_post(request: HttpRequest, payload: FieldPlacementsIn) -> dict[str, Any]:
    user = _user(request)
    teams = {t.pk: t for t in _teams(user)}
    results: list[dict[str, Any]] = []
    for item in payload.placements:
        team = teams.get(item.team_id) if item.team_id is not None else next(iter(teams.values()), None)
        campaign = campaign_for(team) if team is not None else None
        if team is None or campaign is None:
            results.append({"id": item.id, "result": "refused", "code": "no_team",
                            "message": str(services.NO_TEAM_TEXT)})  # fmt: skip
            continue
        (result,) = services.placements_record(
            actor=user,
            campaign=campaign,
            unit=team,
            items=[services.PlacementInput(**item.model_dump(exclude={"team_id"}))],
        )
        results.append({"id": result.id, "result": result.result, "code": result.code, "message": result.message})
    return {"results": results}


def _mine(request: HttpRequest, placement_id: uuid.UUID) -> Placement | None:
    return Placement.objects.filter(pk=placement_id, unit__in=_teams(_user(request))).select_related("campaign").first()


@router.post(
    "/{placement_id}/photo",
    response={200: FieldBannerPhotoOut, 201: FieldBannerPhotoOut},
    summary="The photo of one of the teams' placements: 201 created, 200 same",
    description="Multipart `photo`. Sent after the placement was recorded. 409 `conflict` when it has another photo.",
)
def placement_photo(
    request: HttpRequest, placement_id: uuid.UUID, photo: File[UploadedFile]
) -> Status[dict[str, Any]] | HttpResponse:
    placement = _mine(request, placement_id)
    try:
        if placement is None:
            raise PhotoRefused("not_found", 404, str(services.NOT_YOURS_TEXT))
        photo_check_size(photo.size or 0)
        result = services.placement_photo_add(actor=_user(request), placement=placement, content=photo.read())
    except PhotoRefused as exc:
        return error(request, exc.status, exc.code, exc.message)
    return Status(201 if result == "created" else 200, {"id": placement_id, "result": result})


@router.post(
    "/{placement_id}/take-down",
    response=FieldTakeDownOut,
    summary="Check off one of the teams' placements as taken down (a retry answers `same`)",
)
def placement_take_down(
    request: HttpRequest, placement_id: uuid.UUID, payload: FieldTakeDownIn
) -> dict[str, Any] | HttpResponse:
    placement = _mine(request, placement_id)
    if placement is None:
        return error(request, 404, "not_found", str(services.NOT_YOURS_TEXT))
    try:
        done = services.placement_take_down(actor=_user(request), placement=placement, day=payload.day)
    except ValidationError as exc:
        return error(request, 422, "invalid", " ".join(exc.messages), exc.message_dict)
    return {"id": placement_id, "result": "taken_down" if done else "same"}
