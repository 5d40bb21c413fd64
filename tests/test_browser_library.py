"""The content library in Chromium, in Vietnamese: the coordinator uploads a loudspeaker script, a ward's reporter
downloads it on a 360 px phone, the coordinator sees who has not and reminds them (screenshots in var/screenshots)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser, expect

from switchoff.campaigns.models import Campaign
from switchoff.library.models import MaterialDownload
from switchoff.reports.models import Notification
from tests.conftest import CHROMIUM, World, build_world
from tests.reporting import make_campaign
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_browser_review_flow import coordinator_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")

SCRIPT = (
    "Kính thưa toàn thể nhân dân! Từ ngày 16 tháng 9 năm 2024, các nhà mạng dừng công nghệ di động 2G. "
    "Bà con đang dùng máy chỉ có sóng 2G hãy liên hệ tổ công nghệ số cộng đồng để được hỗ trợ đổi máy. "
) * 8


@pytest.fixture
def library_world(transactional_db: None) -> tuple[World, Campaign]:
    world = build_world()
    return world, make_campaign(world)


def test_the_coordinator_uploads_a_script_a_unit_downloads_it_and_the_others_are_reminded(
    browser: Browser, live_server: object, library_world: tuple[World, Campaign]
) -> None:
    world, campaign = library_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    coordinator = coordinator_page(browser, base, world)
    coordinator.goto(f"{base}/campaigns/{campaign.pk}/")
    coordinator.get_by_role("link", name="Tài liệu của chiến dịch (bài phát thanh, tờ rơi, mẫu thiết kế)").click()
    coordinator.get_by_role("link", name="Thêm tài liệu").click()
    coordinator.get_by_label("Tiêu đề").fill("Thông báo dừng 2G trên loa")
    coordinator.get_by_label("Loại").select_option(label="Bài phát thanh trên loa")
    coordinator.get_by_label("Phát thanh trên loa truyền thanh cơ sở").check()
    coordinator.get_by_label("Nội dung (bài phát thanh hoặc bài viết)").fill(SCRIPT)
    coordinator.get_by_role("button", name="Lưu").click()
    expect(coordinator.locator(".messages")).to_contain_text("Đã thêm vào thư viện: Thông báo dừng 2G trên loa.")
    expect(coordinator.locator("#versions")).to_contain_text("trên loa")
    expect(coordinator.locator("#missing")).to_contain_text("UBND phường Lương Văn Tri")

    phone = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN").new_page()
    log_in(phone, base, "reporter.a")
    phone.goto(f"{base}/library/campaigns/{campaign.pk}/")
    item = phone.locator("#materials li.material")
    expect(item).to_contain_text("Thông báo dừng 2G trên loa")
    expect(item.locator(".reading-time")).to_contain_text("368 từ, khoảng 2 phút 18 giây trên loa")
    phone.screenshot(path=str(SCREENSHOTS / "library-vi-360.png"), full_page=True)
    with phone.expect_download() as waiting:
        item.get_by_role("button", name="Tải về").click()
    saved = waiting.value.path()
    assert saved.read_text(encoding="utf-8") == SCRIPT.strip()
    assert MaterialDownload.objects.get().unit == world.committee_a

    coordinator.reload()
    expect(coordinator.locator("#taken")).to_contain_text("UBND phường Lương Văn Tri")
    expect(coordinator.locator("#missing")).not_to_contain_text("UBND phường Lương Văn Tri")
    expect(coordinator.locator("#missing")).to_contain_text("UBND phường Đông Kinh")
    coordinator.screenshot(path=str(SCREENSHOTS / "library-who-has-not-vi-1366.png"), full_page=True)
    coordinator.get_by_role("button", name="Nhắc các đơn vị chưa nhận").click()
    expect(coordinator.locator(".messages")).to_contain_text("Đã gửi lời nhắc tới 2 người.")
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"reporter.b", "viettel"}
