"""bench/dashboard: the dashboard of the country, of a province and of a commune, at national scale, on PostgreSQL.

On ``BENCH_PG_URL`` (a database of its own that it drops and makes again): the country and its 3,321
communes loaded, four operators, a national campaign of 12 months with every commune reporting. Then the raw
rows, written by PostgreSQL itself (``INSERT … SELECT … FROM generate_series``, the bulk path COPY would take
from a file): ``BENCH_SUBSCRIBERS`` (20,000,000) subscribers over the communes and four operators on
``BENCH_LIST_DAYS`` list days, one case each (the funnel's shape varying by commune, a fiftieth with a
follow-up), ``BENCH_VISITS`` (5,000,000) visits over the campaign's days. The counters are then made from
those rows as ``verify_counts`` rebuilds them (a GROUP BY per key into ``Count``, rolled up the unit tree into
``CountTotal``), with the reports of every commune and month and the log's counts by form and month added as
counters only (their raw rows, 40,000 reports, are not built: see below); the time of the whole build printed.

Then the dashboard page of the country, of the province with the most communes and of one commune, 50
requests each through the test client (server time: the view, its queries and the template), p95; the
country's PDF, timed. And, in the same run, the country's figures by a plain GROUP BY over the raw rows built
above (subscribers still listed per operator and day, cases per stage, overdue follow-ups, visits per day,
each per province): ``naive_ms_country``, checked equal to what the page shows. The reports' grid is the one
figure of the page not in the naive sum (there are no raw report rows here; it is a GROUP BY over the
per-commune counters in the page's own terms, and small). The last line prints key=value pairs.
"""

from __future__ import annotations

import datetime
import io
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import median, p95, setup, start

start("dashboard")
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "20000000"))
VISITS = int(os.environ.get("BENCH_VISITS", "5000000"))
LIST_DAYS = int(os.environ.get("BENCH_LIST_DAYS", "12"))
NAIVE_RUNS = int(os.environ.get("BENCH_NAIVE_RUNS", "1"))
OPERATORS = 4
REQUESTS = 50
# The share of each commune's cases at each stage (listed … verified), in per cent: two shapes, alternating.
SHAPES = ((40, 25, 15, 12, 8), (60, 20, 10, 6, 4))


def stage_sql() -> str:
    """The stage of case ``s.id``: by the commune's shape (its index's parity) and the case's place in 100."""

    def case(shape: tuple[int, ...]) -> str:
        edges, acc = [], 0
        for stage, part in enumerate(shape[:-1]):
            acc += part
            edges.append(f"WHEN (s.id * 37) %% 100 < {acc} THEN {stage}")
        return f"CASE {' '.join(edges)} ELSE {len(shape) - 1} END"

    return f"CASE WHEN (s.id %% %(n)s) %% 2 = 1 THEN {case(SHAPES[0])} ELSE {case(SHAPES[1])} END"


