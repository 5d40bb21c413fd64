"""The field app's shops (tag "field"): the shops a member inspects, and inspections recorded offline.

The phone keeps the shops of the member's communes and sends its inspections in the same sync as its visits,
each exactly once by its id (made on the phone, the inspection's ``client_key``): a retry answers "same" with
the first inspection. Each answer carries the phones found with the device check's verdict, which the phone
shows the inspector.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import BaseModel, Field

from switchoff.api.base import DeviceAuth, TokenAuth
from switchoff.devices.verdicts import Verdict
from switchoff.people.models import User
from switchoff.shops import services
from switchoff.shops.access import access_shop
from switchoff.shops.api import InspectionIn, inspection_input
from switchoff.shops.models import Inspection
from switchoff.shops.selectors import shop_list

BATCH_MAX = 100

router = Router(auth=[DeviceAuth(), TokenAuth()])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class FieldShopOut(Schema):
    id: int
    name: str
    commune: str
    village: str
    address: str
    last_inspected_on: datetime.date | None
    last_found: int | None
    follow_up_on: datetime.date | None
    informed: bool


class FieldShopsOut(Schema):
    items: list[FieldShopOut]


@router.get("", response=FieldShopsOut, summary="The shops the member inspects, with their latest inspection")
def shops(request: HttpRequest) -> FieldShopsOut:
    rows = shop_list(_user(request))[:1000]
    return FieldShopsOut(
        items=[
            FieldShopOut(
                id=s.pk,
                name=s.name,
                commune=s.unit.name,
                village=s.village.name if s.village else "",
                address=s.address,
                last_inspected_on=s.last_on,
                last_found=s.last_found,
                follow_up_on=s.follow_up,
                informed=s.informed_on is not None,
            )
            for s in rows
        ]
    )


class FieldInspectionIn(InspectionIn):
    id: uuid.UUID
    shop_id: int


class FieldInspectionsIn(BaseModel):
    inspections: list[FieldInspectionIn] = Field(max_length=BATCH_MAX)


class FieldItemOut(BaseModel):
    written: str
    device: str
    verdict: str
    verdict_label: str


class FieldInspectionResultOut(BaseModel):
    id: uuid.UUID
    result: Literal["created", "same", "refused"]
    code: str = ""
    message: str = ""
    found: int = 0
    items: list[FieldItemOut] = []


class FieldInspectionsResultOut(BaseModel):
    results: list[FieldInspectionResultOut]


def _inspect(user: User, given: FieldInspectionIn) -> FieldInspectionResultOut:
    existing = Inspection.objects.filter(client_key=given.id).exists()
    try:
        shop = access_shop(user, given.shop_id)
        inspection = services.inspection_record(actor=user, shop=shop, given=inspection_input(given, key=given.id))
    except (Http404, PermissionDenied):
        return FieldInspectionResultOut(
            id=given.id, result="refused", code="not_found", message=_("This shop is no longer one you inspect.")
        )
    except ValidationError as error:
        return FieldInspectionResultOut(id=given.id, result="refused", code="invalid", message=" ".join(error.messages))
    labels = dict(Verdict.choices)
    return FieldInspectionResultOut(
        id=given.id,
        result="same" if existing else "created",
        found=inspection.found,
        items=[
            FieldItemOut(written=i.written, device=i.device, verdict=i.verdict, verdict_label=str(labels[i.verdict]))
            for i in inspection.items.all()
        ],
    )


@router.post("/inspections", response=FieldInspectionsResultOut, summary="Inspections made on the phone, each once")
def inspections(request: HttpRequest, body: FieldInspectionsIn) -> FieldInspectionsResultOut:
    user = _user(request)
    return FieldInspectionsResultOut(results=[_inspect(user, given) for given in body.inspections])
