"""Issue 14, items 1, 4, 5 and 9: a report that follows its log, dates that make sense,
totals that never add different units of count, and the check before sending."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document

from switchoff.audit.models import AuditEvent
from switchoff.campaigns.models import Campaign, CommunicationForm
from switchoff.reports import services
from switchoff.reports.aggregate import AggregateReport, FormMediumTotal, OtherResult, build_aggregate
from switchoff.reports.deadlines import due
from switchoff.reports.documents import report_docx
from switchoff.reports.models import Activity, MonthlyReport, ReportLine
from switchoff.reports.selectors import (
    completeness,
    report_rows,
    report_warnings,
    totals_by_count_unit,
    warnings_fingerprint,
)
from tests.conftest import World, logged_in
from tests.reporting import make_campaign

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JULY = datetime.date(2024, 7, 1)
AUGUST = datetime.date(2024, 8, 1)
DECEMBER = datetime.date(2024, 12, 1)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=HCM)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.datetime], None]:
    """Freeze django.utils.timezone's clock (pages, services and localdate read it) at a given instant."""

    def freeze(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


def log(
    world: World,
    campaign: Campaign,
    code: str,
    count: int,
    day: datetime.date,
    *,
    people: int | None = None,
) -> Activity:
    form = campaign.forms.get(code=code)
    activity, _ = services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=day,
        form=form,
        medium=form.media.first(),
        count=count,
        people_reached=people,
        client_key=f"{code}-{day}-{count}-{Activity.objects.count()}",
    )
    return activity


def report_url(campaign: Campaign, world: World, month: datetime.date) -> str:
    return reverse("reports:report", args=[campaign.pk, world.committee_a.pk, f"{month:%Y-%m}"])


def rows_by_form(report: MonthlyReport) -> dict[str, int]:
    result: dict[str, int] = {}
    for row in report_rows(report, list(report.lines.all())):
        result[row.form.code] = result.get(row.form.code, 0) + row.count
    return result


def posted_rows(report: MonthlyReport, **counts: int) -> dict[str, str]:
    """The report page's form as a browser sends it, with ``counts`` typed over the shown figures."""
    data = {"comment": "", "other_results": ""}
    for row in report_rows(report, list(report.lines.all()) if report.pk else []):
        data[f"shown-count-{row.key}"] = data[f"count-{row.key}"] = str(row.count)
        people = "" if row.people_reached is None else str(row.people_reached)
        data[f"shown-people-{row.key}"] = data[f"people-{row.key}"] = people
        if row.form.code in counts:
            data[f"count-{row.key}"] = str(counts[row.form.code])
    return data


# -- Item 1: the report follows its log ----------------------------------------------------------


def test_an_opened_report_follows_activities_logged_after_it(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, "loudspeaker", 5, datetime.date(2024, 7, 3))
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    log(world, campaign, "loudspeaker", 7, datetime.date(2024, 7, 20))
    log(world, campaign, "banner", 12, datetime.date(2024, 7, 21))
    assert rows_by_form(report)["loudspeaker"] == 12 and rows_by_form(report)["banner"] == 12
    submitted = services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 2))
    stored = {line.form.code: line.count for line in ReportLine.objects.filter(report=submitted)}
    assert stored == {"loudspeaker": 12, "banner": 12}


