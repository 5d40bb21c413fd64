"""bench/reports: the aggregated report of a national campaign, read level by level.

Builds, in a throw-away SQLite database (or the one DATABASE_URL names), a campaign over 34 provinces and
3,400 reporting units (``BENCH_UNITS_PER_PROVINCE``, 100 each) with 12 months of reports over the full
catalogue (two thirds accepted by their province, a third submitted and not yet reviewed, a share never
sent). Then, as the pages do, each province submits its report of each month to the country
(``services.level_report_submit``: the sum of what it accepted) and the country accepts it
(``services.report_accept``), so that the national report reads the provinces' 408 accepted reports.

What each figure measures:
- ``report_national_s``: the country's cumulative report for the 12 months (``build_aggregate`` over
  every unit, which reads the provinces' accepted reports, the 34 provinces' reporting status over the
  period) and its DOCX + XLSX, as the download does;
- ``report_province_s``: the same for one province (about 100 units: its units' accepted reports);
- ``raw_group_by_national_s``: one SQL GROUP BY (form, medium) over every line of the units' reports,
  with no join and no filter: a floor for any computation of the national figure from the units' rows,
  the same query as in earlier runs;
- ``raw_group_by_accepted_s``: the figure the national report stands for, computed raw: the GROUP BY
  over the lines of the units' accepted reports (joined with their reports). The bench checks that the
  national report's totals equal it;
- ``level_submit_s``: the provinces' 408 submissions and the country's 408 acceptances through the
  services (one-off writes, not part of any page view).
The last line prints key=value pairs.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="switchoff-bench-reports-")
os.environ.setdefault("SWITCHOFF_VAR_DIR", workdir)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
# The bench builds and reads tables of millions of rows outside any job: not under the web's time limits
# (DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS), which would cancel them.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

PROVINCES = 34
UNITS_PER_PROVINCE = int(os.environ.get("BENCH_UNITS_PER_PROVINCE", "100"))
MONTHS = 12


def build() -> tuple[object, object]:
    from switchoff.campaigns.models import ReportingAssignment
    from switchoff.campaigns.services import campaign_create
    from switchoff.reports.models import MonthlyReport, ReportLine
    from switchoff.units.models import Unit, UnitKind

    kinds = {k.code: k for k in UnitKind.objects.all()}
    with transaction.atomic():
        country = Unit.objects.create(kind=kinds["country"], name="Việt Nam (bench)", path="/", rollup_path="/")
        country.path = country.rollup_path = f"/{country.pk}/"
        country.save()
        provinces = []
        for p in range(PROVINCES):
            province = Unit.objects.create(
                kind=kinds["province"], name=f"Tỉnh {p:02d}", parent=country, path="/", rollup_path="/"
            )
            province.path = province.rollup_path = f"{country.path}{province.pk}/"
            province.save()
            provinces.append(province)
        units = []
        for province in provinces:
            for n in range(UNITS_PER_PROVINCE):
                units.append(
                    Unit(
                        kind=kinds["people_committee"],
                        name=f"Ủy ban nhân dân xã Số {n:03d} {province.name}",
                        search_name=f"uy ban nhan dan xa so {n:03d}",
                        parent=province,
                        path="pending",
                        rollup_path="pending",
                        depth=2,
                    )
                )
        Unit.objects.bulk_create(units, batch_size=2000)
        created = list(Unit.objects.filter(path="pending").select_related("parent"))
        for unit in created:
            unit.path = unit.rollup_path = f"{unit.parent.path}{unit.pk}/"  # type: ignore[union-attr]
        Unit.objects.bulk_update(created, ["path", "rollup_path"], batch_size=2000)
        campaign = campaign_create(
            actor=None,
            name="Chiến dịch quốc gia (bench)",
            area=country,
            coordinating_unit=country,
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2024, 12, 31),
            cutoff_date=datetime.date(2024, 10, 15),
            recipient_name="Bộ Khoa học và Công nghệ",
            issuing_body="BỘ KHOA HỌC VÀ CÔNG NGHỆ|CỤC VIỄN THÔNG",
            place_name="Hà Nội",
        )
        ReportingAssignment.objects.bulk_create(
            [ReportingAssignment(campaign=campaign, unit=u) for u in created], batch_size=5000
        )
        forms = list(campaign.forms.prefetch_related("media"))
        zone = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
        reports = []
        for month in range(1, MONTHS + 1):
            day = datetime.date(2024, month, 1)
            submitted = datetime.datetime(2024 + month // 12, month % 12 + 1, 5 + (month % 7), 9, tzinfo=zone)
            for index, unit in enumerate(created):
                if (index + month) % 17 == 0:
                    continue  # a share of units never report
                reports.append(
                    MonthlyReport(
                        campaign=campaign,
                        unit=unit,
                        month=day,
                        status="accepted" if index % 3 else "submitted",
                        submitted_at=submitted,
                        late=submitted.day >= 10,
                        other_results="Đã hướng dẫn các hộ chuyển sang điện thoại 4G." if index % 50 == 0 else "",
                    )
                )
        MonthlyReport.objects.bulk_create(reports, batch_size=5000)
        report_ids = list(MonthlyReport.objects.values_list("pk", flat=True))
        lines = []
        for number, report_id in enumerate(report_ids):
            for form in forms:
                medium = next(iter(form.media.all()), None)
                lines.append(
                    ReportLine(report_id=report_id, form=form, medium=medium, count=(number * 7 + form.pk) % 40 + 1)
                )
            if len(lines) >= 50000:
                ReportLine.objects.bulk_create(lines, batch_size=5000)
                lines = []
        ReportLine.objects.bulk_create(lines, batch_size=5000)
    return campaign, provinces[0]


def submit_levels(campaign: object, provinces: list[object]) -> float:
    """Each province submits each month's report to the country, which accepts it: through the services."""
    from switchoff.reports import services

    zone = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    start = time.perf_counter()
    for month in range(1, MONTHS + 1):
        day = datetime.date(2024, month, 1)
        moment = datetime.datetime(2024 + month // 12, month % 12 + 1, 12, 9, tzinfo=zone)
        for province in provinces:
            report = services.level_report_submit(
                actor=None,
                campaign=campaign,  # type: ignore[arg-type]
                unit=province,  # type: ignore[arg-type]
                month=day,
                now=moment,
            )
            services.report_accept(actor=None, report=report, now=moment)
    return time.perf_counter() - start


def timed(campaign: object, units: object, expected: dict[str, int] | None = None) -> float:
    from switchoff.reports.aggregate import build_aggregate
    from switchoff.reports.documents import report_docx, report_xlsx

    now = datetime.datetime(2025, 1, 20, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))
    start = time.perf_counter()
    report = build_aggregate(campaign=campaign, month=datetime.date(2024, 12, 1), cumulative=True, units=units, now=now)  # type: ignore[arg-type]
    docx, xlsx = report_docx(report), report_xlsx(report)
    elapsed = time.perf_counter() - start
    assert len(docx) > 5000 and len(xlsx) > 5000 and sum(t.count for t in report.totals_by_count_unit) > 0
    if expected is not None:  # the national report holds exactly what the raw GROUP BY of the accepted lines says
        by_form: dict[str, int] = {}
        for total in report.by_form_medium:
            by_form[total.form] = by_form.get(total.form, 0) + total.count
        assert by_form == expected, (by_form, expected)
    return elapsed


