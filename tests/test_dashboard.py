"""The dashboard: every chart's table equals the figures counted here from the raw rows; access by unit; exports."""

from __future__ import annotations

import datetime
import io
from collections import Counter, defaultdict
from typing import Any

import openpyxl
import pytest
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.dashboard import tables
from switchoff.dashboard.selectors import ReportCell
from switchoff.dashboard.workbook import sheet_name
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Stage
from switchoff.fieldwork.services import visits_record
from switchoff.lib.months import add_months, first_of_month, last_of_month
from switchoff.people.services import user_set_language
from switchoff.reports import services as reports
from switchoff.reports.models import Activity, MonthlyReport
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import LIST, Field, import_rows, open_field, visit


def _work(world: World) -> Field:
    """Cases, visits on several days, activities of two forms in two months, and reports in every state."""
    field = open_field(world)
    now = timezone.now()
    visits_record(
        actor=world.member_a,
        visits=[
            visit(field.an, "switched", at=now - datetime.timedelta(days=1)),
            visit(field.hoa, "not_home", at=now - datetime.timedelta(days=3)),
            visit(field.binh, "agrees", at=now - datetime.timedelta(days=12)),
        ],
    )
    campaign = field.campaign
    this_month = first_of_month(timezone.localdate())
    loudspeaker = campaign.forms.get(code="loudspeaker")
    article = campaign.forms.get(code="website_article")
    for unit, form, day, count in [
        (world.committee_a, loudspeaker, add_months(this_month, -1), 3),
        (world.committee_a, loudspeaker, add_months(this_month, -1) + datetime.timedelta(days=3), 2),
        (world.committee_a, article, add_months(this_month, -2), 4),
        (world.committee_b, loudspeaker, add_months(this_month, -2), 7),
    ]:
        reports.activity_create(
            actor=world.reporter_a if unit == world.committee_a else world.reporter_b,
            campaign=campaign,
            unit=unit,
            day=day,
            form=form,
            count=count,
            client_key=f"t:{unit.pk}:{form.pk}:{day}:{count}",
        )
    # Reports, months long past: ward A's on time then accepted, ward B's late, one returned.
    for unit, month, state in [
        (world.committee_a, datetime.date(2024, 8, 1), "accepted"),
        (world.committee_b, datetime.date(2024, 8, 1), "late"),
        (world.committee_a, datetime.date(2024, 9, 1), "returned"),
    ]:
        report = reports.report_open(actor=None, campaign=campaign, unit=unit, month=month)
        moment = (
            campaign.deadline(month) - datetime.timedelta(days=2)
            if state != "late"
            else campaign.deadline(month) + datetime.timedelta(days=1)
        )
        report = reports.report_submit(actor=None, report=report, now=moment, no_activity=True)
        if state == "accepted":
            reports.report_accept(actor=world.coordinator, report=report)
        if state == "returned":
            reports.report_return(actor=world.coordinator, report=report, reason="Thiếu số liệu")
    return field


def _under(unit: Unit, field: str = "unit") -> Q:
    return Q(**{f"{field}__rollup_path__startswith": unit.rollup_path})


def _page(client: Any, unit: Unit, campaign: Campaign) -> Any:
    response = client.get(reverse("dashboard:unit", args=[unit.pk]), {"campaign": campaign.pk})
    assert response.status_code == 200
    return response


def _table(response: Any, key: str) -> tables.Table:
    return next(t for t in response.context["tables"] if t.key == key)


def _raw_funnel(unit: Unit) -> list[int]:
    stages = [c.stage for c in Case.objects.filter(_under(unit))]
    return [sum(1 for s in stages if s >= stage) for stage in Stage.values]