def test_looking_at_a_draft_writes_nothing_and_shows_the_log_now(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    client = logged_in(world.reporter_a)
    client.post(report_url(campaign, world, JULY), {"action": "save", "comment": "", "other_results": ""})
    log(world, campaign, "loudspeaker", 9, datetime.date(2024, 7, 3))
    before = ReportLine.objects.count(), AuditEvent.objects.count()
    page = client.get(report_url(campaign, world, JULY)).content.decode()
    assert (ReportLine.objects.count(), AuditEvent.objects.count()) == before
    assert 'id="report-total">9 lượt phát' in page


def test_an_edited_line_stays_and_the_page_offers_the_log_figure(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    log(world, campaign, "loudspeaker", 15, datetime.date(2024, 7, 3))
    log(world, campaign, "meeting", 1, datetime.date(2024, 7, 4))
    client = logged_in(world.reporter_a)
    url = report_url(campaign, world, JULY)
    preview, _lines = services.report_preview(campaign=campaign, unit=world.committee_a, month=JULY)
    client.post(url, {**posted_rows(preview, loudspeaker=14), "action": "save"})
    report = MonthlyReport.objects.get()
    log(world, campaign, "loudspeaker", 5, datetime.date(2024, 7, 10))
    log(world, campaign, "meeting", 2, datetime.date(2024, 7, 11))
    # The meeting line nobody touched follows the log; the edited broadcasts stay 14.
    assert rows_by_form(report) == {**rows_by_form(report), "loudspeaker": 14, "meeting": 3}
    page = client.get(url).content.decode()
    assert "the log now says 20, the report 14" in page or "nhật ký hiện ghi 20, báo cáo ghi 14" in page
    # Saving again without touching the figure keeps the edit (it does not become the log's).
    client.post(url, {**posted_rows(report), "action": "save"})
    assert rows_by_form(report)["loudspeaker"] == 14
    line = ReportLine.objects.get(report=report, form__code="loudspeaker")
    client.post(url, {**posted_rows(report), "action": f"follow:{line.form_id}-{line.medium_id}"})
    line = ReportLine.objects.get(report=report, form__code="loudspeaker")
    assert (line.count, line.edited) == (20, False)
    assert AuditEvent.objects.filter(action="reports.report.line_followed").count() == 1
    # Following again: the next activity reaches it.
    log(world, campaign, "loudspeaker", 1, datetime.date(2024, 7, 12))
    assert rows_by_form(report)["loudspeaker"] == 21


def test_an_edited_zero_is_kept_even_where_the_log_has_more(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, "banner", 4, datetime.date(2024, 7, 3))
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    banner = campaign.forms.get(code="banner")
    services.report_save(
        actor=world.reporter_a,
        report=report,
        lines=[services.LineInput(form=banner, medium=banner.media.first(), count=0)],
        comment="",
        other_results="",
        now=at(2024, 8, 1),
    )
    assert rows_by_form(report)["banner"] == 0
    row = next(r for r in report_rows(report, list(report.lines.all())) if r.form.code == "banner")
    assert row.differs and row.log.count == 4


# -- Item 4: dates that make sense ---------------------------------------------------------------


def test_a_month_cannot_be_submitted_before_its_last_day(world: World) -> None:
    campaign = make_campaign(world)
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    with pytest.raises(ValidationError) as refused:
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 7, 2))
    assert "31/07/2024" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 7, 30, 23))
    submitted = services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 7, 31, 0), no_activity=True)
    assert submitted.status == "submitted"


def test_the_campaign_can_open_submission_earlier_and_short_months_clamp(world: World) -> None:
    campaign = make_campaign(world, submission_from_day=25)
    assert campaign.submission_opens(JULY) == datetime.datetime(2024, 7, 25, tzinfo=HCM)
    campaign.submission_from_day = 31
    assert campaign.submission_opens(datetime.date(2024, 9, 1)).date() == datetime.date(2024, 9, 30)
    campaign.save()
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=AUGUST)
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 30, 23))
    assert (
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 31), no_activity=True).late
        is False
    )


def test_the_page_says_when_submission_opens_and_refuses_it_translated(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world)
    frozen(at(2024, 12, 3))
    client = logged_in(world.reporter_a)
    url = report_url(campaign, world, DECEMBER)
    page = client.get(url).content.decode()
    assert 'id="submission-opens"' in page and "31/12/2024" in page and 'value="submit"' not in page
    client.post(url, {"action": "submit", "comment": "", "other_results": ""})
    # Refused before anything is written: no draft is left behind.
    assert not MonthlyReport.objects.exists()
    messages = client.get(url).content.decode()
    assert "31/12/2024" in messages.split('id="submission-opens"')[0]


