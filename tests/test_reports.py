"""The activity log, the report workflow, reminders and the exports, through services and pages."""

from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.reports import services
from switchoff.reports.aggregate import OtherResult, build_aggregate
from switchoff.reports.exports import dhis2_adx, dhis2_data_value_set
from switchoff.reports.models import Activity, MonthlyReport, Notification, Reminder
from switchoff.reports.reminders import send_reminders
from tests.conftest import World, logged_in
from tests.reporting import make_campaign

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JULY = datetime.date(2024, 7, 1)


def log(world: World, campaign: object, code: str, count: int, day: int, key: str) -> Activity:
    form = campaign.forms.get(code=code)  # type: ignore[attr-defined]
    activity, _ = services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,  # type: ignore[arg-type]
        unit=world.committee_a,
        day=datetime.date(2024, 7, day),
        form=form,
        medium=form.media.first(),
        count=count,
        client_key=key,
    )
    return activity


def test_retried_activity_is_not_duplicated(world: World) -> None:
    campaign = make_campaign(world)
    first = log(world, campaign, "loudspeaker", 3, 5, "same-key")
    again = log(world, campaign, "loudspeaker", 3, 5, "same-key")
    assert first.pk == again.pk
    assert Activity.objects.count() == 1


def test_activity_outside_the_campaign_or_area_is_refused(world: World) -> None:
    campaign = make_campaign(world)
    form = campaign.forms.get(code="meeting")
    with pytest.raises(ValidationError) as error:
        services.activity_create(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            day=datetime.date(2025, 3, 1),
            form=form,
            count=1,
            place=world.village_b,
            medium=campaign.media.get(name="Tin nhắn SMS"),
            client_key="bad",
        )
    assert set(error.value.message_dict) == {"date", "place", "medium"}


def test_report_opens_prefilled_from_the_log(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, "loudspeaker", 3, 5, "a")
    log(world, campaign, "loudspeaker", 4, 9, "b")
    log(world, campaign, "website_article", 1, 9, "c")
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    totals = {(line.form.code, line.medium.name if line.medium else ""): line.count for line in report.lines.all()}
    assert totals == {
        ("loudspeaker", "Hệ thống loa truyền thanh cơ sở"): 7,
        ("website_article", "Trang thông tin điện tử"): 1,
    }


def test_submitted_report_freezes_the_month(world: World) -> None:
    campaign = make_campaign(world)
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    services.report_submit(
        actor=world.reporter_a, report=report, now=datetime.datetime(2024, 8, 2, tzinfo=HCM), no_activity=True
    )
    with pytest.raises(ValidationError):
        log(world, campaign, "loudspeaker", 3, 5, "late-add")
    # Submitting twice (a double click) changes nothing.
    again = services.report_submit(
        actor=world.reporter_a, report=report, now=datetime.datetime(2024, 8, 20, tzinfo=HCM)
    )
    assert again.late is False


def test_reminders_are_sent_once_even_when_the_job_runs_twice(world: World) -> None:
    campaign = make_campaign(world)
    world.reporter_a.email = "a@example.vn"
    world.reporter_a.save()
    world.coordinator.email = "c@example.vn"
    world.coordinator.save()
    before = datetime.datetime(2024, 8, 8, 8, 0, tzinfo=HCM)
    first = send_reminders(now=before)
    second = send_reminders(now=before + datetime.timedelta(hours=1))
    assert (first.before, second.before) == (3, 0)
    assert [m.to for m in mail.outbox] == [["a@example.vn"]]
    assert "chưa được gửi" in mail.outbox[0].body or "not submitted" in mail.outbox[0].body
    # Lương Văn Tri submits; the day after the deadline the other two are missing.
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    services.report_submit(actor=world.reporter_a, report=report, now=before, no_activity=True)
    after = datetime.datetime(2024, 8, 10, 8, 0, tzinfo=HCM)
    run = send_reminders(now=after)
    assert (run.missing, run.summaries) == (2, 1)
    assert send_reminders(now=after).missing == 0
    assert Reminder.objects.count() == 3 + 2 + 1
    summary = Notification.objects.get(user=world.coordinator)
    assert "1" in summary.text and "3" in summary.text
    assert Notification.objects.filter(user=world.reporter_a).count() == 1


