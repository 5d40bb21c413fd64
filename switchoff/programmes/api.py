"""API for support programmes: read the programmes of one's area, refer a case, decide, post deliveries.

The same services and checks as the pages: an operator's system posts the deliveries made in its stores
(by number, matched to the campaign's cases in the programme's area), each refused as on the page (a
second delivery to one household names the first; a phone the device check does not answer "keeps
working" for is refused with the verdict's reason).
"""

from __future__ import annotations

import datetime
import uuid

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from switchoff.api.types import Id
from switchoff.fieldwork.access import access_case
from switchoff.fieldwork.models import Case
from switchoff.lib.phones import mask_phone, parse_subscriber_number
from switchoff.people.models import User
from switchoff.programmes import services
from switchoff.programmes.access import access_programme, access_referral, visible_programmes
from switchoff.programmes.models import Delivery, Programme, Referral
from switchoff.programmes.selectors import programme_stock

router = Router()


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class StockOut(Schema):
    unit_id: int
    unit: str
    quantity: int
    delivered: int


class ProgrammeOut(Schema):
    id: int
    name: str
    sponsor: str
    sponsor_name: str
    benefit: str
    benefit_detail: str
    categories: list[str]
    operator_id: int | None
    area_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    documents: str
    conditions: str
    version: int
    stock: list[StockOut] = []


def _programme_out(programme: Programme, *, stock: bool = False) -> ProgrammeOut:
    return ProgrammeOut(
        id=programme.pk, name=programme.name, sponsor=programme.sponsor, sponsor_name=programme.sponsor_name,
        benefit=programme.benefit, benefit_detail=programme.benefit_detail, categories=list(programme.categories),
        operator_id=programme.operator_id, area_id=programme.area_id, starts_on=programme.starts_on,
        ends_on=programme.ends_on, documents=programme.documents, conditions=programme.conditions,
        version=programme.version,
        stock=[StockOut(unit_id=s.unit_id, unit=s.unit.name, quantity=s.quantity, delivered=s.delivered)
               for s in programme_stock(programme)] if stock else [],
    )  # fmt: skip


@router.get("/", response=list[ProgrammeOut])
def programmes_list(request: HttpRequest) -> list[ProgrammeOut]:
    """The programmes of the token owner's area and those their unit runs."""
    return [_programme_out(p) for p in visible_programmes(_user(request)).order_by("-starts_on", "pk")[:500]]


@router.get("/{programme_id}", response=ProgrammeOut)
def programme_detail(request: HttpRequest, programme_id: Id) -> ProgrammeOut:
    return _programme_out(access_programme(_user(request), programme_id), stock=True)


class ReferralIn(Schema):
    case_id: Id
    note: str = Field("", max_length=300)
    key: uuid.UUID | None = None


class ReferralOut(Schema):
    id: int
    programme_id: int
    case_id: int
    state: str
    referred_at: datetime.datetime
    reason: str


def _referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut(
        id=referral.pk, programme_id=referral.programme_id, case_id=referral.case_id, state=referral.state,
        referred_at=referral.referred_at, reason=referral.reason,
    )  # fmt: skip


@router.post("/{programme_id}/referrals", response={201: ReferralOut})
def referral_create(request: HttpRequest, programme_id: Id, body: ReferralIn) -> Status[ReferralOut]:
    """Refer a case's person; 422 with every reason why not (``details``: the sentences) when they do not qualify."""
    user = _user(request)
    programme = access_programme(user, programme_id)
    case = access_case(user, body.case_id)
    referral = services.referral_create(actor=user, programme=programme, case=case, note=body.note, client_key=body.key)
    return Status(201, _referral_out(referral))


class DecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=300)


@router.post("/referrals/{referral_id}/decision", response=ReferralOut)
def referral_decide(request: HttpRequest, referral_id: Id, body: DecisionIn) -> ReferralOut:
    user = _user(request)
    referral = access_referral(user, referral_id)
    return _referral_out(
        services.referral_decide(actor=user, referral=referral, approve=body.approve, reason=body.reason)
    )


class DeliveryIn(Schema):
    """One delivery made in the sponsor's store: the number (any written form) or the case, the phone's IMEI."""

    number: str = Field("", max_length=40)
    case_id: Id | None = None
    delivered_on: datetime.date
    imei: str = Field("", max_length=40)
    place: str = Field("", max_length=200)
    key: uuid.UUID | None = None


class DeliveryOut(Schema):
    id: int
    programme_id: int
    case_id: int
    number: str
    delivered_on: datetime.date
    imei: str
    verdict: str


def _delivery_out(delivery: Delivery) -> DeliveryOut:
    number = delivery.case.subscriber.msisdn if delivery.case.subscriber else delivery.case.found_msisdn
    return DeliveryOut(
        id=delivery.pk, programme_id=delivery.programme_id, case_id=delivery.case_id,
        number=mask_phone(number) if number else "", delivered_on=delivery.delivered_on, imei=delivery.imei,
        verdict=delivery.verdict,
    )  # fmt: skip


@router.post("/{programme_id}/deliveries", response={201: DeliveryOut})
def delivery_create(request: HttpRequest, programme_id: Id, body: DeliveryIn) -> Status[DeliveryOut]:
    """Record a delivery (sent again with the same ``key``: the first answer, nothing written twice).

    422 when the household already received the programme (the message names the first delivery), when the
    phone's IMEI is not one the device check answers "fine" for (``details.imei``: the verdict's reason), or
    when the area's stock is used up. 404 when no case of the campaign in the programme's area has the number.
    """
    user = _user(request)
    programme = access_programme(user, programme_id)
    if body.case_id is not None:
        case = (
            Case.objects.select_related("subscriber", "unit")
            .filter(
                pk=body.case_id, campaign=programme.campaign, unit__rollup_path__startswith=programme.area.rollup_path
            )
            .first()
        )
    else:
        e164 = parse_subscriber_number(body.number).e164
        case = services.cases_by_number(programme, [e164]).get(e164) if e164 else None
    if case is None:
        raise Http404
    given = services.DeliveryInput(
        delivered_on=body.delivered_on or timezone.localdate(), place=body.place, imei=body.imei, client_key=body.key
    )
    delivery = services.delivery_from_operator(actor=user, programme=programme, case=case, given=given)
    return Status(201, _delivery_out(delivery))
