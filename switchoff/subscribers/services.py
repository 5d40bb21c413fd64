"""Writes to the registry other than imports: confirming households, assigning an unresolved address."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.counts.services import Delta, counts_add_many
from switchoff.people.access import require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.counts import status_key
from switchoff.subscribers.models import Household, HouseholdDismissal, Subscriber, SubscriberEvent
from switchoff.subscribers.selectors import RegistryFilters, unit_subscribers
from switchoff.units.models import Unit


@transaction.atomic
def household_confirm(*, actor: User, unit: Unit, subscriber_ids: list[int]) -> Household:
    """Group the numbers into one household. Confirming the same group again changes nothing."""
    require(actor, Perm.REPORT, unit)
    members = list(
        unit_subscribers(actor, unit, RegistryFilters(status="all"))
        .filter(pk__in=subscriber_ids)
        .select_for_update()
        .order_by("pk")
    )
    if len(members) < 2 or len(members) != len(set(subscriber_ids)):
        raise ValidationError(_("Choose at least two numbers of this unit."))
    existing = {m.household_id for m in members}
    if len(existing) == 1 and None not in existing:
        assert members[0].household is not None
        return members[0].household  # a retried confirmation
    if existing - {None}:
        raise ValidationError(_("Some of these numbers already belong to another household."))
    household = Household.objects.create(
        unit=members[0].unit or unit, name=members[0].name, address=members[0].address, confirmed_by=actor
    )
    for member in members:
        member.household = household
    type(members[0]).objects.bulk_update(members, ["household"])
    log_action(
        "subscribers.household.confirmed",
        actor=actor,
        obj=household,
        unit=unit,
        data={"subscribers": [m.pk for m in members]},
    )
    return household


@transaction.atomic
def subscriber_assign(*, actor: User, subscriber: Subscriber, unit: Unit) -> Subscriber:
    """Put a subscriber whose address was not recognised in a unit of their list's area. Counted there from now."""
    require(actor, Perm.IMPORT_SUBSCRIBERS, subscriber.list_area)
    if unit.valid_to is not None or not unit.rollup_path.startswith(subscriber.list_area.rollup_path):
        raise ValidationError(_("Choose a current unit inside the area of the list."))
    locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if locked.unit_id == unit.pk:
        return locked  # a retried request
    if locked.unit_id is not None:
        raise ValidationError(_("This subscriber already has a unit; the next list will move them if needed."))
    SubscriberEvent.objects.create(
        subscriber=locked,
        kind=SubscriberEvent.Kind.ASSIGNED,
        as_of=timezone.localdate(),
        data={"unit": unit.pk, "from": None},
    )
    # Unassigned, they counted in their list's area; from now on in the unit (whatever their status).
    key = status_key(locked.status)
    counts_add_many(
        [
            Delta(unit_id=locked.list_area_id, key=key, delta=-1, dimension=locked.operator_id),
            Delta(unit_id=unit.pk, key=key, delta=1, dimension=locked.operator_id),
        ]
    )
    locked.unit = unit
    locked.save(update_fields=["unit"])
    log_action("subscribers.assigned", actor=actor, obj=locked, unit=unit, data={"unit": unit.pk})
    return locked


def household_dismiss(*, actor: User, unit: Unit, search_name: str, address: str) -> HouseholdDismissal:
    """Say that the numbers with this name and address are not one household: no longer suggested."""
    require(actor, Perm.REPORT, unit)
    dismissal, created = HouseholdDismissal.objects.get_or_create(
        search_name=search_name[:200], address=address[:300], defaults={"unit": unit, "dismissed_by": actor}
    )
    if created:
        log_action(
            "subscribers.household.dismissed",
            actor=actor,
            obj=dismissal,
            unit=unit,
            data={"name": search_name, "address": address},
        )
    return dismissal
