"""End to end in Debian's chromium, driven by Playwright (which never downloads a browser here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import CHROMIUM, PASSWORD, World, build_world

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# by the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Generous waits: on a loaded 2-core CI machine the first page can take seconds.
expect.set_options(timeout=20_000)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def browser_world(transactional_db: None) -> World:
    return build_world()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.parametrize("width", [360, 1366])
def test_ward_reporter_finds_their_ward_without_diacritics_and_is_refused_another(
    browser: Browser, live_server: object, browser_world: World, width: int
) -> None:
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, base, "reporter.a")
    expect(page.get_by_role("heading", name="Xin chào, Reporter A")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"home-{width}.png"), full_page=True)

    page.goto(f"{base}/units/")
    page.get_by_role("searchbox").fill("luong van tri")
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Phường Lương Văn Tri", exact=True)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"search-{width}.png"), full_page=True)
    results.get_by_role("link", name="Phường Lương Văn Tri", exact=True).click()
    expect(page.get_by_role("heading", name="Phường Lương Văn Tri")).to_be_visible()
    expect(page.locator("#merged-from")).to_contain_text("Phường Chi Lăng (2024)")
    page.screenshot(path=str(SCREENSHOTS / f"ward-{width}.png"), full_page=True)

    # Another ward: searching does not find it, and its address is refused.
    page.goto(f"{base}/units/")
    page.get_by_role("searchbox").fill("dong kinh")
    expect(page.locator("#search-results")).to_contain_text("Không có đơn vị nào phù hợp")
    assert errors == [], errors
    response = page.goto(f"{base}/units/{browser_world.ward_b.pk}/")
    assert response is not None and response.status in {403, 404}
    context.close()


def test_coordinator_logs_in_with_two_factor_and_sees_the_legacy_history(
    browser: Browser, live_server: object, browser_world: World
) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=browser_world.coordinator, name="app", confirmed=True)
    base = str(live_server)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, base, "coordinator")
    page.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Tiếp tục").click()
    page.goto(f"{base}/units/{browser_world.legacy_ward.pk}/")
    expect(page.locator("#merged-into")).to_contain_text("Phường Lương Văn Tri")
    expect(page.get_by_role("link", name="Khối Bà Triệu (cũ)")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "legacy-ward-1366.png"), full_page=True)
    page.goto(f"{base}/audit/")
    expect(page.get_by_role("heading", name="Nhật ký hệ thống")).to_be_visible()
    page.context.close()
