"""In the browser: the report follows the log until a figure is edited, then offers the log's figure."""

from __future__ import annotations

import os

from playwright.sync_api import Browser, Page, expect

from tests.conftest import World
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_browser_reports import last_month, log_activity, pytestmark, report_world  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROADCASTS = "Phát thanh trên loa truyền thanh cơ sở (lượt phát)"
BROADCAST_FIELD = "Phát thanh trên loa truyền thanh cơ sở Hệ thống loa truyền thanh cơ sở"


def open_log(page: Page, base: str, campaign_id: int, unit_id: int) -> None:
    page.goto(f"{base}/campaigns/{campaign_id}/units/{unit_id}/activities/")


def test_report_follows_the_log_and_offers_the_difference(
    browser: Browser,
    live_server: object,
    report_world: World,  # noqa: F811
) -> None:
    from switchoff.campaigns.models import Campaign

    world = report_world
    base = str(live_server)
    campaign = Campaign.objects.get()
    month = last_month()
    report_url = f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/reports/{month:%Y-%m}/"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, base, "reporter.a")
    open_log(page, base, campaign.pk, world.committee_a.pk)
    log_activity(page, f"05/{month:%m/%Y}", BROADCASTS, "5")
    log_activity(page, f"06/{month:%m/%Y}", "Tờ rơi (tờ)", "12")

    page.goto(report_url)
    expect(page.locator("#report-total")).to_have_text("5 lượt phát; 12 tờ")
    # Saved as a draft without touching a figure: it keeps following the log.
    page.get_by_role("button", name="Lưu bản nháp").click()
    open_log(page, base, campaign.pk, world.committee_a.pk)
    log_activity(page, f"07/{month:%m/%Y}", BROADCASTS, "15")
    page.goto(report_url)
    expect(page.get_by_label(BROADCAST_FIELD)).to_have_value("20")

    # An edit: the figure stays 15 while the log moves on, and the page shows the difference.
    page.get_by_label(BROADCAST_FIELD).fill("15")
    page.get_by_role("button", name="Lưu bản nháp").click()
    open_log(page, base, campaign.pk, world.committee_a.pk)
    log_activity(page, f"08/{month:%m/%Y}", BROADCASTS, "4")
    page.goto(report_url)
    expect(page.get_by_label(BROADCAST_FIELD)).to_have_value("15")
    expect(page.locator("#log-differs")).to_contain_text("24")
    page.screenshot(path=str(SCREENSHOTS / "report-differs-1366.png"), full_page=True)
    small = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    log_in(small, base, "reporter.a")
    small.goto(report_url)
    expect(small.locator("#log-differs")).to_be_visible()
    small.screenshot(path=str(SCREENSHOTS / "report-differs-360.png"), full_page=True)

    page.locator("#log-differs button").click()
    expect(page.get_by_label(BROADCAST_FIELD)).to_have_value("24")
    expect(page.locator("#log-differs")).to_have_count(0)
    expect(page.locator("#report-total")).to_have_text("24 lượt phát; 12 tờ")
    small.context.close()
    page.context.close()
