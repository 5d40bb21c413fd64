"""SMS to the subscribers on the lists: an operator's own subscribers only, the count and the parts before sending,
the background job through the log channel, opt-outs never messaged, the count in the operator's sms report line."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from switchoff.fieldwork.services import visits_record
from switchoff.people.roles import Role
from switchoff.reports.models import Activity
from switchoff.sms.models import SmsBatch, SmsMessage
from switchoff.sms.services import NotYourOperator, sms_batch_create, sms_reply_receive
from switchoff.units.models import UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World, logged_in, make_user
from tests.fieldwork_helpers import Field, open_field, visit


@pytest.fixture
def field(world: World) -> Field:
    return open_field(world)


def send(client: Any, world: World, capture: Any, **extra: str) -> SmsBatch:
    body = {"area": str(world.ward_a.pk), "audience": "not_visited",
            "text": "Từ 16/9 nhà mạng dừng sóng 2G: hãy đổi máy 4G. Soạn TC để từ chối."}  # fmt: skip
    body.update(extra)
    with capture(execute=True):
        answer = client.post(f"/sms/operators/{world.operator.pk}/", body)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return SmsBatch.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_an_operator_messages_its_subscribers_not_yet_visited_and_its_report_counts_them(
    world: World, field: Field, django_capture_on_commit_callbacks: Any
) -> None:
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed")])
    staff = logged_in(world.operator_staff)
    assert f'href="/sms/operators/{world.operator.pk}/"' in staff.get("/").content.decode()
    preview = staff.get(
        f"/sms/operators/{world.operator.pk}/preview/",
        {"area": str(world.ward_a.pk), "audience": "not_visited", "text": "Đổi máy 4G trước ngày 16/9."},
    ).content.decode()
    # Four subscribers of the ward on Viettel's list, An visited: three.
    assert "3 thuê bao sẽ nhận được tin nhắn." in preview
    assert "UCS-2" in preview and "Doi may 4G truoc ngay 16/9." in preview
    batch = send(staff, world, django_capture_on_commit_callbacks)
    states = sorted(batch.messages.values_list("msisdn", "state"))
    assert [s for _m, s in states] == ["sent", "sent", "sent"]
    assert field.an.subscriber.msisdn not in {m for m, _s in states}  # type: ignore[union-attr]
    activity = Activity.objects.get(form__code="sms")
    assert activity.unit == world.operator and activity.count == 3 and batch.activity == activity
    page = staff.get(f"/sms/batches/{batch.pk}/").content.decode()
    assert "kênh ghi nhật ký" in page and "086****456" not in page
    # The case's page shows the messages its person received; An, visited, received none.
    binh = logged_in(world.leader_a).get(f"/sms/cases/{field.binh.pk}/").content.decode()
    assert "Từ 16/9 nhà mạng dừng sóng 2G" in binh and "Đã gửi" in binh
    assert "Chưa có tin nhắn nào." in logged_in(world.leader_a).get(f"/sms/cases/{field.an.pk}/").content.decode()
    assert (
        f'hx-get="/sms/cases/{field.binh.pk}/"'
        in logged_in(world.leader_a).get(f"/fieldwork/cases/{field.binh.pk}/").content.decode()
    )
    assert logged_in(world.reporter_b).get(f"/sms/cases/{field.binh.pk}/").status_code == 404


def test_a_subscriber_who_replied_tc_is_skipped(
    world: World, field: Field, django_capture_on_commit_callbacks: Any
) -> None:
    hoa = field.hoa.subscriber
    assert hoa is not None
    assert sms_reply_receive(operator=world.operator, msisdn=hoa.msisdn, text=" tc.") is True
    assert sms_reply_receive(operator=world.operator, msisdn=hoa.msisdn, text="Cảm ơn") is False
    batch = send(logged_in(world.operator_staff), world, django_capture_on_commit_callbacks)
    skipped = batch.messages.get(msisdn=hoa.msisdn)
    assert skipped.state == SmsMessage.State.SKIPPED and skipped.reason == "đã từ chối nhận tin"
    assert batch.messages.filter(state="sent").count() == 3


def test_a_scheduled_message_waits_for_its_time(
    world: World, field: Field, django_capture_on_commit_callbacks: Any
) -> None:
    later = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    batch = send(logged_in(world.operator_staff), world, django_capture_on_commit_callbacks, send_at=later)
    assert batch.state == SmsBatch.State.SCHEDULED
    assert set(batch.messages.values_list("state", flat=True)) == {"queued"}


def test_nobody_messages_another_operators_subscribers(world: World, field: Field) -> None:
    kind = UnitKind.objects.get(code="operator_branch")
    vnpt = unit_create(actor=None, kind=kind, name="VNPT Lạng Sơn", parent=world.province, log=False)
    vnpt_staff = make_user("vnpt", vnpt, Role.OPERATOR_STAFF)
    other = logged_in(vnpt_staff)
    assert other.get(f"/sms/operators/{world.operator.pk}/").status_code == 404
    assert other.get(f"/sms/operators/{world.operator.pk}/preview/", {"area": world.ward_a.pk}).status_code == 404
    assert other.post(f"/sms/operators/{world.operator.pk}/", {"area": world.ward_a.pk, "text": "x"}).status_code == 404
    assert logged_in(world.reporter_a).get(f"/sms/operators/{world.operator.pk}/").status_code == 404
    # Its own page counts none of Viettel's subscribers.
    preview = other.get(f"/sms/operators/{vnpt.pk}/preview/", {"area": str(world.ward_a.pk), "audience": "listed"})
    assert "0 thuê bao" in preview.content.decode()
    with pytest.raises(NotYourOperator):
        sms_batch_create(actor=vnpt_staff, campaign=field.campaign, operator=world.operator, area=world.ward_a,
                         audience="listed", text="x")  # fmt: skip
    batch = sms_batch_create(actor=world.operator_staff, campaign=field.campaign, operator=world.operator,
                             area=world.ward_a, audience="listed", text="x", send_at=timezone.now()
                             + datetime.timedelta(days=1))  # fmt: skip
    assert other.get(f"/sms/batches/{batch.pk}/").status_code == 404


def test_erasing_a_persons_data_takes_their_number_from_the_messages_and_their_opt_out(
    world: World, field: Field, django_capture_on_commit_callbacks: Any
) -> None:
    from switchoff.privacy.erasure import erase_scope
    from switchoff.privacy.registry import Scope
    from switchoff.sms.models import OptOut

    binh = field.binh.subscriber
    assert binh is not None
    sms_reply_receive(operator=world.operator, msisdn=binh.msisdn, text="TC")
    batch = send(logged_in(world.operator_staff), world, django_capture_on_commit_callbacks)
    erase_scope(Scope(subscriber_ids=frozenset({binh.pk})))
    assert not OptOut.objects.exists()
    message = batch.messages.get(subscriber=binh)
    assert message.msisdn == "" and message.state == "skipped"
    assert batch.messages.exclude(msisdn="").count() == 3
