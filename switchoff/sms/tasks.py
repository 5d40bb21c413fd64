"""Huey tasks of SMS: ids in, a service call, done. Each runs under the batch's lease (``jobs.lease``): a worker that
dies leaves the batch to another, which sends only what is still queued."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from switchoff.jobs.lease import Kind, hold, register
from switchoff.sms.models import SmsBatch, SmsMessage
from switchoff.sms.services import SMS_KIND, sms_batch_send


@db_task()
def sms_batch_task(batch_id: int) -> None:
    with hold(SMS_KIND, batch_id) as lease:
        if lease is not None:  # else another live worker sends it: a task queued twice runs once
            sms_batch_send(batch_id, lease)


def give_up(batch_id: int) -> None:
    """The batch lost its worker ``JOB_MAX_ATTEMPTS`` times: what is still queued is failed, with the reason."""
    with transaction.atomic():
        SmsMessage.objects.filter(batch_id=batch_id, state=SmsMessage.State.QUEUED).update(
            state=SmsMessage.State.FAILED, reason="worker_lost", updated_at=timezone.now()
        )
        SmsBatch.objects.filter(pk=batch_id).update(state=SmsBatch.State.DONE)


register(Kind(SMS_KIND, SmsBatch, enqueue=sms_batch_task, give_up=give_up))
