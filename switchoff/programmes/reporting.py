"""Programmes' deliveries and shops' inspections counted into the monthly report, so nobody types them again.

Each record becomes one activity of the log of the unit that reports for the place (the commune's committee
for a commune or one of its villages, as banners do), under the catalogue's form for it: ``support_delivery``
(a delivery), ``shop_informed`` (an inspection where the shop was told), ``shop_inspection`` (any inspection).
The activity's key is derived from the record, so a retried write counts once. A campaign without the form,
a place no unit reports for, or a month whose report is already submitted leaves the record uncounted (the
record itself is never refused for it); the caller says so in its audit row.

``counts_for`` is the small read a dashboard uses: deliveries per programme, shops informed and found selling
phones without 4G per unit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q

from switchoff.banners.services import reporting_unit_for
from switchoff.campaigns.models import Campaign
from switchoff.people.models import User
from switchoff.reports.models import Activity
from switchoff.reports.services.activities import activity_create
from switchoff.units.models import Unit, UnitKind

DELIVERY_FORM = "support_delivery"
INFORMED_FORM = "shop_informed"
INSPECTION_FORM = "shop_inspection"


def count_into_report(
    *, actor: User, campaign: Campaign, place: Unit, day: datetime.date, form_code: str, key: str, description: str
) -> Activity | None:
    """One activity counting 1 under ``form_code`` in the log of the unit reporting for ``place``, or None."""
    form = campaign.forms.filter(code=form_code).first()
    # A village's records count in its commune's report (the committee, or the unit beside it that reports).
    commune = place.parent if place.kind.category == UnitKind.Category.VILLAGE and place.parent else place
    reporting = reporting_unit_for(campaign, commune)
    if form is None or reporting is None:
        return None
    try:
        with transaction.atomic():
            activity, _created = activity_create(
                actor=actor, campaign=campaign, unit=reporting, day=day, form=form, count=1, client_key=key,
                description=description[:300],
            )  # fmt: skip
    except ValidationError:
        return None  # a day outside the campaign, or the month already reported: the record stands uncounted
    return activity


def count_many_into_report(
    *, actor: User, campaign: Campaign, form_code: str, items: list[tuple[Unit, datetime.date, str, str]]
) -> list[Activity | None]:
    """``count_into_report`` for many records (place, day, key, description): the form and the reporting unit
    of each commune looked up once; each activity still goes through ``activity_create`` (its rules, its key)."""
    form = campaign.forms.filter(code=form_code).first()
    if form is None:
        return [None] * len(items)
    reporting: dict[int, Unit | None] = {}  # per place
    out: list[Activity | None] = []
    for place, day, key, description in items:
        if place.pk not in reporting:
            commune = place.parent if place.kind.category == UnitKind.Category.VILLAGE and place.parent else place
            reporting[place.pk] = reporting_unit_for(campaign, commune)
        unit = reporting[place.pk]
        if unit is None:
            out.append(None)
            continue
        try:
            with transaction.atomic():
                activity, _created = activity_create(
                    actor=actor, campaign=campaign, unit=unit, day=day, form=form, count=1, client_key=key,
                    description=description[:300],
                )  # fmt: skip
        except ValidationError:
            activity = None
        out.append(activity)
    return out


def count_grouped_into_report(
    *, actor: User, campaign: Campaign, form_code: str, items: list[tuple[Unit, datetime.date, str, str, int]]
) -> list[Activity | None]:
    """Many records counted together (place, day, key, description, how many): one activity per reporting unit
    and day, counting the records of its places on that day, through ``activity_create`` (its rules, its key:
    ``key`` of the group's first item). What a large import counts; an activity per record would be a row each."""
    form = campaign.forms.filter(code=form_code).first()
    if form is None:
        return [None] * len(items)
    reporting: dict[int, Unit | None] = {}  # per place
    groups: dict[tuple[int, datetime.date], list[int]] = {}  # (reporting unit, day) → the items' positions
    units: dict[int, Unit] = {}
    for index, (place, day, _key, _description, _n) in enumerate(items):
        if place.pk not in reporting:
            commune = place.parent if place.kind.category == UnitKind.Category.VILLAGE and place.parent else place
            reporting[place.pk] = reporting_unit_for(campaign, commune)
        unit = reporting[place.pk]
        if unit is not None:
            units[unit.pk] = unit
            groups.setdefault((unit.pk, day), []).append(index)
    out: list[Activity | None] = [None] * len(items)
    for (unit_id, day), positions in groups.items():
        first = items[positions[0]]
        try:
            with transaction.atomic():
                activity, _created = activity_create(
                    actor=actor, campaign=campaign, unit=units[unit_id], day=day, form=form,
                    count=sum(items[i][4] for i in positions), client_key=first[2], description=first[3][:300],
                )  # fmt: skip
        except ValidationError:
            continue  # a day outside the campaign, or the month already reported: uncounted
        for i in positions:
            out[i] = activity
    return out


def campaign_at(place: Unit, day: datetime.date) -> Campaign | None:
    """The campaign running on ``day`` whose area holds ``place`` (the narrowest, then the latest)."""
    return (
        Campaign.objects.filter(area_id__in=[*place.ancestor_ids(), place.pk], start_date__lte=day, end_date__gte=day)
        .order_by("-area__depth", "-start_date", "-pk")
        .first()
    )


@dataclass(frozen=True)
class UnitShops:
    unit_id: int
    informed: int
    non_compliant: int


@dataclass(frozen=True)
class SupportCounts:
    deliveries: dict[int, int]  # programme id → deliveries
    shops: list[UnitShops]  # per commune: shops informed at least once, shops whose latest inspection found any


def counts_for(unit: Unit) -> SupportCounts:
    """Deliveries per programme of the cases under ``unit``, and per commune under it its shops informed and
    non-compliant (latest inspection found phones without 4G). Two grouped queries, whatever the size."""
    from switchoff.programmes.models import Delivery
    from switchoff.shops.models import Inspection, Shop

    path = unit.rollup_path
    deliveries = dict(
        Delivery.objects.filter(unit__rollup_path__startswith=path)
        .values_list("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    latest = Inspection.objects.filter(shop=OuterRef("pk")).order_by("-inspected_on", "-pk")
    shops = (
        Shop.objects.filter(unit__rollup_path__startswith=path)
        .annotate(
            was_informed=Exists(Inspection.objects.filter(shop=OuterRef("pk"), informed=True)),
            last_found=latest.values("found")[:1],
        )
        .values("unit_id")
        .annotate(
            informed=Count("pk", filter=Q(was_informed=True)),
            non_compliant=Count("pk", filter=Q(last_found__gt=0)),
        )
        .order_by("unit_id")
    )
    return SupportCounts(
        deliveries=deliveries,
        shops=[UnitShops(r["unit_id"], r["informed"], r["non_compliant"]) for r in shops],
    )