def test_aggregate_and_dhis2_exports(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, "loudspeaker", 5, 5, "a")
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    services.report_save(
        actor=world.reporter_a,
        report=report,
        lines=[services.LineInput(form=line.form, medium=line.medium, count=line.count) for line in report.lines.all()],
        comment="",
        other_results="Đã hướng dẫn 12 hộ.",
        now=datetime.datetime(2024, 8, 1, tzinfo=HCM),
    )
    services.report_submit(actor=world.reporter_a, report=report, now=datetime.datetime(2024, 8, 12, tzinfo=HCM))
    # Submitted but not reviewed: not in the official aggregate unless asked for, and named then.
    unreviewed = build_aggregate(campaign=campaign, month=JULY, now=datetime.datetime(2024, 8, 20, tzinfo=HCM))
    assert unreviewed.totals_by_count_unit == [] and [r.unit for r in unreviewed.unreviewed] == [
        "UBND phường Lương Văn Tri"
    ]
    services.report_accept(actor=world.coordinator, report=report)
    aggregate = build_aggregate(campaign=campaign, month=JULY, now=datetime.datetime(2024, 8, 20, tzinfo=HCM))
    assert [(t.count_unit, t.count) for t in aggregate.totals_by_count_unit] == [("lượt phát", 5)]
    assert aggregate.late == ["UBND phường Lương Văn Tri"]
    assert aggregate.missing == ["UBND phường Đông Kinh", "Viettel Lạng Sơn"]
    assert aggregate.other_results == [OtherResult(JULY, "UBND phường Lương Văn Tri", "Đã hướng dẫn 12 hộ.")]
    values = dhis2_data_value_set(campaign=campaign, month=JULY, units=world.province.__class__.objects.all())
    assert values["period"] == "202407"
    assert [(v["dataElement"], v["value"]) for v in values["dataValues"]] == [("loudspeaker", "5")]
    adx = dhis2_adx(campaign=campaign, month=JULY, units=world.province.__class__.objects.all()).decode()
    assert 'period="2024-07-01/P1M"' in adx and 'dataElement="loudspeaker"' in adx and 'value="5"' in adx


def test_coordinator_downloads_are_logged(world: World) -> None:
    campaign = make_campaign(world)
    client = logged_in(world.coordinator)
    for fmt in ("docx", "xlsx", "json", "dhis2.json", "adx.xml"):
        response = client.get(reverse("reports:aggregate", args=[campaign.pk, "2024-07", fmt]))
        assert response.status_code == 200, fmt
    assert AuditEvent.objects.filter(action="reports.aggregate.exported").count() == 5
    data = json.loads(client.get(reverse("reports:aggregate", args=[campaign.pk, "2024-07", "json"])).content)
    assert data["expected"] == 3


def test_reporter_cannot_review_or_see_completeness(world: World) -> None:
    campaign = make_campaign(world)
    client = logged_in(world.reporter_a)
    assert client.get(reverse("reports:completeness", args=[campaign.pk])).status_code == 403
    services.report_submit(
        actor=world.reporter_a,
        report=services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY),
        now=datetime.datetime(2024, 8, 2, tzinfo=HCM),
        no_activity=True,
    )
    response = client.post(reverse("reports:review", args=[campaign.pk, world.committee_a.pk, "2024-07", "accept"]))
    assert response.status_code == 403
    assert MonthlyReport.objects.get().status == MonthlyReport.Status.SUBMITTED


