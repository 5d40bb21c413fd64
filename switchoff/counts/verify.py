"""Verifying counts: every counter rebuilt from the rows it counts, and each difference named.

Each app registers, per family of keys (a key prefix), a rebuild: a queryset
that counts its raw rows the way its services count them, with four values:
``count_unit``, ``count_key``, ``count_dimension`` and ``count_total``.
``verify_counts`` compares each family's counters with its rebuild in one
statement (so that a concurrent import, committed or not, is on both sides or
on neither) and, asked to fix, writes the difference as one more delta.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet, Sum

from switchoff.counts.models import Count
from switchoff.counts.services import Delta, counts_add_many
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

    def describe(self, units: dict[int, str]) -> str:
        actual = "no rebuild registered" if self.actual is None else f"actual {self.actual}"
        unit = f"{self.unit_id} {units.get(self.unit_id, '?')}"
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


def find_differences() -> list[Difference]:
    """Every counter that differs from its rebuild from the raw rows: one query per family of keys, and one more."""
    differences: list[Difference] = []
    for prefix, rebuild in sorted(FAMILIES.items()):
        differences += _family_differences(prefix, rebuild)
    return differences + _unregistered()


def fix_differences(differences: list[Difference], *, day: datetime.date | None = None) -> int:
    """Write each difference (of a registered family) as one more delta, so the counters equal the rebuild."""
    deltas = [
        Delta(unit_id=d.unit_id, key=d.key, dimension=d.dimension, delta=d.actual - d.counted, day=day)
        for d in differences
        if d.actual is not None
    ]
    with transaction.atomic():
        counts_add_many(deltas)
    return len(deltas)


def unit_names(differences: list[Difference]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in={d.unit_id for d in differences}).values_list("pk", "name"))