def _raw_listed(unit: Unit) -> int:
    return sum(
        1
        for s in Subscriber.objects.filter(status=Subscriber.Status.LISTED).select_related("unit", "list_area")
        if (s.unit or s.list_area).rollup_path.startswith(unit.rollup_path)
    )


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def test_every_chart_table_equals_the_raw_rows_for_the_province_and_a_ward(world: World) -> None:
    field = _work(world)
    campaign = field.campaign
    client = logged_in(world.coordinator)
    today = timezone.localdate()
    for unit in (world.province, world.ward_a):
        response = _page(client, unit, campaign)
        # The funnel: the cases under the unit that reached at least each stage.
        assert [row[1] for row in _table(response, "funnel").rows] == _raw_funnel(unit)
        # Visits per week: the visits under the unit by the Monday of their (Vietnamese) day.
        per_week = Counter(_monday(timezone.localdate(v.visited_at)) for v in Visit.objects.filter(_under(unit)))
        shown = {row[0]: row[1] for row in _table(response, "weeks").rows}
        assert sum(shown.values()) == sum(per_week.values()) == 3
        for monday, n in per_week.items():
            assert shown[tables.week_label(monday)] == n
        # Still listed per operator: the last figure of the series is the registry's listed subscribers.
        listed = _table(response, "listed")
        assert listed.headers[1:] == [world.operator.name]
        assert listed.rows[-1][1] == _raw_listed(unit)
        # Communication by form and month: the log's counts under the unit, one form at a time.
        raw: dict[tuple[str, str], int] = defaultdict(int)
        for a in Activity.objects.filter(_under(unit)).select_related("form"):
            raw[(a.form.shown_name, tables.month_label(first_of_month(a.date)))] += a.count
        communication = _table(response, "communication")
        months = communication.headers[2:-1]
        shown_cells = {
            (row[0], month): n for row in communication.rows for month, n in zip(months, row[2:-1], strict=True) if n
        }
        assert shown_cells == dict(raw)
        assert all(row[-1] == sum(row[2:-1]) for row in communication.rows)
        # The units below: still listed, share switched, visits in 7 days, never visited, per 1,000, worst first.
        rows = _table(response, "children").rows
        children = {u.name: u for u in Unit.objects.filter(parent=unit, valid_to__isnull=True)}
        for row in rows:
            if row[0] not in children:
                continue
            child = children[row[0]]
            funnel = _raw_funnel(child)
            visits = Visit.objects.filter(_under(child))
            recent = [v for v in visits if timezone.localdate(v.visited_at) >= today - datetime.timedelta(days=6)]
            listed_here = _raw_listed(child)
            assert row[1] == listed_here
            assert row[2] == (round(100 * funnel[Stage.SWITCHED] / funnel[0], 1) if funnel[0] else None)
            assert row[3] == len(recent)
            assert row[4] == funnel[0] - funnel[1]
            assert row[5] == (round(1000 * visits.count() / listed_here, 1) if listed_here else None)
        shares = [row[2] if row[2] is not None else 101 for row in rows if row[0] in children]
        assert shares == sorted(shares)
        # The grid: each unit's expected reporters and their reports, month by month.
        grid = _table(response, "grid")
        grid_months = [datetime.datetime.strptime(h, "%m/%Y").date() for h in grid.headers[1:]]
        for row in grid.rows:
            row_unit = Unit.objects.get(name=row[0], valid_to__isnull=True)
            for month, text in zip(grid_months, row[1:], strict=True):
                expected = [
                    u
                    for u in Unit.objects.filter(pk__in=campaign.assignments.values("unit_id")).filter(
                        Q(rollup_path__startswith=row_unit.rollup_path)
                    )
                    if (u.valid_from is None or u.valid_from <= last_of_month(month))
                    and (u.valid_to is None or u.valid_to >= month)
                ]
                got = MonthlyReport.objects.filter(campaign=campaign, month=month, unit__in=expected)
                counted = {"submitted", "accepted"}
                cell = ReportCell(
                    expected=len(expected),
                    on_time=sum(1 for r in got if r.status in counted and not r.late),
                    late=sum(1 for r in got if r.status in counted and r.late),
                    returned=sum(1 for r in got if r.status == "returned"),
                    due_passed=timezone.now() >= campaign.deadline(month),
                )
                assert text == tables.report_text(cell), (row[0], month)
        # The headline: still listed, cases, switched claimed and verified, overdue follow-ups.
        # (by position: the labels are in the reader's language)
        headline = [row[1] for row in _table(response, "headline").rows]
        cases = Case.objects.filter(_under(unit))
        assert headline[1] == _raw_listed(unit)
        assert headline[3] == cases.count()
        assert headline[4] == cases.filter(stage=Stage.SWITCHED).count()
        assert headline[6] == cases.filter(stage=Stage.VERIFIED).count()
        assert headline[8] == cases.filter(follow_up_on__lt=today).count()
    # The figures behind them, spot-checked: ward A's report of 08/2024 was accepted on time, B's late.
    province = _table(_page(client, world.province, campaign), "grid")
    by_name = {row[0]: row for row in province.rows}
    column = province.headers.index("08/2024")
    assert by_name[world.ward_a.name][column] == "1 đúng hạn / 1"
    assert by_name[world.ward_b.name][column] == "1 trễ hạn / 1"
    assert by_name[world.ward_a.name][province.headers.index("09/2024")] == "1 bị trả lại / 1"