def main() -> None:
    from switchoff.campaigns.models import CommunicationForm
    from switchoff.units.models import Unit

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    campaign, province = build()
    provinces = list(Unit.objects.filter(kind__code="province", parent=province.parent_id).order_by("pk"))  # type: ignore[attr-defined]
    build_s = time.perf_counter() - started
    level_s = submit_levels(campaign, provinces)
    if connection.vendor == "postgresql":
        # As autovacuum does after such a load: the planner's statistics (else it plans for empty tables).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    units_lines = (
        "FROM reports_reportline l JOIN reports_monthlyreport r ON r.id = l.report_id "
        "WHERE r.unit_id IN (SELECT unit_id FROM campaigns_reportingassignment WHERE campaign_id = %s)"
    )
    with connection.cursor() as cursor:
        raw_start = time.perf_counter()
        # Every line of the units' reports (the provinces' 408 reports hold a few thousand more; kept in).
        cursor.execute("SELECT form_id, medium_id, SUM(count) FROM reports_reportline GROUP BY form_id, medium_id")
        cursor.fetchall()
        raw_s = time.perf_counter() - raw_start
        accepted_start = time.perf_counter()
        cursor.execute(
            f"SELECT l.form_id, SUM(l.count) {units_lines} AND r.status = 'accepted' GROUP BY l.form_id",
            [campaign.pk],  # type: ignore[attr-defined]
        )
        accepted = cursor.fetchall()
        accepted_s = time.perf_counter() - accepted_start
    names = dict(CommunicationForm.objects.filter(campaign=campaign).values_list("pk", "name"))
    expected = {names[form_id]: int(total) for form_id, total in accepted if total}
    province_s = timed(campaign, Unit.objects.rolling_into(province))  # type: ignore[arg-type]
    national_s = timed(campaign, Unit.objects.all(), expected)
    print(
        f"built {PROVINCES * UNITS_PER_PROVINCE} units x {MONTHS} months in {build_s:.1f}s on {connection.vendor}; "
        f"{PROVINCES * MONTHS} province reports submitted and accepted in {level_s:.1f}s; "
        f"raw GROUP BY of the accepted units' lines {accepted_s:.2f}s"
    )
    print(
        f"report_province_s={province_s:.2f} report_national_s={national_s:.2f} "
        f"raw_group_by_national_s={raw_s:.2f} raw_group_by_accepted_s={accepted_s:.2f} "
        f"national_over_raw={national_s / raw_s:.2f} level_submit_s={level_s:.1f} "
        f"units={PROVINCES * UNITS_PER_PROVINCE} months={MONTHS}"
    )


if __name__ == "__main__":
    main()
