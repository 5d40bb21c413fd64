"""The dashboard's map in the browser: the coordinator sees the wards coloured by the chosen figure, the same
figures in the table beside it, and clicks a ward on the map to go down to its dashboard, at 360 and 1366 px."""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from playwright.sync_api import Browser, expect

from tests.conftest import CHROMIUM, World, build_world
from tests.test_browser import SCREENSHOTS
from tests.test_browser_dashboard import _coordinator
from tests.test_dashboard import _work
from tests.test_maps import import_fixture

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
    page.mouse.click(hit["x"], hit["y"])
    expect(page.get_by_role("heading", name="Bảng điều khiển Phường Lương Văn Tri")).to_be_visible()
    # The ward's villages have no boundaries: no map section.
    expect(page.locator("#section-map")).to_have_count(0)
    assert errors == [], errors
    assert outside == [], outside  # no tile server, no CDN
    context.close()
