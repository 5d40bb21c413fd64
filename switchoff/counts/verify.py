"""Verifying counts: every counter rebuilt from the rows it counts, and each difference named.

Each app registers, per family of keys (a key prefix), a rebuild: a queryset
that counts its raw rows the way its services count them, with four values:
``count_unit``, ``count_key``, ``count_dimension`` and ``count_total``.
``verify_counts`` compares each family's counters with its rebuild in one
statement (so that a concurrent import, committed or not, is on both sides or
on neither) and, asked to fix, writes the difference as one more delta.

The rolled-up totals (``CountTotal``) are checked against ``Count`` itself,
each unit's counts summed into the unit and every unit above it, both read in
one statement; a difference there is fixed by a delta of the roll-up only.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from switchoff.counts.models import Count, CountTotal
from switchoff.counts.services import Delta, counts_add_many, rollup_ids
from switchoff.units.models import Unit

Rebuild = Callable[[], QuerySet[Any, Any]]
FAMILIES: dict[str, Rebuild] = {}


def register(prefix: str) -> Callable[[Rebuild], Rebuild]:
    """Register the rebuild of the keys starting with ``prefix`` (one family per app and topic)."""

    def decorate(rebuild: Rebuild) -> Rebuild:
        FAMILIES[prefix] = rebuild
        return rebuild

    return decorate


@dataclass(frozen=True)
class Difference:
    unit_id: int
    key: str
    dimension: int
    counted: int
    actual: int | None  # None: no rebuild is registered for the key
    rolled_up: bool = False  # a unit's rolled-up total (``CountTotal``) against the counts below it

    def describe(self, units: dict[int, str]) -> str:
        actual = "no rebuild registered" if self.actual is None else f"actual {self.actual}"
        unit = f"{self.unit_id} {units.get(self.unit_id, '?')}" + (" (rolled up)" if self.rolled_up else "")
        return f"{unit}, {self.key}, {self.dimension}: counted {self.counted}, {actual}"


def _family_differences(prefix: str, rebuild: Rebuild) -> list[Difference]:
    counted_sql, counted_params = (
        Count.objects.filter(key__startswith=prefix)
        .values_list("unit_id", "key", "dimension", "delta")
        .order_by()
        .query.sql_with_params()
    )
    actual_sql, actual_params = (
        rebuild().values_list("count_unit", "count_key", "count_dimension", "count_total").order_by()
    ).query.sql_with_params()
    # Both sides in one statement: one snapshot of the database.
    sql = (
        "SELECT u, k, d, SUM(counted), SUM(actual) FROM ("  # noqa: S608  # Django's own SQL
        "SELECT a.unit_id AS u, a.key AS k, a.dimension AS d, a.delta AS counted, 0 AS actual "
        f"FROM ({counted_sql}) a UNION ALL "
        "SELECT b.count_unit, b.count_key, b.count_dimension, 0, b.count_total "
        f"FROM ({actual_sql}) b"
        ") t GROUP BY u, k, d HAVING SUM(counted) <> SUM(actual) ORDER BY u, k, d"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*counted_params, *actual_params])
        return [Difference(int(u), k, int(d), int(c), int(a)) for u, k, d, c, a in cursor.fetchall()]


def _unregistered() -> list[Difference]:
    """Counts of keys no app knows how to rebuild: a feature that forgot to register its family."""
    rows = Count.objects.all()
    for prefix in FAMILIES:
        rows = rows.exclude(key__startswith=prefix)
    totals = rows.values_list("unit_id", "key", "dimension").annotate(n=Sum("delta")).order_by("unit_id", "key")
    return [Difference(u, k, d, int(n), None) for u, k, d, n in totals if n]


_OWN_AND_ROLLED = (
    "SELECT 0, unit_id, key, dimension, SUM(delta) FROM counts_count GROUP BY unit_id, key, dimension "
    "UNION ALL SELECT 1, unit_id, key, dimension, SUM(delta) FROM counts_counttotal GROUP BY unit_id, key, dimension"
)


def rollup_differences() -> list[Difference]:
    """Every rolled-up total that differs from the counts of its unit and of the units below it.

    The counts and the totals are read in one statement (one snapshot); the roll-up is rebuilt here,
    each unit's counts added to the unit and to every unit on its roll-up path.
    """
    with connection.cursor() as cursor:
        cursor.execute(_OWN_AND_ROLLED)
        rows = cursor.fetchall()
    paths = dict(Unit.objects.values_list("pk", "rollup_path"))
    expected: dict[tuple[int, str, int], int] = {}
    counted: dict[tuple[int, str, int], int] = {}
    for rolled, unit_id, key, dimension, n in rows:
        if rolled:
            counted[(unit_id, key, dimension)] = counted.get((unit_id, key, dimension), 0) + int(n)
            continue
        for ancestor in rollup_ids(paths.get(unit_id, f"/{unit_id}/")):
            expected[(ancestor, key, dimension)] = expected.get((ancestor, key, dimension), 0) + int(n)
    return [
        Difference(u, k, d, counted.get((u, k, d), 0), expected.get((u, k, d), 0), rolled_up=True)
        for u, k, d in sorted(counted.keys() | expected.keys())
        if counted.get((u, k, d), 0) != expected.get((u, k, d), 0)
    ]


def find_differences() -> list[Difference]:
    """Every counter that differs from its rebuild from the raw rows (one query per family of keys, and one
    more), then every rolled-up total that differs from the counts below it."""
    differences: list[Difference] = []
    for prefix, rebuild in sorted(FAMILIES.items()):
        differences += _family_differences(prefix, rebuild)
    return differences + _unregistered() + rollup_differences()


def fix_differences(differences: list[Difference], *, day: datetime.date | None = None) -> int:
    """Write each difference (of a registered family) as one more delta, so the counters equal the rebuild.

    A counter's correction rolls up with it; the rolled-up totals are then checked again and their own
    differences written to them alone.
    """
    deltas = [
        Delta(unit_id=d.unit_id, key=d.key, dimension=d.dimension, delta=d.actual - d.counted, day=day)
        for d in differences
        if d.actual is not None and not d.rolled_up
    ]
    with transaction.atomic():
        counts_add_many(deltas)
        rolled = rollup_differences()
        today = day or timezone.localdate()
        CountTotal.objects.bulk_create(
            [
                CountTotal(unit_id=d.unit_id, key=d.key, dimension=d.dimension, day=today, delta=d.actual - d.counted)
                for d in rolled
                if d.actual is not None
            ],
            batch_size=1000,
        )
    return len(deltas) + len([d for d in differences if d.rolled_up])


def unit_names(differences: list[Difference]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in={d.unit_id for d in differences}).values_list("pk", "name"))
