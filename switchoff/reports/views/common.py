"""What the report pages share: the request's user and the month a page shows."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month, parse_month
from switchoff.people.models import User


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
