"""The audit trail in the browser: an administrator reads what happened, in words, on a phone and a desktop."""

from __future__ import annotations

import datetime
import os

import pytest
from playwright.sync_api import Browser, expect

from switchoff.subscribers.models import Subscriber
from switchoff.subscribers.services import number_reveal, registry_export_record
from switchoff.units.models import UnitKind
from switchoff.units.services import unit_create, unit_merge
from tests.conftest import CHROMIUM, World, build_world
from tests.security._disclosure import load_registry
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def audit_world(transactional_db: None) -> World:
    world = build_world()
    load_registry(world)
    an = Subscriber.objects.get(msisdn="+84868123456")
    registry_export_record(
        actor=world.admin, unit=world.ward_a, subscriber_ids=[an.pk, an.pk + 1], full=False, filters={}
    )
    registry_export_record(actor=world.admin, unit=world.ward_a, subscriber_ids=[an.pk], full=True, filters={})
    number_reveal(actor=world.admin, subscriber=an)
    village = UnitKind.objects.get(code="village")
    khoi = unit_create(actor=world.reporter_a, kind=village, name="Khối 9", parent=world.ward_a)
    unit_merge(actor=world.admin, unit=khoi, into=world.villages_a[0], last_day=datetime.date(2025, 6, 30))
    return world


@pytest.mark.parametrize("width", [360, 1366])
def test_administrator_reads_the_trail_in_words_and_filters_by_a_label(
    browser: Browser,
    live_server: object,
    audit_world: World,
    width: int,
) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=audit_world.admin, name="app", confirmed=True)
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN").new_page()
    log_in(page, base, "admin")
    page.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Tiếp tục").click()
    page.goto(f"{base}/audit/")
    rows = page.locator("table.events tbody")
    expect(rows).to_contain_text("Xuất danh sách thuê bao")
    expect(rows).to_contain_text("số đã che, 2 dòng")
    expect(rows).to_contain_text("số đầy đủ, 1 dòng")
    expect(rows).to_contain_text("Xem số thuê bao đầy đủ")
    expect(rows).to_contain_text("Sáp nhập đơn vị")
    expect(rows).not_to_contain_text("subscribers.")
    page.screenshot(path=str(SCREENSHOTS / f"audit-{width}.png"), full_page=True)

    page.locator("#f-action").select_option(label="Xuất danh sách thuê bao")
    page.get_by_role("button", name="Lọc").click()
    expect(rows.locator("tr")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / f"audit-filtered-{width}.png"), full_page=True)
    page.context.close()
