"""The registry's filters, Excel export (logged), households, and the editable text-file reading."""

from __future__ import annotations

import datetime
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from switchoff.audit.models import AuditEvent
from switchoff.lib.sheets import read_file
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.models import Household, ImportJob, NumberView, Subscriber
from switchoff.subscribers.selectors import unit_counts
from tests.conftest import World, logged_in
from tests.exporting import content, export
from tests.importing import check_on_page, confirm_on_page, recheck_on_page
from tests.vn_encodings import to_cp1258

AUG = (
    "STT;Số thuê bao;Họ và tên;Địa chỉ;Loại máy\n"
    "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri;Nokia 1280\n"
    "2;0868123457;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri;Nokia 105\n"
    "3;0868123458;Lò Thị Cúc;Khối 2, Phường Lương Văn Tri;Nokia 1280\n"
)
SEP = AUG + "4;0868123459;Hà Văn Dũng;Khối 2, Phường Lương Văn Tri;Itel it2160\n"


def load(world: World) -> None:
    for day, text in ((datetime.date(2024, 8, 1), AUG), (datetime.date(2024, 9, 1), SEP)):
        content = text.encode()
        import_list(
            read_file(content, "v.csv"), content=content, operator=world.operator, area=world.province, as_of=day
        )


def shown(world: World, user: object, **params: object) -> str:
    page = logged_in(user).get(reverse("subscribers:registry"), {"unit": world.ward_a.pk, **params})  # type: ignore[arg-type]
    assert page.status_code == 200
    return page.content.decode()


def test_filters_by_device_and_first_listed_date(world: World) -> None:
    load(world)
    assert shown(world, world.reporter_a).count("086****") == 4
    by_device = shown(world, world.reporter_a, device="nokia 1280")
    assert ("Lò Thị Cúc" in by_device, "Hà Văn Dũng" in by_device, by_device.count("086****")) == (True, False, 2)
    september = shown(world, world.reporter_a, **{"from": "01/09/2024"})
    assert ("Hà Văn Dũng" in september, september.count("086****")) == (True, 1)
    august = shown(world, world.reporter_a, to="31/08/2024")
    assert ("Hà Văn Dũng" in august, august.count("086****")) == (False, 3)
    village = shown(world, world.reporter_a, unit=world.villages_a[1].pk)
    assert village.count("086****") == 2  # Khối 2: Cúc and Dũng


def test_keyset_pages_follow_id_order_across_villages(world: World) -> None:
    load(world)
    client = logged_in(world.reporter_a)
    from switchoff.subscribers import views

    original, views.PAGE_SIZE = views.PAGE_SIZE, 3
    try:
        first = client.get(reverse("subscribers:registry"), {"unit": world.ward_a.pk})
        ids = [s.pk for s, _masked in first.context["rows"]]
        second = client.get(
            reverse("subscribers:registry"), {"unit": world.ward_a.pk, "after": first.context["next_after"]}
        )
        ids += [s.pk for s, _masked in second.context["rows"]]
    finally:
        views.PAGE_SIZE = original
    assert ids == sorted(Subscriber.objects.values_list("pk", flat=True))
    assert second.context["next_after"] is None


def rows_of(content: bytes) -> list[list[object]]:
    return [list(r) for r in load_workbook(BytesIO(content)).active.iter_rows(values_only=True)]


def test_export_is_masked_unless_the_role_reveals_and_every_export_is_logged(world: World) -> None:
    load(world)
    response = export(logged_in(world.reporter_a), {"unit": str(world.ward_a.pk), "device": "nokia"})
    rows = rows_of(content(response))
    assert rows[2][:3] == ["STT", "Số thuê bao", "Họ và tên"]
    assert [r[1] for r in rows[3:]] == ["086****456", "086****457", "086****458"]
    assert export(logged_in(world.reporter_a), {"unit": str(world.ward_a.pk), "full": "1"}).status_code == 403
    # A team member may call the people of their villages: full numbers, logged with the rows.
    village = world.villages_a[0]
    response = export(logged_in(world.member_a), {"unit": str(village.pk), "full": "1"})
    assert [r[1] for r in rows_of(content(response))[3:]] == ["0868 123 456", "0868 123 457"]
    full = NumberView.objects.get(purpose="export")
    assert (full.user, sorted(full.subscriber_ids)) == (
        world.member_a,
        sorted(Subscriber.objects.filter(unit=village).values_list("pk", flat=True)),
    )
    assert NumberView.objects.filter(purpose="export-masked", user=world.reporter_a).count() == 1
    assert AuditEvent.objects.filter(action="subscribers.list.exported").count() == 2


