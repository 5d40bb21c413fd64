"""The dashboard in the browser: the coordinator walks from the province down to a village and downloads the PDF
and the workbook; a ward official stays in their ward. Screenshots at 360 and 1366 px in var/screenshots/."""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from playwright.sync_api import Browser, Page, expect

from tests.conftest import CHROMIUM, World, build_world
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_dashboard import _work

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def dashboard_world(transactional_db: None) -> World:
    world = build_world()
    with transaction.atomic():
        _work(world)
    return world


def _coordinator(page: Page, base: str, world: World) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.coordinator, name="app", confirmed=True)
    log_in(page, base, "coordinator")
    page.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Tiếp tục").click()


@pytest.mark.parametrize("width", [360, 1366])
def test_the_coordinator_walks_from_the_province_to_a_village_and_downloads_the_pdf_and_workbook(
    browser: Browser, live_server: object, dashboard_world: World, width: int
) -> None:
    world = dashboard_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _coordinator(page, base, world)
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_role("heading", name="Bảng điều khiển Tỉnh Lạng Sơn")).to_be_visible()
    # ECharts drew each chart as SVG; its table view holds the same figures.
    for chart in ("funnel", "weeks", "listed", "communication"):
        expect(page.locator(f"#chart-{chart} svg").first).to_be_attached()
    children = page.locator("#children")
    expect(children).to_contain_text("Phường Lương Văn Tri")
    expect(children).to_contain_text("Phường Đông Kinh")
    expect(page.locator("#headline")).to_contain_text("20,0 %")  # 1 of 5 cases switched, self-reported
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-province-{width}.png"), full_page=True)
    # The small trend lines are drawn from the one blob of figures.
    expect(children.locator("td.spark svg").first).to_be_attached()
    if width == 360:
        # On a phone each unit below is a card with its figures labelled: no header row, nothing scrolled sideways.
        expect(children.locator("thead")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = children.locator("tbody tr").first.bounding_box()
        assert box is not None and box["width"] <= 360
    else:
        # Sorting by a column's title puts the most still listed first.
        page.locator("#children thead th").nth(1).click()
        expect(children.locator("tbody tr").first).to_contain_text("Phường Lương Văn Tri")
    # Visits per week: the last 12 weeks, the whole campaign one click away.
    expect(page.locator("#weeks-range")).to_contain_text("12 tuần gần nhất")
    # The 2024 structure: the city of 2024, and what was recorded on today's wards on its own row.
    page.locator("#structure-toggle").get_by_role("link", name="Địa giới năm 2024").click()
    expect(children).to_contain_text("Thành phố Lạng Sơn")
    expect(children).to_contain_text("không thể tách theo đơn vị năm 2024")
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-province-2024-{width}.png"), full_page=True)
    page.locator("#structure-toggle").get_by_role("link", name="Đơn vị hiện nay").click()
    expect(children).to_contain_text("Phường Đông Kinh")
    # The coordinator sets a target; it is a dashed line on the chart of still listed, and in its table view.
    page.get_by_role("link", name="Mục tiêu", exact=True).click()
    page.get_by_label("Ngày (dd/mm/yyyy)").fill("31/12/2026")
    page.get_by_label("Số thuê bao còn trong danh sách vào ngày đó").fill("1.234")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("#targets")).to_contain_text("1.234")
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-targets-{width}.png"), full_page=True)
    page.get_by_role("link", name="Bảng điều khiển Tỉnh Lạng Sơn").click()
    expect(page.locator("#table-listed")).to_contain_text("Mục tiêu: mọi nhà mạng cộng lại")
    expect(page.locator("#chart-listed path[stroke-dasharray]").first).to_be_attached()
    # Down to the ward, then to a village; the breadcrumb leads back up.
    children.get_by_role("link", name="Phường Lương Văn Tri").click()
    expect(page.get_by_role("heading", name="Bảng điều khiển Phường Lương Văn Tri")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-ward-{width}.png"), full_page=True)
    page.locator("#children").get_by_role("link", name="Khối 1", exact=True).click()
    expect(page.get_by_role("heading", name="Bảng điều khiển Khối 1")).to_be_visible()
    crumbs = page.locator("#breadcrumb")
    expect(crumbs.get_by_role("link", name="Phường Lương Văn Tri")).to_be_visible()
    crumbs.get_by_role("link", name="Tỉnh Lạng Sơn").click()
    expect(page.get_by_role("heading", name="Bảng điều khiển Tỉnh Lạng Sơn")).to_be_visible()
    # The PDF and the workbook for the weekly meeting, one click each.
    with page.expect_download() as pdf:
        page.locator("#pdf-link").click()
    pdf_path = SCREENSHOTS / f"dashboard-province-{width}.pdf"
    pdf.value.save_as(str(pdf_path))
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with page.expect_download() as workbook:
        page.locator("#xlsx-link").click()
    xlsx_path = SCREENSHOTS / f"dashboard-province-{width}.xlsx"
    workbook.value.save_as(str(xlsx_path))
    assert xlsx_path.read_bytes().startswith(b"PK")
    assert errors == [], errors
    context.close()


def test_a_ward_official_cannot_go_above_the_ward_and_sees_no_other_wards_rows(
    browser: Browser, live_server: object, dashboard_world: World
) -> None:
    world = dashboard_world
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    page = context.new_page()
    log_in(page, base, "reporter.b")
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_role("heading", name="Bảng điều khiển Phường Đông Kinh")).to_be_visible()
    expect(page.locator("#breadcrumb").get_by_role("link")).to_have_count(0)
    expect(page.locator("#children tbody tr")).to_have_count(1)
    expect(page.locator("#children")).to_contain_text("Thôn Nà Chuông")
    expect(page.locator("body")).not_to_contain_text("Lương Văn Tri")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-ward-official-360.png"), full_page=True)
    for unit in (world.province, world.ward_a):
        response = page.goto(f"{base}/dashboard/{unit.pk}/")
        assert response is not None and response.status == 404
    context.close()
