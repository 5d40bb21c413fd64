"""SMS through the API (prepare, count, send, status) and the operator's opt-out list: the operator's own
subscribers only, in the API as on the pages; the list read through the shared reader, its problems by row."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from switchoff.people.roles import Role
from switchoff.people.services import api_token_create
from switchoff.sms.models import OptOut, SmsBatch
from switchoff.units.models import UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World, logged_in, make_user
from tests.fieldwork_helpers import Field, open_field
from tests.test_api import api_client

TEXT = "Từ 16/9 nhà mạng dừng sóng 2G: hãy đổi máy 4G."


@pytest.fixture
def field(world: World) -> Field:
    return open_field(world)


def test_an_operator_prepares_counts_sends_and_follows_a_message_through_the_api(
    world: World, field: Field, django_capture_on_commit_callbacks: Any
) -> None:
    _token, raw = api_token_create(user=world.operator_staff, name="sms")
    api = api_client(raw)
    base = f"/api/v1/sms/operators/{world.operator.pk}"
    prepared = api.post(f"{base}/prepare", {"text": TEXT}, content_type="application/json").json()
    assert prepared == {"encoding": "UCS-2", "parts": 1, "unaccented": "Tu 16/9 nha mang dung song 2G: hay doi may 4G.",
                        "unaccented_parts": 1}  # fmt: skip
    hoa = field.hoa.subscriber
    assert hoa is not None
    OptOut.objects.create(operator=world.operator, msisdn=hoa.msisdn, source="list")
    counted = api.get(f"{base}/count", {"area_id": str(world.ward_a.pk), "audience": "listed"}).json()
    assert counted == {"recipients": 3, "opted_out": 1}
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"{base}/batches", {"area_id": world.ward_a.pk, "audience": "listed", "text": TEXT},
                          content_type="application/json")  # fmt: skip
    assert answer.status_code == 201, answer.content
    batch_id = answer.json()["id"]
    status = api.get(f"/api/v1/sms/batches/{batch_id}").json()
    assert status["channel"] == "log" and status["state"] == "done"
    assert status["counts"]["sent"] == 3 and status["counts"]["skipped"] == 1
    assert all("*" in m["number"] for m in status["messages"])


def test_an_operator_never_reaches_another_operators_subscribers_through_the_api(world: World, field: Field) -> None:
    vnpt = unit_create(actor=None, kind=UnitKind.objects.get(code="operator_branch"), name="VNPT Lạng Sơn",
                       parent=world.province, log=False)  # fmt: skip
    _token, raw = api_token_create(user=make_user("vnpt", vnpt, Role.OPERATOR_STAFF), name="sms")
    api = api_client(raw)
    viettel = f"/api/v1/sms/operators/{world.operator.pk}"
    assert api.post(f"{viettel}/prepare", {"text": "x"}, content_type="application/json").status_code == 404
    assert api.get(f"{viettel}/count", {"area_id": world.ward_a.pk}).status_code == 404
    body = {"area_id": world.ward_a.pk, "audience": "listed", "text": "x"}
    assert api.post(f"{viettel}/batches", body, content_type="application/json").status_code == 404
    # Its own operator, the same ward: none of Viettel's subscribers.
    own = f"/api/v1/sms/operators/{vnpt.pk}"
    assert api.get(f"{own}/count", {"area_id": str(world.ward_a.pk), "audience": "listed"}).json()["recipients"] == 0
    assert not SmsBatch.objects.exists()
    _t, viettel_raw = api_token_create(user=world.operator_staff, name="sms")
    sent = api_client(viettel_raw).post(f"{viettel}/batches", {**body, "send_at": "2099-01-01T08:00:00+07:00"},
                                        content_type="application/json")  # fmt: skip
    assert sent.status_code == 201
    assert api.get(f"/api/v1/sms/batches/{sent.json()['id']}").status_code == 404


def test_the_operators_opt_out_list_is_imported_with_its_problems_by_row(world: World, field: Field) -> None:
    staff = logged_in(world.operator_staff)
    page = f"/sms/operators/{world.operator.pk}/opt-outs/"
    assert "0 số trả lời bằng từ khóa từ chối" in staff.get(page).content.decode()
    csv = (
        "Danh sách thuê bao từ chối nhận tin\nSTT,Số thuê bao\n1,0868 123 456\n2,12345\n3,+84868123457\n4,0868123456\n"
    )
    upload = SimpleUploadedFile("tu-choi.csv", csv.encode("utf-8"), content_type="text/csv")
    answer = staff.post(page, {"file": upload}).content.decode()
    assert "2 số mới được ghi nhận." in answer
    assert "<td>4</td><td>B</td><td>12345</td>" in answer and "Không phải số di động Việt Nam." in answer
    assert set(OptOut.objects.values_list("msisdn", "source")) == {("+84868123456", "list"), ("+84868123457", "list")}
    again = SimpleUploadedFile("tu-choi.csv", csv.encode("utf-8"), content_type="text/csv")
    assert "0 số mới được ghi nhận." in staff.post(page, {"file": again}).content.decode()
    assert logged_in(world.reporter_a).get(page).status_code == 404
