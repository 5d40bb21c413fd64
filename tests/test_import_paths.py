"""One import path: the page, the API (file and JSON rows) and the command give the same check and the same registry;
what the check says before anyone confirms (issue 12, items 4 and 7)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase

from switchoff.lib.phones import parse_subscriber_number
from switchoff.lib.sheets import read_file
from switchoff.subscribers.importer import check_list, import_list
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberList
from tests.conftest import World, logged_in
from tests.importing import check_on_page, confirm_on_page, count_cleanings
from tests.security._importguard import api_client

# Numbers as operators write them (a lost 0, a pre-2018 number, +84), addresses of 2024 and 2025, a legacy
# village, one nobody knows, a duplicate and a bad number.
ROWS = [
    ("868000001", "Lò Văn Em", "Khối 1, Phường Lương Văn Tri"),
    ("01683000002", "Hà Thị Hoa", "Khối Bà Triệu (cũ), Phường Chi Lăng"),
    ("+84 868 000 003", "Vi Văn Ba", "Thôn Nà Chuông, Phường Đông Kinh"),
    ("0868000004", "Nông Văn Tư", "Bản Không Có, Xã Không Có"),
    ("0868000004", "Trùng Số", ""),
    ("abc", "Sai Số", "Khối 2, Phường Lương Văn Tri"),
]
CSV = "STT;Số thuê bao;Họ và tên;Địa chỉ\n" + "".join(f"{n};{a};{b};{c}\n" for n, (a, b, c) in enumerate(ROWS, 1))
CONTENT = CSV.encode()
AS_OF = "2024-08-01"


class _Rollback(Exception):
    pass


def _registry() -> list[tuple[object, ...]]:
    columns = ("msisdn", "msisdn_original", "name", "search_name", "address", "unit_id", "imei", "device", "status",
               "list_area_id", "first_seen", "last_listed")  # fmt: skip
    return sorted(Subscriber.objects.values_list(*columns))


def _through(path: Callable[[], dict[str, Any]]) -> tuple[list[tuple[object, ...]], dict[str, Any], dict[str, Any]]:
    """Import the list one way, then roll it back: the registry it made, the list's summary, the check shown."""
    outcome: tuple[list[tuple[object, ...]], dict[str, Any], dict[str, Any]] | None = None
    try:
        with transaction.atomic():
            shown = path()
            outcome = _registry(), SubscriberList.objects.get().summary, shown
            raise _Rollback
    except _Rollback:
        pass
    assert outcome is not None and not Subscriber.objects.exists()
    return outcome


def test_the_same_list_through_the_page_the_api_and_the_command_gives_identical_registries(
    world: World, tmp_path: Path
) -> None:
    def page() -> dict[str, Any]:
        client = logged_in(world.operator_staff)
        form = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
        checked = check_on_page(client, form, SimpleUploadedFile("ds.csv", CONTENT))
        confirm_on_page(client, checked)
        assert ImportJob.objects.get().status == ImportJob.Status.DONE
        return dict(checked.context["summary"])

    def api_file() -> dict[str, Any]:
        client = api_client(world.operator_staff)
        fields = {"operator_id": world.operator.pk, "area_id": world.province.pk, "as_of": AS_OF}
        with TestCase.captureOnCommitCallbacks(execute=True):  # the worker checks it once the job commits
            uploaded = client.post("/api/v1/registry/files", {"file": SimpleUploadedFile("ds.csv", CONTENT), **fields})
        assert uploaded.status_code == 202, uploaded.content
        body = {"operator_id": world.operator.pk, "area_id": world.province.pk}
        check = client.get(f"/api/v1/registry/files/{uploaded.json()['upload_id']}", body)
        with TestCase.captureOnCommitCallbacks(execute=True):
            url = f"/api/v1/registry/files/{check.json()['upload_id']}/confirm"
            assert client.post(url, body, content_type="application/json").status_code == 202
        return dict(check.json()["summary"])

    def api_rows() -> dict[str, Any]:
        body = {
            "operator_id": world.operator.pk,
            "area_id": world.province.pk,
            "as_of": AS_OF,
            "rows": [{"msisdn": number, "name": name, "address": address} for number, name, address in ROWS],
        }
        answer = api_client(world.operator_staff).post("/api/v1/registry/rows", body, content_type="application/json")
        assert answer.status_code == 200, answer.content
        return dict(answer.json()["summary"])

    def command() -> dict[str, Any]:
        path = tmp_path / "ds.csv"
        path.write_bytes(CONTENT)
        call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of=AS_OF, area="20")
        return {}

    registry, summary, shown = _through(page)
    assert registry and summary["new"] == 4
    # What the page showed before confirming is what the import then counted.
    assert {k: summary[k] for k in shown} == shown
    for path in (api_file, api_rows, command):
        other_registry, other_summary, other_shown = _through(path)
        assert other_registry == registry, path.__name__
        assert other_summary == summary, path.__name__
        assert other_shown in ({}, shown), path.__name__


