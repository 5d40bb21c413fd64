"""The registry pages: masked numbers, search without diacritics, logged reveals, scoped to the area."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management import call_command
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.lib.sheets import read_file
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.models import NumberView, Subscriber
from tests.conftest import World, logged_in
from tests.importing import check_on_page, confirm_on_page

LIST = (
    "STT;Số thuê bao;Họ và tên;Địa chỉ\n"
    "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri\n"
    "2;0868123457;Nguyễn Văn Bảo;Khối 3, Phường Lương Văn Tri\n"
    "3;0868123458;Nguyễn Thị Cúc;Thôn Nà Chuông, Phường Đông Kinh\n"
).encode()


def load(world: World) -> None:
    import_list(
        read_file(LIST, "a.csv"),
        content=LIST,
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
    )


def test_numbers_are_masked_and_search_works_without_diacritics(world: World) -> None:
    load(world)
    page = logged_in(world.reporter_a).get(reverse("subscribers:registry"), {"q": "nguyen van"}).content.decode()
    assert "086****456" in page and "086****457" in page
    assert "0868123456" not in page
    assert "Nguyễn Thị Cúc" not in page  # Đông Kinh is another ward


def test_search_by_any_written_form_of_the_number(world: World) -> None:
    load(world)
    client = logged_in(world.reporter_a)
    for written in ("0868 123 456", "+84 868.123.456", "84868123456"):
        page = client.get(reverse("subscribers:registry"), {"q": written}).content.decode()
        assert "Nguyễn Văn An" in page and "Nguyễn Văn Bảo" not in page, written


def test_team_member_never_sees_another_wards_subscriber(world: World) -> None:
    load(world)
    client = logged_in(world.member_a)
    page = client.get(reverse("subscribers:registry"), {"q": "0868123458"}).content.decode()
    assert "Cúc" not in page
    other = Subscriber.objects.get(msisdn="+84868123458")
    assert client.get(reverse("subscribers:detail", args=[other.pk])).status_code == 404
    # Team 1 covers Khối 1 and Khối 2 only: Khối 3's subscriber is not theirs either.
    bao = Subscriber.objects.get(msisdn="+84868123457")
    assert client.get(reverse("subscribers:detail", args=[bao.pk])).status_code == 404


def test_revealing_a_number_is_logged(world: World) -> None:
    load(world)
    an = Subscriber.objects.get(msisdn="+84868123456")
    client = logged_in(world.member_a)
    page = client.post(reverse("subscribers:reveal", args=[an.pk])).content.decode()
    assert "0868 123 456" in page
    assert NumberView.objects.get().subscriber_ids == [an.pk]
    assert AuditEvent.objects.filter(action="subscribers.number.revealed", actor=world.member_a).exists()
    assert logged_in(world.viewer).post(reverse("subscribers:reveal", args=[an.pk])).status_code == 403


def test_command_line_import(world: World, tmp_path: object) -> None:
    path = tmp_path / "viettel.csv"  # type: ignore[operator]
    path.write_bytes(LIST)
    call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of="2024-08-01", area="20")
    assert Subscriber.objects.count() == 3
    call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of="2024-08-01", area="20")
    assert Subscriber.objects.count() == 3


def test_web_import_checks_then_imports(world: World, django_capture_on_commit_callbacks: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(world.operator_staff)
    upload = SimpleUploadedFile("viettel.csv", LIST)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, data, upload)  # the check runs in the worker once the upload commits
    assert page.status_code == 200 and Subscriber.objects.count() == 0
    checked = page.context["checked"]
    assert (checked.rows_read, checked.good) == (3, 3)
    assert confirm_on_page(client, page).status_code == 302
    assert Subscriber.objects.count() == 3


def test_operator_staff_see_their_operators_list(world: World) -> None:
    load(world)
    page = logged_in(world.operator_staff).get(reverse("subscribers:registry")).content.decode()
    assert page.count("086****") == 3


def test_rejected_rows_download_keeps_the_row_and_names_the_reason(world: World) -> None:
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    client = logged_in(world.operator_staff)
    bad = LIST + "4;09l2345678;Sai Số;Khối 2, Phường Lương Văn Tri\n".encode()
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, data, SimpleUploadedFile("v.csv", bad))
    response = client.get(reverse("subscribers:job_rejected", args=[page.context["job"].pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][:4] == [None, 5, "B", "Số có chứa chữ cái hoặc ký hiệu."]  # a text file has one unnamed sheet
    assert rows[1][4:8] == ["4", "09l2345678", "Sai Số", "Khối 2, Phường Lương Văn Tri"]
    assert Subscriber.objects.count() == 0
