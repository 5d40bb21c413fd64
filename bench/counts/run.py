"""bench/counts: a figure of the country, of a province and of a ward, read as the pages read them.

On PostgreSQL (``BENCH_PG_URL``, a database of its own that it drops and makes again): the country and its
3,321 communes loaded (``load_units --country``), then the counters of ``BENCH_SUBSCRIBERS`` (20,000,000)
subscribers over those communes, four operators, listed and left, on ``BENCH_DAYS`` (60) days, written by
COPY as the import writes them (each commune's deltas and the same deltas rolled up into its province and
the country, ``CountTotal``), the time printed. Then ``unit_counts`` (the registry's strip) of the country,
of the province with the most rows below it and of one ward, median of 50 each; beside them the raw
baseline: the same figure summed over the rows below the unit (how it was read before the roll-up).
The last line prints key=value pairs.
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
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench_counts")
PG_NAME = PG_URL.rsplit("/", 1)[1]
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "20000000"))
DAYS = int(os.environ.get("BENCH_DAYS", "60"))
OPERATORS = 4
READS = 50

workdir = tempfile.mkdtemp(prefix="switchoff-bench-counts-")
os.environ.setdefault("SWITCHOFF_VAR_DIR", workdir)
os.environ["DATABASE_URL"] = PG_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")


def fresh_pg() -> None:
    host = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["psql", *host, "-q", "-c", f"DROP DATABASE IF EXISTS {PG_NAME}"], check=True)
    subprocess.run(["psql", *host, "-q", "-c", f"CREATE DATABASE {PG_NAME}"], check=True)


def median_ms(read: object, *args: object) -> float:
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        read(*args)  # type: ignore[operator]
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    fresh_pg()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from switchoff.counts.models import Count
    from switchoff.subscribers import counts as keys
    from switchoff.subscribers.selectors import unit_counts
    from switchoff.units.loaders import load_country
    from switchoff.units.models import Unit

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    country = load_country().country
    load_s = time.perf_counter() - started
    communes = list(Unit.objects.filter(kind__code="commune", valid_to__isnull=True).values_list("pk", "rollup_path"))
    # Real operator units are not needed for the figures: the dimension is the operator's id.
    operators = list(range(1, OPERATORS + 1))
    first = datetime.date(2025, 7, 1)
    per_cell = max(1, SUBSCRIBERS // (len(communes) * OPERATORS * DAYS))

    started = time.perf_counter()
    own = io.StringIO()
    rolled: dict[tuple[int, str, int, int], int] = {}
    for unit_id, rollup_path in communes:
        above = [int(p) for p in rollup_path.strip("/").split("/")]
        for operator in operators:
            for d in range(DAYS):
                day = (first + datetime.timedelta(days=d)).isoformat()
                left = per_cell // 10
                for key, delta in ((keys.LISTED, per_cell), (keys.LEFT, left), (keys.LISTED, -left)):
                    own.write(f"{unit_id}\t{key}\t{operator}\t{day}\t{delta}\tt\n")
                    for unit in above:
                        cell = (unit, key, operator, d)
                        rolled[cell] = rolled.get(cell, 0) + delta
    total = io.StringIO()
    for (unit, key, operator, d), delta in rolled.items():
        if delta:
            total.write(f"{unit}\t{key}\t{operator}\t{(first + datetime.timedelta(days=d)).isoformat()}\t{delta}\tt\n")
    columns = "(unit_id, key, dimension, day, delta, is_squashed)"
    with connection.cursor() as cursor:
        for table, data in (("counts_count", own), ("counts_counttotal", total)):
            with cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:  # type: ignore[attr-defined]
                copy.write(data.getvalue())
        cursor.execute("ANALYZE counts_count")
        cursor.execute("ANALYZE counts_counttotal")
    build_s = time.perf_counter() - started
    rows = Count.objects.count()

    province = Unit.objects.get(pk=max(Unit.objects.filter(parent=country), key=lambda p: p.children.count()).pk)
    ward = Unit.objects.filter(parent=province, kind__code="commune").order_by("code").first()
    assert ward is not None
    figures = {u: unit_counts(u) for u in (country, province, ward)}
    assert (
        figures[country].listed
        == per_cell * len(communes) * OPERATORS * DAYS - (per_cell // 10) * len(communes) * OPERATORS * DAYS
    )

    def raw(unit: Unit) -> int:  # the figure summed over the rows below the unit, as before the roll-up
        below = Unit.objects.filter(rollup_path__startswith=unit.rollup_path).values("pk")
        rows = Count.objects.filter(unit__in=below, key__in=keys.KEYS).values_list("key", "dimension")
        return sum(n for _k, _d, n in rows.annotate(n=Sum("delta")).order_by())

    assert raw(ward) == figures[ward].listed + figures[ward].left  # the same figure both ways
    ms = {
        name: median_ms(unit_counts, unit)
        for name, unit in (("country", country), ("province", province), ("ward", ward))
    }
    raw_country_ms = median_ms(raw, country)
    print(
        f"units loaded in {load_s:.1f}s; {rows} counter rows for {SUBSCRIBERS} subscribers over {len(communes)} "
        f"communes built by COPY in {build_s:.1f}s; {province.name} has {province.children.count()} communes"
    )
    print(
        f"country_ms={ms['country']:.2f} province_ms={ms['province']:.2f} ward_ms={ms['ward']:.2f} "
        f"country_over_ward={ms['country'] / ms['ward']:.2f} raw_country_ms={raw_country_ms:.1f} "
        f"raw_over_country={raw_country_ms / ms['country']:.1f} build_s={build_s:.1f}"
    )


if __name__ == "__main__":
    main()
