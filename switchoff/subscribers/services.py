"""Writes to the registry other than imports: confirming households."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.people.access import require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.models import Household
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
