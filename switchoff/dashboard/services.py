"""Setting and removing the coordinator's targets, each change audited in its transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.dashboard.models import Target
from switchoff.units.models import Unit


def _data(target: Target) -> dict[str, Any]:
    return {
        "campaign": target.campaign_id,
        "day": target.day.isoformat(),
        "listed": target.listed,
        "operator": target.operator.name if target.operator else "",
    }


@transaction.atomic
def target_set(
    *, actor: Any, campaign: Campaign, unit: Unit, operator: Unit | None, day: datetime.date, listed: int
) -> Target:
    """The target of that campaign, unit, operator (None: all) and day: made, or its number changed."""
    target, created = Target.objects.select_for_update().get_or_create(
        campaign=campaign, unit=unit, operator=operator, day=day, defaults={"listed": listed, "set_by": actor}
    )
    before = None if created else target.listed
    if not created:
        target.listed = listed
        target.set_by = actor
        target.save(update_fields=["listed", "set_by", "set_at"])
    log_action("dashboard.target.set", actor=actor, obj=target, unit=unit, data={**_data(target), "before": before})
    return target


@transaction.atomic
def target_delete(*, actor: Any, target: Target) -> None:
    log_action("dashboard.target.deleted", actor=actor, obj=target, unit=target.unit, data=_data(target))
    target.delete()
