"""bench/dashboard: the dashboard of the country, of a province and of a commune, at national scale, on PostgreSQL.

On ``BENCH_PG_URL`` (a database of its own that it drops and makes again): the country and its 3,321
communes loaded, a national campaign of 12 months with every commune reporting, then the counters of
``BENCH_SUBSCRIBERS`` (20,000,000) subscribers and their cases over the communes (four operators, lists on
``BENCH_LIST_DAYS`` days, every funnel stage), ``BENCH_VISITS`` (5,000,000) visits over the campaign's days,
a report per commune and month in every state and the log's counts by form and month: written by COPY as the
services write them (each commune's deltas in ``Count`` and the same deltas rolled up into its province and
the country in ``CountTotal``), the time printed. Then the dashboard page of the country, of the province
with the most communes and of one commune, 50 requests each through the test client (server time: the
view, its queries and the template), p95; and, for comparison, the country's figures by a plain GROUP BY over
the rows below it (the per-commune ``Count`` rows: what the page would read without the roll-up). Then the
country's PDF, timed. The last line prints key=value pairs.

What it does not build: the raw subscriber, case and visit rows themselves (20 + 20 + 5 million rows by
COPY would take longer than this machine's budget for a bench); the page never reads them, so its timings
do not depend on them, and the naive figure is over the per-commune counters instead.
"""

from __future__ import annotations

import datetime
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench_dashboard")
PG_NAME = PG_URL.rsplit("/", 1)[1]
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "20000000"))
VISITS = int(os.environ.get("BENCH_VISITS", "5000000"))
LIST_DAYS = int(os.environ.get("BENCH_LIST_DAYS", "12"))
OPERATORS = 4
REQUESTS = 50

workdir = tempfile.mkdtemp(prefix="switchoff-bench-dashboard-")
os.environ.setdefault("SWITCHOFF_VAR_DIR", workdir)
os.environ["DATABASE_URL"] = PG_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def fresh_pg() -> None:
    host = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["psql", *host, "-q", "-c", f"DROP DATABASE IF EXISTS {PG_NAME}"], check=True)
    subprocess.run(["psql", *host, "-q", "-c", f"CREATE DATABASE {PG_NAME}"], check=True)


