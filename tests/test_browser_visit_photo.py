"""A visit with a photo recorded from the page in Chromium at 360 px: the photo control shows once the person's
consent is ticked, the case page lists the photo, and opening it is logged (screenshots in var/screenshots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from switchoff.audit.models import AuditEvent
from switchoff.fieldwork.models import Visit, VisitPhoto
from tests.conftest import CHROMIUM, World, build_world
from tests.fieldwork_helpers import Field, open_field
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def field_world(transactional_db: None) -> tuple[World, Field]:
    world = build_world()
    return world, open_field(world)


def test_a_leader_records_a_visit_with_a_photo_from_the_page_and_opens_it(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
    tmp_path: Path,
) -> None:
    from PIL import Image

    world, field = field_world
    photo = tmp_path / "IMG_0002.jpg"
    Image.linear_gradient("L").resize((1600, 1200)).convert("RGB").save(photo, "JPEG")
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, base, "leader.a")
    page.goto(f"{base}/fieldwork/cases/{field.an.pk}/visit/")
    page.get_by_label("Đã thông tin").check()
    choose = page.get_by_label("Chụp ảnh (chỉ khi người được thăm đồng ý)")
    expect(choose).to_be_hidden()
    page.get_by_label("Người được thăm đồng ý chụp ảnh").check()
    expect(choose).to_be_visible()
    assert choose.get_attribute("capture") == "environment"
    choose.set_input_files(photo)
    page.locator("#field-photo").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "field-page-visit-photo-360.png"), full_page=True)
    page.get_by_role("button", name="Lưu lượt thăm").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận lượt thăm")
    kept = VisitPhoto.objects.get()
    assert kept.visit == Visit.objects.get(case=field.an) and kept.member == world.leader_a
    expect(page.locator("#photos li")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "field-case-photos-360.png"), full_page=True)
    assert not AuditEvent.objects.filter(action="fieldwork.photo.viewed").exists()
    with context.expect_page() as opened:
        page.locator("#photos a").click()
    shown = opened.value
    shown.wait_for_load_state()
    assert shown.evaluate("document.images[0].naturalWidth") == 1280
    assert AuditEvent.objects.filter(action="fieldwork.photo.viewed", actor=world.leader_a).count() == 1
    assert not [e for e in errors if "favicon" not in e], errors
    context.close()