def test_rates_wait_for_the_deadline_and_the_running_month_counts_down(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    campaign = make_campaign(world)
    now = at(2024, 12, 3)
    # December's report is due before 10/01/2025: its last day is 09/01/2025, 37 days from 03/12/2024.
    with translation.override("en"):
        assert due(campaign, DECEMBER, now).text == "Due by 09/01/2025 (in 37 days)."
    assert due(campaign, datetime.date(2024, 10, 1), now).passed
    assert not completeness(campaign=campaign, month=DECEMBER, now=now).deadline_passed
    assert completeness(campaign=campaign, month=datetime.date(2024, 10, 1), now=now).deadline_passed
    frozen(now)
    client = logged_in(world.coordinator)
    url = reverse("reports:completeness", args=[campaign.pk])
    running = client.get(url, {"month": "2024-12"}).content.decode()
    assert 'id="completeness-rate"' not in running and 'id="rates-later"' in running
    assert "09/01/2025" in running and "37" in running
    past = client.get(url, {"month": "2024-10"}).content.decode()
    assert 'id="completeness-rate"' in past and 'id="due-text"' not in past


def test_demo_has_no_submission_in_the_future(db: None, frozen: Callable[[datetime.datetime], None]) -> None:
    from switchoff.demo.services import load_demo

    # The 2nd of a month: last month's reports are due on the 5th, 8th and 12th of the demo's plan.
    moment = at(2026, 12, 2)
    frozen(moment)
    load_demo()
    submitted = MonthlyReport.objects.exclude(submitted_at=None)
    assert submitted.exists()
    assert not submitted.filter(submitted_at__gt=moment).exists()
    for report in submitted.select_related("campaign"):
        assert report.submitted_at is not None and report.submitted_at >= report.campaign.submission_opens(report.month)


# -- Item 5: totals that mean something ----------------------------------------------------------


def test_counts_of_different_units_are_never_added(world: World) -> None:
    assert [
        (t.count_unit, t.count)
        for t in totals_by_count_unit(
            [
                (CommunicationForm(count_unit="lượt phát"), 5),
                (CommunicationForm(count_unit="bài"), 1),
                (CommunicationForm(count_unit="lượt phát"), 3),
            ]
        )
    ] == [
        ("lượt phát", 8),
        ("bài", 1),
    ]
    campaign = make_campaign(world, lock_days=3000)
    log(world, campaign, "loudspeaker", 5, datetime.date(2024, 7, 3))
    log(world, campaign, "website_article", 1, datetime.date(2024, 7, 4))
    log(world, campaign, "banner", 12, datetime.date(2024, 7, 5))
    client = logged_in(world.reporter_a)
    log_page = client.get(
        reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]), {"month": "2024-07"}
    ).content.decode()
    assert 'id="log-totals">5 lượt phát; 1 bài; 12 cái<' in log_page, log_page[log_page.find("<section><h2") :][:400]
    report_page = client.get(report_url(campaign, world, JULY)).content.decode()
    assert 'id="report-total">5 lượt phát; 1 bài; 12 cái<' in report_page


def test_people_reached_left_empty_is_not_reported(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    log(world, campaign, "loudspeaker", 5, datetime.date(2024, 7, 3))
    log(world, campaign, "home_visit", 10, datetime.date(2024, 7, 4), people=25)
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8, 2))
    people = {line.form.code: line.people_reached for line in report.lines.all()}
    assert people == {"loudspeaker": None, "home_visit": 25}
    services.report_accept(actor=world.coordinator, report=report)
    aggregate = build_aggregate(campaign=campaign, month=JULY, now=at(2024, 8, 20))
    assert {t.count_unit: t.people_reached for t in aggregate.totals_by_count_unit} == {
        "lượt phát": None,
        "lượt hộ": 25,
    }
    doc = Document(BytesIO(report_docx(aggregate)))
    rows = [[cell.text for cell in row.cells] for row in doc.tables[1].rows]
    assert rows[1][-1] == "Chưa báo cáo" and rows[2][-1] == "25"
    page = logged_in(world.reporter_a).get(report_url(campaign, world, JULY)).content.decode()
    assert "not reported" in page or "chưa báo cáo" in page


