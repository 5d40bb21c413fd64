"""Issue 23 in the browser: the coordinator returns a report, the reporter is told why on their home page,
corrects it and submits it again; the coordinator accepts the ticked reports at once and downloads the
aggregated report, whose figures are those of the accepted reports only."""

from __future__ import annotations

import datetime
import os
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import Browser, Page, expect

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month, last_of_month
from switchoff.reports import services
from switchoff.units.models import Unit
from tests.conftest import CHROMIUM, World, build_world
from tests.reporting import make_campaign
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")

# Where a person looks at the screenshots (outside the repository), when the environment says so.
LOOKED_AT = os.environ.get("SWITCHOFF_SCREENSHOTS_COPY", "")


def last_month() -> datetime.date:
    return add_months(first_of_month(timezone.localdate()), -1)


@pytest.fixture
def review_world(transactional_db: None) -> tuple[World, Campaign]:
    world = build_world()
    today = timezone.localdate()
    campaign = make_campaign(
        world,
        start_date=add_months(first_of_month(today), -3),
        end_date=last_of_month(add_months(first_of_month(today), 2)),
        lock_days=60,
    )
    return world, campaign


def log(world: World, campaign: Campaign, unit: Unit, code: str, count: int, day: int) -> None:
    form = campaign.forms.get(code=code)
    services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=unit,
        day=last_month().replace(day=day),
        form=form,
        medium=form.media.first(),
        count=count,
        client_key=f"{unit.pk}-{code}-{day}",
    )


def submit(unit: Unit, campaign: Campaign) -> None:
    report = services.report_open(actor=None, campaign=campaign, unit=unit, month=last_month())
    services.report_submit(actor=None, report=report)


def shot(page: Page, name: str) -> None:
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    if LOOKED_AT:
        Path(LOOKED_AT).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(LOOKED_AT) / name)


def coordinator_page(browser: Browser, base: str, world: World) -> Page:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    device = TOTPDevice.objects.create(user=world.coordinator, name="app", confirmed=True)
    log_in(page, base, "coordinator")
    page.get_by_label("Mã 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", name="Xin chào, Coordinator")).to_be_visible()
    return page


def test_returned_corrected_accepted_in_bulk_and_aggregated(
    browser: Browser,
    live_server: object,
    review_world: tuple[World, Campaign],
) -> None:
    world, campaign = review_world
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    month = last_month()
    # Last month: Lương Văn Tri broadcast 12 times and held 1 meeting, Đông Kinh broadcast 7 times,
    # Viettel sent 3.200 messages and hung 15 banners; Đông Kinh's and Viettel's reports are in.
    log(world, campaign, world.committee_a, "loudspeaker", 12, 3)
    log(world, campaign, world.committee_a, "meeting", 1, 9)
    log(world, campaign, world.committee_b, "loudspeaker", 7, 4)
    log(world, campaign, world.operator, "sms", 3200, 5)
    log(world, campaign, world.operator, "banner", 15, 6)
    submit(world.committee_b, campaign)
    submit(world.operator, campaign)

    # The reporter submits Lương Văn Tri's report.
    reporter = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    log_in(reporter, base, "reporter.a")
    report_url = f"{base}/campaigns/{campaign.pk}/units/{world.committee_a.pk}/reports/{month:%Y-%m}/"
    reporter.goto(report_url)
    reporter.get_by_role("button", name="Gửi báo cáo").click()
    reporter.get_by_role("button", name="Đồng ý, gửi báo cáo").click()
    expect(reporter.locator("#report-status")).to_have_text("Đã gửi")
    expect(reporter.locator("#submitted-by")).to_contain_text("Reporter A")

    # The coordinator returns it, with the reason.
    coordinator = coordinator_page(browser, base, world)
    coordinator.goto(report_url)
    coordinator.get_by_role("link", name="Trả lại báo cáo").click()
    expect(coordinator.locator("#what-will-happen")).to_contain_text("sẽ được thông báo")
    coordinator.get_by_label("Lý do").fill("Thiếu buổi họp dân ở khối 2 ngày 20.")
    coordinator.get_by_role("button", name="Đồng ý, trả lại báo cáo").click()
    expect(coordinator.locator("#report-status")).to_have_text("Bị trả lại")

    # The reporter is told on their home page, with the reason, and corrects the report from there.
    reporter.goto(f"{base}/")
    expect(reporter.locator("#notifications")).to_contain_text("Thiếu buổi họp dân ở khối 2 ngày 20.")
    card = reporter.locator(f"#returned-{campaign.pk}-{world.committee_a.pk}")
    expect(card).to_contain_text("Thiếu buổi họp dân ở khối 2 ngày 20.")
    shot(reporter, "h23-home-returned-360.png")
    card.get_by_role("link", name="Sửa và gửi lại").click()
    expect(reporter.locator("#return-reason")).to_contain_text("Thiếu buổi họp dân ở khối 2 ngày 20.")
    reporter.get_by_label("Hội nghị, họp dân Trực tiếp").fill("2")
    shot(reporter, "h23-report-corrected-360.png")
    reporter.get_by_role("button", name="Gửi báo cáo").click()
    reporter.get_by_role("button", name="Đồng ý, gửi báo cáo").click()
    expect(reporter.locator("#report-status")).to_have_text("Đã gửi")
    expect(reporter.locator("#report-total")).to_have_text("12 lượt phát; 2 buổi")

    # The coordinator ticks Lương Văn Tri's and Viettel's reports and accepts them at once; Đông Kinh's waits.
    coordinator.goto(f"{base}/campaigns/{campaign.pk}/completeness/?month={month:%Y-%m}")
    coordinator.get_by_label("Chấp nhận báo cáo của UBND phường Lương Văn Tri").check()
    coordinator.get_by_label("Chấp nhận báo cáo của Viettel Lạng Sơn").check()
    shot(coordinator, "h23-completeness-ticked-1366.png")
    coordinator.get_by_role("button", name="Chấp nhận các báo cáo đã chọn").click()
    expect(coordinator.locator(".messages")).to_contain_text("Đã chấp nhận 2 báo cáo.")
    expect(coordinator.locator("#statuses")).to_contain_text("đã chấp nhận")
    shot(coordinator, "h23-completeness-accepted-1366.png")

    # The aggregated report: the accepted reports' figures only, computed here from what was logged.
    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name="Báo cáo Word", exact=True).click()
    doc = Document(BytesIO(Path(download.value.path()).read_bytes()))
    by_form = next(
        t for t in doc.tables if t.rows[0].cells[0].text == "STT" and t.rows[0].cells[2].text == "Phương tiện"
    )
    counts = {row.cells[1].text: row.cells[4].text for row in by_form.rows[1:]}
    accepted = {
        "Phát thanh trên loa truyền thanh cơ sở": 12,  # Lương Văn Tri only: Đông Kinh's 7 wait for review
        "Hội nghị, họp dân": 2,  # as corrected
        "Tin nhắn gửi thuê bao": 3200,
        "Băng rôn, phướn, banner, pano, áp phích": 15,
    }
    assert counts == {form: f"{count:,}".replace(",", ".") for form, count in accepted.items()}
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "chưa tính 1 báo cáo đã gửi nhưng chưa được xem xét: UBND phường Đông Kinh" in text

    # The reporter hears that the report was accepted.
    reporter.goto(f"{base}/")
    expect(reporter.locator("#notifications")).to_contain_text("chấp nhận")
    reporter.set_viewport_size({"width": 1366, "height": 900})
    shot(reporter, "h23-home-accepted-1366.png")
    reporter.context.close()
    coordinator.context.close()
