"""API for the shops' registry: the shops one follows (with their latest inspection), an inspection recorded.

The same services and checks as the pages: each phone found is judged by the device check and its verdict
kept and answered; sent again with the same ``key``, the first inspection is answered.
"""

from __future__ import annotations

import datetime
import uuid

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from switchoff.api.types import Id
from switchoff.people.models import User
from switchoff.shops import services
from switchoff.shops.access import access_shop
from switchoff.shops.models import Inspection
from switchoff.shops.selectors import FILTERS, shop_list

router = Router()


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class ShopOut(Schema):
    id: int
    name: str
    unit_id: int
    village_id: int | None
    dealer_of_id: int | None
    last_inspected_on: datetime.date | None
    last_found: int | None
    follow_up_on: datetime.date | None
    informed: bool


@router.get("/", response=list[ShopOut])
def shops_list(request: HttpRequest, unit_id: Id | None = None, which: str = "") -> list[ShopOut]:
    """The shops the token owner follows; ``which``: never_informed, non_compliant or follow_up_due."""
    rows = shop_list(_user(request), unit_id=unit_id, which=which if which in FILTERS else "")[:1000]
    return [
        ShopOut(
            id=s.pk, name=s.name, unit_id=s.unit_id, village_id=s.village_id, dealer_of_id=s.dealer_of_id,
            last_inspected_on=s.last_on, last_found=s.last_found, follow_up_on=s.follow_up,
            informed=s.informed_on is not None,
        )
        for s in rows
    ]  # fmt: skip


class InspectionIn(Schema):
    inspected_on: datetime.date
    informed: bool
    commitment_signed: bool = False
    phones: list[str] = Field(default_factory=list, max_length=services.MAX_ITEMS)
    follow_up_on: datetime.date | None = None
    note: str = Field("", max_length=500)
    key: uuid.UUID | None = None


def inspection_input(body: InspectionIn, *, key: uuid.UUID | None) -> services.InspectionInput:
    """An inspection as the API and the field app's sync send it (the phones as written, each cut at 100)."""
    return services.InspectionInput(
        inspected_on=body.inspected_on, informed=body.informed, commitment_signed=body.commitment_signed,
        phones=[p[:100] for p in body.phones], follow_up_on=body.follow_up_on, note=body.note, client_key=key,
    )  # fmt: skip


class ItemOut(Schema):
    written: str
    imei: str
    device: str
    verdict: str


class InspectionOut(Schema):
    id: int
    shop_id: int
    inspected_on: datetime.date
    found: int
    items: list[ItemOut]


def _inspection_out(inspection: Inspection) -> InspectionOut:
    items = [
        ItemOut(written=i.written, imei=i.imei, device=i.device, verdict=i.verdict) for i in inspection.items.all()
    ]
    return InspectionOut(
        id=inspection.pk, shop_id=inspection.shop_id, inspected_on=inspection.inspected_on, found=inspection.found,
        items=items,
    )  # fmt: skip


@router.post("/{shop_id}/inspections", response={201: InspectionOut})
def inspection_create(request: HttpRequest, shop_id: Id, body: InspectionIn) -> Status[InspectionOut]:
    user = _user(request)
    shop = access_shop(user, shop_id)
    given = inspection_input(body, key=body.key)
    return Status(201, _inspection_out(services.inspection_record(actor=user, shop=shop, given=given)))