def _aggregate(**changes: object) -> AggregateReport:
    report = AggregateReport(
        campaign_name="Chiến dịch",
        technology="2G",
        issuing_body_lines=["UBND", "Phòng"],
        document_symbol="BC",
        place_name="Lạng Sơn",
        recipient_name="Sở",
        signer_title="Trưởng phòng",
        signer_name="A",
        month_from=JULY,
        month_to=AUGUST,
        cumulative=True,
        generated_on=datetime.date(2024, 9, 5),
        forms=[("loudspeaker", "Phát thanh", "lượt"), ("other", "Khác", "lượt"), ("article", "Bài viết", "bài")],
        by_form_medium=[
            FormMediumTotal(form="Phát thanh", count_unit="lượt", medium="Loa", count=10, people_reached=None),
            FormMediumTotal(form="Khác", count_unit="lượt", medium="", count=3, people_reached=40),
            FormMediumTotal(form="Bài viết", count_unit="bài", medium="", count=2, people_reached=None),
            FormMediumTotal(form="Bài viết", count_unit="bài", medium="Web", count=1, people_reached=None),
            FormMediumTotal(form="Tin nhắn", count_unit="tin nhắn", medium="", count=500, people_reached=None),
        ],
        other_results=[
            OtherResult(JULY, "Phường A", "Đã rà soát các hộ."),
            OtherResult(JULY, "Phường B", "Đã rà soát các hộ."),
            OtherResult(AUGUST, "Phường A", "Hỗ trợ 3 hộ đổi máy."),
        ],
    )
    return AggregateReport(**{**report.__dict__, **changes})


def test_word_totals_per_unit_of_count_and_free_text_by_month() -> None:
    doc = Document(BytesIO(report_docx(_aggregate())))
    rows = [[cell.text for cell in row.cells] for row in doc.tables[1].rows]
    totals = [row[-3:] for row in rows if row[0] == "Tổng cộng"]
    # 10 broadcasts and 3 "other" times share "lượt", 2 + 1 articles "bài"; nothing adds up to 516;
    # the 500 messages, alone in their unit of count, need no total row. The 40 people were given for
    # the 3 "other" times only, not for the 13: the total says so.
    assert totals == [["lượt", "13", "40 (3/13 lượt có số liệu)"], ["bài", "3", "Chưa báo cáo"]]
    text = [p.text for p in doc.paragraphs]
    start = text.index("4. Kết quả khác")
    assert text[start + 1 : start + 5] == [
        "Tháng 07/2024:",
        "- Phường A; Phường B: Đã rà soát các hộ.",
        "Tháng 08/2024:",
        "- Phường A: Hỗ trợ 3 hộ đổi máy.",
    ]


# -- Item 9: the check before sending ------------------------------------------------------------


def _earlier_months(world: World, campaign: Campaign, counts: list[int]) -> None:
    for offset, count in enumerate(counts):
        month = JULY.replace(month=7 + offset)
        log(world, campaign, "loudspeaker", count, month.replace(day=3))
        report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=month)
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 8 + offset, 2))


def test_a_figure_ten_times_the_usual_month_needs_a_confirmation(world: World) -> None:
    campaign = make_campaign(world)
    _earlier_months(world, campaign, [3, 4, 5])  # July, August, September: median 4
    october = datetime.date(2024, 10, 1)
    log(world, campaign, "loudspeaker", 41, october.replace(day=3))
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=october)
    warnings = report_warnings(report, report_rows(report, list(report.lines.all())))
    assert len(warnings) == 1 and "41" in warnings[0].text and "4" in warnings[0].text
    with pytest.raises(services.ReportNeedsConfirmation):
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 11, 2))
    with pytest.raises(services.ReportNeedsConfirmation):
        services.report_submit(actor=world.reporter_a, report=report, now=at(2024, 11, 2), confirmed="guess")
    submitted = services.report_submit(
        actor=world.reporter_a, report=report, now=at(2024, 11, 2), confirmed=warnings_fingerprint(warnings)
    )
    assert submitted.status == "submitted"
    event = AuditEvent.objects.filter(action="reports.report.submitted").latest("pk")
    assert event.data["warnings_confirmed"] == [warnings[0].key]


