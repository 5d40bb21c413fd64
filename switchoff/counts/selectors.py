"""Reading counts: the sum of a unit's rolled-up deltas (``CountTotal``), in one query on that unit's rows only."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Sum

from switchoff.counts.models import CountTotal
from switchoff.units.models import Unit


def count_totals(*, unit: Unit, keys: Iterable[str], until: datetime.date | None = None) -> dict[tuple[str, int], int]:
    """Totals of ``keys`` under ``unit`` (everything below it and legacy units merged in), by key and dimension.

    One query on the unit's own rolled-up rows, whatever lies below it: the
    country's figure costs what a ward's does. Keys without any count are
    absent; sum the dimensions for a key's total (``total``).
    """
    rows = CountTotal.objects.filter(unit=unit, key__in=list(keys))
    if until is not None:
        rows = rows.filter(day__lte=until)
    totals = rows.values_list("key", "dimension").annotate(total=Sum("delta")).order_by()
    return {(key, dimension): int(total) for key, dimension, total in totals if total}


def total(totals: dict[tuple[str, int], int], key: str, *, dimension: int | None = None) -> int:
    """One key's total from ``count_totals``, over every dimension or only ``dimension``."""
    return sum(n for (k, d), n in totals.items() if k == key and (dimension is None or d == dimension))


def count_by_day(
    *, unit: Unit, key: str, since: datetime.date, dimensions: Iterable[int] | None = None
) -> dict[datetime.date, int]:
    """One key's totals under ``unit`` per day from ``since`` (optionally only some dimensions), in one query."""
    rows = CountTotal.objects.filter(unit=unit, key=key, day__gte=since)
    if dimensions is not None:
        rows = rows.filter(dimension__in=list(dimensions))
    return {day: int(n) for day, n in rows.values_list("day").annotate(n=Sum("delta")).order_by() if n}
