"""Writing counts: deltas beside the change they count, in the caller's transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from switchoff.counts.models import Count


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


def count_add(*, unit_id: int, key: str, delta: int, dimension: int = 0, day: datetime.date | None = None) -> None:
    """Add ``delta`` to ``key`` of the unit (broken down by ``dimension``) on ``day``, in the caller's transaction."""
    counts_add_many([Delta(unit_id=unit_id, key=key, delta=delta, dimension=dimension, day=day)])
