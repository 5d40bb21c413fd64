"""Support programmes and phone shops in the browser, in Vietnamese: a coordinator defines a programme (1366 px),
a member refers a visited person from their phone (360 px), the operator approves and records the delivery (a
2G-only IMEI refused with its reason, then a 4G one), a second referral of the household is refused naming the
delivery, and a member records a shop selling two 2G-only phones, whose verdicts are shown (360 px)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from switchoff.devices.importer import check_table
from switchoff.devices.services import devices_import
from switchoff.lib.sheets import read_file
from switchoff.programmes.models import Delivery, Programme
from switchoff.shops.services import ShopInput, shop_register
from switchoff.subscribers.services import household_confirm
from tests.conftest import CHROMIUM, World, build_world
from tests.devices_helpers import gsma_table, imei_of
from tests.fieldwork_helpers import Field, open_field
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def field_world(transactional_db: None) -> tuple[World, Field]:
    world = build_world()
    devices_import(actor=None, checked=check_table(read_file(gsma_table(), "tac.txt")), source="tac.txt")
    field = open_field(world)
    ids = [i for i in (field.an.subscriber_id, field.hoa.subscriber_id) if i is not None]
    household_confirm(actor=world.reporter_a, unit=world.ward_a, subscriber_ids=ids)
    return world, field


def test_a_programme_from_definition_to_delivery_and_a_shop_inspection(
    browser: Browser, live_server: object, field_world: tuple[World, Field], tmp_path: Path
) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world, field = field_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The coordinator defines Viettel's programme for the province, with a stock for the ward.
    device = TOTPDevice.objects.create(user=world.coordinator, name="app", confirmed=True)
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    log_in(desk, base, "coordinator")
    desk.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    desk.get_by_role("button", name="Tiếp tục").click()
    desk.goto(f"{base}/programmes/")
    desk.locator("#new-programme").click()
    desk.locator("#id_campaign").select_option(str(field.campaign.pk))
    desk.locator("#id_name").fill("Tặng điện thoại 4G cho hộ khó khăn")
    desk.locator("#id_sponsor").select_option("operator")
    desk.locator("#id_sponsor_name").fill("Viettel")
    desk.locator("#id_owner").select_option(str(world.operator.pk))
    desk.locator("#id_benefit").select_option("feature_phone")
    desk.locator("#id_documents").fill("CCCD của chủ hộ")
    desk.locator("#id_area").select_option(str(world.province.pk))
    desk.locator("#id_starts_on").fill("01/01/2025")
    desk.locator("#id_ends_on").fill("31/12/2030")
    desk.locator("#id_stock").fill("Phường Lương Văn Tri: 100")
    desk.screenshot(path=str(SCREENSHOTS / "programme-define-1366.png"), full_page=True)
    desk.locator("#programme-form button").click()
    expect(desk.locator("#programme-facts")).to_contain_text("CCCD của chủ hộ")
    expect(desk.locator("#stock")).to_contain_text("100")
    desk.screenshot(path=str(SCREENSHOTS / "programme-detail-1366.png"), full_page=True)
    programme = Programme.objects.get()

    # The commune's official imports the ward's list of poor and near-poor households.
    from tests.test_programmes import _workbook

    workbook = tmp_path / "ho_ngheo_2025.xlsx"
    workbook.write_bytes(_workbook())
    official = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    log_in(official, base, "reporter.a")
    official.goto(f"{base}/programmes/")
    official.locator("#household-lists a").first.click()
    official.locator("#id_file").set_input_files(str(workbook))
    official.locator("#households-form button").click()
    expect(official.locator("#import-result")).to_contain_text("Đã nhập 2 hộ")
    expect(official.locator("#import-problems")).to_contain_text("Họ tên chủ hộ đang để trống")
    expect(official.locator("#category-counts")).to_contain_text("Hộ nghèo: 1")
    official.screenshot(path=str(SCREENSHOTS / "programme-households-import-1366.png"), full_page=True)
    # An's proposed match to the registry is confirmed; the proposal leaves the list.
    an_match = official.locator("#proposed-matches li").filter(has_text="Nguyễn Văn An")
    an_match.get_by_role("button", name="Cùng hộ").click()
    expect(official.locator(".messages")).to_contain_text("Đã xác nhận ghép")
    expect(official.locator("#proposed-matches li")).to_have_count(1)

    # The member, on their phone, refers An from An's case.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN").new_page()
    log_in(phone, base, "member.a")
    phone.goto(f"{base}/fieldwork/cases/{field.an.pk}/")
    phone.locator("#refer").click()
    expect(phone.locator("#judged")).to_contain_text("Đủ điều kiện")
    phone.locator("#id_programme").select_option(str(programme.pk))
    phone.locator("#refer-form button").click()
    expect(phone.locator("#referral-state")).to_have_text("Chờ duyệt")
    phone.screenshot(path=str(SCREENSHOTS / "programme-referred-360.png"), full_page=True)
    referral_url = phone.url

    # Viettel's staff approve, are refused a 2G-only phone with its reason, then record a 4G phone.
    shop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    log_in(shop, base, "viettel")
    shop.goto(referral_url)
    shop.get_by_role("button", name="Duyệt").click()
    expect(shop.locator("#referral-state")).to_have_text("Đã duyệt")
    shop.locator("#id_imei").fill(imei_of("35000001"))
    shop.locator("#id_place").fill("Cửa hàng Viettel Lương Văn Tri")
    shop.locator("#deliver-form button").click()
    expect(shop.locator("#deliver-form .errorlist")).to_contain_text("2G")
    shop.screenshot(path=str(SCREENSHOTS / "programme-delivery-2g-refused-1366.png"), full_page=True)
    shop.locator("#id_imei").fill(imei_of("35000004"))
    shop.locator("#deliver-form button").click()
    expect(shop.locator("#delivery")).to_contain_text(imei_of("35000004"))
    delivery = Delivery.objects.get()

    # Hoa is of An's household: her referral is refused, naming An's delivery.
    phone.goto(f"{base}/programmes/cases/{field.hoa.pk}/refer/")
    expect(phone.locator("#judged")).to_contain_text(f"lần trao số {delivery.pk}")
    phone.locator("#id_programme").select_option(str(programme.pk))
    phone.locator("#refer-form button").click()
    expect(phone.locator(".errorlist")).to_contain_text(f"lần trao số {delivery.pk}")
    phone.screenshot(path=str(SCREENSHOTS / "programme-second-refused-360.png"), full_page=True)

    # A shop of Khối 1 found selling two 2G-only phones: each IMEI with its verdict.
    found = shop_register(actor=world.reporter_a, place=world.villages_a[0], given=ShopInput(name="Minh Anh Mobile"))
    phone.goto(f"{base}/shops/{found.pk}/")
    phone.locator("#id_informed").check()
    phone.locator("#id_phones").fill(f"{imei_of('35000001')}\n{imei_of('35000001', '777777')}")
    phone.locator("#inspection-form button").click()
    expect(phone.locator("#inspections .item-verdict")).to_have_count(2)
    expect(phone.locator("#inspections")).to_contain_text("2 máy không có 4G")
    phone.screenshot(path=str(SCREENSHOTS / "shop-inspection-360.png"), full_page=True)
    desk.goto(f"{base}/shops/?which=non_compliant")
    expect(desk.locator("#shops")).to_contain_text("Minh Anh Mobile")
    desk.screenshot(path=str(SCREENSHOTS / "shops-non-compliant-1366.png"), full_page=True)