def test_same_name_and_address_is_suggested_as_a_household_and_confirmed_once(world: World) -> None:
    load(world)
    client = logged_in(world.reporter_a)
    page = client.get(reverse("subscribers:households"), {"unit": world.ward_a.pk})
    [(suggestion, members)] = page.context["suggestions"]
    assert suggestion.name == "Nguyễn Văn An" and [m for _s, m in members] == ["086****456", "086****457"]
    ids = [s.pk for s, _m in members]
    for _attempt in range(2):  # a retried confirmation makes no second household
        client.post(reverse("subscribers:households"), {"unit": world.ward_a.pk, "subscriber": ids})
    household = Household.objects.get()
    assert sorted(household.members.values_list("pk", flat=True)) == sorted(ids)
    assert client.get(reverse("subscribers:households"), {"unit": world.ward_a.pk}).context["suggestions"] == []
    detail = client.get(reverse("subscribers:detail", args=[ids[0]])).content.decode()
    assert "086****457" in detail
    # Someone of another ward cannot group these numbers.
    response = logged_in(world.reporter_b).post(
        reverse("subscribers:households"), {"unit": world.ward_a.pk, "subscriber": ids}
    )
    assert response.status_code in {403, 404}


def test_the_guessed_encoding_and_separator_can_be_changed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    content = to_cp1258(AUG.replace(";", "|"))
    client = logged_in(world.operator_staff)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, data, SimpleUploadedFile("v.txt", content))
    assert (page.context["encoding"], page.context["separator"]) == ("cp1258", "|")
    assert page.context["checked"].good == 3
    wrong = recheck_on_page(client, page, separator=";", encoding="cp1258")
    assert wrong.context["separator"] == ";" and wrong.context["checked"].good == 0
    right = recheck_on_page(client, page, separator="|", encoding="cp1258")
    confirmed = confirm_on_page(client, right)
    assert confirmed.status_code == 302
    job = ImportJob.objects.get()
    assert (job.encoding, job.separator, job.status) == ("cp1258", "|", ImportJob.Status.DONE)
    assert sorted(Subscriber.objects.values_list("name", flat=True)) == ["Lò Thị Cúc", "Nguyễn Văn An", "Nguyễn Văn An"]


def test_an_unrecognised_address_is_listed_and_assigned_by_a_person(world: World) -> None:
    content = (
        "STT;Số thuê bao;Họ và tên;Địa chỉ\n"
        "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri\n"
        "2;0868123460;Mã Văn Lạ;Bản Không Biết, Xã Không Có\n"
    ).encode()
    day = datetime.date(2024, 8, 1)
    import_list(read_file(content, "v.csv"), content=content, operator=world.operator, area=world.province, as_of=day)
    lost = Subscriber.objects.get(msisdn="+84868123460")
    assert lost.unit is None
    coordinator = logged_in(world.coordinator)
    page = coordinator.get(reverse("subscribers:registry"), {"unit": str(world.province.pk), "unassigned": "1"})
    assert [s.pk for s, _m in page.context["rows"]] == [lost.pk]
    # A ward official cannot see (let alone assign) a subscriber not yet in their ward.
    assert logged_in(world.reporter_a).post(reverse("subscribers:assign", args=[lost.pk])).status_code == 404
    village = world.villages_a[2]
    for _attempt in range(2):  # retried: one event, one move in the counters
        coordinator.post(reverse("subscribers:assign", args=[lost.pk]), {"unit": village.pk})
    lost.refresh_from_db()
    assert lost.unit == village
    assert [e.kind for e in lost.events.all()] == ["assigned"]
    assert unit_counts(village).listed == 1
    assert AuditEvent.objects.filter(action="subscribers.subscriber.assigned", actor=world.coordinator).count() == 1
    # The ward now sees them, and the next list without an address keeps the unit.
    assert "Mã Văn Lạ" in logged_in(world.reporter_a).get(reverse("subscribers:registry")).content.decode()
    later = datetime.date(2024, 9, 1)
    import_list(
        read_file(content, "v2.csv"), content=content + b"\n", operator=world.operator, area=world.province, as_of=later
    )
    lost.refresh_from_db()
    assert (lost.unit, lost.status) == (village, "listed")


def test_the_check_summary_counts_problems_by_reason(world: World) -> None:
    content = (
        AUG + "4;09l2345678;Sai Số;Khối 2, Phường Lương Văn Tri;Nokia\n5;0868123456;Trùng;Khối 1;Nokia\n"
    ).encode()
    client = logged_in(world.operator_staff)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, data, SimpleUploadedFile("v.csv", content))
    assert page.context["checked"].by_reason() == [
        ("error", "Số có chứa chữ cái hoặc ký hiệu", 1),
        ("error", "Số này đã có ở một dòng phía trên của tệp (dòng …)", 1),
    ]
    html = page.content.decode()
    assert "Số có chứa chữ cái hoặc ký hiệu: <b>1</b>" in html


def test_a_suggested_household_can_be_dismissed_once_for_all(world: World) -> None:
    load(world)
    client = logged_in(world.reporter_a)
    url = reverse("subscribers:households")
    [(suggestion, _members)] = client.get(url, {"unit": world.ward_a.pk}).context["suggestions"]
    dismiss = {"unit": world.ward_a.pk, "search_name": suggestion.search_name, "address": suggestion.address}
    assert logged_in(world.reporter_b).post(url, {**dismiss, "dismiss": "1"}).status_code in {403, 404}
    for _attempt in range(2):  # retried: one dismissal, one audit row
        client.post(url, {**dismiss, "dismiss": "1"})
    assert client.get(url, {"unit": world.ward_a.pk}).context["suggestions"] == []
    assert AuditEvent.objects.filter(action="subscribers.household.dismissed").count() == 1
    assert not Household.objects.exists()
