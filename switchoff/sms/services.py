"""Writes of SMS: a batch prepared by an operator's staff (own subscribers only, opt-outs skipped), its sending by a
background job through the operator's channel ("log" by default: recorded, not sent), an opt-out recorded.

The sending is idempotent: the job sends only the messages still queued, each marked in its own transaction, so a
job that starts again after a worker died goes on where it stopped. The batch's sent count goes into the
operator's log (form ``sms``) once, by the batch's client key.
"""

from __future__ import annotations

import datetime
import logging
import time
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Status as CaseStatus
from switchoff.jobs.lease import Lease, LeaseLost, enqueue
from switchoff.lib.collation import vi_order
from switchoff.lib.phones import normalize_phone
from switchoff.lib.text import fold
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.reports.services.activities import activity_create
from switchoff.sms.models import Audience, OptOut, SmsBatch, SmsMessage
from switchoff.sms.smpp import ESME_ROK, THROTTLING, Session, Smsc, SmscError, smsc_for, take_tokens
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit, UnitKind

logger = logging.getLogger(__name__)

SMS_FORM = "sms"
CHANNEL_LOG, CHANNEL_SMPP = "log", "smpp"
SMS_KIND = "sms_batch"  # the leased job's kind (switchoff/jobs/lease.py)


class NotYourOperator(Exception):
    """The person is not on the staff of this operator: they message none of its subscribers."""


def staff_operators(user: User) -> QuerySet[Unit]:
    """The operators' branches on whose staff the person is: the only subscribers they may message are theirs."""
    return Unit.objects.filter(
        pk__in=Membership.objects.filter(user=user, role=Role.OPERATOR_STAFF).values("unit_id"),
        kind__code="operator_branch",
    )


def access_operator(user: User, operator_id: int) -> Unit:
    """An operator on whose staff the person is, or ``Http404``: nobody messages another operator's subscribers."""
    operator = staff_operators(user).filter(pk=operator_id).first()
    if operator is None:
        raise Http404
    return operator


