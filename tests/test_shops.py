"""Phone shops: registered per commune, inspected (phones without 4G found, each with its verdict), followed up."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from switchoff.audit.models import AuditEvent
from switchoff.devices.importer import check_table
from switchoff.devices.services import devices_import
from switchoff.lib.sheets import read_file
from switchoff.programmes.reporting import counts_for
from switchoff.reports.models import Activity
from switchoff.shops import services
from switchoff.shops.models import Inspection, InspectionItem, Shop
from switchoff.shops.selectors import shop_counts, shop_list
from tests.conftest import World, logged_in
from tests.devices_helpers import gsma_table, imei_of
from tests.reporting import make_campaign


@pytest.fixture
def devices(world: World) -> None:
    devices_import(actor=None, checked=check_table(read_file(gsma_table(), "tac.txt")), source="tac.txt")


def _shop(world: World, name: str = "Điện thoại Minh Anh") -> Shop:
    return services.shop_register(
        actor=world.reporter_a, place=world.villages_a[0], given=services.ShopInput(name=name, owner_name="Lê Minh Anh")
    )


@pytest.mark.django_db
def test_an_inspection_keeps_each_phone_found_with_its_verdict(world: World, devices: None) -> None:
    shop = _shop(world)
    inspection = services.inspection_record(
        actor=world.member_a,
        shop=shop,
        given=services.InspectionInput(
            inspected_on=timezone.localdate(),
            informed=True,
            commitment_signed=False,
            phones=[imei_of("35000001"), f"  {imei_of('35000002', '654321')} ", "Acme Torch 2G", "Hãng lạ X1"],
        ),
    )
    verdicts = list(inspection.items.values_list("verdict", "device"))
    assert verdicts == [("stops", "Acme Torch 2G"), ("until_3g", "Acme Lantern 3G"), ("stops", "Acme Torch 2G"),
                        ("unknown", "")]  # fmt: skip
    assert inspection.found == 4
    assert AuditEvent.objects.filter(action="shops.inspection.recorded").exists()


@pytest.mark.django_db
def test_a_retried_inspection_is_one_inspection(world: World, devices: None) -> None:
    shop = _shop(world)
    key = uuid.uuid4()
    given = services.InspectionInput(
        inspected_on=timezone.localdate(), informed=True, commitment_signed=True, phones=[imei_of("35000001")],
        client_key=key,
    )  # fmt: skip
    services.inspection_record(actor=world.member_a, shop=shop, given=given)
    services.inspection_record(actor=world.member_a, shop=shop, given=given)
    assert Inspection.objects.count() == 1
    assert InspectionItem.objects.count() == 1


@pytest.mark.django_db
def test_the_lists_of_a_commune(world: World, devices: None) -> None:
    never = _shop(world, "Cửa hàng chưa được thông báo")
    bad = _shop(world, "Cửa hàng còn bán máy 2G")
    today = timezone.localdate()
    services.inspection_record(
        actor=world.reporter_a,
        shop=bad,
        given=services.InspectionInput(
            inspected_on=today, informed=True, commitment_signed=False, phones=[imei_of("35000001")],
            follow_up_on=today,
        ),
    )  # fmt: skip
    assert [s.pk for s in shop_list(world.reporter_a, which="never_informed")] == [never.pk]
    assert [s.pk for s in shop_list(world.reporter_a, which="non_compliant")] == [bad.pk]
    assert [s.pk for s in shop_list(world.reporter_a, which="follow_up_due")] == [bad.pk]
    counts = shop_counts(world.reporter_a, unit_id=world.ward_a.pk)
    assert (counts.shops, counts.never_informed, counts.non_compliant, counts.follow_up_due) == (2, 1, 1, 1)
    assert list(shop_list(world.reporter_b)) == []


@pytest.mark.django_db
def test_an_inspection_in_the_future_is_refused_by_field(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.inspection_record(
            actor=world.member_a,
            shop=_shop(world),
            given=services.InspectionInput(
                inspected_on=timezone.localdate() + datetime.timedelta(days=1), informed=True, commitment_signed=False
            ),
        )
    assert "inspected_on" in refused.value.message_dict


@pytest.mark.django_db
def test_a_member_records_an_inspection_with_a_scan_on_the_page_and_the_scan_view_is_logged(
    world: World, devices: None
) -> None:
    shop = _shop(world)
    client = logged_in(world.member_a)
    answer = client.post(
        f"/shops/{shop.pk}/",
        {
            "inspected_on": timezone.localdate().strftime("%d/%m/%Y"),
            "informed": "on",
            "commitment_signed": "on",
            "commitment": SimpleUploadedFile("cam-ket.jpg", b"\xff\xd8\xff scan"),
            "phones": f"{imei_of('35000001')}\n{imei_of('35000001', '111111')}",
            "key": str(uuid.uuid4()),
        },
    )
    assert answer.status_code == 302
    page = client.get(f"/shops/{shop.pk}/").content.decode()
    assert page.count('class="tag legacy item-verdict"') == 2  # both 2G-only phones, each with its verdict
    inspection = Inspection.objects.get()
    assert client.get(f"/shops/inspections/{inspection.pk}/commitment/").status_code == 200
    assert AuditEvent.objects.filter(action="shops.commitment.viewed").count() == 1
    assert logged_in(world.reporter_b).get(f"/shops/inspections/{inspection.pk}/commitment/").status_code == 404


@pytest.mark.django_db
def test_an_inspection_through_the_api_answers_each_verdict(world: World, devices: None) -> None:
    from django.test import Client

    from switchoff.people.services import api_token_create

    shop = _shop(world)
    _token, raw = api_token_create(user=world.reporter_a, name="app")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    body = {"inspected_on": timezone.localdate().isoformat(), "informed": True,
            "phones": [imei_of("35000001"), imei_of("35000004")], "key": str(uuid.uuid4())}  # fmt: skip
    answer = client.post(f"/api/v1/shops/{shop.pk}/inspections", body, content_type="application/json")
    assert answer.status_code == 201
    assert [i["verdict"] for i in answer.json()["items"]] == ["stops", "fine"]
    again = client.post(f"/api/v1/shops/{shop.pk}/inspections", body, content_type="application/json")
    assert again.json()["id"] == answer.json()["id"]
    listed = client.get("/api/v1/shops/", {"which": "non_compliant"}).json()
    assert [s["id"] for s in listed] == [shop.pk]


@pytest.mark.django_db
def test_inspections_and_shops_informed_count_into_the_communes_report(world: World, devices: None) -> None:
    campaign = make_campaign(world, end_date=timezone.localdate() + datetime.timedelta(days=365))
    told, not_told = _shop(world), _shop(world, "Cửa hàng Hoa Mai")
    today = timezone.localdate()
    key = uuid.uuid4()
    for shop, informed, phones in [(told, True, [imei_of("35000001")]), (not_told, False, [])]:
        key = uuid.uuid4()
        given = services.InspectionInput(
            inspected_on=today, informed=informed, commitment_signed=False, phones=phones, client_key=key
        )
        services.inspection_record(actor=world.member_a, shop=shop, given=given)
    services.inspection_record(  # a retry of the last one counts nothing more
        actor=world.member_a, shop=not_told,
        given=services.InspectionInput(inspected_on=today, informed=False, commitment_signed=False, client_key=key),
    )  # fmt: skip
    by_form = dict(Activity.objects.filter(unit=world.committee_a).values_list("form__code").annotate(n=Sum("count")))
    assert by_form == {"shop_inspection": 2, "shop_informed": 1}
    assert Activity.objects.filter(campaign=campaign).count() == 3
    counts = counts_for(world.province)
    assert [(s.unit_id, s.informed, s.non_compliant) for s in counts.shops] == [(world.ward_a.pk, 1, 1)]


def _shops_workbook() -> bytes:
    from switchoff.lib import xlsx

    book = xlsx.new_workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH CƠ SỞ KINH DOANH ĐIỆN THOẠI DI ĐỘNG"])
    sheet.append(["STT", "Tên cửa hàng", "Chủ cửa hàng", "Địa chỉ", "Thôn/Tổ", "Số điện thoại", "Đại lý nhà mạng"])
    sheet.append([1, "Minh Anh Mobile", "Lê Minh Anh", "Số 3", "Khối 1", "0912345678", "Viettel"])
    sheet.append([2, "Điện thoại Hoa Mai", "Trần Hoa", "Số 8", "Khối 2", "", "Độc lập"])
    sheet.append([3, "", "Ai đó", "", "Khối 1", "", ""])
    sheet.append([4, "Minh Anh Mobile", "", "", "Khối 1", "", ""])
    sheet.append([5, "Shop Lạ", "", "", "Khối 99", "", "Mạng lạ"])
    return xlsx.to_bytes(book)


@pytest.mark.django_db
def test_the_communes_workbook_of_shops_is_imported_with_every_problem_by_row(world: World) -> None:
    from switchoff.shops.models import Shop

    upload = SimpleUploadedFile("cua_hang.xlsx", _shops_workbook())
    official = logged_in(world.reporter_a)
    page = official.post("/shops/import/", {"commune": world.ward_a.pk, "file": upload})
    assert page.status_code == 200
    problems = {(p.row, p.column, p.code) for p in page.context["problems"]}
    assert problems == {(5, "B", "shop_name"), (6, "B", "shop_repeated"), (7, "E", "shop_village"),
                        (7, "G", "shop_dealer")}  # fmt: skip
    shops = {s.name: s for s in Shop.objects.filter(unit=world.ward_a)}
    assert set(shops) == {"Minh Anh Mobile", "Điện thoại Hoa Mai", "Shop Lạ"}
    assert (
        shops["Minh Anh Mobile"].dealer_of == world.operator and shops["Minh Anh Mobile"].village == world.villages_a[0]
    )
    assert shops["Điện thoại Hoa Mai"].dealer_of is None and shops["Shop Lạ"].village is None
    # Imported again: nothing doubled.
    again = official.post(
        "/shops/import/", {"commune": world.ward_a.pk, "file": SimpleUploadedFile("c.xlsx", _shops_workbook())}
    )
    assert again.context["result"].created == 0 and Shop.objects.count() == 3
    assert AuditEvent.objects.filter(action="shops.shops.imported").count() == 2
    # Another ward's official cannot import into ward A.
    refused = logged_in(world.reporter_b).post(
        "/shops/import/", {"commune": world.ward_a.pk, "file": SimpleUploadedFile("c.xlsx", _shops_workbook())}
    )
    assert refused.status_code == 200 and "commune" in refused.context["form"].errors
