"""The provinces' reports to the country in the browser: the country returns one, the province submits it again."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from switchoff.reports import services
from switchoff.units.kinds import ensure_default_kinds
from switchoff.units.models import UnitKind
from tests.conftest import CHROMIUM, logged_in
from tests.test_browser import SCREENSHOTS
from tests.test_report_levels import JULY, _report, at, make_country

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.mark.parametrize("width", [360, 1366])
def test_the_country_returns_a_provinces_report_and_the_province_submits_it_again(
    browser: Browser, live_server: object, transactional_db: None, width: int
) -> None:
    ensure_default_kinds(UnitKind)  # a transactional test's flush took the migrations' kinds
    c = make_country()
    _report(c, c.committees_a[0], {"loudspeaker": 5}, accept_by=c.official_a)
    report = services.level_report_submit(
        actor=c.official_a, campaign=c.campaign, unit=c.province_a, month=JULY, now=at(4)
    )
    base = str(live_server)
    url = f"{base}{reverse('reports:completeness', args=[c.campaign.pk])}?month=2024-07"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def context_of(user: object) -> object:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        session = logged_in(user).cookies["sessionid"].value  # type: ignore[arg-type]
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        return context

    ministry = context_of(c.ministry)
    page = ministry.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    table = page.locator("#province-statuses")
    expect(table).to_contain_text(c.province_a.name)
    expect(table).to_contain_text(c.province_b.name)
    page.locator("#province-reports").screenshot(path=str(SCREENSHOTS / f"province-reports-country-{width}.png"))
    page.get_by_label("Lý do trả lại").fill("Số liệu loa chưa khớp")
    page.locator(f"#return-province-{c.province_a.pk}").click()
    expect(page.locator("body")).to_contain_text(f"Đã trả lại báo cáo của {c.province_a.name} cho tỉnh.")
    ministry.close()  # type: ignore[attr-defined]

    official = context_of(c.official_a)
    page = official.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    expect(page.locator("#province-statuses")).to_contain_text("Số liệu loa chưa khớp")
    expect(page.locator("#province-statuses")).not_to_contain_text(c.province_b.name)
    page.locator("#province-reports").screenshot(path=str(SCREENSHOTS / f"province-reports-province-{width}.png"))
    page.locator(f"#submit-province-{c.province_a.pk}").click()
    expect(page.locator("body")).to_contain_text(f"Đã gửi báo cáo của {c.province_a.name} lên Trung ương")
    official.close()  # type: ignore[attr-defined]
    report.refresh_from_db()
    assert report.status == "submitted"
