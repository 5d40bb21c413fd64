"""The registry's personal fields (``privacy.registry``): names, numbers, addresses, IMEIs and household ties.

An erased subscriber keeps its row (counters count it by unit, status and operator) with its number replaced by
``~`` and its id, which is unique, is no phone number, and matches no list: a later list naming the same number
lists a new subscriber. Events keep their kind and date, not what they said of the address.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from switchoff.privacy.registry import PersonalData, Scope, register
from switchoff.subscribers.models import Household, HouseholdDismissal, Subscriber, SubscriberEvent

ERASED_PREFIX = "~"


def erased(subscribers: QuerySet[Subscriber]) -> QuerySet[Subscriber]:
    return subscribers.filter(msisdn__startswith=ERASED_PREFIX)


def _subscribers(scope: Scope) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(pk__in=scope.subscriber_ids)


def _households(scope: Scope) -> QuerySet[Household]:
    return Household.objects.filter(members__in=scope.subscriber_ids).distinct()


def _households_erase(scope: Scope, pks: list[int]) -> None:
    """A household goes with its last member still holding data; while others remain, it takes the name of one of
    them (it was named after whoever was confirmed first) and keeps the address they share."""
    kept = (
        Subscriber.objects.filter(household_id__in=pks)
        .exclude(pk__in=scope.subscriber_ids)
        .exclude(msisdn__startswith=ERASED_PREFIX)
        .order_by("pk")
    )
    remaining: dict[int, str] = {}
    for household_id, name in kept.values_list("household_id", "name"):
        remaining.setdefault(household_id, name)
    Household.objects.filter(pk__in=pks).exclude(pk__in=list(remaining)).update(name="", address="")
    for household_id, name in remaining.items():
        Household.objects.filter(pk=household_id).update(name=name)


def dismissals_of(scope: Scope) -> QuerySet[HouseholdDismissal]:
    # Found by the name and address they repeat, before the subscribers' own are erased (``early``).
    pairs = set(_subscribers(scope).exclude(search_name="").values_list("search_name", "address"))
    if not pairs:
        return HouseholdDismissal.objects.none()
    match = Q()
    for name, address in pairs:
        match |= Q(search_name=name, address=address)
    return HouseholdDismissal.objects.filter(match)


register(
    PersonalData(
        model=Subscriber,
        rows=_subscribers,
        erase={
            "msisdn": Concat(Value(ERASED_PREFIX), Cast("pk", CharField()), output_field=CharField()),
            "msisdn_original": "",
            "name": "",
            "search_name": "",
            "address": "",
            "imei": "",
            "device": "",
            "household": None,
        },
        label=_("Subscriber on an operator's list"),
        shown=("msisdn", "name", "address", "imei", "device", "status", "first_seen", "last_listed", "left_on"),
    ),
    PersonalData(
        model=SubscriberEvent,
        rows=lambda scope: SubscriberEvent.objects.filter(subscriber_id__in=scope.subscriber_ids),
        erase={"data": {}},
        label=_("Line of a subscriber's history"),
        shown=(("kind", _("Change")), ("as_of", _("As of")), ("data", _("Details"))),
    ),
    PersonalData(
        model=Household,
        rows=_households,
        apply=_households_erase,
        label=_("Household"),
        shown=("name", "address", ("confirmed_at", _("Confirmed"))),
        early=True,
    ),
    PersonalData(
        model=HouseholdDismissal,
        rows=dismissals_of,
        delete_rows=True,
        label=_("Household suggestion dismissed"),
        shown=(("search_name", _("Name")), ("address", _("Address")), ("dismissed_at", _("Dismissed"))),
        early=True,
    ),
)