def test_the_page_shows_vietnamese_numbers_links_within_access_and_a_table_under_every_chart(world: World) -> None:
    field = _work(world)
    with_vi = logged_in(world.coordinator)
    page = _page(with_vi, world.ward_a, field.campaign).content.decode()
    # One of ward A's 4 cases switched (self-reported): 25,0 % would read 25.0 in English.
    assert "25,0" in page
    for chart in ("funnel", "weeks", "listed", "communication"):
        assert f'id="chart-{chart}"' in page and f'id="table-{chart}"' in page and f'id="chart-data-{chart}"' in page
    assert "dashboard/dashboard.js" in page
    # Each village's figures link to the cases, subscribers and progress behind them.
    village = world.villages_a[0]
    assert f"/registry/?unit={village.pk}" in page
    assert f"?unit={village.pk}&amp;status=new" in page
    assert reverse("fieldwork:progress", args=[village.pk]) in page


def test_the_ward_official_cannot_go_above_the_ward_nor_see_another_wards_rows(world: World) -> None:
    field = _work(world)
    official = logged_in(world.reporter_b)
    home = official.get(reverse("dashboard:home"))
    assert home.status_code == 302 and home["Location"] == reverse("dashboard:unit", args=[world.ward_b.pk])
    for unit in (world.province, world.ward_a, world.villages_a[0]):
        for name in ("dashboard:unit", "dashboard:print", "dashboard:pdf", "dashboard:xlsx"):
            assert official.get(reverse(name, args=[unit.pk])).status_code in {403, 404}
    page = _page(official, world.ward_b, field.campaign)
    text = page.content.decode()
    assert world.province.name not in text.split('id="breadcrumb"')[1].split("</nav>")[0]
    assert "Lương Văn Tri" not in text and "Khối 1" not in text
    assert [row[0] for row in _table(page, "children").rows] == [world.village_b.name]
    workbook = official.get(reverse("dashboard:xlsx", args=[world.ward_b.pk]), {"campaign": field.campaign.pk})
    cells = [str(c) for sheet in openpyxl.load_workbook(io.BytesIO(workbook.content)) for r in sheet.values for c in r]
    assert world.village_b.name in cells and not any("Lương Văn Tri" in c for c in cells)


def test_the_coordinator_walks_from_the_province_to_a_village(world: World) -> None:
    field = _work(world)
    client = logged_in(world.coordinator)
    province = _page(client, world.province, field.campaign)
    assert {row[0] for row in _table(province, "children").rows} == {world.ward_a.name, world.ward_b.name}
    ward = _page(client, world.ward_a, field.campaign)
    assert world.province.name in ward.content.decode().split('id="breadcrumb"')[1].split("</nav>")[0]
    assert {row[0] for row in _table(ward, "children").rows} >= {v.name for v in world.villages_a}
    village = _page(client, world.villages_a[0], field.campaign)
    assert [row[1] for row in _table(village, "funnel").rows] == _raw_funnel(world.villages_a[0])


