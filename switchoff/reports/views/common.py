"""What the report pages share: the request's user, the campaign as its reports' readers reach it, the month shown."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month, parse_month
from switchoff.people.access import access_campaign, can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.units.models import Unit


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def month_shown(campaign: Campaign, text: str | None) -> datetime.date:
    """The month asked for, or the report being prepared (usually last month's), within the campaign."""
    month = parse_month(text or "") if text else None
    if month is None:
        # The report being prepared is usually last month's.
        month = add_months(first_of_month(timezone.localdate()), -1)
    first, last = first_of_month(campaign.start_date), first_of_month(campaign.end_date)
    return min(max(month, first), last)


def access_reports_campaign(user: User, campaign_id: int, perm: Perm) -> Campaign:
    """A campaign whose reports the user reads or reviews with ``perm``: over its whole area, or, on a campaign
    that reports level by level (``reports.levels``), over one of its provinces (404 if not visible, else 403).

    A province's people then reach only what ``visible_units(user, perm)`` gives them: their province.
    """
    from switchoff.reports.levels import has_levels, level_units  # levels reads the selectors, which read models

    campaign = access_campaign(user, campaign_id)
    if can(user, perm, campaign.area):
        return campaign
    if has_levels(campaign) and any(can(user, perm, province) for province in level_units(campaign)):
        return campaign
    raise PermissionDenied


def reviews_unit(user: User, campaign: Campaign, unit: Unit) -> bool:
    """Whether ``user`` accepts and returns ``unit``'s reports: a reviewer over the campaign's area, or, on a
    campaign that reports level by level, over the province ``unit`` lies in (never over the province's own)."""
    from switchoff.reports.levels import has_levels, level_units

    if can(user, Perm.REVIEW, campaign.area):
        return True
    return has_levels(campaign) and any(
        unit.rollup_path.startswith(p.rollup_path) and unit.pk != p.pk and can(user, Perm.REVIEW, p)
        for p in level_units(campaign)
    )
