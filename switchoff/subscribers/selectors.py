"""Reads over the registry: the subscribers a user may see, and the pre-aggregated counts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from switchoff.people.access import visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.subscribers.models import Subscriber, UnitCount
from switchoff.units.models import Unit


def visible_subscribers(user: User) -> QuerySet[Subscriber]:
    """Subscribers in the units the user may see; operator staff also see their own operator's, wherever they live.

    Subscribers whose address was not resolved belong to the area of their list.
    """
    if user.is_authenticated and user.is_superuser:
        return Subscriber.objects.all()
    units = visible_units(user, Perm.VIEW_SUBSCRIBERS)
    query = Q(unit__in=units) | Q(unit__isnull=True, list_area__in=units)
    operators = Membership.objects.filter(user=user, role=Role.OPERATOR_STAFF).values("unit_id")
    query |= Q(operator__in=operators)
    return Subscriber.objects.filter(query)


@dataclass(frozen=True)
class Counts:
    listed: int
    new: int
    left: int


def unit_counts(unit: Unit, *, until: datetime.date | None = None, operator: Unit | None = None) -> Counts:
    """On the list, ever newly listed, and left, under ``unit`` (merged legacy units included), from the counters."""
    rows = UnitCount.objects.filter(unit__in=Unit.objects.rolling_into(unit))
    if until is not None:
        rows = rows.filter(day__lte=until)
    if operator is not None:
        rows = rows.filter(operator=operator)
    totals = rows.aggregate(listed=Sum("listed"), new=Sum("new"), left=Sum("left"))
    return Counts(listed=totals["listed"] or 0, new=totals["new"] or 0, left=totals["left"] or 0)


def import_choices(user: User) -> tuple[QuerySet[Unit], QuerySet[Unit]]:
    """The operators whose lists the user may import, and the areas such a list may cover.

    Operator staff import their own branch's lists for its province or any of its communes.
    """
    if not (user.is_authenticated and (user.is_superuser or Membership.objects.filter(user=user).exists())):
        return Unit.objects.none(), Unit.objects.none()
    operators = (
        Unit.objects.filter(kind__code="operator_branch", pk__in=Membership.objects.filter(user=user).values("unit_id"))
        | Unit.objects.filter(kind__code="operator_branch", pk__in=visible_units(user, Perm.IMPORT_SUBSCRIBERS))
    ).distinct()
    anchors = [o.geographic_anchor() for o in operators]
    within = Q(pk__in=[a.pk for a in anchors])
    for anchor in anchors:
        within |= Q(parent=anchor, kind__category="commune", valid_to__isnull=True)
    areas = (
        visible_units(user, Perm.IMPORT_SUBSCRIBERS).current().filter(kind__category__in=["province", "commune"])
        | Unit.objects.filter(within)
    ).distinct()
    return operators, areas
