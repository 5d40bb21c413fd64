"""The dashboard's section on support delivered, phone shops and banners, read through each app's own selectors.

Those apps are young and still changing, so this section stays small: a few figures per app, read
through their own functions (``programmes.reporting.counts_for``, ``banners.selectors.placements_of``).
They are not counters: the tables are a commune's shops, banners and deliveries, not its subscribers.
A part with nothing in it is left out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from switchoff.banners.selectors import placements_of
from switchoff.campaigns.models import Campaign
from switchoff.programmes.models import Programme
from switchoff.programmes.reporting import counts_for
from switchoff.units.models import Unit


@dataclass
class Support:
    deliveries: list[tuple[str, int]] = field(default_factory=list)  # programme, households delivered
    shops_informed: int = 0  # shops informed at least once
    shops_non_compliant: int = 0  # shops whose latest inspection found phones without 4G
    banners_up: int = 0  # pieces hanging now
    banners_overdue: int = 0  # placements still hanging after their last day

    @property
    def empty(self) -> bool:
        return not (
            self.deliveries
            or self.shops_informed
            or self.shops_non_compliant
            or self.banners_up
            or self.banners_overdue
        )


def support(*, campaign: Campaign, unit: Unit, today: datetime.date) -> Support:
    """Deliveries per programme and shops informed and non-compliant (``programmes.reporting.counts_for``, made
    for this section), banners up (``banners.selectors.placements_of``), under ``unit``: five small queries."""
    counts = counts_for(unit)
    names = dict(Programme.objects.filter(pk__in=list(counts.deliveries)).values_list("pk", "name"))
    result = Support(
        deliveries=sorted((names.get(pk, str(pk)), n) for pk, n in counts.deliveries.items() if n),
        shops_informed=sum(s.informed for s in counts.shops),
        shops_non_compliant=sum(s.non_compliant for s in counts.shops),
    )
    hanging = placements_of(unit).filter(campaign=campaign, taken_down_on__isnull=True)
    result.banners_up = int(hanging.aggregate(n=Coalesce(Sum("quantity"), 0))["n"])
    overdue = Q(until__lt=today) | Q(until__isnull=True, campaign__cutoff_date__lt=today)
    result.banners_overdue = hanging.filter(overdue).count()
    return result
