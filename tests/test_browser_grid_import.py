"""As the reporter in the browser: the grid shows and edits the log; the unit's own sheet is imported with a preview."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month, last_of_month
from switchoff.reports.models import Activity
from tests.conftest import CHROMIUM, World, build_world
from tests.reporting import make_campaign
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_browser_reports import last_month, log_activity
from tests.test_reports_grid_import import realistic_sheet

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")

LOUDSPEAKER = "Phát thanh trên loa truyền thanh cơ sở"


@pytest.fixture
def grid_world(transactional_db: None) -> tuple[World, Campaign]:
    world = build_world()
    today = timezone.localdate()
    campaign = make_campaign(
        world,
        start_date=add_months(first_of_month(today), -3),
        end_date=last_of_month(add_months(first_of_month(today), 2)),
        lock_days=60,
    )
    return world, campaign


def loudspeaker_counts(campaign: Campaign, day: int) -> list[int]:
    month = last_month()
    rows = Activity.objects.filter(campaign=campaign, date=month.replace(day=day), form__code="loudspeaker")
    return sorted(rows.values_list("count", flat=True))


def test_reporter_edits_the_grid_and_imports_their_sheet(
    browser: Browser,
    live_server: object,
    grid_world: tuple[World, Campaign],
) -> None:
    world, campaign = grid_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    month = last_month()
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, base, "reporter.a")
    page.goto(f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities/?month={month:%Y-%m}")
    log_activity(page, f"03/{month:%m/%Y}", f"{LOUDSPEAKER} (lượt phát)", "2")
    log_activity(page, f"03/{month:%m/%Y}", f"{LOUDSPEAKER} (lượt phát)", "1")
    log_activity(page, f"04/{month:%m/%Y}", "Hội nghị, họp dân (buổi)", "1")
    page.goto(f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities/?month={month:%Y-%m}")
    page.get_by_role("link", name="Nhập nhiều ngày một lúc (bảng)").click()

    # The grid shows the log: the day's total, and what was logged one by one.
    cell = page.get_by_label(f"03/{month:%m} {LOUDSPEAKER}")
    expect(cell).to_have_value("3")
    expect(page.get_by_label(f"04/{month:%m} Hội nghị, họp dân")).to_have_value("1")
    page.screenshot(path=str(SCREENSHOTS / "grid-1366.png"), full_page=False)
    cell.fill("5")
    page.get_by_role("button", name="Lưu bảng").click()
    expect(page.locator(".messages")).to_contain_text("Số ô thêm mới: 1")
    assert loudspeaker_counts(campaign, 3) == [1, 2, 2]
    # Sent again as the browser would retry it: no double.
    page.go_back()
    page.get_by_label(f"03/{month:%m} {LOUDSPEAKER}").fill("5")
    page.get_by_role("button", name="Lưu bảng").click()
    assert loudspeaker_counts(campaign, 3) == [1, 2, 2]
    # A total below what was logged singly is refused, naming the day and the form.
    page.goto(f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities/grid/?month={month:%Y-%m}")
    expect(page.get_by_label(f"03/{month:%m} {LOUDSPEAKER}")).to_have_value("5")
    page.get_by_label(f"03/{month:%m} {LOUDSPEAKER}").fill("2")
    page.get_by_role("button", name="Lưu bảng").click()
    expect(page.locator("#grid-errors")).to_contain_text(f"03/{month:%m/%Y}, {LOUDSPEAKER}: đã ghi nhận lẻ 3")
    assert loudspeaker_counts(campaign, 3) == [1, 2, 2]

    phone = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    log_in(phone, base, "reporter.a")
    phone.goto(f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities/grid/?month={month:%Y-%m}")
    expect(phone.get_by_label(f"03/{month:%m} {LOUDSPEAKER}")).to_have_value("5")
    phone.screenshot(path=str(SCREENSHOTS / "grid-360.png"), full_page=False)
    # Scrolled inside its frame, the day column and the header row stay in view.
    frame = phone.locator(".grid-wrap")
    frame.scroll_into_view_if_needed()
    frame.evaluate("element => { element.scrollLeft = 260; element.scrollTop = 120; }")
    frame.screenshot(path=str(SCREENSHOTS / "grid-360-scrolled.png"))
    phone.context.close()

    # The unit's own sheet: title rows, its own headers and names; a preview, then one confirmation.
    page.goto(f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities/import/")
    page.get_by_label("Sổ theo dõi hoạt động của đơn vị (XLSX, XLS hoặc CSV)").set_input_files(
        {
            "name": "theo-doi-thang.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": realistic_sheet(month),
        }
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    # The sheet's 3 broadcasts of the 3rd are the ones already logged that day (one by one and in the
    # grid): flagged, left out, so that they do not count twice.
    expect(page.locator("#import-matches tbody tr")).to_have_count(1)
    expect(page.locator("#import-matches")).to_contain_text(f"03/{month:%m/%Y}{LOUDSPEAKER}3 lượt phát")
    expect(page.locator("#import-preview tbody tr")).to_have_count(3)
    expect(page.locator("#import-preview")).to_contain_text("Tờ rơi")
    expect(page.get_by_label("Hình thức truyền thông", exact=True)).to_have_value("2")
    page.screenshot(path=str(SCREENSHOTS / "import-preview-1366.png"), full_page=True)
    assert Activity.objects.count() == 4  # the three logged and the grid's: the check wrote nothing
    page.get_by_role("button", name="Ghi nhận 3 dòng này").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận 3 hoạt động")
    assert Activity.objects.count() == 7
    page.context.close()
