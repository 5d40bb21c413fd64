"""The dashboard's section on support delivered, phone shops and banners, read through each app's own selectors.

Those apps are young and still changing, so this section stays small: a few figures per app, read
through their selectors (``shops.selectors.shop_list``, ``banners.selectors.placements_of``) or one
aggregate over their own small tables (deliveries by programme). They are not counters: the tables
are a commune's shops, banners and deliveries, not its subscribers. A part with nothing in it is left out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from switchoff.banners.selectors import placements_of
from switchoff.campaigns.models import Campaign
from switchoff.people.access import can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes.models import Delivery
from switchoff.shops.selectors import shop_list
from switchoff.units.models import Unit


@dataclass
class Support:
    deliveries: list[tuple[str, int]] = field(default_factory=list)  # programme, households delivered
    shops: int = 0
    shops_never_informed: int = 0
    shops_non_compliant: int = 0
    banners_up: int = 0  # pieces hanging now
    banners_overdue: int = 0  # placements still hanging after their last day

    @property
    def empty(self) -> bool:
        return not (self.deliveries or self.shops or self.banners_up or self.banners_overdue)


def support(*, user: User, campaign: Campaign, unit: Unit, today: datetime.date) -> Support:
    """Deliveries per programme, shops informed and not, banners up, under ``unit``: four queries."""
    result = Support()
    rows = (
        Delivery.objects.filter(programme__campaign=campaign, unit__rollup_path__startswith=unit.rollup_path)
        .values_list("programme__name")
        .annotate(n=Count("pk"))
        .order_by("programme__name")
    )
    result.deliveries = [(name, int(n)) for name, n in rows]
    if can(user, Perm.INSPECT_SHOPS, unit):
        shops = list(
            shop_list(user)
            .filter(unit__rollup_path__startswith=unit.rollup_path)
            .values_list("informed_on", "last_found")
        )
        result.shops = len(shops)
        result.shops_never_informed = sum(1 for informed, _found in shops if informed is None)
        result.shops_non_compliant = sum(1 for _informed, found in shops if found)
    hanging = placements_of(unit).filter(campaign=campaign, taken_down_on__isnull=True)
    result.banners_up = int(hanging.aggregate(n=Coalesce(Sum("quantity"), 0))["n"])
    overdue = Q(until__lt=today) | Q(until__isnull=True, campaign__cutoff_date__lt=today)
    result.banners_overdue = hanging.filter(overdue).count()
    return result
