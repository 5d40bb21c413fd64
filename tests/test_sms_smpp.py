"""SMS through an operator's SMSC over SMPP 3.4: a real SMPP server on loopback (``tests/smpp_server.py``, one for
the module), the sending job binding to it, submitting, retrying what it throttles, recording the delivery receipts
and the subscribers' "TC" replies; a job that starts again never submits a message twice."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from switchoff.jobs.lease import hold
from switchoff.sms.models import OptOut, SmsBatch, SmsMessage
from switchoff.sms.services import SMS_KIND, sms_batch_create, sms_batch_send, sms_batches_due
from switchoff.sms.smpp import Session, Smsc, SmscError, decode, encode
from tests.conftest import World
from tests.fieldwork_helpers import Field, open_field
from tests.smpp_server import SmppServer

TEXT = "Từ 16/9 nhà mạng dừng sóng 2G: hãy đổi máy 4G. Soạn TC để từ chối."


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmppServer]:
    server = SmppServer().start()
    yield server
    server.stop()


@pytest.fixture
def field(world: World, smsc: SmppServer, settings: Any) -> Field:
    smsc.reset()
    address = {"host": "127.0.0.1", "port": smsc.port, "system_id": "switchoff", "password": "secret"}
    settings.SMS_SMSC = {world.operator.pk: {**address, "source": "Viettel", "tps": 0, "window": 2}}
    settings.SMS_SMPP_TIMEOUT_S = 2.0
    settings.SMS_RECEIPT_WAIT_S = 2.0
    settings.SMS_THROTTLE_BACKOFF_S = 0.01
    return open_field(world)


def prepare(world: World, field: Field) -> SmsBatch:
    return sms_batch_create(
        actor=world.operator_staff, campaign=field.campaign, operator=world.operator, area=world.ward_a,
        audience="listed", text=TEXT, send_at=timezone.now() + datetime.timedelta(hours=1),
    )  # fmt: skip


def due(batch: SmsBatch) -> None:
    SmsBatch.objects.filter(pk=batch.pk).update(send_at=timezone.now())


def test_a_batch_binds_submits_and_records_every_receipt(world: World, field: Field, smsc: SmppServer) -> None:
    batch = prepare(world, field)
    assert batch.channel == "smpp"
    numbers = set(batch.messages.values_list("msisdn", flat=True))
    undeliverable = sorted(numbers)[0]
    smsc.reset(throttle_first=3, undeliverable={undeliverable.lstrip("+")})
    due(batch)
    assert sms_batches_due() == [batch.pk]  # the scheduler queued it; the tests' queue runs it at once
    batch.refresh_from_db()
    assert batch.state == "done" and batch.lease_until is None
    assert smsc.binds == 1 and smsc.throttled == 3
    # Each number received the text once, in UCS-2, although three submits were throttled and tried again.
    assert sorted(s.destination for s in smsc.submitted) == sorted(n.lstrip("+") for n in numbers)
    assert {decode(s.data, s.data_coding) for s in smsc.submitted} == {TEXT}
    assert {s.data_coding for s in smsc.submitted} == {8}
    states = dict(batch.messages.values_list("msisdn", "state"))
    assert states.pop(undeliverable) == "failed"
    assert set(states.values()) == {"delivered"}
    failed = batch.messages.get(msisdn=undeliverable)
    assert failed.reason == "UNDELIV err:001" and failed.message_id
    assert batch.messages.filter(throttled__gt=0).count() == 2  # the window of two, then one of the next
    assert smsc.receipts_acked == len(numbers)
    assert batch.activity is not None and batch.activity.count == len(numbers) - 1  # sent, not failed


def test_a_message_throttled_too_often_fails_with_the_reason(
    world: World, field: Field, smsc: SmppServer, settings: Any
) -> None:
    settings.SMS_THROTTLE_RETRIES = 1
    batch = prepare(world, field)
    smsc.reset(throttle_first=1000)
    due(batch)
    sms_batch_send(batch.pk)
    assert set(batch.messages.values_list("state", "reason")) == {
        ("failed", "nhà mạng liên tục từ chối: quá nhiều tin nhắn")
    }
    assert smsc.submitted == [] and smsc.throttled == 2 * batch.messages.count()


def test_a_subscriber_who_replies_tc_is_never_messaged_again(world: World, field: Field, smsc: SmppServer) -> None:
    hoa = field.hoa.subscriber
    assert hoa is not None
    first = prepare(world, field)
    smsc.reset(replies_on_bind=[(hoa.msisdn.lstrip("+"), "Tc."), ("84861111111", "Cảm ơn")])
    due(first)
    sms_batch_send(first.pk)
    assert list(OptOut.objects.values_list("msisdn", "source")) == [(hoa.msisdn, "keyword")]
    second = prepare(world, field)
    assert second.messages.get(msisdn=hoa.msisdn).state == "skipped"
    smsc.reset()
    due(second)
    sms_batch_send(second.pk)
    assert hoa.msisdn.lstrip("+") not in {s.destination for s in smsc.submitted}


def test_a_job_started_again_never_submits_a_message_twice(world: World, field: Field, smsc: SmppServer) -> None:
    batch = prepare(world, field)
    smsc.reset()
    # A worker died: one message handed over without its answer recorded, one sent; the rest still queued.
    in_doubt, was_sent, *queued = batch.messages.order_by("pk")
    SmsMessage.objects.filter(pk=in_doubt.pk).update(state="submitting")
    SmsMessage.objects.filter(pk=was_sent.pk).update(state="sent", message_id="old-1")
    due(batch)
    with hold(SMS_KIND, batch.pk) as lease:
        assert lease is not None
        with hold(SMS_KIND, batch.pk) as second:
            assert second is None  # a task queued twice runs once
        sms_batch_send(batch.pk, lease)
    assert sorted(s.destination for s in smsc.submitted) == sorted(m.msisdn.lstrip("+") for m in queued)
    in_doubt.refresh_from_db()
    assert in_doubt.state == "failed" and "không rõ" in in_doubt.reason
    sms_batch_send(batch.pk)  # done: nothing more goes out
    assert len(smsc.submitted) == len(queued)


def test_a_refused_bind_leaves_the_batch_to_try_again(world: World, field: Field, settings: Any) -> None:
    settings.SMS_SMSC[world.operator.pk]["password"] = "wrong"
    batch = prepare(world, field)
    due(batch)
    with pytest.raises(SmscError):
        sms_batch_send(batch.pk)
    batch.refresh_from_db()
    assert batch.state == "scheduled" and set(batch.messages.values_list("state", flat=True)) == {"queued"}


def test_the_session_speaks_gsm7_and_long_texts(smsc: SmppServer) -> None:
    smsc.reset()
    assert encode("Doi may 4G") == (b"Doi may 4G", 0)
    session = Session(Smsc("127.0.0.1", smsc.port, "switchoff", "secret"), timeout=2.0)
    session.open()
    long = "Đổi máy 4G " * 30
    answers = session.answers(
        {session.submit("+84861234456", "Doi may 4G [ngay]"), session.submit("+84861234457", long)}
    )
    session.listen(0.2)
    session.close()
    assert {status for status, _id in answers.values()} == {0}
    assert [decode(s.data, s.data_coding) for s in smsc.submitted] == ["Doi may 4G [ngay]", long]
    assert {r.message_id for r in session.receipts} == {mid for _s, mid in answers.values()}


def test_the_throughput_limit_is_shared_per_operator_and_waits_for_the_next_second(monkeypatch: Any) -> None:
    from switchoff.sms import smpp

    class Clock:
        now = 1_000_000.25
        slept: list[float] = []

        def time(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            self.slept.append(seconds)
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(smpp, "time", clock)
    assert smpp.take_tokens(991, 4, 5) == 4
    assert smpp.take_tokens(991, 4, 5) == 1  # another worker of the same operator: what is left of the second
    assert smpp.take_tokens(992, 4, 5) == 4  # another operator has its own limit
    assert smpp.take_tokens(991, 4, 5) == 4 and clock.slept == [0.75]  # waited for the next second
    assert smpp.take_tokens(991, 4, 0) == 4  # no limit


def test_a_batch_whose_worker_died_is_taken_up_by_another(world: World, field: Field, smsc: SmppServer) -> None:
    from switchoff.jobs.lease import reap

    batch = prepare(world, field)
    smsc.reset()
    lapsed = timezone.now() - datetime.timedelta(minutes=5)
    SmsBatch.objects.filter(pk=batch.pk).update(
        send_at=lapsed, leased_by="dead-host:1:x", lease_until=lapsed, attempts=1
    )
    assert sms_batches_due() == []  # held (for all the scheduler knows): left to the reaper
    assert reap() == [(SMS_KIND, batch.pk, "requeued")]  # queued again; the tests' queue runs it at once
    batch.refresh_from_db()
    assert batch.state == "done" and batch.leased_by == "" and batch.attempts == 2
    assert len(smsc.submitted) == batch.messages.count() == batch.messages.filter(state="delivered").count()


def test_receipts_arriving_after_the_wait_are_recorded_by_the_scheduled_listener_once(
    world: World, field: Field, smsc: SmppServer, settings: Any
) -> None:
    from switchoff.schedule import record_late_sms_receipts
    from switchoff.sms.services import sms_late_receipts_listen

    settings.SMS_RECEIPT_WAIT_S = 0.0
    settings.SMS_RECEIPT_LISTEN_S = 2.0
    batch = prepare(world, field)
    numbers = sorted(batch.messages.values_list("msisdn", flat=True))
    # The SMSC keeps the receipts: the phones answered after the sending job stopped waiting.
    smsc.reset(hold_receipts=True, undeliverable={numbers[0].lstrip("+")})
    due(batch)
    sms_batch_send(batch.pk)
    assert set(batch.messages.values_list("state", flat=True)) == {"sent"}
    record_late_sms_receipts.call_local()  # the scheduler's job: a receiver bind, the receipts recorded
    states = dict(batch.messages.values_list("msisdn", "state"))
    assert states.pop(numbers[0]) == "failed" and set(states.values()) == {"delivered"}
    assert batch.messages.get(msisdn=numbers[0]).reason == "UNDELIV err:001"
    assert smsc.binds == 2 and smsc.receipts_acked == len(numbers)
    # Nothing waits any more: no bind at all; and the same receipts again change nothing.
    assert sms_late_receipts_listen(operator_id=world.operator.pk, seconds=1.0) == 0 and smsc.binds == 2
    for submitted in smsc.submitted:
        smsc._held.append(submitted)
    SmsMessage.objects.filter(msisdn=numbers[1]).update(state="sent")  # one still waiting, so it binds
    assert sms_late_receipts_listen(operator_id=world.operator.pk, seconds=1.0) == len(numbers)
    states = dict(batch.messages.values_list("msisdn", "state"))
    assert states.pop(numbers[0]) == "failed" and set(states.values()) == {"delivered"}
