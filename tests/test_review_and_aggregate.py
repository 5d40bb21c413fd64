"""Issue 23, findings 2-5 and 7-12: only reviewed reports in the official aggregate, submitting on a unit's
behalf, the whole period's reporting status, every unit told what happened to its report, the province's
viewer, wording, one deadline, logging on a past month, and what the pages show of a clerk's file."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import Workbook, load_workbook

from switchoff.campaigns.models import Campaign
from switchoff.reports import services
from switchoff.reports.aggregate import build_aggregate
from switchoff.reports.documents import report_docx, report_xlsx
from switchoff.reports.exports import dhis2_data_value_set
from switchoff.reports.models import Activity, MonthlyReport, Notification
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.reporting import make_campaign

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JULY = datetime.date(2024, 7, 1)
AUGUST = datetime.date(2024, 8, 1)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=HCM)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.datetime], None]:
    def freeze(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


def log(
    world: World, campaign: Campaign, unit: Unit, code: str, count: int, day: datetime.date, **extra: object
) -> None:
    form = campaign.forms.get(code=code)
    services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=unit,
        day=day,
        form=form,
        medium=form.media.first(),
        count=count,
        client_key=f"{unit.pk}-{code}-{day}-{count}-{Activity.objects.count()}",
        **extra,  # type: ignore[arg-type]
    )


def submitted(
    world: World, campaign: Campaign, unit: Unit, month: datetime.date, moment: datetime.datetime
) -> MonthlyReport:
    """The unit's report of ``month`` submitted at ``moment``, with a broadcast in it if nothing else was logged."""
    if not Activity.objects.filter(campaign=campaign, unit=unit, date__month=month.month).exists():
        log(world, campaign, unit, "loudspeaker", 1, month.replace(day=2))
    report = services.report_open(actor=None, campaign=campaign, unit=unit, month=month)
    return services.report_submit(actor=None, report=report, now=moment)


