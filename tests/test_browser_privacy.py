"""A person's request in the browser: an official finds what is held, downloads it, erases the person (issue 28)."""

from __future__ import annotations

import io
import os

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from switchoff.privacy.registry import declared
from switchoff.subscribers.models import Subscriber
from tests.conftest import CHROMIUM, World, build_world
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_privacy import _counters, _run_campaign, scan_tables

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def request_world(transactional_db: None) -> World:
    world = build_world()
    _run_campaign(world)
    return world


def _coordinator(browser: Browser, base: str, world: World, width: int) -> Page:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.coordinator, name="app", confirmed=True)
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN", accept_downloads=True)
    tab = page.new_page()
    log_in(tab, base, "coordinator")
    tab.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    tab.get_by_role("button", name="Tiếp tục").click()
    return tab


@pytest.mark.parametrize("width", [360, 1366])
def test_an_official_answers_a_request_with_the_file_of_everything_then_erases_the_person(
    browser: Browser, live_server: object, request_world: World, width: int
) -> None:
    world, base = request_world, str(live_server)
    counters = _counters()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _coordinator(browser, base, world, width)
    page.goto(f"{base}/personal-data/requests/")
    expect(page.get_by_role("heading", name="Yêu cầu của người dân về dữ liệu cá nhân")).to_be_visible()
    page.get_by_label("Số điện thoại hoặc họ tên đầy đủ của người yêu cầu").fill("0868 123 456")
    page.get_by_label("Số hiệu yêu cầu").fill("Đơn số 12/2026")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_role("heading", name="Dữ liệu đang lưu về người này")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("#looks")).to_contain_text("Xem số đầy đủ")  # the team leader revealed the number
    page.screenshot(path=str(SCREENSHOTS / f"privacy-request-{width}.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("#person-file").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    kinds = [entry for entry in declared() if entry.label and entry.shown]
    assert len(book.worksheets) == len(kinds) + 2  # the summary, a sheet per kind, who looked
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert len(summary) == len(kinds) + 1  # each kind, and who looked
    # Every kind of record the campaign holds about An is in it: the list, the visit and its photo, the household,
    # the programme's referral and delivery, the commune's list of poor households, the text message, the opt-out.
    held = {str(entry.label) for entry in kinds}
    assert {kind for kind, rows in summary.items() if rows and kind in held} == held - {
        "Bỏ qua gợi ý hộ gia đình", "Lượt thăm gửi từ máy đã bị đăng xuất", "Xung đột do tổ trưởng giải quyết",
        "Lần kiểm tra cửa hàng điện thoại", "Cửa hàng điện thoại (chủ cửa hàng)", "Dòng lịch sử của thuê bao",
    }, summary  # fmt: skip
    everything = str([list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets])
    assert "Nguyễn Văn An" in everything and "hẹn con trai" in everything and "Leader A" in everything

    page.locator("#id_erase-reason").fill("Theo đơn của ông An")
    page.get_by_label("Tôi đã xác minh người này yêu cầu xóa toàn bộ dữ liệu của họ").check()
    page.get_by_role("button", name="Xóa toàn bộ dữ liệu đang lưu về người này").click()
    expect(page.locator("main")).to_contain_text("Đã xóa toàn bộ dữ liệu về người này")
    expect(page.locator("main")).not_to_contain_text("Nguyễn Văn An")
    page.screenshot(path=str(SCREENSHOTS / f"privacy-erased-{width}.png"), full_page=True)
    assert scan_tables(["Nguyễn Văn An", "nguyen van an", "868123456", "hẹn con trai"]) == []
    assert Subscriber.objects.filter(name="Nguyễn Thị Hoa").exists() and _counters() == counters

    page.goto(f"{base}/campaigns/")
    page.get_by_role("link", name="Lộ trình dừng công nghệ di động 2G").first.click()
    page.get_by_role("link", name="Dữ liệu cá nhân: thời hạn lưu giữ").click()
    expect(page.get_by_role("heading", name="Dữ liệu cá nhân của chiến dịch")).to_be_visible()
    expect(page.locator("main")).to_contain_text("12 tháng sau khi chiến dịch kết thúc")
    page.screenshot(path=str(SCREENSHOTS / f"privacy-retention-{width}.png"), full_page=True)
    page.context.close()