def operator_areas(operator: Unit) -> list[Unit]:
    """The communes and wards in the operator's area: those its staff may message."""
    return list(
        Unit.objects.filter(kind__category=UnitKind.Category.COMMUNE, valid_to__isnull=True)
        .filter(rollup_path__startswith=operator.geographic_anchor().rollup_path)
        .order_by(vi_order("name"))[:2000]
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


def opted_out_numbers(operator: Unit) -> QuerySet[OptOut, str]:
    """The operator's numbers that asked for no more messages (a subquery)."""
    return _opted_out(operator).values_list("msisdn", flat=True)


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
        channel=CHANNEL_SMPP if smsc_for(operator.pk) is not None else CHANNEL_LOG,
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
        transaction.on_commit(partial(enqueue, SMS_KIND, batch.pk))
    return batch


def sms_batch_send(batch_id: int, lease: Lease | None = None) -> int:
    """Send what is still queued of a batch through its channel; then count it into the operator's log. Returns sent.

    Runs under the batch's lease (``tasks.sms_batch_task``); ``lease.check()`` between windows stops a job that
    another worker took over. Every message's state is committed before the next window: a job that starts
    again sends only what is still queued.
    """
    batch = SmsBatch.objects.select_related("operator", "campaign").get(pk=batch_id)
    if batch.send_at > timezone.now() or batch.state == SmsBatch.State.DONE:
        return 0
    if batch.channel == CHANNEL_SMPP:
        smsc = smsc_for(batch.operator_id)
        if smsc is None:
            raise ImproperlyConfigured(f"SMSC_{batch.operator_id}_* are no longer set: batch {batch.pk} waits")
        sent = _send_smpp(batch, smsc, lease)
    else:
        sent = _send_log(batch)
    _batch_done(batch)
    return sent


def sms_batches_due(now: datetime.datetime | None = None) -> list[int]:
    """Queue the scheduled batches whose time came and that no worker holds (the scheduler, each minute)."""
    due = list(
        SmsBatch.objects.filter(
            state=SmsBatch.State.SCHEDULED, send_at__lte=now or timezone.now(), lease_until__isnull=True
        ).values_list("pk", flat=True)
    )
    for pk in due:
        enqueue(SMS_KIND, pk)
    return due


def _send_log(batch: SmsBatch) -> int:
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
    return sent


def _send_smpp(batch: SmsBatch, smsc: Smsc, lease: Lease | None) -> int:
    """Submit the batch's queued messages to the operator's SMSC, a window at a time under its throughput limit,
    and record each answer and each delivery receipt."""
    messages = SmsMessage.objects.filter(batch=batch)
    # Handed to the SMSC by a worker that died before recording the answer: the SMSC may have taken it. Sending
    # it again could reach the person twice; it is failed with the reason instead.
    messages.filter(state=SmsMessage.State.SUBMITTING).update(
        state=SmsMessage.State.FAILED, reason=_("unknown whether the operator received it (the sender stopped)"),
        updated_at=timezone.now(),
    )  # fmt: skip
    out = set(_opted_out(batch.operator).values_list("msisdn", flat=True))
    session = Session(smsc, timeout=settings.SMS_SMPP_TIMEOUT_S)
    session.open()
    sent = 0
    backoff = 0
    try:
        while True:
            if lease is not None:
                lease.check()
            window = list(
                messages.filter(state=SmsMessage.State.QUEUED).order_by("pk").values_list("pk", "msisdn")[: smsc.window]
            )
            if not window:
                break
            window = window[: take_tokens(batch.operator_id, len(window), smsc.tps)]
            now = timezone.now()
            skip = [pk for pk, msisdn in window if msisdn in out]
            if skip:
                messages.filter(pk__in=skip, state=SmsMessage.State.QUEUED).update(
                    state=SmsMessage.State.SKIPPED, reason=_("opted out"), updated_at=now
                )
                window = [(pk, msisdn) for pk, msisdn in window if msisdn not in out]
            # Committed before the first byte goes out: after a crash these are known to be in doubt.
            claimed = messages.filter(pk__in=[pk for pk, _m in window], state=SmsMessage.State.QUEUED).update(
                state=SmsMessage.State.SUBMITTING, updated_at=now
            )
            if claimed != len(window):
                raise LeaseLost  # another worker sends this batch now
            by_sequence = {session.submit(msisdn, batch.text): pk for pk, msisdn in window}
            answers = session.answers(set(by_sequence))
            sent_now, throttled = _record_answers(by_sequence, answers)
            sent += sent_now
            _record_incoming(batch.operator, session)
            backoff = backoff + 1 if throttled else 0
            if backoff:
                time.sleep(min(settings.SMS_THROTTLE_BACKOFF_S * 2 ** (backoff - 1), 30.0))
        deadline = time.monotonic() + settings.SMS_RECEIPT_WAIT_S
        while messages.filter(state=SmsMessage.State.SENT).exists() and time.monotonic() < deadline:
            if lease is not None:
                lease.check()
            session.listen(min(1.0, max(0.0, deadline - time.monotonic())))
            _record_incoming(batch.operator, session)
    finally:
        session.close()
    return sent


def sms_late_receipts_listen(*, operator_id: int, seconds: float) -> int:
    """Bind to the operator's SMSC as a receiver for at most ``seconds`` and record the delivery receipts (and
    replies) that arrive: those that came after the sending job stopped waiting (``SMS_RECEIPT_WAIT_S``), which
    the SMSC keeps for the next bind that may receive them.

    Nothing to wait for (no message of the operator sent without its receipt), or no SMSC: no bind. A receipt
    moves only a message still "sent", found by the SMSC's id among the operator's: the same receipt twice
    changes nothing. Answers how many receipts were read.
    """
    smsc = smsc_for(operator_id)
    operator = Unit.objects.filter(pk=operator_id).first()
    waiting = SmsMessage.objects.filter(batch__operator_id=operator_id, state=SmsMessage.State.SENT)
    if smsc is None or operator is None or not waiting.exists():
        return 0
    session = Session(smsc, timeout=settings.SMS_SMPP_TIMEOUT_S, receiver=True)
    session.open()
    read = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            session.listen(min(1.0, max(0.0, deadline - time.monotonic())))
            read += len(session.receipts)
            _record_incoming(operator, session)
            if not waiting.exists():
                break
    finally:
        session.close()
    return read


def sms_late_receipts() -> dict[int, int]:
    """Each operator with an SMSC in turn (``sms_late_receipts_listen`` for ``SMS_RECEIPT_LISTEN_S``): the
    scheduler's job. An SMSC that cannot be reached is logged and left to the next run; the others still run."""
    read: dict[int, int] = {}
    for operator_id in settings.SMS_SMSC:
        try:
            read[operator_id] = sms_late_receipts_listen(operator_id=operator_id, seconds=settings.SMS_RECEIPT_LISTEN_S)
        except SmscError:
            logger.warning("The SMSC of operator %s could not be reached for late receipts.", operator_id)
    return read


def _record_answers(by_sequence: dict[int, int], answers: dict[int, tuple[int, str]]) -> tuple[int, int]:
    """The SMSC's answers to a window: accepted (sent, with its id), throttled (queued again), or refused."""
    now = timezone.now()
    accepted = [(SmsMessage.State.SENT.value, mid, now, by_sequence[seq])
                for seq, (status, mid) in answers.items() if status == ESME_ROK]  # fmt: skip
    throttled = [by_sequence[seq] for seq, (status, _m) in answers.items() if status in THROTTLING]
    refused = {by_sequence[seq]: status for seq, (status, _m) in answers.items()
               if status != ESME_ROK and status not in THROTTLING}  # fmt: skip
    with transaction.atomic():
        # One prepared statement run per row (executemany): bulk_update's CASE built in Python took 60 % of the
        # sending time (bench/sms).
        table, quote = SmsMessage._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET state = %s, message_id = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                accepted,
            )
        if throttled:
            retry = SmsMessage.objects.filter(pk__in=throttled)
            retry.filter(throttled__lt=settings.SMS_THROTTLE_RETRIES).update(
                state=SmsMessage.State.QUEUED, throttled=F("throttled") + 1, updated_at=now
            )
            retry.filter(state=SmsMessage.State.SUBMITTING).update(
                state=SmsMessage.State.FAILED, reason=_("the operator kept refusing: too many messages"),
                updated_at=now,
            )  # fmt: skip
        for pk, status in refused.items():
            SmsMessage.objects.filter(pk=pk).update(
                state=SmsMessage.State.FAILED, updated_at=now,
                reason=_("refused by the operator (SMPP status 0x%(status)02X)") % {"status": status},
            )  # fmt: skip
    return len(accepted), len(throttled)


def _record_incoming(operator: Unit, session: Session) -> None:
    """Delivery receipts onto their messages (by the SMSC's id, among the operator's), and replies (opt-outs)."""
    receipts, session.receipts = session.receipts, []
    replies, session.replies = session.replies, []
    now = timezone.now()
    ours = SmsMessage.objects.filter(batch__operator=operator, state=SmsMessage.State.SENT)
    delivered = [r.message_id for r in receipts if r.delivered]
    if delivered:
        ours.filter(message_id__in=delivered).update(state=SmsMessage.State.DELIVERED, updated_at=now)
    failed: dict[str, list[str]] = {}
    for receipt in receipts:
        if not receipt.delivered:
            failed.setdefault(receipt.reason, []).append(receipt.message_id)
    for reason, ids in failed.items():
        ours.filter(message_id__in=ids).update(state=SmsMessage.State.FAILED, reason=reason, updated_at=now)
    for reply in replies:
        msisdn = normalize_phone(reply.msisdn)
        if msisdn is not None:
            sms_reply_receive(operator=operator, msisdn=msisdn, text=reply.text)


@transaction.atomic
def _batch_done(batch: SmsBatch) -> None:
    """The batch is sent: its count of sent messages into the operator's log (once, by the batch's key)."""
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
