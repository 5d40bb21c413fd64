"""The field app's referrals (tag "field"): the programmes a member may refer to, and referrals made offline.

The phone keeps the programmes open today in the member's area and sends its referrals in the same sync as
its visits, each exactly once by its id (made on the phone, the referral's ``client_key``): a retry answers
"same". A person who does not qualify is answered "refused" with every reason why not, which the phone keeps
beside the case until the member discards it: nothing typed is dropped without them being told.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import BaseModel, Field

from switchoff.api.base import DeviceAuth, TokenAuth
from switchoff.fieldwork.access import access_case
from switchoff.people.models import User
from switchoff.programmes import services
from switchoff.programmes.access import access_programme, visible_programmes
from switchoff.programmes.models import Referral

BATCH_MAX = 200

router = Router(auth=[DeviceAuth(), TokenAuth()])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class FieldProgrammeOut(Schema):
    id: int
    name: str
    sponsor_name: str
    benefit: str
    benefit_label: str
    documents: str
    ends_on: datetime.date


class FieldProgrammesOut(Schema):
    items: list[FieldProgrammeOut]


@router.get("", response=FieldProgrammesOut, summary="Programmes open today that the member may refer people to")
def programmes(request: HttpRequest) -> FieldProgrammesOut:
    today = timezone.localdate()
    rows = visible_programmes(_user(request)).filter(starts_on__lte=today, ends_on__gte=today).order_by("name", "pk")
    return FieldProgrammesOut(
        items=[
            FieldProgrammeOut(
                id=p.pk,
                name=p.name,
                sponsor_name=p.sponsor_name,
                benefit=p.benefit,
                benefit_label=str(p.get_benefit_display()),
                documents=p.documents,
                ends_on=p.ends_on,
            )
            for p in rows[:100]
        ]
    )


class FieldReferralIn(BaseModel):
    id: uuid.UUID
    programme_id: int
    case_id: int
    note: str = Field("", max_length=300)


class FieldReferralsIn(BaseModel):
    referrals: list[FieldReferralIn] = Field(max_length=BATCH_MAX)


class FieldReferralResultOut(BaseModel):
    id: uuid.UUID
    result: Literal["created", "same", "refused"]
    code: str = ""
    message: str = ""
    state: str = ""


class FieldReferralsResultOut(BaseModel):
    results: list[FieldReferralResultOut]


def _refer(user: User, given: FieldReferralIn) -> FieldReferralResultOut:
    existing = Referral.objects.filter(client_key=given.id).first()
    try:
        programme = access_programme(user, given.programme_id)
        case = access_case(user, given.case_id)
        referral = services.referral_create(
            actor=user, programme=programme, case=case, note=given.note, client_key=given.id
        )
    except services.NotEligible as refused:
        return FieldReferralResultOut(
            id=given.id, result="refused", code="not_eligible", message=" ".join(refused.reasons)
        )
    except (Http404, PermissionDenied):
        return FieldReferralResultOut(
            id=given.id, result="refused", code="not_found",
            message=_("This programme or this case is no longer yours to refer to."),
        )  # fmt: skip
    except ValidationError as error:
        return FieldReferralResultOut(id=given.id, result="refused", code="invalid", message=" ".join(error.messages))
    return FieldReferralResultOut(
        id=given.id, result="same" if existing is not None else "created", state=str(referral.get_state_display())
    )


@router.post("/referrals", response=FieldReferralsResultOut, summary="Referrals made on the phone, each once by its id")
def referrals(request: HttpRequest, body: FieldReferralsIn) -> FieldReferralsResultOut:
    user = _user(request)
    return FieldReferralsResultOut(results=[_refer(user, given) for given in body.referrals])
