"""API of SMS to subscribers: the same services and checks as the pages. An operator's staff prepares a message
(how long it is in SMS parts, and its unaccented variant), counts who would receive it, sends it (at once or at a
time), and follows its state message by message. Nobody reaches another operator's subscribers: every operation
goes through ``services.access_operator`` (404 otherwise)."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from switchoff.api.types import Id
from switchoff.fieldwork.selectors import campaign_for
from switchoff.lib.phones import mask_phone
from switchoff.lib.sms_text import measure, unaccented
from switchoff.people.models import User
from switchoff.sms import services
from switchoff.sms.models import Audience, SmsBatch, SmsMessage
from switchoff.units.models import Unit

router = Router()

TEXT_MAX = 1000


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _area(operator: Unit, area_id: int) -> Unit:
    area = next((a for a in services.operator_areas(operator) if a.pk == area_id), None)
    if area is None:
        raise Http404
    return area


class PrepareIn(Schema):
    text: str = Field(max_length=TEXT_MAX)


class PrepareOut(Schema):
    encoding: str = Field(description="GSM-7, or UCS-2 for Vietnamese with diacritics.")
    parts: int
    unaccented: str = Field(description="The text without diacritics: GSM-7, fewer parts.")
    unaccented_parts: int


@router.post("/operators/{operator_id}/prepare", response=PrepareOut)
def sms_prepare(request: HttpRequest, operator_id: Id, body: PrepareIn) -> PrepareOut:
    """How long a text is in SMS parts, and its unaccented variant. Writes nothing."""
    services.access_operator(_user(request), operator_id)
    text = body.text.strip()
    plain = unaccented(text)
    return PrepareOut(encoding=measure(text).encoding, parts=measure(text).parts, unaccented=plain,
                      unaccented_parts=measure(plain).parts)  # fmt: skip


class CountOut(Schema):
    recipients: int = Field(description="The operator's own subscribers of the area in the audience.")
    opted_out: int = Field(description="Of those, numbers that asked for no more SMS: skipped.")


@router.get("/operators/{operator_id}/count", response=CountOut)
def sms_count(
    request: HttpRequest, operator_id: Id, area_id: Id, audience: Audience = Audience.NOT_VISITED
) -> CountOut:
    """How many of the operator's own subscribers of a commune or ward would receive a message."""
    operator = services.access_operator(_user(request), operator_id)
    campaign = campaign_for(operator)
    if campaign is None:
        raise Http404
    rows = services.recipients(operator=operator, area=_area(operator, area_id), audience=audience, campaign=campaign)
    opted = rows.filter(msisdn__in=services.opted_out_numbers(operator)).count()
    return CountOut(recipients=rows.count() - opted, opted_out=opted)


class SendIn(Schema):
    area_id: Id
    audience: Audience = Audience.NOT_VISITED
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    send_at: datetime.datetime | None = Field(None, description="Empty: at once. With its time zone.")


class MessageOut(Schema):
    number: str = Field(description="Masked.")
    state: str
    reason: str


class SmsBatchOut(Schema):
    id: int
    operator_id: int
    area_id: int
    audience: str
    text: str
    send_at: datetime.datetime
    channel: str = Field(description="smpp: the operator's SMSC; log: recorded, never sent.")
    state: str
    counts: dict[str, int] = Field(description="Messages by state: queued, submitting, sent, delivered, failed…")
    messages: list[MessageOut] = Field(description="The first 200, in order.")


def _batch_out(batch: SmsBatch) -> SmsBatchOut:
    counts = dict(batch.messages.values_list("state").annotate(n=Count("pk")).order_by())
    rows = batch.messages.order_by("pk").values_list("msisdn", "state", "reason")[:200]
    return SmsBatchOut(
        id=batch.pk, operator_id=batch.operator_id, area_id=batch.area_id, audience=batch.audience, text=batch.text,
        send_at=batch.send_at, channel=batch.channel, state=batch.state,
        counts={state: counts.get(state, 0) for state in SmsMessage.State.values},
        messages=[MessageOut(number=mask_phone(m), state=s, reason=r) for m, s, r in rows],
    )  # fmt: skip


@router.post("/operators/{operator_id}/batches", response={201: SmsBatchOut})
def sms_send(request: HttpRequest, operator_id: Id, body: SendIn) -> Status[SmsBatchOut]:
    """Send a message to the operator's own subscribers of a commune or ward, at once or at ``send_at``."""
    user = _user(request)
    operator = services.access_operator(user, operator_id)
    campaign = campaign_for(operator)
    if campaign is None:
        raise Http404
    batch = services.sms_batch_create(
        actor=user, campaign=campaign, operator=operator, area=_area(operator, body.area_id), audience=body.audience,
        text=body.text, send_at=body.send_at,
    )  # fmt: skip
    batch.refresh_from_db()
    return Status(201, _batch_out(batch))


@router.get("/batches/{batch_id}", response=SmsBatchOut)
def sms_status(request: HttpRequest, batch_id: Id) -> SmsBatchOut:
    """A message's state, number by number (masked): queued, sent, delivered, failed and why, skipped."""
    batch = SmsBatch.objects.filter(pk=batch_id, operator__in=services.staff_operators(_user(request))).first()
    if batch is None:
        raise Http404
    return _batch_out(batch)