def docx_text(content: bytes) -> str:
    doc = Document(BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# Finding 2: only accepted reports are official figures; bulk accept --------------------------------------


def test_the_aggregate_holds_accepted_reports_unless_the_coordinator_includes_the_others(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, world.committee_a, "loudspeaker", 5, datetime.date(2024, 7, 3))
    log(world, campaign, world.committee_b, "loudspeaker", 7, datetime.date(2024, 7, 4))
    accepted = submitted(world, campaign, world.committee_a, JULY, at(2024, 8, 2))
    services.report_accept(actor=world.coordinator, report=accepted)
    submitted(world, campaign, world.committee_b, JULY, at(2024, 8, 3))
    official = build_aggregate(campaign=campaign, month=JULY, now=at(2024, 8, 20))
    assert [(t.count_unit, t.count) for t in official.totals_by_count_unit] == [("lượt phát", 5)]
    text = docx_text(report_docx(official))
    assert "chưa tính 1 báo cáo đã gửi nhưng chưa được xem xét: UBND phường Đông Kinh (tháng 07/2024)" in text
    units = Unit.objects.all()
    assert [v["value"] for v in dhis2_data_value_set(campaign=campaign, month=JULY, units=units)["dataValues"]] == ["5"]
    everything = build_aggregate(campaign=campaign, month=JULY, now=at(2024, 8, 20), include_submitted=True)
    assert [(t.count_unit, t.count) for t in everything.totals_by_count_unit] == [("lượt phát", 12)]
    assert "gồm các báo cáo đã được chấp nhận và 1 báo cáo đã gửi nhưng chưa được xem xét" in docx_text(
        report_docx(everything)
    )
    # The page's download: official by default, the others only on demand.
    client = logged_in(world.coordinator)
    url = reverse("reports:aggregate", args=[campaign.pk, "2024-07", "json"])
    assert client.get(url).json()["totals_by_count_unit"][0]["count"] == 5
    assert client.get(url, {"unreviewed": "1"}).json()["totals_by_count_unit"][0]["count"] == 12


def test_the_coordinator_accepts_the_ticked_reports_at_once(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world)
    frozen(at(2024, 8, 20))
    reports = [submitted(world, campaign, unit, JULY, at(2024, 8, 2)) for unit in (world.committee_a, world.operator)]
    client = logged_in(world.coordinator)
    url = reverse("reports:completeness", args=[campaign.pk])
    page = client.get(url, {"month": "2024-07"}).content.decode()
    assert 'id="accept-form"' in page and page.count('name="report"') == 2
    done = client.post(
        reverse("reports:accept_many", args=[campaign.pk]),
        {"month": "2024-07", "report": [r.pk for r in reports]},
        follow=True,
    )
    assert "Đã chấp nhận 2 báo cáo." in done.content.decode()
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {"accepted"}
    # Each unit is told; the reporter may not accept.
    assert Notification.objects.filter(user=world.reporter_a).count() == 1
    assert Notification.objects.filter(user=world.operator_staff).count() == 1
    assert logged_in(world.reporter_a).post(reverse("reports:accept_many", args=[campaign.pk])).status_code == 403


# Finding 3: on the unit's behalf only by the coordinator, with a reason; an empty report says so -----------


def test_the_coordinator_submits_for_a_unit_only_with_a_reason_and_the_report_says_who_and_why(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world)
    frozen(at(2024, 8, 5))
    client = logged_in(world.coordinator)
    submit = reverse("reports:submit", args=[campaign.pk, world.committee_b.pk, "2024-07"])
    report = services.report_open(actor=world.coordinator, campaign=campaign, unit=world.committee_b, month=JULY)
    page = client.get(submit).content.decode()
    assert 'name="on_behalf_reason"' in page and 'name="no_activity"' in page
    refused = client.post(submit, {})
    assert refused.status_code == 422 and 'class="errorlist"' in refused.content.decode()
    report.refresh_from_db()
    assert report.status == "draft"
    assert client.post(submit, {"on_behalf_reason": "Phường gửi bản giấy ngày 04/8."}).status_code == 422
    client.post(submit, {"on_behalf_reason": "Phường gửi bản giấy ngày 04/8.", "no_activity": "on"})
    report.refresh_from_db()
    assert (report.status, report.submitted_by, report.no_activity) == ("submitted", world.coordinator, True)
    assert report.on_behalf_reason == "Phường gửi bản giấy ngày 04/8."
    shown = client.get(reverse("reports:report", args=[campaign.pk, world.committee_b.pk, "2024-07"])).content.decode()
    assert "Coordinator" in shown and "Phường gửi bản giấy ngày 04/8." in shown and 'id="no-activity"' in shown
    told = Notification.objects.get(user=world.reporter_b)
    assert "Phường gửi bản giấy ngày 04/8." in told.text
    # Someone who may report for a unit without reviewing may not submit on its behalf.
    other = services.report_open(actor=None, campaign=campaign, unit=world.committee_a, month=JULY)
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=world.operator_staff, report=other, now=at(2024, 8, 5), no_activity=True)


def test_an_empty_report_is_submitted_only_with_the_statement_of_no_activity(world: World) -> None:
    campaign = make_campaign(world)
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    with pytest.raises(ValidationError) as refused:
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 5))
    assert "no_activity" in refused.value.message_dict
    log(world, campaign, world.committee_a, "loudspeaker", 2, datetime.date(2024, 7, 3))
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 5), no_activity=True)
    assert services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 5)).status == "submitted"


# Finding 4: the cumulative report's status covers every month ---------------------------------------------


def test_the_cumulative_status_counts_every_late_and_missing_month(world: World) -> None:
    campaign = make_campaign(world)
    for month in range(7, 11):
        first = datetime.date(2024, month, 1)
        submitted(world, campaign, world.committee_a, first, at(2024, month + 1, 5))
        submitted(world, campaign, world.operator, first, at(2024, month + 1, 6))
        if month < 10:
            submitted(world, campaign, world.committee_b, first, at(2024, month + 1, 12))  # late three times
    report = build_aggregate(campaign=campaign, month=datetime.date(2024, 10, 1), cumulative=True, now=at(2024, 11, 20))
    assert report.late == ["UBND phường Đông Kinh"] and report.missing == ["UBND phường Đông Kinh"]
    assert report.on_time == ["UBND phường Lương Văn Tri", "Viettel Lạng Sơn"]
    assert report.reports_expected == 12
    text = docx_text(report_docx(report))
    assert "UBND phường Đông Kinh (3 lần: tháng 07/2024, 08/2024, 09/2024)" in text
    assert "Chưa gửi báo cáo: 1 đơn vị, gồm: UBND phường Đông Kinh (1 tháng: 10/2024)." in text
    sheet = load_workbook(BytesIO(report_xlsx(report)))["Tình hình gửi báo cáo"]
    rows = {row[1]: row[2:7] for row in sheet.iter_rows(min_row=3, max_row=5, values_only=True)}
    assert rows["UBND phường Đông Kinh"] == (4, 3, "07/2024, 08/2024, 09/2024", 1, "10/2024")


