"""Reads of banners and posters: a unit's lists (up, expiring, expired and still hanging, taken down)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from switchoff.banners.models import EXPIRING_DAYS, Placement
from switchoff.people.access import visible_units
from switchoff.people.models import User
from switchoff.units.models import Unit

SHOWN = 200  # the most each list shows


def placements_of(unit: Unit) -> QuerySet[Placement]:
    """Placements hung by ``unit`` or anything below it, or hung at a place in its area."""
    area = Unit.objects.rolling_into(unit)
    return (
        Placement.objects.filter(Q(unit__in=area) | Q(place__in=area))
        .annotate(last=Coalesce("until", "campaign__cutoff_date"))
        .select_related("campaign", "place", "unit")
    )


def visible_placement(user: User, placement_id: uuid.UUID) -> Placement | None:
    """One placement whose hanging unit or place the user sees, else None (the caller answers 404)."""
    units = visible_units(user)
    return (
        Placement.objects.filter(Q(unit__in=units) | Q(place__in=units), pk=placement_id)
        .select_related("campaign", "place", "unit")
        .first()
    )


def _last_before(day: datetime.date) -> Q:
    """Placements whose last day (their own, else the campaign's cut-off) is before ``day``."""
    return Q(until__lt=day) | Q(until__isnull=True, campaign__cutoff_date__lt=day)


@dataclass
class Lists:
    expired: list[Placement] = field(default_factory=list)
    expiring: list[Placement] = field(default_factory=list)
    up: list[Placement] = field(default_factory=list)
    down: list[Placement] = field(default_factory=list)
    pieces_up: int = 0


def unit_lists(unit: Unit, today: datetime.date) -> Lists:
    """What is up, expiring within 7 days, past its last day and still hanging, and lately taken down."""
    rows = placements_of(unit)
    hanging = rows.filter(taken_down_on__isnull=True).order_by(Coalesce("until", "campaign__cutoff_date"), "pk")
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    lists = Lists(
        expired=list(hanging.filter(_last_before(today))[:SHOWN]),
        expiring=list(hanging.filter(~_last_before(today), _last_before(soon + datetime.timedelta(days=1)))[:SHOWN]),
        up=list(hanging.exclude(_last_before(soon + datetime.timedelta(days=1)))[:SHOWN]),
        down=list(rows.filter(taken_down_on__isnull=False).order_by("-taken_down_on", "pk")[:SHOWN]),
    )
    lists.pieces_up = sum(p.quantity for p in (*lists.expired, *lists.expiring, *lists.up))
    return lists
