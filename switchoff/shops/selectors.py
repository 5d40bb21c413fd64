"""Reads of the shops' registry: a commune's shops with their latest inspection, and the lists officials follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from switchoff.people.models import User
from switchoff.shops.access import visible_shops
from switchoff.shops.models import Inspection

FILTERS = ("never_informed", "non_compliant", "follow_up_due")


@dataclass(frozen=True)
class Counts:
    shops: int
    never_informed: int
    non_compliant: int
    follow_up_due: int


def _annotated(user: User) -> QuerySet[Any]:
    latest = Inspection.objects.filter(shop=OuterRef("pk")).order_by("-inspected_on", "-pk")
    informed = Inspection.objects.filter(shop=OuterRef("pk"), informed=True)
    return visible_shops(user).annotate(
        last_on=Subquery(latest.values("inspected_on")[:1]),
        last_found=Subquery(latest.values("found")[:1]),
        follow_up=Subquery(latest.values("follow_up_on")[:1]),
        informed_on=Subquery(informed.order_by("inspected_on").values("inspected_on")[:1]),
    )


def shop_list(user: User, *, unit_id: int | None = None, which: str = "") -> QuerySet[Any]:
    """The shops ``user`` follows, narrowed to one commune and to one of ``FILTERS``."""
    rows = _annotated(user).select_related("unit", "village", "dealer_of")
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if which == "never_informed":
        rows = rows.filter(informed_on__isnull=True)
    elif which == "non_compliant":
        rows = rows.filter(last_found__gt=0)
    elif which == "follow_up_due":
        rows = rows.filter(follow_up__lte=timezone.localdate())
    return rows.order_by("unit__name", "name", "pk")


def shop_counts(user: User, *, unit_id: int | None = None) -> Counts:
    rows = list(shop_list(user, unit_id=unit_id).values_list("informed_on", "last_found", "follow_up"))
    today = timezone.localdate()
    return Counts(
        shops=len(rows),
        never_informed=sum(1 for informed, _f, _u in rows if informed is None),
        non_compliant=sum(1 for _i, found, _u in rows if found),
        follow_up_due=sum(1 for _i, _f, up in rows if up is not None and up <= today),
    )