# Finding 5: every unit told; a unit may ask for its report back ------------------------------------------


def test_returning_accepting_and_reopening_tell_the_unit_with_the_reason(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world, lock_days=3000)
    frozen(at(2024, 8, 5))
    world.operator_staff.email = "v@example.vn"
    world.operator_staff.save()
    report = submitted(world, campaign, world.operator, JULY, at(2024, 8, 5))
    services.report_return(actor=world.coordinator, report=report, reason="Thiếu số tin nhắn đã gửi.")
    told = Notification.objects.get(user=world.operator_staff)
    assert "Thiếu số tin nhắn đã gửi." in told.text and told.url.endswith("/reports/2024-07/")
    home = logged_in(world.operator_staff).get(reverse("web:home")).content.decode()
    assert "Thiếu số tin nhắn đã gửi." in home and 'id="returned-' in home
    report.refresh_from_db()
    services.report_submit(actor=world.operator_staff, report=report, now=at(2024, 8, 6))
    services.report_accept(actor=world.coordinator, report=report)
    services.report_reopen(actor=world.coordinator, report=report, reason="Sửa số liệu tháng 7.")
    texts = list(Notification.objects.filter(user=world.operator_staff).order_by("pk").values_list("text", flat=True))
    assert len(texts) == 3 and "chấp nhận" in texts[1] and "Sửa số liệu tháng 7." in texts[2]
    # Nobody is told of their own act; e-mails go once the change is committed (here: the test's capture).
    assert not Notification.objects.filter(user=world.coordinator).exists()


def test_a_returned_report_mails_the_unit_once_committed(world: World, django_capture_on_commit_callbacks: Any) -> None:
    campaign = make_campaign(world)
    world.reporter_a.email = "a@example.vn"
    world.reporter_a.save()
    report = submitted(world, campaign, world.committee_a, JULY, at(2024, 8, 5))
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=world.coordinator, report=report, reason="Thiếu ảnh minh chứng.")
    assert [m.to for m in mail.outbox] == [["a@example.vn"]] and "Thiếu ảnh minh chứng." in mail.outbox[0].body


def test_a_unit_asks_the_coordinator_to_return_its_report(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world, lock_days=3000)
    frozen(at(2024, 8, 20))
    submitted(world, campaign, world.committee_a, JULY, at(2024, 8, 5))
    client = logged_in(world.reporter_a)
    url = reverse("reports:report", args=[campaign.pk, world.committee_a.pk, "2024-07"])
    assert 'id="ask-return"' in client.get(url).content.decode()
    client.post(
        reverse("reports:ask_return", args=[campaign.pk, world.committee_a.pk, "2024-07"]), {"reason": "Quên khối 5."}
    )
    report = MonthlyReport.objects.get()
    assert report.return_request_reason == "Quên khối 5." and report.return_requested_by == world.reporter_a
    assert "Quên khối 5." in Notification.objects.get(user=world.coordinator).text
    assert "Quên khối 5." in logged_in(world.coordinator).get(url).content.decode()
    services.report_return(actor=world.coordinator, report=report, reason="Theo đề nghị của phường.")
    report.refresh_from_db()
    assert report.status == "returned" and report.return_requested_at is None


# Finding 7: the province's viewer reads reports, completeness and the aggregate --------------------------


def test_the_viewer_reads_reports_completeness_and_the_aggregate_but_reviews_nothing(world: World) -> None:
    campaign = make_campaign(world)
    report = submitted(world, campaign, world.committee_a, JULY, at(2024, 8, 5))
    client = logged_in(world.viewer)
    assert client.get(reverse("reports:completeness", args=[campaign.pk]), {"month": "2024-07"}).status_code == 200
    assert client.get(reverse("reports:aggregate", args=[campaign.pk, "2024-07", "docx"])).status_code == 200
    assert client.get(reverse("reports:report", args=[campaign.pk, world.committee_a.pk, "2024-07"])).status_code == 200
    detail = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert reverse("reports:completeness", args=[campaign.pk]) in detail
    accept = reverse("reports:review", args=[campaign.pk, world.committee_a.pk, "2024-07", "accept"])
    assert client.post(accept).status_code == 403
    assert client.post(reverse("reports:accept_many", args=[campaign.pk]), {"report": report.pk}).status_code == 403
    report.refresh_from_db()
    assert report.status == "submitted"