def test_the_dashboard_costs_the_same_queries_at_every_level(world: World) -> None:
    field = _work(world)
    client = logged_in(world.coordinator)
    counts = []
    for unit in (world.province, world.ward_a, world.villages_a[0]):
        _page(client, unit, field.campaign)  # the session and caches warmed
        with CaptureQueriesContext(connection) as queries:
            _page(client, unit, field.campaign)
        counts.append(len(queries))
        # Never the raw rows: no query reads subscribers, cases or visits.
        raw = [
            q["sql"]
            for q in queries
            if any(
                t in q["sql"]
                for t in ('"subscribers_subscriber"', '"fieldwork_case"', '"fieldwork_visit"', '"reports_activity"')
            )
        ]
        assert raw == []
    assert max(counts) <= 40 and max(counts) - min(counts) <= 1, counts


def test_pdf_and_workbook_hold_the_tables(world: World) -> None:
    field = _work(world)
    client = logged_in(world.coordinator)
    pdf = client.get(reverse("dashboard:pdf", args=[world.province.pk]), {"campaign": field.campaign.pk})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.content.rstrip().endswith(b"%%EOF")
    printed = client.get(reverse("dashboard:print", args=[world.province.pk])).content.decode()
    assert printed.count("<svg") >= 4 and "size: A4 landscape" in printed
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("dashboard:xlsx", args=[world.province.pk])).content))
    # Sheet names in Vietnamese with their diacritics (Excel takes them), in English for an English reader.
    assert book.sheetnames == [
        "Tổng quan",
        "Phễu",
        "Lượt thăm theo tuần",
        "Còn trong danh sách",
        "Đơn vị cấp dưới",
        "Báo cáo theo tháng",
        "Tuyên truyền",
    ]
    funnel = [row for row in book["Phễu"].iter_rows(min_row=5, values_only=True) if row[0]]
    assert [row[1] for row in funnel[: len(Stage.values)]] == _raw_funnel(world.province)
    user_set_language(user=world.coordinator, language="en")
    english = logged_in(world.coordinator).get(reverse("dashboard:xlsx", args=[world.province.pk]))
    assert openpyxl.load_workbook(io.BytesIO(english.content)).sheetnames == [
        "Overview",
        "Funnel",
        "Visits per week",
        "Still listed",
        "Units below",
        "Monthly reports",
        "Communication",
    ]


def test_a_sheet_name_keeps_to_excels_rules() -> None:
    assert sheet_name("Báo cáo: tháng [1/2025]*?\\ và những tháng sau nữa") == "Báo cáo tháng 12025 và những th"
    assert sheet_name("x" * 40) == "x" * 31


@pytest.mark.parametrize("move", ["return", "reopen"])
def test_report_counts_follow_every_transition(world: World, move: str) -> None:
    """verify_counts runs after this test: a transition that forgot its delta fails it."""
    field = _work(world)
    report = MonthlyReport.objects.get(unit=world.committee_a, month=datetime.date(2024, 8, 1))
    if move == "reopen":
        reports.report_reopen(actor=world.coordinator, report=report, reason="Sửa")
    else:
        other = MonthlyReport.objects.get(unit=world.committee_b, month=datetime.date(2024, 8, 1))
        reports.report_return(actor=world.coordinator, report=other, reason="Sửa")
    assert field.campaign.pk


def test_the_migration_backfills_the_reporting_counters_on_their_own_days(world: World) -> None:
    """What was logged and reported before the counters existed counts as the services count it."""
    import importlib

    from django.apps import apps

    from switchoff.counts.models import Count, CountTotal

    _work(world)

    def sums(model: Any) -> dict[tuple[Any, ...], int]:
        rows = (
            model.objects.filter(key__startswith="reports.")
            .values_list("unit_id", "key", "dimension", "day")
            .annotate(n=Sum("delta"))
            .order_by()
        )
        return {tuple(r[:4]): r[4] for r in rows if r[4]}

    written = sums(Count), sums(CountTotal)
    assert written[0] and written[1]
    Count.objects.filter(key__startswith="reports.").delete()
    CountTotal.objects.filter(key__startswith="reports.").delete()
    importlib.import_module("switchoff.dashboard.migrations.0001_report_counts")._backfill(apps, None)
    assert (sums(Count), sums(CountTotal)) == written