def p95_ms(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


def main() -> None:  # one scenario, step by step
    fresh_pg()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client

    from switchoff.campaigns.models import ReportingAssignment
    from switchoff.campaigns.services import campaign_create
    from switchoff.counts.models import Count
    from switchoff.fieldwork import counts as field_keys
    from switchoff.fieldwork.rules import Stage
    from switchoff.people.models import Membership, User
    from switchoff.people.roles import Role
    from switchoff.reports import counts as report_keys
    from switchoff.subscribers import counts as subscriber_keys
    from switchoff.units.loaders import load_country
    from switchoff.units.models import Unit

    call_command("migrate", verbosity=0)
    country = load_country().country
    communes = list(Unit.objects.filter(kind__code="commune", valid_to__isnull=True).values_list("pk", "rollup_path"))
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    campaign = campaign_create(
        actor=None,
        name="Dừng 2G toàn quốc",
        area=country,
        coordinating_unit=country,
        recipient_name="Bộ",
        issuing_body="BỘ",
        place_name="Hà Nội",
        signer_title="Bộ trưởng",
        signer_name="A",
        start_date=start,
        end_date=end,
        cutoff_date=datetime.date(2026, 10, 15),
    )
    ReportingAssignment.objects.bulk_create([ReportingAssignment(campaign=campaign, unit_id=pk) for pk, _p in communes])
    forms = list(campaign.forms.values_list("pk", flat=True))[:5]
    c = campaign.pk
    months = [datetime.date(2026, m, 1) for m in range(1, 13)]
    days = [start + datetime.timedelta(days=i) for i in range((min(end, datetime.date(2026, 12, 6)) - start).days)]

    started = time.perf_counter()
    own = io.StringIO()
    rolled: dict[tuple[int, str, int, datetime.date], int] = {}

    def add(unit_id: int, above: list[int], key: str, dimension: int, day: datetime.date, delta: int) -> None:
        if not delta:
            return
        own.write(f"{unit_id}\t{key}\t{dimension}\t{day.isoformat()}\t{delta}\tt\n")
        for unit in above:
            cell = (unit, key, dimension, day)
            rolled[cell] = rolled.get(cell, 0) + delta

    per_commune = SUBSCRIBERS // len(communes)
    visits_per_commune_day = max(1, VISITS // (len(communes) * len(days)))
    list_days = [start + datetime.timedelta(days=30 * i) for i in range(LIST_DAYS)]
    for n, (unit_id, rollup_path) in enumerate(communes):
        above = [int(p) for p in rollup_path.strip("/").split("/")]
        per_list = per_commune // (OPERATORS * LIST_DAYS)
        for operator in range(1, OPERATORS + 1):
            for day in list_days:
                add(unit_id, above, subscriber_keys.LISTED, operator, day, per_list)
        # Cases by stage (one per subscriber), the funnel's shape varying by commune.
        share = [0.4, 0.25, 0.15, 0.12, 0.08] if n % 2 else [0.6, 0.2, 0.1, 0.06, 0.04]
        for stage, part in zip(Stage.values, share, strict=True):
            add(unit_id, above, field_keys.stage_key(c, stage), 0, start, int(per_commune * part))
        add(unit_id, above, field_keys.follow_up_key(c), 0, days[-3], per_commune // 50)
        for day in days:
            add(unit_id, above, field_keys.visits_key(c), 0, day, visits_per_commune_day)
        for i, month in enumerate(months[:-1]):
            state = report_keys.STATES[(n + i) % 4] if (n + i) % 4 < 3 else None
            if state:
                add(unit_id, above, report_keys.report_key(c, state), 0, month, 1)
            for form in forms:
                add(unit_id, above, report_keys.activity_key(c), form, month, 1 + (n + i + form) % 7)
    total = io.StringIO()
    for (unit, key, dimension, day), delta in rolled.items():
        if delta:
            total.write(f"{unit}\t{key}\t{dimension}\t{day.isoformat()}\t{delta}\tt\n")
    columns = "(unit_id, key, dimension, day, delta, is_squashed)"
    with connection.cursor() as cursor:
        for table, data in (("counts_count", own), ("counts_counttotal", total)):
            with cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                copy.write(data.getvalue())
        cursor.execute("ANALYZE")
    build_s = time.perf_counter() - started
    rows = Count.objects.count()

    viewer = User.objects.create_user(username="national", password="x")  # noqa: S106  # a bench's own user
    Membership.objects.create(user=viewer, unit=country, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    province = max(Unit.objects.filter(parent=country), key=lambda p: p.children.count())
    commune = Unit.objects.filter(parent=province, kind__code="commune").order_by("code").first()
    assert commune is not None

    def timed(unit: Unit) -> list[float]:
        url = f"/dashboard/{unit.pk}/?campaign={c}"
        assert client.get(url).status_code == 200
        timings = []
        for _ in range(REQUESTS):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        return timings

    p95 = {
        name: p95_ms(timed(unit)) for name, unit in (("country", country), ("province", province), ("commune", commune))
    }

    def naive(unit: Unit) -> None:
        """The country's figures summed over the per-commune counter rows below it (no roll-up)."""
        below = Unit.objects.filter(rollup_path__startswith=unit.rollup_path).values("pk")
        keys = [subscriber_keys.LISTED, field_keys.visits_key(c), *[field_keys.stage_key(c, s) for s in Stage.values]]
        list(Count.objects.filter(unit__in=below, key__in=keys).values_list("key").annotate(n=Sum("delta")).order_by())
        list(
            Count.objects.filter(unit__in=below, key=field_keys.visits_key(c))
            .values_list("day")
            .annotate(n=Sum("delta"))
            .order_by()
        )
        list(
            Count.objects.filter(unit__in=below, key__startswith=f"reports.{c}.")
            .values_list("key", "dimension", "day")
            .annotate(n=Sum("delta"))
            .order_by()
        )

    naive_timings = []
    for _ in range(5):
        began = time.perf_counter()
        naive(country)
        naive_timings.append((time.perf_counter() - began) * 1000)
    pdf_timings = []
    for _ in range(3):
        began = time.perf_counter()
        response = client.get(f"/dashboard/{country.pk}/pdf/?campaign={c}")
        pdf_timings.append(time.perf_counter() - began)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    print(
        f"{rows} counter rows ({SUBSCRIBERS} subscribers and cases, {VISITS} visits, {len(communes)} communes "
        f"reporting 11 months) built by COPY in {build_s:.1f}s; {province.name}: {province.children.count()} units"
    )
    print(
        f"dashboard_p95_ms_country={p95['country']:.1f} dashboard_p95_ms_province={p95['province']:.1f} "
        f"dashboard_p95_ms_commune={p95['commune']:.1f} naive_ms_country={statistics.median(naive_timings):.1f} "
        f"pdf_s_country={statistics.median(pdf_timings):.2f} build_s={build_s:.1f}"
    )


if __name__ == "__main__":
    main()
