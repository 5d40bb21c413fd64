"""The dashboard's map in the browser: the coordinator sees the wards coloured by the chosen figure, the same
figures in the table beside it, and clicks a ward on the map to go down to its dashboard, at 360 and 1366 px."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import Browser, expect

from switchoff.maps.models import Boundary
from tests.conftest import CHROMIUM, World, build_world
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_browser_dashboard import _coordinator
from tests.test_dashboard import _work
from tests.test_maps import FIXTURE, import_fixture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def map_world(transactional_db: None) -> World:
    world = build_world()
    with transaction.atomic():
        _work(world)
    import_fixture(world)
    return world


@pytest.mark.parametrize("width", [360, 1366])
def test_the_coordinator_sees_the_map_and_clicks_a_ward(
    browser: Browser, live_server: object, map_world: World, width: int
) -> None:
    world = map_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    _coordinator(page, base, world)
    page.goto(f"{base}/dashboard/")
    section = page.locator("#section-map")
    expect(section.get_by_role("heading", name="Bản đồ các đơn vị trực thuộc")).to_be_visible()
    chart = page.locator("#map-chart")
    expect(chart).to_have_attribute("data-drawn", "1")
    # Two wards drawn as SVG paths, coloured (not the grey of a unit without a figure).
    paths = chart.locator("svg path")
    expect(paths.first).to_be_attached()
    table = page.locator("#map-table")
    expect(table).to_contain_text("Phường Lương Văn Tri")
    expect(table).to_contain_text("Phường Đông Kinh")
    # The legend's ends are in Vietnamese number format.
    expect(chart).to_contain_text("%")
    # Each ward's name written on its shape where it fits (on a projector's width, both do), and the source.
    if width == 1366:
        for name in ("Phường Lương Văn Tri", "Phường Đông Kinh"):
            expect(chart.locator("svg text", has_text=name).first).to_be_attached()
    expect(section.locator("#map-sources")).to_contain_text("RG_Xa_LangSon_2025.geojson")
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"map-province-{width}.png"), full_page=True)
    section.screenshot(path=str(SCREENSHOTS / f"map-section-{width}.png"))
    # Another figure: the map repaints, the legend with it.
    page.locator("#map-figure").select_option("listed")
    section.screenshot(path=str(SCREENSHOTS / f"map-section-listed-{width}.png"))
    # Back to the share switched: Phường Lương Văn Tri (25 %, the most) is green; a click on the middle of its
    # shape goes down to its dashboard, as its row in the table does.
    page.locator("#map-figure").select_option("switched_share")
    hit = page.evaluate(
        """() => {
          const paths = [...document.querySelectorAll('#map-chart svg path')].filter((p) =>
            ['#2e8540', 'rgb(46,133,64)'].includes((p.getAttribute('fill') || '').replace(/ /g, '').toLowerCase()));
          const boxes = paths.map((p) => p.getBoundingClientRect()).filter((r) => r.width > 20 && r.height > 20);
          boxes.sort((a, b) => b.width * b.height - a.width * a.height);
          const r = boxes[0];
          return r ? { x: r.left + r.width / 2, y: r.top + r.height / 2 } : null;
        }"""
    )
    assert hit is not None, "the ward with the most switched is drawn green"
    # Its tooltip: the ward's name and its figure, in Vietnamese number format.
    page.mouse.move(hit["x"], hit["y"])
    expect(chart).to_contain_text("Phường Lương Văn Tri")
    expect(chart).to_contain_text("Đã chuyển đổi (%): 25 %")
    section.screenshot(path=str(SCREENSHOTS / f"map-section-tooltip-{width}.png"))
    page.mouse.click(hit["x"], hit["y"])
    expect(page.get_by_role("heading", name="Bảng điều khiển Phường Lương Văn Tri")).to_be_visible()
    # The ward's villages have no boundaries: no map section.
    expect(page.locator("#section-map")).to_have_count(0)
    assert errors == [], errors
    assert outside == [], outside  # no tile server, no CDN
    context.close()


@pytest.mark.parametrize("width", [360, 1366])
def test_the_administrator_checks_a_file_with_problems_then_imports_the_good_features(
    browser: Browser, live_server: object, transactional_db: None, width: int, tmp_path: Path
) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = build_world()
    base = str(live_server)
    data = json.loads(FIXTURE.read_text())
    metres = [[433_120.5, 2_417_300.2], [434_000.0, 2_417_300.2], [434_000.0, 2_418_000.0], [433_120.5, 2_417_300.2]]
    data["features"].append(
        {
            "type": "Feature",
            "properties": {"ma_xa": "06001", "ten_xa": "Xã Mai Pha"},
            "geometry": data["features"][0]["geometry"],
        }
    )
    data["features"].append(
        {
            "type": "Feature",
            "properties": {"ma_xa": "05986", "ten_xa": "Phường Tam Thanh"},
            "geometry": {"type": "Polygon", "coordinates": [metres]},
        }
    )
    upload = tmp_path / "RG_Xa_LangSon_2025.geojson"
    upload.write_text(json.dumps(data, ensure_ascii=False))
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    device = TOTPDevice.objects.create(user=world.admin, name="app", confirmed=True)
    log_in(page, base, "admin")
    page.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Tiếp tục").click()
    page.goto(f"{base}/units/{world.province.pk}/")
    page.get_by_role("link", name="Nhập ranh giới").click()
    page.get_by_label("Ranh giới (GeoJSON)").set_input_files(str(upload))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    problems = page.locator("#boundary-problems")
    expect(problems).to_contain_text("Xã Mai Pha")
    expect(problems).to_contain_text("VN-2000")
    expect(page.locator("#boundary-matched")).to_contain_text("Phường Lương Văn Tri")
    page.screenshot(path=str(SCREENSHOTS / f"map-import-check-{width}.png"), full_page=True)
    page.get_by_role("button", name="Nhập các ranh giới đã khớp").click()
    expect(page.locator("#boundary-existing")).to_contain_text("Phường Đông Kinh")
    page.screenshot(path=str(SCREENSHOTS / f"map-import-done-{width}.png"), full_page=True)
    assert Boundary.objects.count() == 2
    context.close()