@pytest.mark.parametrize("who", ["reporter_a", "leader_a", "member_a", "viewer", "operator_staff", "admin"])
def test_everyone_opens_a_dashboard_they_may_see(world: World, who: str) -> None:
    field = open_field(world)
    client = logged_in(getattr(world, who))
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 302
    assert client.get(home["Location"]).status_code == 200
    assert field.campaign.pk


def test_banners_up_show_in_the_support_section_of_the_ward_not_of_the_other(world: World) -> None:
    import uuid

    from switchoff.banners.services import PlacementInput, placement_record

    field = _work(world)
    with transaction.atomic():
        placement_record(
            actor=world.reporter_a,
            campaign=field.campaign,
            unit=world.committee_a,
            data=PlacementInput(
                id=uuid.uuid4(),
                kind="bang_ron",
                quantity=4,
                place_id=world.villages_a[0].pk,
                start=timezone.localdate() - datetime.timedelta(days=2),
                until=timezone.localdate() + datetime.timedelta(days=30),
            ),
        )
    ward = _page(logged_in(world.reporter_a), world.ward_a, field.campaign)
    assert ward.context["support"].banners_up == 4 and 'id="section-support"' in ward.content.decode()
    other = _page(logged_in(world.reporter_b), world.ward_b, field.campaign)
    assert other.context["support"].empty and 'id="section-support"' not in other.content.decode()


def _legacy_world(world: World) -> Field:
    """The field work, and one more subscriber on the list living in a village of the ward merged in 2025."""
    field = _work(world)
    extra = LIST + "6;0868123461;Hoàng Văn Đức;Khối Bà Triệu (cũ), Phường Chi Lăng\n".encode()
    import_rows(world, extra, datetime.date(2024, 8, 1))
    return field


def _raw_by_path(unit: Unit) -> tuple[int, list[int], int]:
    """Still listed, the funnel and the visits recorded on the unit and the units below it in the 2024 tree."""
    listed = sum(
        1
        for s in Subscriber.objects.filter(status=Subscriber.Status.LISTED).select_related("unit", "list_area")
        if (s.unit or s.list_area).path.startswith(unit.path)
    )
    stages = [c.stage for c in Case.objects.filter(unit__path__startswith=unit.path)]
    funnel = [sum(1 for s in stages if s >= stage) for stage in Stage.values]
    return listed, funnel, Visit.objects.filter(unit__path__startswith=unit.path).count()


def test_the_2024_structure_shows_legacy_units_and_what_cannot_be_split_on_its_own_row(world: World) -> None:
    field = _legacy_world(world)
    client = logged_in(world.coordinator)
    today_view = _page(client, world.province, field.campaign)
    assert today_view.context["d"].has_2024_structure and 'id="structure-toggle"' in today_view.content.decode()
    response = client.get(
        reverse("dashboard:unit", args=[world.province.pk]), {"campaign": str(field.campaign.pk), "structure": "2024"}
    )
    assert response.status_code == 200
    rows = _table(response, "children").rows
    # The 2024 province had one district (the city), and what was recorded on today's wards is a row of its own.
    assert [row[0] for row in rows[:-1]] == [world.legacy_district.name]
    listed, funnel, visits = _raw_by_path(world.legacy_district)
    district = rows[0]
    assert district[1] == listed and district[4] == funnel[0] - funnel[1]
    assert district[5] == (round(1000 * visits / listed, 1) if listed else None)
    assert district[1] >= 1  # Hoàng Văn Đức, placed in the legacy village (or its ward)
    rest = rows[-1]
    assert rest[0] == tables.rest_label(response.context["d"])
    assert district[1] + rest[1] == _raw_listed(world.province)
    assert district[4] + rest[4] == _raw_funnel(world.province)[0] - _raw_funnel(world.province)[1]
    text = response.content.decode()
    assert 'id="structure-note"' in text and "2024" in text
    # The grid stays by today's wards.
    assert {row[0] for row in _table(response, "grid").rows} >= {world.ward_a.name, world.ward_b.name}