def test_the_check_counts_numbers_restored_and_converted_and_addresses_by_commune(world: World) -> None:
    read = read_file(CONTENT, "ds.csv")
    checked = check_list(read, content=CONTENT, operator=world.operator, area=world.province)
    summary = checked.summary()
    assert (summary["rows_read"], summary["good"], summary["errors"]) == (6, 4, 2)
    assert (summary["restored_zero"], summary["legacy_converted"]) == (1, 1)
    assert (summary["resolved"], summary["unresolved"]) == (3, 1)
    assert summary["rejected"] == {"number_duplicate": 1, "number_not_a_number": 1}
    # A village of the legacy Phường Chi Lăng counts under its successor, Lương Văn Tri.
    assert [(c.name, c.subscribers, c.in_area) for c in checked.communes] == [
        ("Phường Lương Văn Tri", 2, True),
        ("Phường Đông Kinh", 1, True),
    ]


def test_the_page_shows_a_commune_outside_the_area_of_the_list(world: World) -> None:
    """A list about Lương Văn Tri that places someone in Đông Kinh: the table says so before anyone confirms."""
    client = logged_in(world.operator_staff)
    form = {"operator": world.operator.pk, "area": world.ward_a.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, form, SimpleUploadedFile("ds.csv", CONTENT))
    assert page.status_code == 200
    communes = [(c.name, c.subscribers, c.in_area) for c in page.context["checked"].communes]
    assert ("Phường Đông Kinh", 1, False) in communes
    body = page.content.decode()
    table = body[body.index('id="by-commune"') :]
    assert "Phường Đông Kinh (ngoài địa bàn của danh sách)" in table
    counts = body[body.index('id="check-counts"') :]
    assert "Số điện thoại được thêm lại số 0 đầu: 1" in counts
    assert "Số 11 chữ số trước năm 2018 đã chuyển đổi: 1" in counts
    assert "Địa chỉ không nhận ra được" in counts


def test_the_page_says_at_the_check_that_the_list_was_already_imported_or_is_older(world: World) -> None:
    import_list(read_file(CONTENT, "ds.csv"), content=CONTENT, operator=world.operator, area=world.province,
                as_of=datetime.date(2024, 8, 1))  # fmt: skip
    client = logged_in(world.operator_staff)
    form = {"operator": world.operator.pk, "area": world.province.pk}
    again = check_on_page(client, {**form, "as_of": "01/08/2024"}, SimpleUploadedFile("ds.csv", CONTENT))
    body = again.content.decode()
    assert 'id="already-imported"' in body and 'name="confirm"' not in body
    older = check_on_page(client, {**form, "as_of": "01/07/2024"}, SimpleUploadedFile("ds.csv", CONTENT))
    refusal = older.content.decode()
    refusal = refusal[refusal.index('id="check-refusal"') :]
    assert "mới hơn" in refusal and "01/08/2024" in refusal
    assert 'name="confirm"' not in older.content.decode()
    # Both were checked; neither was queued to be written.
    assert set(ImportJob.objects.values_list("status", flat=True)) == {ImportJob.Status.CHECKED}


@pytest.mark.parametrize(
    ("raw", "restored"),
    [(912345678, True), ("912345678", True), (912345678.0, True), ("0912345678", False), ("84912345678", False),
     ("+84 912 345 678", False), ("01623456789", False), ("1623456789", True)],
)  # fmt: skip
def test_a_number_that_lost_its_leading_zero_says_so(raw: object, restored: bool) -> None:
    number = parse_subscriber_number(raw)
    assert number.e164 is not None and number.restored_zero is restored


