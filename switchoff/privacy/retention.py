"""Which personal data is a campaign's, and when it goes.

**A campaign's personal data**: its cases (every listed subscriber of its area got one, and each person found at
the door has one) with their visits, notes, photos, leaders' reasons and held visits; and its subscribers: those
with a case in it, and those listed in its area (where they live, or the list's area while unplaced) at some time
between its start and end. A subscriber also belonging to another campaign whose data is still kept (running,
not started, or ended within its own retention) keeps their data; the erased campaign's cases and visits lose
theirs all the same. With them go the owners of the phone shops of its area registered by its end (name, phone,
inspections' notes and signed commitments: the shop's name and address stay, a business's sign on the street), the
names, addresses and certificates of the communes' lists of poor households of its area up to its end's year (the
category stays, unit and year: a programme's figures), the evidence files of its activities and the photos of its
banners (the rows, their counts and the reports stay). A shop or a list entry also in the area of another campaign
whose data is still kept stays too.

**When**: ``months`` after the campaign's end (``CampaignRetention``; ``RETENTION_MONTHS_DEFAULT`` when the
coordinator set nothing), from the day after; its coordinators are told ``RETENTION_WARNING_DAYS`` before.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case
from switchoff.lib.months import add_months, last_of_month
from switchoff.privacy.models import CampaignRetention
from switchoff.programmes.models import HouseholdCategory
from switchoff.shops.models import Inspection, Shop
from switchoff.subscribers.models import Subscriber
from switchoff.subscribers.personal import ERASED_PREFIX
from switchoff.units.models import Unit


def retention_months(campaign: Campaign) -> int:
    row = CampaignRetention.objects.filter(campaign=campaign).first()
    return row.months if row is not None and row.months is not None else settings.RETENTION_MONTHS_DEFAULT


def erase_from(campaign: Campaign, months: int | None = None) -> datetime.date:
    """The first day the campaign's personal data is erased: ``months`` after its end, the day after."""
    months = retention_months(campaign) if months is None else months
    end = campaign.end_date
    month = add_months(end.replace(day=1), months)
    return month.replace(day=min(end.day, last_of_month(month).day)) + datetime.timedelta(days=1)


def warn_from(campaign: Campaign) -> datetime.date:
    return erase_from(campaign) - datetime.timedelta(days=settings.RETENTION_WARNING_DAYS)


def is_erased(campaign: Campaign) -> bool:
    return CampaignRetention.objects.filter(campaign=campaign, erased_at__isnull=False).exists()


def campaign_subscribers(campaign: Campaign) -> QuerySet[Subscriber]:
    """The campaign's subscribers (see the module): with a case in it, or listed in its area during it."""
    units = Unit.objects.rolling_into(campaign.area).values("pk")
    listed = (
        (Q(unit__in=units) | Q(unit__isnull=True, list_area__in=units))
        & Q(first_seen__lte=campaign.end_date)
        & (Q(left_on__isnull=True) | Q(left_on__gte=campaign.start_date))
    )
    with_case = Case.objects.filter(campaign=campaign, subscriber__isnull=False).values("subscriber_id")
    return Subscriber.objects.filter(listed | Q(pk__in=with_case))


def kept_campaigns(campaign: Campaign, today: datetime.date) -> list[Campaign]:
    """The other campaigns whose personal data is still kept on ``today``."""
    return [
        other
        for other in Campaign.objects.exclude(pk=campaign.pk)
        if today < erase_from(other) and not is_erased(other)
    ]


def erasable_subscriber_ids(campaign: Campaign, today: datetime.date) -> QuerySet[Subscriber, int]:
    """The campaign's subscribers not yet erased and needed by no campaign still keeping its data."""
    subscribers = campaign_subscribers(campaign).exclude(msisdn__startswith=ERASED_PREFIX)
    for other in kept_campaigns(campaign, today):
        subscribers = subscribers.exclude(pk__in=campaign_subscribers(other).values("pk"))
    return subscribers.order_by("pk").values_list("pk", flat=True)


def campaign_case_ids(campaign: Campaign) -> QuerySet[Case, int]:
    return Case.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True)


def _area(campaign: Campaign) -> QuerySet[Unit, int]:
    return Unit.objects.rolling_into(campaign.area).values_list("pk", flat=True)


def erasable_shop_ids(campaign: Campaign, today: datetime.date) -> QuerySet[Shop, int]:
    """The shops of the campaign's area registered by its end, in no area of a campaign still keeping its data,
    with an owner's name or phone, or an inspection's note or scan, still held."""
    shops = Shop.objects.filter(unit__in=_area(campaign), created_at__date__lte=campaign.end_date)
    for other in kept_campaigns(campaign, today):
        shops = shops.exclude(unit__in=_area(other))
    held = Inspection.objects.filter(shop=OuterRef("pk")).filter(~Q(commitment="") | ~Q(note=""))
    shops = shops.filter(~Q(owner_name="") | ~Q(phone="") | Exists(held))
    return shops.order_by("pk").values_list("pk", flat=True)


def erasable_category_ids(campaign: Campaign, today: datetime.date) -> QuerySet[HouseholdCategory, int]:
    """The entries of the communes' lists of poor households of the campaign's area, of its years, in no area of a
    campaign still keeping its data, whose name, address or certificate is still held."""
    rows = HouseholdCategory.objects.filter(unit__in=_area(campaign), year__lte=campaign.end_date.year)
    for other in kept_campaigns(campaign, today):
        rows = rows.exclude(unit__in=_area(other))
    rows = rows.exclude(head_name="", search_name="", address="", certificate="")
    return rows.order_by("pk").values_list("pk", flat=True)
