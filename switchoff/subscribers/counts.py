"""The registry's counters: subscribers by status, under the unit they count in, by operator.

A subscriber counts in their unit, or, while their address is not resolved,
in the area of the list that last named them (``list_area``): where the
registry's pages list them. The dimension is the operator. Importer and
services write the deltas; ``rebuild`` says how to count them again from the
subscribers, for ``manage.py verify_counts``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Coalesce, Concat

from switchoff.counts.verify import register
from switchoff.subscribers.models import Subscriber

PREFIX = "subscribers.status."
LISTED = PREFIX + Subscriber.Status.LISTED
LEFT = PREFIX + Subscriber.Status.LEFT
KEYS = (LISTED, LEFT)


def status_key(status: str) -> str:
    return PREFIX + status


def counted_in(unit_id: int | None, list_area_id: int) -> int:
    """The unit a subscriber counts in: their own, or their list's area while they have none."""
    return list_area_id if unit_id is None else unit_id


@register(PREFIX)
def rebuild() -> QuerySet[Any, Any]:
    return (
        Subscriber.objects.annotate(
            count_unit=Coalesce("unit_id", "list_area_id"),
            count_key=Concat(Value(PREFIX), "status", output_field=CharField()),
            count_dimension=F("operator_id"),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=Count("pk"))
    )
