"""The device check in the browser: a GSMA table imported through the page, a bulk file classified and
downloaded, and the public page at 360 px in both languages (screenshots in var/screenshots)."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from switchoff.devices.models import DeviceModel
from tests.conftest import CHROMIUM, World, build_world
from tests.devices_helpers import gsma_table, imei_of
from tests.reporting import make_campaign
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def devices_world(transactional_db: None) -> World:
    world = build_world()
    campaign = make_campaign(world)
    campaign.support_contacts = "Đường dây hỗ trợ: 0205 0000 000\nCửa hàng của nhà mạng gần nhất"
    campaign.save()
    return world


def test_coordinator_imports_a_gsma_table_then_classifies_a_bulk_file(
    browser: Browser,
    live_server: object,
    devices_world: World,
    tmp_path: Path,
) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    device = TOTPDevice.objects.create(user=devices_world.coordinator, name="app", confirmed=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "coordinator")
    page.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Tiếp tục").click()
    table = tmp_path / "gsma_tac.txt"
    table.write_bytes(gsma_table() + b"123|Bad row|X|Y|GSM 900||||||||||||\n")
    page.goto(f"{base}/device/import/")
    page.locator("#id_file").set_input_files(str(table))
    page.locator("main form button").first.click()
    expect(page.locator("#check-summary")).to_contain_text("5")
    expect(page.locator("table.problems")).to_contain_text("A")
    page.screenshot(path=str(SCREENSHOTS / "devices-import-check-1366.png"), full_page=True)
    page.locator("button[name=confirm]").click()
    expect(page.locator(".messages")).to_be_visible()
    # Written by the worker (at once here): the page lists the job with what it wrote.
    expect(page.locator("#device-jobs tr.job-done")).to_contain_text("gsma_tac.txt")
    page.screenshot(path=str(SCREENSHOTS / "devices-import-jobs-1366.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "devices-import-jobs-360.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    assert DeviceModel.objects.count() == 4

    bulk = tmp_path / "imeis.csv"
    bulk.write_text(f"STT,IMEI\n1,{imei_of('35000001')}\n2,{imei_of('35000004')}\n3,12345\n")
    page.goto(f"{base}/device/bulk/")
    page.locator("#id_file").set_input_files(str(bulk))
    with page.expect_download() as download:
        page.locator("main form button").first.click()
    rows = list(load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [imei_of("35000001"), imei_of("35000004"), "12345"]
    assert len({r[2] for r in rows[1:]}) == 3  # three different verdicts
    context.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_public_page_at_360_px(browser: Browser, live_server: object, devices_world: World, language: str) -> None:
    from switchoff.devices.importer import check_table
    from switchoff.devices.services import devices_import
    from switchoff.lib.sheets import read_file

    devices_import(actor=None, checked=check_table(read_file(gsma_table(), "tac.txt")), source="tac.txt")
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale=language)
    page = context.new_page()
    page.goto(f"{base}/device/")
    if language == "en":
        page.locator("form.lang button").click()
    page.screenshot(path=str(SCREENSHOTS / f"devices-public-{language}-360.png"), full_page=True)
    page.locator("#id_imei").fill(imei_of("35000001"))
    page.locator("button[name=by][value=imei]").click()
    expect(page.locator("#answer")).to_have_class("verdict bad")
    expect(page.locator("#support")).to_contain_text("0205 0000 000")
    page.screenshot(path=str(SCREENSHOTS / f"devices-public-{language}-answer-360.png"), full_page=True)
    page.locator("#id_imei").fill("35000001123456X")
    page.locator("button[name=by][value=imei]").click()
    expect(page.locator("#answer")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"devices-public-{language}-refused-360.png"), full_page=True)
    page.locator("#id_imei").fill("")
    page.locator("#id_model").fill("acme")
    page.locator("button[name=by][value=model]").click()
    expect(page.locator("#models .verdict")).to_have_count(4)
    page.screenshot(path=str(SCREENSHOTS / f"devices-public-{language}-models-360.png"), full_page=True)
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


@pytest.mark.parametrize("width", [360, 1366])
def test_the_registry_shows_each_subscribers_phone_and_filters_by_it(
    browser: Browser,
    live_server: object,
    devices_world: World,
    width: int,
) -> None:
    from switchoff.devices.importer import check_table
    from switchoff.devices.services import devices_import
    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.models import Subscriber
    from tests.test_device_registry import _now_through_the_service

    devices_import(actor=None, checked=check_table(read_file(gsma_table(), "tac.txt")), source="tac.txt")
    _now_through_the_service(devices_world)
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, base, "reporter.a")
    page.goto(f"{base}/registry/?unit={devices_world.ward_a.pk}")
    rows = page.locator("#subscribers tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("#subscribers")).to_contain_text("Chỉ có 2G")
    page.screenshot(path=str(SCREENSHOTS / f"registry-phones-{width}.png"), full_page=True)
    page.locator("#class").select_option(label="Chỉ có 2G")
    page.locator("#filters button").first.click()
    expect(rows).to_have_count(1)
    rows.first.locator("a").click()
    expect(page.locator("#device-class")).to_have_text("Chỉ có 2G")
    expect(page.locator("#phone")).to_contain_text("16/09/2024")
    page.screenshot(path=str(SCREENSHOTS / f"subscriber-phone-{width}.png"), full_page=True)
    assert Subscriber.objects.filter(device_class=2).count() == 1
    context.close()
