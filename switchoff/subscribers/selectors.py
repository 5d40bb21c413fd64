"""Reads over the registry: the subscribers a user may see, and the pre-aggregated counts."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from switchoff.counts.selectors import count_totals, total
from switchoff.devices.classes import DeviceClass
from switchoff.lib.months import parse_day
from switchoff.lib.phones import parse_subscriber_number
from switchoff.lib.text import fold, is_id
from switchoff.people.access import visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.subscribers import counts as keys
from switchoff.subscribers.models import HouseholdDismissal, Subscriber, SubscriberEvent, SubscriberList
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
class HistoryLine:
    as_of: datetime.date
    label: str
    source: SubscriberList | None


def subscriber_history(subscriber: Subscriber) -> list[HistoryLine]:
    """The lists that named the subscriber and every change: the first listing, then the events."""
    lines = []
    if subscriber.first_list_id is not None:
        first = SubscriberList.objects.filter(pk=subscriber.first_list_id).first()
        lines.append(HistoryLine(subscriber.first_seen, str(SubscriberEvent.Kind.LISTED.label), first))
    for event in subscriber.events.select_related("source").order_by("as_of", "pk"):
        lines.append(HistoryLine(event.as_of, event.get_kind_display(), event.source))
    return lines


@dataclass(frozen=True)
class Counts:
    listed: int
    left: int
    # The operators with subscribers counted under the unit (ids), whatever the operator asked for.
    operator_ids: frozenset[int] = frozenset()

    @property
    def new(self) -> int:
        """Listed in all: everyone a list ever named here, still on it or not."""
        return self.listed + self.left


def _covered(unit: Unit) -> list[Unit]:
    from switchoff.units.models import UnitKind

    # Only a unit fetched with its kind (as ``access_unit`` does) can be a team here: the counts of any
    # other unit stay one query, without a look at its kind.
    if not unit.pk or not Unit.kind.is_cached(unit) or unit.kind.category != UnitKind.Category.TEAM:
        return []
    return list(unit.covers.all())


def unit_counts(unit: Unit, *, until: datetime.date | None = None, operator: int | None = None) -> Counts:
    """On the list and left under ``unit`` (merged legacy units included), from the counters, in one query.

    Subscribers whose address was not resolved count under their list's area, as
    the pages list them. ``operator`` (an id) narrows the counts to one operator.
    """
    villages = _covered(unit)
    if villages:  # a team: the sum of the villages it covers
        parts = [unit_counts(v, until=until, operator=operator) for v in villages]
        return Counts(
            listed=sum(p.listed for p in parts),
            left=sum(p.left for p in parts),
            operator_ids=frozenset().union(*(p.operator_ids for p in parts)),
        )
    totals = count_totals(unit=unit, keys=keys.KEYS, until=until)
    return Counts(
        listed=total(totals, keys.LISTED, dimension=operator),
        left=total(totals, keys.LEFT, dimension=operator),
        operator_ids=frozenset(dimension for _key, dimension in totals),
    )


def import_choices(user: User) -> tuple[QuerySet[Unit], QuerySet[Unit]]:
    """The operators whose lists the user may import, and the areas such a list may cover.

    Operator staff import their own branch's lists for its province or any of its communes, or for a legacy city
    or district of the province (lists still written for the 2024 structure), whose area is the 2025 communes its
    legacy communes went into (``importer.checked.commune_counts``).
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
        within |= Q(parent=anchor, kind__category="district")
    visible = visible_units(user, Perm.IMPORT_SUBSCRIBERS)
    areas = (
        visible.current().filter(kind__category__in=["province", "commune"])
        | visible.filter(kind__category="district")
        | Unit.objects.filter(within)
    ).distinct()
    return operators, areas


@dataclass
class RegistryFilters:
    """What a person narrows a unit's list by; every field is optional."""

    status: str = "listed"  # "listed", "left" or "all"
    operator: int | None = None
    device: str = ""
    device_class: int | None = None  # devices.classes.DeviceClass, from the IMEI the list gave
    first_seen_from: datetime.date | None = None
    first_seen_to: datetime.date | None = None
    query: str = ""
    unassigned: bool = False  # only those whose address was not recognised, for a person to assign

    @classmethod
    def of(cls, query: Mapping[str, str]) -> RegistryFilters:
        """The filters of the registry page's query string (the page, its export and the export's job alike)."""
        operator = query.get("operator", "")
        device_class = query.get("class", "")
        return cls(
            status=query.get("status", "listed"),
            operator=int(operator) if is_id(operator) else None,
            device=query.get("device", "").strip()[:60],
            # A class that does not exist is no filter, like an unknown status.
            device_class=int(device_class) if is_id(device_class) and int(device_class) in DeviceClass.values else None,
            first_seen_from=parse_day(query.get("from", "")),
            first_seen_to=parse_day(query.get("to", "")),
            query=query.get("q", "").replace("\x00", "").strip()[:100],
            unassigned=query.get("unassigned") == "1",
        )

    @property
    def searched_number(self) -> str | None:
        """The number searched for (E.164) when the search text is a full number in any written form.

        Anything else searches names only: a part of a number or a mask
        (086****922) never matches numbers.
        """
        return parse_subscriber_number(self.query).e164 if self.query else None

    def apply(self, subscribers: QuerySet[Subscriber]) -> QuerySet[Subscriber]:
        if self.status in {Subscriber.Status.LISTED, Subscriber.Status.LEFT}:
            subscribers = subscribers.filter(status=self.status)
        if self.operator is not None:
            subscribers = subscribers.filter(operator_id=self.operator)
        if self.unassigned:
            subscribers = subscribers.filter(unit__isnull=True)
        if self.device:
            subscribers = subscribers.filter(device__icontains=self.device)
        if self.device_class is not None:
            subscribers = subscribers.filter(device_class=self.device_class)
        if self.first_seen_from is not None:
            subscribers = subscribers.filter(first_seen__gte=self.first_seen_from)
        if self.first_seen_to is not None:
            subscribers = subscribers.filter(first_seen__lte=self.first_seen_to)
        if self.query:
            number = self.searched_number
            if number:
                subscribers = subscribers.filter(msisdn=number)
            else:
                for word in fold(self.query).split():
                    subscribers = subscribers.filter(search_name__contains=word)
        return subscribers


