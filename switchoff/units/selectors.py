"""Reads over the unit tree."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from switchoff.lib.collation import vi_order
from switchoff.lib.text import fold
from switchoff.people.models import Membership
from switchoff.units.models import Unit, UnitKind, UnitQuerySet


@dataclass(frozen=True)
class UnitCounts:
    villages: int
    villages_legacy: int
    teams: int
    people: int


def unit_counts(unit: Unit) -> UnitCounts:
    """Counts under ``unit``, legacy units merged into it included (they roll up).

    A team has no village below it: it covers villages of its commune, and those are its villages.
    """
    below = Unit.objects.rolling_into(unit).exclude(pk=unit.pk)
    if unit.kind.category == UnitKind.Category.TEAM:
        below = below | unit.covers.all()
    by_kind = below.aggregate(
        villages=Count("pk", filter=Q(kind__category=UnitKind.Category.VILLAGE, valid_to__isnull=True)),
        villages_legacy=Count("pk", filter=Q(kind__category=UnitKind.Category.VILLAGE, valid_to__isnull=False)),
        teams=Count("pk", filter=Q(kind__category=UnitKind.Category.TEAM, valid_to__isnull=True)),
    )
    people = Membership.objects.filter(unit__in=Unit.objects.rolling_into(unit)).values("user_id").distinct().count()
    return UnitCounts(
        villages=by_kind["villages"],
        villages_legacy=by_kind["villages_legacy"],
        teams=by_kind["teams"],
        people=people,
    )


def children_of(unit: Unit, *, as_of: datetime.date | None = None) -> UnitQuerySet:
    """The children of ``unit`` valid today, or on ``as_of`` in the old structure."""
    children = Unit.objects.filter(parent=unit).select_related("kind", "merged_into")
    if as_of is None:
        return children.current().order_by("kind__order", vi_order("name"))
    return children.active_on(as_of).order_by("kind__order", vi_order("name"))


def search_units(units: UnitQuerySet, query: str, *, limit: int = 30) -> list[Unit]:
    """Units whose name contains every word of ``query``, diacritics or not."""
    words = fold(query).split()
    if not words:
        return []
    for word in words:
        units = units.filter(search_name__contains=word)
    return list(
        units.select_related("kind", "parent", "merged_into").order_by("valid_to", "depth", vi_order("name"))[:limit]
    )