def test_forty_is_usual_enough_and_a_first_month_has_no_median(world: World) -> None:
    campaign = make_campaign(world)
    log(world, campaign, "loudspeaker", 400, datetime.date(2024, 7, 3))
    july = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    assert report_warnings(july, report_rows(july, [])) == []
    services.report_submit(actor=world.reporter_a, report=july, now=at(2024, 8, 2))
    log(world, campaign, "loudspeaker", 4000, datetime.date(2024, 8, 3))
    august = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=AUGUST)
    assert report_warnings(august, report_rows(august, list(august.lines.all()))) == []


def test_fewer_people_than_home_visits_is_confirmed_on_the_page(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    log(world, campaign, "home_visit", 30, datetime.date(2024, 7, 3), people=12)
    client = logged_in(world.reporter_a)
    url = report_url(campaign, world, JULY)
    page = client.get(url).content.decode()
    assert 'id="report-warnings"' in page and "12" in page
    preview, _lines = services.report_preview(campaign=campaign, unit=world.committee_a, month=JULY)
    client.post(url, {**posted_rows(preview), "action": "submit"})
    report = MonthlyReport.objects.get()
    assert report.status == "draft"
    warnings = report_warnings(report, report_rows(report, list(report.lines.all())))
    client.post(url, {**posted_rows(report), "action": f"confirm:{warnings_fingerprint(warnings)}"})
    report.refresh_from_db()
    assert report.status == "submitted"


def test_a_corrected_figure_needs_no_confirmation(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    log(world, campaign, "home_visit", 30, datetime.date(2024, 7, 3), people=12)
    client = logged_in(world.reporter_a)
    url = report_url(campaign, world, JULY)
    preview, _lines = services.report_preview(campaign=campaign, unit=world.committee_a, month=JULY)
    data = posted_rows(preview)
    key = next(r.key for r in report_rows(preview, []) if r.form.code == "home_visit")
    data[f"people-{key}"] = "75"
    confirm = client.post(url, {**data, "action": "submit"})
    # Submitting asks once, on its own page: with the figure corrected, it lists no warning to confirm.
    assert confirm["Location"] == reverse("reports:submit", args=[campaign.pk, world.committee_a.pk, "2024-07"])
    assert 'id="confirm-warnings"' not in client.get(confirm["Location"]).content.decode()
    client.post(confirm["Location"])
    report = MonthlyReport.objects.get()
    assert report.status == "submitted"
    assert report.lines.get(form__code="home_visit").people_reached == 75


def test_the_submit_confirmation_page_lists_the_warnings_and_submits_only_with_them_confirmed(world: World) -> None:
    campaign = make_campaign(world, lock_days=3000)
    log(world, campaign, "home_visit", 30, datetime.date(2024, 7, 3), people=12)
    client = logged_in(world.reporter_a)
    preview, _lines = services.report_preview(campaign=campaign, unit=world.committee_a, month=JULY)
    confirm = client.post(report_url(campaign, world, JULY), {**posted_rows(preview), "action": "submit"})
    page = client.get(confirm["Location"]).content.decode()
    assert 'id="confirm-warnings"' in page
    fingerprint = page.split('name="confirmed" value="')[1].split('"')[0]
    client.post(confirm["Location"], {"confirmed": "something else"})
    assert MonthlyReport.objects.get().status == "draft"
    client.post(confirm["Location"], {"confirmed": fingerprint})
    assert MonthlyReport.objects.get().status == "submitted"


def test_the_api_gives_rates_only_once_the_months_deadline_has_passed(
    world: World, frozen: Callable[[datetime.datetime], None]
) -> None:
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from switchoff.people.services import api_token_create

    campaign = make_campaign(world)
    TOTPDevice.objects.get_or_create(user=world.coordinator, name="app", defaults={"confirmed": True})
    _token, raw = api_token_create(user=world.coordinator, name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    url = f"/api/v1/campaigns/{campaign.pk}/completeness"
    frozen(at(2024, 8, 5))  # July's report is due before 10/08
    running = api.get(url, {"month": "2024-07"}).json()
    assert running["completeness_rate"] is None and running["timeliness_rate"] is None
    frozen(at(2024, 8, 12))
    passed = api.get(url, {"month": "2024-07"}).json()
    assert passed["completeness_rate"] == 0 and passed["timeliness_rate"] == 0