def test_a_campaign_from_2025_offers_no_2024_structure(world: World) -> None:
    field = _work(world)
    Campaign.objects.filter(pk=field.campaign.pk).update(start_date=datetime.date(2025, 7, 1))
    page = _page(logged_in(world.coordinator), world.province, field.campaign)
    assert not page.context["d"].has_2024_structure and 'id="structure-toggle"' not in page.content.decode()


def test_visits_per_week_shows_the_last_12_weeks_or_the_whole_campaign(world: World) -> None:
    field = _work(world)
    client = logged_in(world.coordinator)
    recent = _table(_page(client, world.province, field.campaign), "weeks")
    whole = client.get(
        reverse("dashboard:unit", args=[world.province.pk]), {"campaign": str(field.campaign.pk), "weeks": "all"}
    )
    every = _table(whole, "weeks")
    assert len(recent.rows) == 12 and len(every.rows) > 12
    assert every.rows[-12:] == recent.rows
    # Every visit is in the whole campaign's table; those of the last 12 weeks in the recent one.
    per_week = Counter(_monday(timezone.localdate(v.visited_at)) for v in Visit.objects.filter(_under(world.province)))
    assert {row[0]: row[1] for row in every.rows if row[1]} == {tables.week_label(w): n for w, n in per_week.items()}
    assert 'id="weeks-range"' in _page(client, world.province, field.campaign).content.decode()


def test_the_coordinators_targets_are_a_line_on_the_chart_and_audited(world: World) -> None:
    from switchoff.audit.models import AuditEvent
    from switchoff.dashboard.models import Target

    field = _work(world)
    client = logged_in(world.coordinator)
    url = reverse("dashboard:targets", args=[world.province.pk]) + f"?campaign={field.campaign.pk}"
    assert client.get(url).status_code == 200
    day = timezone.localdate() + datetime.timedelta(days=30)
    bad = client.post(url, {"day": "2026-13-01", "listed": "1,5", "operator": ""})
    assert bad.status_code == 400
    assert "dd/mm/yyyy" in bad.content.decode() and "1.234" in bad.content.decode()
    assert client.post(url, {"day": f"{day:%d/%m/%Y}", "listed": "1.234", "operator": ""}).status_code == 302
    assert client.post(url, {"day": f"{day:%d/%m/%Y}", "listed": "2", "operator": world.operator.pk}).status_code == 302
    # The same day and operator again: the number changes, no second target.
    assert client.post(url, {"day": f"{day:%d/%m/%Y}", "listed": "3", "operator": world.operator.pk}).status_code == 302
    assert set(Target.objects.values_list("operator_id", "listed")) == {(None, 1234), (world.operator.pk, 3)}
    assert AuditEvent.objects.filter(action="dashboard.target.set").count() == 3
    listed = _table(_page(client, world.province, field.campaign), "listed")
    assert listed.headers[1:] == [
        world.operator.name,
        "Mọi nhà mạng cộng lại",
        "Mục tiêu: mọi nhà mạng cộng lại",
        f"Mục tiêu: {world.operator.name}",
    ]
    by_day = {row[0]: row for row in listed.rows}
    target_row = by_day[f"{day:%d/%m/%Y}"]
    assert target_row[3:] == [1234, 3]
    # The operator's figure carried to the target day is the registry's, and so is the sum of every operator.
    assert target_row[1] == target_row[2] == _raw_listed(world.province)
    assert all(row[3] is None for day_label, row in by_day.items() if day_label != f"{day:%d/%m/%Y}")
    # A ward's dashboard has none of the province's targets; a ward official may not set them.
    assert _table(_page(client, world.ward_a, field.campaign), "listed").headers[1:] == [world.operator.name]
    official = logged_in(world.reporter_a)
    assert official.get(reverse("dashboard:targets", args=[world.ward_a.pk])).status_code in {403, 404}
    target = Target.objects.get(operator=None)
    delete = reverse("dashboard:target_delete", args=[world.province.pk, target.pk])
    assert client.post(delete).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    assert AuditEvent.objects.filter(action="dashboard.target.deleted").count() == 1


