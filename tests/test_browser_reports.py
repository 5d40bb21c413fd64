"""The monthly report end to end in the browser: log, grid, report, return, correct, accept, completeness."""

from __future__ import annotations

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from switchoff.lib.months import add_months, first_of_month, last_of_month
from tests.conftest import CHROMIUM, World, build_world
from tests.reporting import make_campaign
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def report_world(transactional_db: None) -> World:
    """A campaign running now, reported on for last month, with time left to correct reports."""
    world = build_world()
    today = timezone.localdate()
    make_campaign(
        world,
        start_date=add_months(first_of_month(today), -3),
        end_date=last_of_month(add_months(first_of_month(today), 2)),
        lock_days=60,
    )
    return world


def last_month() -> datetime.date:
    return add_months(first_of_month(timezone.localdate()), -1)


def log_activity(page: Page, day: str, form: str, count: str) -> None:
    page.get_by_label("Ngày (dd/mm/yyyy)").fill(day)
    page.get_by_label("Hình thức truyền thông").select_option(label=form)
    page.get_by_label("Số lượng").fill(count)
    page.get_by_role("button", name="Ghi nhận").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận hoạt động")


def test_monthly_report_from_log_to_acceptance(browser: Browser, live_server: object, report_world: World) -> None:
    world = report_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reporter = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    log_in(reporter, base, "reporter.a")
    reporter.get_by_role("link", name="Lộ trình dừng công nghệ di động 2G").first.click()
    reporter.get_by_role("link", name="Nhật ký hoạt động").first.click()
    month = last_month()
    log_activity(reporter, f"05/{month:%m/%Y}", "Phát thanh trên loa truyền thanh cơ sở (lượt phát)", "3")
    log_activity(reporter, f"12/{month:%m/%Y}", "Phát thanh trên loa truyền thanh cơ sở (lượt phát)", "4")
    log_activity(reporter, f"20/{month:%m/%Y}", "Hội nghị, họp dân (buổi)", "1")
    reporter.get_by_label("Tháng").select_option(f"{month:%Y-%m}")
    reporter.get_by_role("button", name="Xem").click()
    expect(reporter.locator("#activity-log li")).to_have_count(3)
    reporter.screenshot(path=str(SCREENSHOTS / "activities-360.png"), full_page=True)

    reporter.get_by_role("link", name="Nhập nhiều ngày một lúc (bảng)").click()
    reporter.get_by_label(f"01/{month:%m} Phát thanh trên loa truyền thanh cơ sở").fill("2")
    reporter.get_by_label(f"02/{month:%m} Phát thanh trên loa truyền thanh cơ sở").fill("1")
    reporter.get_by_role("button", name="Lưu bảng").click()
    expect(reporter.locator(".messages")).to_contain_text("Số ô thêm mới: 2")

    reporter.get_by_role("link", name=f"Báo cáo {month:%m/%Y}").click()
    # 3 + 4 + 2 + 1 broadcasts and 1 meeting, prefilled from the log: never added together.
    expect(reporter.locator("#report-total")).to_have_text("10 lượt phát; 1 buổi")
    expect(
        reporter.get_by_label("Phát thanh trên loa truyền thanh cơ sở Hệ thống loa truyền thanh cơ sở")
    ).to_have_value("10")
    reporter.get_by_label("Kết quả khác (nội dung tự do)").fill("Đã hướng dẫn 15 hộ chuyển sang 4G.")
    reporter.screenshot(path=str(SCREENSHOTS / "report-360.png"), full_page=True)
    reporter.get_by_role("button", name="Gửi báo cáo").click()
    # Submitting asks once, on a page that says what will happen.
    expect(reporter.locator("#what-will-happen")).to_contain_text("Bạn sắp gửi báo cáo")
    reporter.screenshot(path=str(SCREENSHOTS / "confirm-submit-360.png"), full_page=True)
    reporter.get_by_role("button", name="Đồng ý, gửi báo cáo").click()
    expect(reporter.locator("#report-status")).to_have_text("Đã gửi")

    coordinator = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.coordinator, name="app", confirmed=True)
    log_in(coordinator, base, "coordinator")
    coordinator.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    coordinator.get_by_role("button", name="Tiếp tục").click()
    report_url = re.sub(r"^https?://[^/]+", base, reporter.url)
    coordinator.goto(report_url)
    coordinator.get_by_role("link", name="Trả lại báo cáo").click()
    expect(coordinator.locator("#what-will-happen")).to_contain_text("Bạn sắp trả lại báo cáo")
    coordinator.get_by_label("Lý do").fill("Thiếu số buổi họp dân ở khối 2.")
    coordinator.get_by_role("button", name="Đồng ý, trả lại báo cáo").click()
    expect(coordinator.locator("#report-status")).to_have_text("Bị trả lại")

    reporter.reload()
    expect(reporter.locator("#return-reason")).to_contain_text("Thiếu số buổi họp dân ở khối 2.")
    reporter.get_by_label("Hội nghị, họp dân Trực tiếp").fill("2")
    reporter.get_by_role("button", name="Gửi báo cáo").click()
    reporter.get_by_role("button", name="Đồng ý, gửi báo cáo").click()
    expect(reporter.locator("#report-total")).to_have_text("10 lượt phát; 2 buổi")

    coordinator.goto(report_url)
    coordinator.get_by_role("link", name="Chấp nhận báo cáo").click()
    expect(coordinator.locator("#what-will-happen")).to_contain_text("Bạn sắp chấp nhận báo cáo")
    coordinator.screenshot(path=str(SCREENSHOTS / "confirm-accept-1366.png"), full_page=True)
    coordinator.get_by_role("button", name="Đồng ý, chấp nhận báo cáo").click()
    expect(coordinator.locator("#report-status")).to_have_text("Đã chấp nhận")

    # The coordinator's home page lists the units to chase; the completeness page reminds them.
    coordinator.goto(f"{base}/")
    expect(coordinator.locator("#home-to-chase li")).to_have_count(2)
    coordinator.screenshot(path=str(SCREENSHOTS / "home-coordinator-vi-1366.png"), full_page=True)

    coordinator.goto(f"{base}/campaigns/")
    coordinator.get_by_role("link", name="Lộ trình dừng công nghệ di động 2G").first.click()
    coordinator.get_by_role("link", name="Mức độ đầy đủ và đúng hạn").click()
    coordinator.get_by_label("Tháng").select_option(f"{month:%Y-%m}")
    coordinator.get_by_role("button", name="Xem").click()
    # Three units expected (two wards' committees and Viettel); one report in, submitted after the 10th.
    if timezone.localdate().day < 10:
        # Before the 10th last month's deadline is still ahead: no rates yet, the days left instead.
        expect(coordinator.locator("#rates-later")).to_be_visible()
        expect(coordinator.locator("#due-text")).to_contain_text("ngày")
        expect(coordinator.locator("#completeness-rate")).to_have_count(0)
    else:
        expect(coordinator.locator("#completeness-rate")).to_have_text("33,3 %")
        expect(coordinator.locator("#timeliness-rate")).to_have_text("0,0 %")
    expect(coordinator.locator("#to-chase li")).to_have_count(2)
    coordinator.get_by_role("button", name="Nhắc tất cả đơn vị chưa gửi báo cáo").click()
    expect(coordinator.locator("#to-chase .reminded")).to_have_count(2)
    coordinator.screenshot(path=str(SCREENSHOTS / "completeness-1366.png"), full_page=True)
    coordinator.get_by_role("button", name="English").click()
    coordinator.goto(f"{base}/")
    expect(coordinator.locator("#home-to-chase")).to_contain_text(re.compile("not started|missing"))
    coordinator.screenshot(path=str(SCREENSHOTS / "home-coordinator-en-1366.png"), full_page=True)
    coordinator.set_viewport_size({"width": 360, "height": 800})
    coordinator.screenshot(path=str(SCREENSHOTS / "home-coordinator-en-360.png"), full_page=True)
    reporter.goto(f"{base}/")
    expect(reporter.locator(".activities-so-far").first).to_be_visible()
    reporter.screenshot(path=str(SCREENSHOTS / "home-reporter-vi-360.png"), full_page=True)
    reporter.set_viewport_size({"width": 1366, "height": 900})
    reporter.screenshot(path=str(SCREENSHOTS / "home-reporter-vi-1366.png"), full_page=True)
    reporter.get_by_role("button", name="English").click()
    expect(reporter.locator(".activities-so-far").first).to_contain_text("so far")
    reporter.screenshot(path=str(SCREENSHOTS / "home-reporter-en-1366.png"), full_page=True)
    reporter.set_viewport_size({"width": 360, "height": 800})
    reporter.screenshot(path=str(SCREENSHOTS / "home-reporter-en-360.png"), full_page=True)
    # No request may still be in flight when the test database is flushed.
    reporter.context.close()
    coordinator.context.close()