# Finding 9: wording ----------------------------------------------------------------------------------------


def test_the_word_report_says_what_it_counts_in_each_column(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, world.committee_a, "banner", 12, datetime.date(2024, 7, 3))
    log(world, campaign, world.committee_a, "meeting", 1, datetime.date(2024, 7, 4), people_reached=85)
    log(world, campaign, world.committee_a, "meeting", 2, datetime.date(2024, 7, 5))
    services.report_accept(
        actor=world.coordinator, report=submitted(world, campaign, world.committee_a, JULY, at(2024, 8, 2))
    )
    doc = Document(BytesIO(report_docx(build_aggregate(campaign=campaign, month=JULY, now=at(2024, 8, 20)))))
    by_form, by_unit = doc.tables[1], doc.tables[2]
    assert [c.text for c in by_form.rows[0].cells][4] == "Số lượng"
    rows = {row.cells[1].text: [c.text for c in row.cells] for row in by_form.rows[1:]}
    # 85 people were reported for 1 of the 3 meetings: said so, never as if for all three.
    assert rows["Hội nghị, họp dân"][3:] == ["buổi", "3", "85 (1/3 buổi có số liệu)"]
    assert [c.text for c in by_unit.rows[0].cells][2:] == [
        "Băng rôn, phướn, banner, pano, áp phích (cái)",
        "Hội nghị, họp dân (buổi)",
    ]


def test_english_pages_say_one_session_one_activity_and_submitted_once(world: World) -> None:
    from switchoff.people.services import user_set_language

    campaign = make_campaign(world, lock_days=3000)
    user_set_language(user=world.reporter_a, language="en")
    client = logged_in(world.reporter_a)
    log(world, campaign, world.committee_a, "meeting", 1, datetime.date(2024, 7, 4))
    page = client.get(reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]), {"month": "2024-07"})
    assert "1 session" in page.content.decode() and "1 sessions" not in page.content.decode()
    submitted(world, campaign, world.committee_a, JULY, at(2024, 8, 2))
    report = client.get(reverse("reports:report", args=[campaign.pk, world.committee_a.pk, "2024-07"])).content.decode()
    assert not re.search(r"Submitted\s*</span>\s*<span[^>]*>\s*submitted", report, re.I)
    assert "Submitted on" in report
    # The import's preview in English on the English page, and "1 activity was logged".
    content = "Ngày,Hình thức,Số lượng\n03/08/2024,Phát thanh loa,1\n".encode()
    url = reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk])
    handle = BytesIO(content)
    handle.name = "a.csv"
    check = client.post(url, {"file": handle})
    preview = check.content.decode()
    assert "Broadcasts on the local loudspeakers" in preview and "1 broadcast" in preview
    mapping = check.context["parsed"].mapping
    data = {"upload_id": check.context["upload_id"], "file_name": "a.csv", "sheet": "0", "header_row": "0"}
    data |= {f"map-{k}": str(v) for k, v in mapping.columns.items()}
    data |= {"confirm": "1", "expected": check.context["expected"], "import_key": check.context["import_key"]}
    done = client.post(url, data, follow=True).content.decode()
    assert "1 activity was logged." in done


# Finding 10: one deadline, rates only after it -----------------------------------------------------------


def test_every_page_says_the_same_deadline_and_no_rate_before_it(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world)
    frozen(at(2024, 12, 7))
    submitted(world, campaign, world.committee_a, datetime.date(2024, 11, 1), at(2024, 12, 5))
    home = logged_in(world.reporter_b).get(reverse("web:home")).content.decode()
    report = logged_in(world.reporter_b).get(
        reverse("reports:report", args=[campaign.pk, world.committee_b.pk, "2024-11"])
    )
    completeness = logged_in(world.coordinator).get(
        reverse("reports:completeness", args=[campaign.pk]), {"month": "2024-11"}
    )
    sentence = "Hạn chót 09/12/2024 (còn 2 ngày)."
    assert sentence in home and sentence in report.content.decode() and sentence in completeness.content.decode()
    coordinator_home = logged_in(world.coordinator).get(reverse("web:home")).content.decode()
    review = coordinator_home[coordinator_home.index('id="review-') :]
    assert " %" not in review[: review.index("</section>")] and "rates-later" in review


