"""Banners and posters in Chromium, in Vietnamese: a member records a placement offline with a photo on a 360 px
phone, it syncs once; the commune's page lists it expiring, then expired after the cut-off, until it is taken down
(screenshots in var/screenshots)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from switchoff.banners.models import Placement
from switchoff.reports.models import Activity
from tests.conftest import CHROMIUM, World, build_world
from tests.fieldwork_helpers import Field, open_field
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_browser_field import READ_IDB
from tests.test_browser_field_sync import enrol_as, phone, shot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def field_world(transactional_db: None, settings: Any) -> tuple[World, Field]:
    settings.FIELD_RETRY_FIRST_S = 1
    settings.FIELD_RETRY_MAX_S = 3
    world = build_world()
    field = open_field(world)
    # The switch-off is three days away.
    field.campaign.cutoff_date = timezone.localdate() + datetime.timedelta(days=3)
    field.campaign.save(update_fields=["cutoff_date"])
    return world, field


def test_a_member_records_banners_offline_with_a_photo_and_the_commune_sees_them_expire(
    browser: Browser, live_server: object, field_world: tuple[World, Field], tmp_path: Path, monkeypatch: Any
) -> None:
    from PIL import Image

    world, _field = field_world
    photo = tmp_path / "IMG_20261207_0930.jpg"
    Image.linear_gradient("L").resize((2000, 1500)).convert("RGB").save(photo, "JPEG")
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    expect(page.locator("#send-now")).to_be_enabled()
    context.set_offline(True)
    page.locator("#banners").click()
    expect(page.get_by_role("heading", name="Băng rôn, áp phích")).to_be_visible()
    page.locator("#add-banner").click()
    page.get_by_label("Loại").select_option(label="Phướn")
    page.get_by_label("Số lượng").fill("4")
    page.get_by_label("Thôn, khối phố hoặc tổ dân phố").select_option(label="Khối 2")
    page.get_by_label("Vị trí cụ thể (đường, công trình)").fill("Cổng chợ Khối 2")
    page.locator("#banner-photo").set_input_files(photo)
    expect(page.locator("#banner-preview img")).to_be_visible()
    shot(page, "field-banner-new-vi-360.png")
    page.locator("#save-banner").click()
    expect(page.locator("#banners-unsent")).to_contain_text("1 điểm treo chưa gửi")
    # Kept on the phone across a reload without signal.
    page.reload()
    expect(page.locator("#banners-unsent")).to_contain_text("1 điểm treo chưa gửi")
    assert len(page.evaluate(READ_IDB)["placements"]) == 1
    assert not Placement.objects.exists()

    context.set_offline(False)
    page.locator("#send-now").click()
    expect(page.locator("#banners-unsent")).to_have_count(0)
    expect(page.locator("#banners-list li.placement")).to_have_count(1)
    expect(page.locator("#banners-list")).to_contain_text("4 × Phướn")
    expect(page.locator("#banners-list")).to_contain_text("sắp hết hạn")
    shot(page, "field-banners-vi-360.png")
    # A second sync sends nothing again: one placement, one activity of the log, one photo.
    page.locator("#send-now").click()
    expect(page.locator("#send-now")).to_be_enabled()
    placement = Placement.objects.get()
    assert placement.quantity == 4 and placement.unit == world.team_a and placement.place == world.villages_a[1]
    assert placement.photo and placement.until is None
    assert Activity.objects.filter(form__code="banner").count() == 1
    assert Activity.objects.get(form__code="banner").unit == world.committee_a
    assert page.evaluate(READ_IDB)["placements"] == []

    # The ward's reporter sees them on the commune's page, expiring.
    office = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    desk = office.new_page()
    log_in(desk, base, "reporter.a")
    desk.goto(f"{base}/units/{world.ward_a.pk}/")
    expect(desk.locator("#commune-banners #banners-expiring")).to_contain_text("4 × Phướn")
    expect(desk.locator("#commune-banners #banners-expiring")).to_contain_text("Cổng chợ Khối 2")
    desk.locator("#commune-banners").scroll_into_view_if_needed()
    desk.screenshot(path=str(SCREENSHOTS / "commune-banners-expiring-vi-1366.png"), full_page=True)

    # Ten days later the switch-off has passed: listed as expired, still hanging, until checked off.
    later = timezone.now() + datetime.timedelta(days=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    log_in(desk, base, "reporter.a")
    desk.goto(f"{base}/banners/units/{world.ward_a.pk}/")
    expired = desk.locator("#banners-expired")
    expect(expired).to_contain_text("4 × Phướn")
    expect(expired).to_contain_text("đã hết hạn")
    desk.set_viewport_size({"width": 360, "height": 800})
    desk.screenshot(path=str(SCREENSHOTS / "banners-expired-vi-360.png"), full_page=True)
    expired.get_by_role("button", name="Đã tháo").click()
    expect(desk.locator("#banners-down")).to_contain_text("4 × Phướn")
    expect(desk.locator("#banners-expired")).to_contain_text("Không có.")
    placement.refresh_from_db()
    assert placement.taken_down_on == later.astimezone(timezone.get_current_timezone()).date()
    assert not [e for e in errors if "favicon" not in e], errors
    office.close()
    context.close()


def test_a_member_without_banners_sees_a_sentence_not_an_empty_list(
    browser: Browser, live_server: object, field_world: tuple[World, Field]
) -> None:
    context = phone(browser)
    page = enrol_as(context, str(live_server), "member.a")
    page.locator("#banners").click()
    expect(page.locator("#banners-empty")).to_contain_text("Chưa có băng rôn nào của tổ đang treo")
    expect(page.locator("#banners-empty")).to_contain_text("được liệt kê đến ngày cuối cùng")
    expect(page.locator("#banners-list")).to_have_count(0)
    shot(page, "field-banners-empty-vi-360.png")
    context.close()
