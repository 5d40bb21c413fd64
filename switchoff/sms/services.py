"""Writes of SMS: a batch prepared by an operator's staff (own subscribers only, opt-outs skipped), its sending by a
background job through the operator's channel ("log" by default: recorded, not sent), an opt-out recorded.

The sending is idempotent: the job sends only the messages still queued, each marked in its own transaction, so a
job that starts again after a worker died goes on where it stopped. The batch's sent count goes into the
operator's log (form ``sms``) once, by the batch's client key.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Status as CaseStatus
from switchoff.lib.text import fold
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.reports.services.activities import activity_create
from switchoff.sms.models import Audience, OptOut, SmsBatch, SmsMessage
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit, UnitKind

SMS_FORM = "sms"


class NotYourOperator(Exception):
    """The person is not on the staff of this operator: they message none of its subscribers."""


def staff_operators(user: User) -> QuerySet[Unit]:
    """The operators' branches on whose staff the person is: the only subscribers they may message are theirs."""
    return Unit.objects.filter(
        pk__in=Membership.objects.filter(user=user, role=Role.OPERATOR_STAFF).values("unit_id"),
        kind__code="operator_branch",
    )


def recipients(*, operator: Unit, area: Unit, audience: str, campaign: Campaign) -> QuerySet[Subscriber]:
    """The operator's own subscribers of the area, still on its list, narrowed to the audience."""
    rows = Subscriber.objects.filter(
        operator=operator, status=Subscriber.Status.LISTED, unit__in=Unit.objects.rolling_into(area)
    )
    if audience == Audience.NOT_VISITED:
        visited = Visit.objects.filter(case__subscriber=OuterRef("pk"), case__campaign=campaign)
        rows = rows.exclude(Exists(visited))
    elif audience == Audience.REFUSED:
        rows = rows.filter(
            Exists(Case.objects.filter(subscriber=OuterRef("pk"), campaign=campaign, status=CaseStatus.REFUSED))
        )
    return rows


def _opted_out(operator: Unit) -> QuerySet[OptOut]:
    return OptOut.objects.filter(operator=operator)


@transaction.atomic
def sms_batch_create(
    *,
    actor: User,
    campaign: Campaign,
    operator: Unit,
    area: Unit,
    audience: str,
    text: str,
    send_at: datetime.datetime | None = None,
) -> SmsBatch:
    """Prepare a message to the operator's own subscribers of ``area``; the background job sends it at ``send_at``.

    ``NotYourOperator`` unless the actor is on the operator's staff. A number that opted out is recorded as
    skipped, never sent.
    """
    if not staff_operators(actor).filter(pk=operator.pk).exists():
        raise NotYourOperator
    if area.kind.category not in {UnitKind.Category.PROVINCE, UnitKind.Category.COMMUNE, UnitKind.Category.VILLAGE}:
        raise ValueError("area")
    batch = SmsBatch.objects.create(
        campaign=campaign, operator=operator, area=area, audience=audience, text=text.strip(),
        send_at=send_at or timezone.now(), created_by=actor,
    )  # fmt: skip
    out = set(_opted_out(operator).values_list("msisdn", flat=True))
    skipped, queued = SmsMessage.State.SKIPPED, SmsMessage.State.QUEUED
    rows = recipients(operator=operator, area=area, audience=audience, campaign=campaign).order_by("pk")
    SmsMessage.objects.bulk_create(
        [
            SmsMessage(
                batch=batch,
                subscriber_id=pk,
                msisdn=msisdn,
                state=skipped if msisdn in out else queued,
                reason=_("opted out") if msisdn in out else "",
            )
            for pk, msisdn in rows.values_list("pk", "msisdn")
        ],
        batch_size=2000,
    )
    log_action("sms.batch.created", actor=actor, obj=batch, unit=operator,
               data={"area": area.name, "audience": audience, "messages": batch.messages.count()})  # fmt: skip
    if batch.send_at <= timezone.now():
        from switchoff.sms.tasks import sms_batch_task

        transaction.on_commit(partial(sms_batch_task, batch.pk))
    return batch


def sms_batch_send(batch_id: int) -> int:
    """Send what is still queued of a batch through its channel; then count it into the operator's log. Returns sent."""
    batch = SmsBatch.objects.select_related("operator", "campaign").get(pk=batch_id)
    if batch.send_at > timezone.now():
        return 0
    out = set(_opted_out(batch.operator).values_list("msisdn", flat=True))
    sent = 0
    for message in batch.messages.filter(state=SmsMessage.State.QUEUED).order_by("pk").iterator():
        with transaction.atomic():
            locked = SmsMessage.objects.select_for_update().get(pk=message.pk)
            if locked.state != SmsMessage.State.QUEUED:
                continue  # another worker took it
            if locked.msisdn in out:
                locked.state, locked.reason = SmsMessage.State.SKIPPED, _("opted out")
            else:
                # The "log" channel records the message as sent without sending it (demo, tests).
                locked.state = SmsMessage.State.SENT
                sent += 1
            locked.updated_at = timezone.now()
            locked.save(update_fields=["state", "reason", "updated_at"])
    _batch_done(batch)
    return sent


@transaction.atomic
def _batch_done(batch: SmsBatch) -> None:
    batch = SmsBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == SmsBatch.State.DONE:
        return
    counted = batch.messages.filter(state__in=[SmsMessage.State.SENT, SmsMessage.State.DELIVERED]).count()
    form = batch.campaign.forms.filter(code=SMS_FORM).first()
    day = timezone.localdate()
    if form is not None and counted and batch.campaign.assignments.filter(unit=batch.operator).exists():
        batch.activity, _created = activity_create(
            actor=batch.created_by, campaign=batch.campaign, unit=batch.operator,
            day=min(day, batch.campaign.end_date), form=form, count=counted, client_key=f"sms:{batch.pk}",
        )  # fmt: skip
    batch.state = SmsBatch.State.DONE
    batch.save(update_fields=["state", "activity"])
    log_action("sms.batch.sent", actor=None, obj=batch, unit=batch.operator, data={"sent": counted})


@transaction.atomic
def sms_opt_out(*, operator: Unit, msisdn: str, source: str) -> bool:
    """Record that a number of the operator is never messaged again (its reply "TC", or the operator's list)."""
    _row, created = OptOut.objects.get_or_create(operator=operator, msisdn=msisdn, defaults={"source": source})
    if created:
        log_action("sms.number.opted_out", actor=None, unit=operator, data={"source": source})
    return created


def is_opt_out(text: str, keyword: str) -> bool:
    """Whether a reply is the opt-out keyword, however written ("TC", " tc ", "Tc.")."""
    return fold(text).strip(" .!\n\t") == fold(keyword)


def sms_reply_receive(*, operator: Unit, msisdn: str, text: str) -> bool:
    """A subscriber's reply: the opt-out keyword (``SMS_OPT_OUT_KEYWORD``) stops every later message to them."""
    if is_opt_out(text, settings.SMS_OPT_OUT_KEYWORD):
        sms_opt_out(operator=operator, msisdn=msisdn, source="keyword")
        return True
    return False