def test_a_large_unit_shows_its_worst_50_units_first_and_all_on_request(world: World) -> None:
    from switchoff.dashboard import children

    field = _work(world)
    client = logged_in(world.coordinator)
    children.SHOWN, before = 1, children.SHOWN
    try:
        ward = _page(client, world.ward_a, field.campaign)
        text = ward.content.decode()
        body = text.split('id="children"')[1].split("</tbody>")[0]
        assert body.count("<tr data-unit=") == 1 and 'id="show-all-rows"' in text
        worst = ward.context["d"].children[0].unit
        assert f'data-unit="{worst.pk}"' in body
        every = client.get(
            reverse("dashboard:unit", args=[world.ward_a.pk]), {"campaign": str(field.campaign.pk), "rows": "all"}
        )
        body = every.content.decode().split('id="children"')[1].split("</tbody>")[0]
        assert body.count("<tr data-unit=") == len(ward.context["d"].children) > 1
    finally:
        children.SHOWN = before


def test_the_communication_chart_never_puts_two_units_of_count_on_one_axis(world: World) -> None:
    field = _work(world)
    response = _page(logged_in(world.coordinator), world.province, field.campaign)
    chart = next(s["data"] for s in response.context["sections"] if s["id"] == "communication")
    forms = {f.shown_name: f.shown_count_unit for f in field.campaign.forms.all()}
    # Loudspeaker broadcasts and website articles: two units of count, so two panels, each with its own axis.
    assert len({forms[s["name"]] for p in chart["panels"] for s in p["series"]}) == 2
    assert len(chart["panels"]) == 2
    for panel in chart["panels"]:
        assert {forms[s["name"]] for s in panel["series"]} == {panel["unit"]}
    # The table view names the unit on every row, and the printed chart draws one axis per unit.
    assert all(row[1] == forms[row[0]] for row in _table(response, "communication").rows)
    printed = logged_in(world.coordinator).get(
        reverse("dashboard:print", args=[world.province.pk]), {"campaign": field.campaign.pk}
    )
    page = printed.content.decode()
    for panel in chart["panels"]:
        assert f"Đơn vị tính: {panel['unit']}" in page


def test_the_printed_grid_writes_each_cell_in_marks_with_their_key(world: World) -> None:
    field = _work(world)
    printed = logged_in(world.coordinator).get(
        reverse("dashboard:print", args=[world.province.pk]), {"campaign": field.campaign.pk}
    )
    # The printed grid: the page's last twelve months, each cell the page's in marks.
    page = tables.grid(printed.context["d"])
    assert printed.context["print_grid"].headers[1:] == page.headers[-12:]
    grid = tables.grid(printed.context["d"], compact=True)
    by_name = {row[0]: row for row in grid.rows}
    # The page's "1 đúng hạn / 1", "1 trễ hạn / 1" and "1 bị trả lại / 1" (see the test of the raw rows above).
    assert by_name[world.ward_a.name][grid.headers.index("08/2024")] == "✓1/1"
    assert by_name[world.ward_b.name][grid.headers.index("08/2024")] == "△1/1"
    assert by_name[world.ward_a.name][grid.headers.index("09/2024")] == "↩1/1"
    assert "✓ đúng hạn · △ trễ hạn · ↩ bị trả lại" in grid.note
    assert "✓ đúng hạn · △ trễ hạn" in printed.context["print_grid"].note
    assert printed.context["print_grid"].note in printed.content.decode()
    cell = ReportCell(expected=5, on_time=2, late=1, returned=0, due_passed=True)
    assert tables.report_compact(cell) == "✓2 △1 ✗2/5"
    assert tables.report_compact(ReportCell(expected=5, on_time=2, late=0, returned=0, due_passed=False)) == "✓2 …3/5"
    assert tables.report_compact(None) == "–"