# Finding 11: logging on a past month -------------------------------------------------------------------


def test_a_submitted_month_takes_no_more_activities_from_the_form_or_the_grid(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world, lock_days=3000)
    frozen(at(2024, 12, 3))
    log(world, campaign, world.committee_a, "loudspeaker", 2, datetime.date(2024, 11, 3))
    submitted(world, campaign, world.committee_a, datetime.date(2024, 11, 1), at(2024, 12, 2))
    client = logged_in(world.reporter_a)
    page = client.get(reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]), {"month": "2024-11"})
    assert 'id="month-closed"' in page.content.decode() and 'name="count"' not in page.content.decode()
    grid_url = reverse("reports:grid", args=[campaign.pk, world.committee_a.pk])
    grid = client.get(grid_url, {"month": "2024-11"}).content.decode()
    assert 'id="grid-closed"' in grid and "disabled" in grid and "Lưu bảng" not in grid
    loudspeaker = campaign.forms.get(code="loudspeaker")
    client.post(
        grid_url,
        {
            "month": "2024-11",
            "f": [loudspeaker.pk],
            f"c-20241103-{loudspeaker.pk}": "5",
            f"o-20241103-{loudspeaker.pk}": "2",
        },
    )
    assert list(Activity.objects.values_list("count", flat=True)) == [2]


def test_the_form_of_a_month_logs_into_that_month_only(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world, lock_days=3000)
    frozen(at(2024, 12, 3))
    client = logged_in(world.reporter_a)
    url = reverse("reports:activities", args=[campaign.pk, world.committee_a.pk])
    page = client.get(url, {"month": "2024-11"})
    assert page.context["form"].initial["date"] == datetime.date(2024, 11, 30)
    form = campaign.forms.get(code="loudspeaker")
    refused = client.post(
        url + "?month=2024-11",
        {"client_key": "k1", "month": "2024-11", "date": "02/12/2024", "form": form.pk, "count": 1},
    )
    assert refused.status_code == 200 and "11/2024" in refused.content.decode()
    assert not Activity.objects.exists()
    client.post(
        url + "?month=2024-11",
        {"client_key": "k2", "month": "2024-11", "date": "29/11/2024", "form": form.pk, "count": 1},
    )
    assert list(Activity.objects.values_list("date", flat=True)) == [datetime.date(2024, 11, 29)]


def test_submitting_a_future_month_leaves_no_draft(world: World, frozen: Callable[[datetime.datetime], None]) -> None:
    campaign = make_campaign(world)
    frozen(at(2024, 9, 3))
    client = logged_in(world.reporter_a)
    response = client.post(
        reverse("reports:report", args=[campaign.pk, world.committee_a.pk, "2024-11"]), {"action": "submit"}
    )
    assert response.status_code == 302 and not MonthlyReport.objects.exists()


# Finding 12: a clerk's file shown as written; the README tells the demo as it is ---------------------------


def test_the_header_picker_and_the_problems_show_cells_as_the_clerk_wrote_them(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([1.0, datetime.datetime(2024, 11, 2), 3.0])
    sheet.append(["Ngày", "Hình thức", "Số lượng"])
    sheet.append([datetime.datetime(2031, 1, 5), "Phát thanh loa", 1])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "a.xlsx"
    page = logged_in(world.reporter_a).post(
        reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk]), {"file": buffer}
    )
    text = page.content.decode()
    assert "1: 1 | 02/11/2024 | 3" in text and "1.0" not in text and "2024-11-02" not in text
    assert "05/01/2031" in text and "2031-01-05" not in text


def test_the_readme_tells_how_late_dong_kinh_is_in_the_demo(
    db: None, frozen: Callable[[datetime.datetime], None]
) -> None:
    from pathlib import Path

    from switchoff.demo.services import load_demo

    frozen(at(2026, 12, 20))
    load_demo()
    late = MonthlyReport.objects.filter(unit__name__contains="Đông Kinh", late=True).count()
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    words = {1: "once", 2: "twice", 3: "three times"}
    assert f"Đông Kinh reported late {words[late]}" in readme
