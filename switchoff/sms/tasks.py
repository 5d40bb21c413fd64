"""Huey tasks of SMS: ids in, a service call, done."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from switchoff.sms.services import sms_batch_send


@db_task()
def sms_batch_task(batch_id: int) -> None:
    sms_batch_send(batch_id)
