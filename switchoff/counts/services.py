"""Writing counts: deltas beside the change they count, in the caller's transaction."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from switchoff.counts.models import Count, CountTotal
from switchoff.units.models import Unit


class Delta(NamedTuple):
    unit_id: int
    key: str
    delta: int
    dimension: int = 0
    day: datetime.date | None = None  # today (Asia/Ho_Chi_Minh) when not given


def _require_transaction() -> None:
    # A count written outside the transaction of its change could survive a rollback of the change.
    assert transaction.get_connection().in_atomic_block, "counts are written in the transaction of their change"


def counts_add_many(deltas: Iterable[Delta]) -> None:
    """Write the deltas (zeros are skipped) in one bulk insert. Call it inside the transaction of the change.

    Callers aggregate first: one delta per unit, key and dimension for a whole import, never one per row.
    """
    _require_transaction()
    today = timezone.localdate()
    rows = [
        Count(unit_id=d.unit_id, key=d.key, dimension=d.dimension, day=d.day or today, delta=d.delta)
        for d in deltas
        if d.delta
    ]
    Count.objects.bulk_create(rows, batch_size=1000)
    _roll_up(rows)


def rollup_ids(rollup_path: str) -> list[int]:
    """The units a count of the unit with ``rollup_path`` rolls up into: the unit and every unit above it."""
    return [int(part) for part in rollup_path.strip("/").split("/") if part]


def _roll_up(rows: list[Count]) -> None:
    """The same deltas for each unit and every unit above it, summed per (unit, key, dimension, day): one insert."""
    if not rows:
        return
    paths = dict(Unit.objects.filter(pk__in={r.unit_id for r in rows}).values_list("pk", "rollup_path"))
    sums: defaultdict[tuple[int, str, int, datetime.date], int] = defaultdict(int)
    for row in rows:
        # A unit id the tree does not know (never the case through the services) still counts for itself.
        for ancestor in rollup_ids(paths.get(row.unit_id, f"/{row.unit_id}/")):
            sums[(ancestor, row.key, row.dimension, row.day)] += row.delta
    CountTotal.objects.bulk_create(
        [CountTotal(unit_id=u, key=k, dimension=d, day=day, delta=n) for (u, k, d, day), n in sums.items() if n],
        batch_size=1000,
    )


def count_totals_move(*, moved: list[int], old_above: list[int], new_above: list[int]) -> None:
    """Units ``moved`` (a subtree) now roll up into ``new_above`` instead of ``old_above``: move their totals.

    Called by the unit tree's services in the transaction of a merge or a move: the counts below the
    moved units leave the figures of the units they no longer roll into and join their new ones.
    """
    _require_transaction()
    leaving = [u for u in old_above if u not in new_above]
    joining = [u for u in new_above if u not in old_above]
    if not moved or not (leaving or joining):
        return
    sums = (
        Count.objects.filter(unit_id__in=moved)
        .values_list("key", "dimension", "day")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    rows = []
    for key, dimension, day, n in sums:
        if not n:
            continue
        rows += [CountTotal(unit_id=u, key=key, dimension=dimension, day=day, delta=-n) for u in leaving]
        rows += [CountTotal(unit_id=u, key=key, dimension=dimension, day=day, delta=n) for u in joining]
    CountTotal.objects.bulk_create(rows, batch_size=1000)


def count_add(*, unit_id: int, key: str, delta: int, dimension: int = 0, day: datetime.date | None = None) -> None:
    """Add ``delta`` to ``key`` of the unit (broken down by ``dimension``) on ``day``, in the caller's transaction."""
    counts_add_many([Delta(unit_id=unit_id, key=key, delta=delta, dimension=dimension, day=day)])