def test_grid_saves_each_cell_once(world: World) -> None:
    campaign = make_campaign(world)
    loudspeaker = campaign.forms.get(code="loudspeaker")
    client = logged_in(world.reporter_a)
    url = reverse("reports:grid", args=[campaign.pk, world.committee_a.pk])
    data = {
        "month": "2024-07",
        "client_key": "grid-1",
        "f": [loudspeaker.pk],
        f"c-20240701-{loudspeaker.pk}": "2",
        f"c-20240702-{loudspeaker.pk}": "",
        f"c-20240703-{loudspeaker.pk}": "1",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same grid sent again
    assert sorted(Activity.objects.values_list("date__day", "count")) == [(1, 2), (3, 1)]
    bad = client.post(url, {**data, "client_key": "grid-2", f"c-20240704-{loudspeaker.pk}": "ba"})
    assert "không phải là số nguyên" in bad.content.decode() or "not a whole number" in bad.content.decode()
    assert Activity.objects.count() == 2


def test_activity_sheet_is_checked_then_imported_once(world: World) -> None:
    from io import BytesIO

    from openpyxl import Workbook

    from switchoff.reports.sheet_rows import SheetRow
    from switchoff.reports.spreadsheets import ParsedSheet, parse_activity_sheet

    campaign = make_campaign(world, lock_days=60)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["THEO DÕI CÔNG TÁC TUYÊN TRUYỀN 2G"])
    sheet.append(["STT", "Ngày", "Hình thức", "Phương tiện", "Số lượt", "Nội dung"])
    sheet.append(
        [
            1,
            datetime.datetime(2024, 7, 3),
            "Phát thanh trên loa truyền thanh cơ sở",
            "He thong loa truyen thanh co so",
            2,
            "Bản tin sáng",
        ]
    )
    sheet.append([2, "04/07/2024", "loudspeaker", None, "3", ""])
    sheet.append([3, "31/02/2024", "Múa rối", None, "hai", ""])
    sheet.append([None, None, "Tổng cộng", None, 5, None])
    buffer = BytesIO()
    book.save(buffer)
    now = datetime.datetime(2024, 8, 5, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))

    def parse() -> ParsedSheet:
        return parse_activity_sheet(
            buffer.getvalue(), "so-theo-doi.xlsx", campaign=campaign, unit=world.committee_a, now=now
        )

    parsed = parse()
    assert [(p.row, p.column, p.reason) for p in parsed.problems] == [
        (5, "B", "Không phải là ngày; hãy ghi theo dạng dd/mm/yyyy."),
        (5, "C", "Không phải là hình thức truyền thông của chiến dịch này, cũng không phải tên gọi khác của nó."),
        (5, "E", "Phải là số nguyên, ít nhất là 1."),
    ]
    rows = parsed.rows
    assert [(r.row, r.count) for r in rows] == [(3, 2), (4, 3)]

    def apply(rows: list[SheetRow], key: str) -> int:
        return services.activities_import(
            actor=world.reporter_a, campaign=campaign, unit=world.committee_a, rows=rows, client_key=key
        ).created

    assert apply(rows, "check-1") == 2
    # The same confirmation again (a retried request) writes nothing; the same file imported again
    # replaces what it logged: the log holds its rows once.
    assert apply(rows, "check-1") == 0
    assert apply(parse().rows, "check-2") == 2
    assert sorted(Activity.objects.values_list("count", flat=True)) == [2, 3]


def test_coordinator_creates_the_next_campaign_in_the_browser_form(world: World) -> None:
    from switchoff.campaigns.models import Campaign

    client = logged_in(world.coordinator)
    response = client.post(
        reverse("campaigns:create"),
        {
            "name": "Lộ trình dừng công nghệ 3G",
            "technology": "3G",
            "area": world.province.pk,
            "coordinating_unit": world.office.pk,
            "start_date": "01/01/2028",
            "end_date": "31/12/2028",
            "cutoff_date": "15/09/2028",
            "due_day": "10",
            "lock_days": "5",
            "recipient_name": "Sở Khoa học và Công nghệ",
            "issuing_body": "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN|SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "place_name": "Lạng Sơn",
        },
    )
    campaign = Campaign.objects.get(technology="3G")
    assert response["Location"] == reverse("campaigns:assignments", args=[campaign.pk])
    assert campaign.forms.count() == 13 and campaign.start_date.year == 2028
    bad = client.post(reverse("campaigns:create"), {"name": "X", "start_date": "31/12/2028", "end_date": "01/01/2028"})
    assert (
        "Ngày kết thúc phải sau ngày bắt đầu." in bad.content.decode()
        or "The end must come after" in bad.content.decode()
    )