def test_a_check_by_the_api_client_is_the_check_of_the_page(world: World) -> None:
    """The page and the API answer the same counts for the same file (one service)."""
    page = check_on_page(
        logged_in(world.operator_staff),
        {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"},
        SimpleUploadedFile("ds.csv", CONTENT),
    )
    client: Client = api_client(world.operator_staff)
    fields = {"operator_id": world.operator.pk, "area_id": world.province.pk, "as_of": AS_OF}
    with TestCase.captureOnCommitCallbacks(execute=True):
        uploaded = client.post("/api/v1/registry/files", {"file": SimpleUploadedFile("ds.csv", CONTENT), **fields})
    query = {"operator_id": world.operator.pk, "area_id": world.province.pk}
    api = client.get(f"/api/v1/registry/files/{uploaded.json()['upload_id']}", query).json()
    assert api["summary"] == page.context["summary"]
    assert [(c["name"], c["subscribers"]) for c in api["communes"]] == [
        (c.name, c.subscribers) for c in page.context["checked"].communes
    ]


def test_the_command_and_the_json_rows_write_from_their_check_without_cleaning_the_list_again(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readings = count_cleanings(monkeypatch)
    path = tmp_path / "ds.csv"
    path.write_bytes(CONTENT)
    call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of=AS_OF, area="20")
    assert len(readings) == 1 and Subscriber.objects.count() == 4
    body = {
        "operator_id": world.operator.pk,
        "area_id": world.province.pk,
        "as_of": "2024-09-01",
        "rows": [{"msisdn": number, "name": name, "address": address} for number, name, address in ROWS[:3]],
        "allow_mass_leave": True,
    }
    answer = api_client(world.operator_staff).post("/api/v1/registry/rows", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["left"] == 1 and len(readings) == 2


def test_the_check_flags_an_address_placed_by_a_partial_match(world: World) -> None:
    """Issue 21, finding 9: a market named after a ward is placed there by its words, counted per commune and
    listed (sheet row, address, where placed) for a person to confirm; an address naming its ward is not."""
    client = logged_in(world.operator_staff)
    content = (
        "Số thuê bao;Họ và tên;Địa chỉ\n"
        "0912345678;Nguyễn Văn An;Chợ Đông Kinh, ki ốt 12\n"
        "0912345679;Hoàng Thị Bình;Khối 1, Phường Lương Văn Tri\n"
        "0912345680;Lý Văn Cường;Phường Đông Kinh\n"
    ).encode()
    form = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, form, SimpleUploadedFile("ds.csv", content))
    assert page.status_code == 200
    checked = page.context["checked"]
    assert {(c.name, c.subscribers, c.partial) for c in checked.communes} == {
        ("Phường Đông Kinh", 2, 1),
        ("Phường Lương Văn Tri", 1, 0),
    }
    body = page.content.decode()
    table = body[body.index('id="by-commune"') :]
    assert "Đặt theo khớp một phần, cần xác nhận" in table[: table.index("</table>")]
    problems = body[body.index('class="problems"') :]
    assert "<td>2</td><td>C</td><td>Chợ Đông Kinh, ki ốt 12</td>" in problems
    assert "Đặt vào Phường Đông Kinh theo một phần các từ của địa chỉ" in problems
    assert problems.count("theo một phần các từ") == 1


def test_the_check_shows_the_legacy_commune_written_beside_its_successor(world: World) -> None:
    """Issue 21, finding 9: the address's own unit as written (a 2024 ward, its district) beside its 2025 ward."""
    client = logged_in(world.operator_staff)
    content = (
        "Số thuê bao;Họ và tên;Địa chỉ\n"
        "0912345678;Nguyễn Văn An;Khối 1, Phường Chi Lăng, TP Lạng Sơn\n"
        "0912345679;Hoàng Thị Bình;Khối 2, P. Chi Lăng\n"
        "0912345680;Lý Văn Cường;Khối 1, Phường Lương Văn Tri\n"
    ).encode()
    form = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, form, SimpleUploadedFile("ds.csv", content))
    assert page.status_code == 200
    [commune] = page.context["checked"].communes
    assert (commune.name, commune.subscribers) == ("Phường Lương Văn Tri", 3)
    assert [tuple(w) for w in commune.written] == [("Phường Chi Lăng (2024), Thành phố Lạng Sơn", 2)]
    body = page.content.decode()
    table = body[body.index('id="by-commune"') :]
    assert "Phường Chi Lăng (2024), Thành phố Lạng Sơn → Phường Lương Văn Tri: 2" in table[: table.index("</table>")]


def test_a_list_for_a_legacy_city_marks_a_commune_outside_it(world: World) -> None:
    """Issue 21, finding 9: the legacy city is offered as a list's area, its area is the 2025 communes its wards
    went into, so a subscriber placed elsewhere is marked outside the list's area."""
    client = logged_in(world.operator_staff)
    content = (
        "Số thuê bao;Họ và tên;Địa chỉ\n"
        "0912345678;Nguyễn Văn An;Khối 1, Phường Chi Lăng, TP Lạng Sơn\n"
        "0912345680;Lý Văn Cường;Thôn Nà Chuông, Phường Đông Kinh\n"
    ).encode()
    form = {"operator": world.operator.pk, "area": world.legacy_district.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, form, SimpleUploadedFile("ds.csv", content))
    assert page.status_code == 200
    assert {(c.name, c.in_area) for c in page.context["checked"].communes} == {
        ("Phường Lương Văn Tri", True),
        ("Phường Đông Kinh", False),
    }
    body = page.content.decode()
    assert "Phường Đông Kinh (ngoài địa bàn của danh sách)" in body[body.index('id="by-commune"') :]
    # Confirmed, the list for the city is written like any other, both subscribers kept.
    assert confirm_on_page(client, page).status_code == 302
    assert set(Subscriber.objects.values_list("list_area_id", flat=True)) == {world.legacy_district.pk}
    assert Subscriber.objects.count() == 2