# Up to this many units, a page is read as one short index range per unit; beyond (a whole
# province) most rows match and reading in id order is the quick way. SQLite allows 500 terms.
UNION_UP_TO = 300


def _unit_ids(user: User, unit: Unit) -> list[int]:
    """``unit``, the units below it and the legacy units merged into them, as far as ``user`` sees subscribers.

    A team has nobody below it: its subscribers are those of the villages it covers.
    """
    within = Unit.objects.rolling_into(unit)
    for village in _covered(unit):
        within = within | Unit.objects.rolling_into(village)
    if not (user.is_authenticated and user.is_superuser):
        within = within.filter(pk__in=visible_units(user, Perm.VIEW_SUBSCRIBERS))
    return list(within.values_list("pk", flat=True))


def unit_subscribers(user: User, unit: Unit, filters: RegistryFilters) -> QuerySet[Subscriber]:
    """Everyone under ``unit`` (merged legacy units included) whom ``user`` may see, filtered.

    Subscribers whose address was not resolved count under the area of their list.
    """
    ids = _unit_ids(user, unit)
    return filters.apply(Subscriber.objects.filter(Q(unit_id__in=ids) | Q(unit__isnull=True, list_area_id__in=ids)))


def registry_page(
    user: User, unit: Unit, filters: RegistryFilters, *, after: int = 0, size: int = 50
) -> list[Subscriber]:
    """One page of a unit's subscribers in id order after ``after`` (keyset pagination).

    The page of a ward is read as a UNION ALL of one index range per unit under
    it, each stopping after ``size`` rows, then the first ``size`` of those: it
    stays in milliseconds with tens of millions of subscribers, where a plain
    ``unit IN (…) ORDER BY id`` reads every subscriber of the ward and sorts them.
    """
    ids = _unit_ids(user, unit)
    base = filters.apply(Subscriber.objects.filter(pk__gt=after)).order_by()
    # A search by number goes straight to the number's index: at most a few rows match.
    by_number = filters.searched_number is not None
    if 0 < len(ids) <= UNION_UP_TO and not by_number:
        parts = [base.filter(unit_id=pk) for pk in ids] + [base.filter(unit__isnull=True, list_area_id__in=ids)]
        sqls: list[str] = []
        params: list[Any] = []
        for number, part in enumerate(parts):
            sql, part_params = part.order_by("pk").values_list("pk")[:size].query.sql_with_params()
            sqls.append(f"SELECT * FROM ({sql}) AS p{number}")  # noqa: S608  # Django's own SQL
            params.extend(part_params)
        with connection.cursor() as cursor:
            cursor.execute(f"{' UNION ALL '.join(sqls)} ORDER BY 1 LIMIT {int(size)}", params)
            rows = Subscriber.objects.filter(pk__in=[row[0] for row in cursor.fetchall()])
    else:
        rows = base.filter(Q(unit_id__in=ids) | Q(unit__isnull=True, list_area_id__in=ids))
    return list(rows.select_related("unit", "operator").order_by("pk")[:size])


def unit_operators(counts: Counts) -> QuerySet[Unit]:
    """The operators with subscribers under a unit, from its counts (not by scanning subscribers)."""
    return Unit.objects.filter(pk__in=counts.operator_ids).order_by("name")


@dataclass(frozen=True)
class HouseholdSuggestion:
    name: str
    search_name: str
    address: str
    members: list[Subscriber]


def household_suggestions(user: User, unit: Unit, *, limit: int = 50) -> list[HouseholdSuggestion]:
    """Numbers under ``unit`` with the same name and address, not yet grouped: a person confirms each group."""
    candidates = (
        unit_subscribers(user, unit, RegistryFilters(status="all"))
        .filter(household__isnull=True)
        .exclude(search_name="")
        .exclude(address="")
    )
    dismissed = HouseholdDismissal.objects.filter(search_name=OuterRef("search_name"), address=OuterRef("address"))
    groups = (
        candidates.values("search_name", "address")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .exclude(Exists(dismissed))
        .order_by("-n", "search_name", "address")[:limit]
    )
    keys = [(group["search_name"], group["address"]) for group in groups]
    if not keys:
        return []
    # Every group's numbers in one query, then sorted into their groups.
    members: dict[tuple[str, str], list[Subscriber]] = {key: [] for key in keys}
    pairs = Q()
    for name, address in keys:
        pairs |= Q(search_name=name, address=address)
    for subscriber in candidates.filter(pairs).select_related("operator", "unit").order_by("pk"):
        members[(subscriber.search_name, subscriber.address)].append(subscriber)
    return [
        HouseholdSuggestion(name=found[0].name, search_name=name, address=address, members=found)
        for (name, address), found in members.items()
        if found
    ]