def main() -> None:  # one scenario, step by step
    setup()
    from django.db import connection
    from django.test import Client

    from switchoff.campaigns.models import ReportingAssignment
    from switchoff.campaigns.services import campaign_create
    from switchoff.counts.models import Count
    from switchoff.dashboard import selectors
    from switchoff.fieldwork import counts as field_keys
    from switchoff.people.models import Membership, User
    from switchoff.people.roles import Role
    from switchoff.reports import counts as report_keys
    from switchoff.subscribers import counts as subscriber_keys
    from switchoff.units.loaders import load_country
    from switchoff.units.models import Unit, UnitKind
    from switchoff.units.services import unit_create

    country = load_country().country
    communes = list(
        Unit.objects.filter(kind__code="commune", valid_to__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    branch = UnitKind.objects.get(code="operator_branch")
    operators = [
        unit_create(actor=None, kind=branch, name=f"Nhà mạng {i}", parent=country).pk for i in range(1, OPERATORS + 1)
    ]
    start_day, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
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
        start_date=start_day,
        end_date=end,
        cutoff_date=datetime.date(2026, 10, 15),
    )
    ReportingAssignment.objects.bulk_create([ReportingAssignment(campaign=campaign, unit_id=pk) for pk in communes])
    viewer = User.objects.create_user(username="national", password="x")  # noqa: S106  # a bench's own user
    Membership.objects.create(user=viewer, unit=country, role=Role.VIEWER)
    forms = list(campaign.forms.values_list("pk", flat=True))[:5]
    c = campaign.pk
    months = [datetime.date(2026, m, 1) for m in range(1, 13)]
    today = datetime.date.today()
    days = [start_day + datetime.timedelta(days=i) for i in range((min(end, today) - start_day).days)]
    list_days = [start_day + datetime.timedelta(days=30 * i) for i in range(LIST_DAYS)]
    n = len(communes)
    follow_up_day = days[-3]

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # As a bulk load does (pg_restore): the raw tables' secondary indexes and unique constraints are made
        # again after the rows are in (one sort each instead of 45 million insertions), and the foreign keys'
        # triggers are off while the rows, made consistent by construction, are written.
        raw = ("subscribers_subscriber", "fieldwork_case", "fieldwork_visit")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) AND contype = 'u'",
            [list(raw)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT LIKE '%%_pkey' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(raw)],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
        step = 2_000_000
        for first in range(1, SUBSCRIBERS + 1, step):
            last = min(first + step - 1, SUBSCRIBERS)
            cursor.execute(
                "INSERT INTO subscribers_subscriber (id, operator_id, msisdn, msisdn_original, name, search_name, "
                "address, unit_id, list_area_id, imei, device, status, first_seen, last_listed, device_class) "
                "SELECT g, (%(ops)s::bigint[])[1 + (g / %(n)s) %% %(o)s], '+84' || lpad(g::text, 9, '0'), '', "
                "'Nguyễn Văn ' || g, 'nguyen van ' || g, '', (%(units)s::bigint[])[1 + g %% %(n)s], "
                "(%(units)s::bigint[])[1 + g %% %(n)s], '', 'Nokia 1280', 'listed', "
                "(%(days)s::date[])[1 + (g / (%(n)s * %(o)s)) %% %(d)s], "
                "(%(days)s::date[])[1 + (g / (%(n)s * %(o)s)) %% %(d)s], 1 "
                "FROM generate_series(%(first)s, %(last)s) g",
                {
                    "ops": operators, "n": n, "o": OPERATORS, "units": communes, "days": list_days,
                    "d": LIST_DAYS, "first": first, "last": last,
                },
            )  # fmt: skip
            cursor.execute(
                "INSERT INTO fieldwork_case (id, campaign_id, subscriber_id, unit_id, status, stage, follow_up_on, "  # noqa: S608  # the bench's own SQL
                "not_home, last_outcome, conflict, version, assigned_version, changed_at, found_in_field, "
                "found_name, found_msisdn, found_address) "
                f"SELECT s.id, %(c)s, s.id, s.unit_id, 'new', {stage_sql()}, "
                "CASE WHEN s.id %% 50 = 0 THEN %(follow)s::date END, 0, '', false, 1, 1, now(), false, '', '', '' "
                "FROM subscribers_subscriber s WHERE s.id BETWEEN %(first)s AND %(last)s",
                {"c": c, "n": n, "follow": follow_up_day, "first": first, "last": last},
            )
            print(f"  {last:,} subscribers and cases", file=sys.stderr, flush=True)
        cursor.execute(
            "INSERT INTO fieldwork_visit (id, case_id, member_id, unit_id, visited_at, outcome, note, reason, "
            "moved_to, device_model, consent_photo, consent_location, version_after, in_conflict, digest, "
            "received_at) "
            "SELECT gen_random_uuid(), k, %(member)s, (%(units)s::bigint[])[1 + k %% %(n)s], "
            "(%(days)s::date[])[1 + g %% %(d)s] + TIME '09:00' AT TIME ZONE 'Asia/Ho_Chi_Minh', 'informed', "
            "'', '', '', '', false, false, 1, false, '', now() "
            "FROM (SELECT g, 1 + (g::bigint * 7919) %% %(cases)s AS k FROM generate_series(1, %(v)s) g) picked",
            {"member": viewer.pk, "units": communes, "n": n, "days": days, "d": len(days), "cases": SUBSCRIBERS,
             "v": VISITS},
        )  # fmt: skip
        cursor.execute("SET session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in ("subscribers_subscriber", "fieldwork_case"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608  # the bench's own SQL
        raw_s = time.perf_counter() - started
        # The counters, as verify_counts rebuilds them from the rows (one row per unit, key, dimension and day).
        cursor.execute(
            "INSERT INTO counts_count (unit_id, key, dimension, day, delta, is_squashed) "
            "SELECT COALESCE(unit_id, list_area_id), %s, operator_id, first_seen, COUNT(*), true "
            "FROM subscribers_subscriber WHERE status = 'listed' GROUP BY 1, 3, 4",
            [subscriber_keys.LISTED],
        )
        cursor.execute(
            "INSERT INTO counts_count (unit_id, key, dimension, day, delta, is_squashed) "
            "SELECT unit_id, %s || stage, 0, %s, COUNT(*), true FROM fieldwork_case WHERE campaign_id = %s "
            "GROUP BY unit_id, stage",
            [field_keys.stage_key(c, 0)[:-1], start_day, c],
        )
        cursor.execute(
            "INSERT INTO counts_count (unit_id, key, dimension, day, delta, is_squashed) "
            "SELECT unit_id, %s, 0, follow_up_on, COUNT(*), true FROM fieldwork_case "
            "WHERE campaign_id = %s AND follow_up_on IS NOT NULL GROUP BY unit_id, follow_up_on",
            [field_keys.follow_up_key(c), c],
        )
        cursor.execute(
            "INSERT INTO counts_count (unit_id, key, dimension, day, delta, is_squashed) "
            "SELECT unit_id, %s, 0, (visited_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, COUNT(*), true "
            "FROM fieldwork_visit GROUP BY 1, 4",
            [field_keys.visits_key(c)],
        )
        # The reports and the log's counts: counters only (a report per commune and month in every state).
        own = io.StringIO()
        for i, unit_id in enumerate(communes):
            for m, month in enumerate(months[:-1]):
                if (i + m) % 4 < 3:
                    own.write(
                        f"{unit_id}\t{report_keys.report_key(c, report_keys.STATES[(i + m) % 4])}\t0\t{month}\t1\tt\n"
                    )
                for form in forms:
                    own.write(
                        f"{unit_id}\t{report_keys.activity_key(c)}\t{form}\t{month}\t{1 + (i + m + form) % 7}\tt\n"
                    )
        with cursor.copy("COPY counts_count (unit_id, key, dimension, day, delta, is_squashed) FROM STDIN") as copy:
            copy.write(own.getvalue())
        # Rolled up: each unit's rows once more for it and every unit on its roll-up path.
        cursor.execute(
            "INSERT INTO counts_counttotal (unit_id, key, dimension, day, delta, is_squashed) "
            "SELECT above::bigint, c.key, c.dimension, c.day, SUM(c.delta), true FROM counts_count c "
            "JOIN units_unit u ON u.id = c.unit_id "
            "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from u.rollup_path), '/')) above "
            "GROUP BY 1, 2, 3, 4"
        )
        cursor.execute("VACUUM ANALYZE")
    build_s = time.perf_counter() - started
    rows = Count.objects.count()

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

    ms = {name: p95(timed(unit)) for name, unit in (("country", country), ("province", province), ("commune", commune))}
    pdf_timings = []
    for _ in range(3):
        began = time.perf_counter()
        response = client.get(f"/dashboard/{country.pk}/pdf/?campaign={c}")
        pdf_timings.append(time.perf_counter() - began)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")

    def naive() -> dict[str, dict]:  # type: ignore[type-arg]
        """The country's figures by a plain GROUP BY over the raw rows below it, per province (no counter read)."""
        below = "JOIN units_unit u ON u.id = {0} AND u.rollup_path LIKE %(path)s"
        child = "split_part(u.rollup_path, '/', 3)::bigint"
        args = {"path": country.rollup_path + "%", "c": c, "yesterday": today - datetime.timedelta(days=1)}
        got: dict[str, dict] = defaultdict(lambda: defaultdict(int))  # type: ignore[type-arg]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {child}, s.operator_id, s.first_seen, COUNT(*) FROM subscribers_subscriber s "  # noqa: S608  # the bench's own SQL
                f"{below.format('COALESCE(s.unit_id, s.list_area_id)')} WHERE s.status = 'listed' GROUP BY 1, 2, 3",
                args,
            )
            for province_id, operator_id, day, k in cursor.fetchall():
                got["listed"][province_id] += k
                got["listed_by_day"][(operator_id, day)] += k
            cursor.execute(
                f"SELECT {child}, k.stage, COUNT(*), COUNT(*) FILTER (WHERE k.follow_up_on <= %(yesterday)s) "  # noqa: S608  # the bench's own SQL
                f"FROM fieldwork_case k {below.format('k.unit_id')} WHERE k.campaign_id = %(c)s GROUP BY 1, 2",
                args,
            )
            for province_id, stage, k, overdue in cursor.fetchall():
                got["stage"][stage] += k
                got[f"stage_{stage}"][province_id] += k
                got["overdue"][0] += overdue
            cursor.execute(
                f"SELECT {child}, (v.visited_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, COUNT(*) "  # noqa: S608  # the bench's own SQL
                f"FROM fieldwork_visit v {below.format('v.unit_id')} GROUP BY 1, 2",
                args,
            )
            for province_id, day, k in cursor.fetchall():
                got["visits"][province_id] += k
                got["visits_by_week"][day - datetime.timedelta(days=day.weekday())] += k
                if day >= today - datetime.timedelta(days=6):
                    got["visits_7_days"][province_id] += k
        return got

    naive_timings = []
    for _ in range(NAIVE_RUNS):
        began = time.perf_counter()
        figures = naive()
        naive_timings.append((time.perf_counter() - began) * 1000)
    # The naive figures are the page's: the same numbers, read the slow way.
    d = selectors.dashboard(campaign=campaign, unit=country, today=today)
    assert d.headline.listed_now == sum(figures["listed"].values())
    assert d.funnel.at_stage == {s: figures["stage"].get(s, 0) for s in d.funnel.at_stage}
    assert d.headline.overdue == figures["overdue"][0]
    assert dict(d.weeks) == {w: figures["visits_by_week"].get(w, 0) for w, _k in d.weeks}
    for r in d.children:
        assert r.listed == figures["listed"].get(r.unit.pk, 0), r.unit
        assert r.funnel.never_visited == figures["stage_0"].get(r.unit.pk, 0), r.unit
        assert r.visits_7_days == figures["visits_7_days"].get(r.unit.pk, 0), r.unit
    print(
        f"{SUBSCRIBERS:,} subscribers and cases, {VISITS:,} visits over {n} communes written in {raw_s:.1f}s; "
        f"{rows:,} counter rows made from them; build {build_s:.1f}s in all. {province.name}: "
        f"{province.children.count()} units. Naive figures equal the page's (listed, funnel, overdue, weeks, "
        f"per province)."
    )
    print(
        f"dashboard_p95_ms_country={ms['country']:.1f} dashboard_p95_ms_province={ms['province']:.1f} "
        f"dashboard_p95_ms_commune={ms['commune']:.1f} naive_ms_country={median(naive_timings):.1f} "
        f"pdf_s_country={median(pdf_timings):.2f} build_s={build_s:.1f}"
    )


if __name__ == "__main__":
    main()
