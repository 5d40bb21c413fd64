"""The field work's pages in Chromium at 360 px and 1366 px: the team page, the cases, a case and its call,
a visit recorded from the page, progress (screenshots in var/screenshots, looked at)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser, expect

from switchoff.fieldwork.models import Visit
from switchoff.fieldwork.services import device_enrol, visits_record
from tests.conftest import CHROMIUM, World, build_world
from tests.fieldwork_helpers import Field, open_field, visit
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def field_world(transactional_db: None) -> tuple[World, Field]:
    world = build_world()
    field = open_field(world)
    seen = field.an.version
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed", case_version=seen)])
    visits_record(actor=world.leader_a, visits=[visit(field.an, "agrees", case_version=seen)])
    visits_record(actor=world.member_a, visits=[visit(field.binh, "switched", device_model="Nokia 105 4G")])
    device_enrol(actor=world.member_a, name="Android của A")
    return world, field


@pytest.mark.parametrize("width", [360, 1366])
def test_team_leader_walks_the_field_pages(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
    width: int,
) -> None:
    world, field = field_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, base, "leader.a")
    page.get_by_role("link", name="Tổ của tôi và các thôn").first.click()
    expect(page.get_by_role("heading", name="Tổ công nghệ số số 1")).to_be_visible()
    expect(page.locator("#team-villages")).to_contain_text("Khối 1")
    expect(page.locator("#team-devices")).to_contain_text("Android của A")
    page.screenshot(path=str(SCREENSHOTS / f"field-team-{width}.png"), full_page=True)

    page.get_by_role("link", name="Các trường hợp của tổ").first.click()
    expect(page.locator("#cases")).to_contain_text("Nguyễn Văn An")
    # The hand-over tick boxes: the whole cell is the target, at least 44 px each way; a tap anywhere in it ticks.
    cell = page.locator("#cases td.pick label").first
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44, box
    page.mouse.click(box["x"] + 3, box["y"] + box["height"] - 3)
    expect(page.locator("#cases td.pick input").first).to_be_checked()
    page.screenshot(path=str(SCREENSHOTS / f"field-cases-{width}.png"), full_page=True)

    page.locator("#cases").get_by_role("link", name="Nguyễn Văn An").click()
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#history li")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / f"field-case-conflict-{width}.png"), full_page=True)
    offered = page.locator("#resolve select option").all_inner_texts()
    assert "Đã chuyển đổi (xác minh qua danh sách)" not in offered and "Đồng ý chuyển đổi" in offered, offered
    page.get_by_role("button", name="Gọi điện (số được hiển thị và ghi nhật ký)").click()
    expect(page.locator("#dial")).to_have_attribute("href", "tel:0868123456")
    page.screenshot(path=str(SCREENSHOTS / f"field-case-call-{width}.png"), full_page=True)

    page.locator("#call").get_by_role("link", name="Ghi nhận lượt thăm").click()
    page.get_by_label("Không có nhà").check()
    page.screenshot(path=str(SCREENSHOTS / f"field-visit-{width}.png"), full_page=True)
    before = Visit.objects.count()
    page.get_by_role("button", name="Lưu lượt thăm").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận lượt thăm")
    assert Visit.objects.count() == before + 1
    assert Visit.objects.filter(case=field.an).count() == 3

    page.goto(f"{base}/fieldwork/progress/{world.team_a.pk}/")
    expect(page.locator("#funnel")).to_contain_text("Đã chuyển đổi (tự khai)")
    page.screenshot(path=str(SCREENSHOTS / f"field-progress-{width}.png"), full_page=True)
    assert not [e for e in errors if "favicon" not in e], errors
    context.close()


def test_commune_official_sees_the_cases_without_a_team_in_english(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    world, _field = field_world
    base = str(live_server)
    world.reporter_a.language = "en"
    world.reporter_a.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="en-GB")
    page = context.new_page()
    log_in(page, base, "reporter.a")
    page.get_by_role("link", name="Cases without a team").first.click()
    expect(page.get_by_role("heading", name="Cases without a team")).to_be_visible()
    expect(page.locator("#cases")).to_contain_text("Nguyễn Văn Bảo")
    page.screenshot(path=str(SCREENSHOTS / "field-unassigned-en-360.png"), full_page=True)
    page.goto(f"{base}/fieldwork/progress/{world.ward_a.pk}/")
    expect(page.get_by_role("heading", name="Door-to-door progress")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "field-progress-commune-en-360.png"), full_page=True)
    context.close()
