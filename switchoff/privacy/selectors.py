"""Reads of personal-data retention: what a campaign's erasure takes and leaves, the figures that may be kept."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.banners.models import Placement
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case, Visit, VisitPhoto
from switchoff.fieldwork.rules import Outcome, Status
from switchoff.lib import xlsx
from switchoff.privacy import retention
from switchoff.privacy.models import CampaignRetention, Erasure
from switchoff.privacy.person import Held, Look
from switchoff.reports.models import Activity


@dataclass(frozen=True)
class RetentionState:
    months: int
    erase_from: datetime.date
    warn_from: datetime.date
    erased: Erasure | None
    subscribers: int
    cases: int
    visits: int
    photos: int
    shops: int
    households: int
    files: int
    row: CampaignRetention | None


def retention_state(campaign: Campaign, today: datetime.date) -> RetentionState:
    erased = Erasure.objects.filter(campaign=campaign, rule=Erasure.Rule.CAMPAIGN_RETENTION).first()
    cases = Case.objects.filter(campaign=campaign)
    day = max(today, campaign.end_date)
    return RetentionState(
        months=retention.retention_months(campaign),
        erase_from=retention.erase_from(campaign),
        warn_from=retention.warn_from(campaign),
        erased=erased,
        subscribers=0 if erased else retention.erasable_subscriber_ids(campaign, day).count(),
        cases=cases.count(),
        visits=Visit.objects.filter(case__campaign=campaign).count(),
        photos=VisitPhoto.objects.filter(visit__case__campaign=campaign).count(),
        shops=0 if erased else retention.erasable_shop_ids(campaign, day).count(),
        households=0 if erased else retention.erasable_category_ids(campaign, day).count(),
        files=(
            Activity.objects.filter(campaign=campaign).exclude(evidence_file="").count()
            + Placement.objects.filter(campaign=campaign).exclude(photo="").count()
        ),
        row=CampaignRetention.objects.filter(campaign=campaign).first(),
    )


def figures_workbook(campaign: Campaign) -> bytes:
    """What may be kept: the campaign's door-to-door figures per commune or village, no person in them."""
    book = xlsx.new_workbook()
    sheet = book.active
    sheet.title = _("Cases")
    statuses = list(Status)
    xlsx.append(sheet, [_("Unit"), *(str(s.label) for s in statuses), _("Total")])
    rows: dict[str, dict[str, int]] = {}
    for name, status, n in (
        Case.objects.filter(campaign=campaign).values_list("unit__name", "status").annotate(n=Count("pk")).order_by()
    ):
        rows.setdefault(name, {})[status] = n
    for name in sorted(rows):
        xlsx.append(sheet, [name, *(rows[name].get(s.value, 0) for s in statuses), sum(rows[name].values())])
    visits = book.create_sheet(_("Visits"))
    outcomes = list(Outcome)
    xlsx.append(visits, [_("Unit"), *(str(o.label) for o in outcomes), _("Total")])
    by_unit: dict[str, dict[str, int]] = {}
    for name, outcome, n in (
        Visit.objects.filter(case__campaign=campaign)
        .values_list("unit__name", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_unit.setdefault(name, {})[outcome] = n
    for name in sorted(by_unit):
        xlsx.append(visits, [name, *(by_unit[name].get(o.value, 0) for o in outcomes), sum(by_unit[name].values())])
    return xlsx.to_bytes(book)


def person_workbook(kinds: list[Held], looks: list[Look]) -> bytes:
    """What is held about a person: one sheet per kind of record (every kind, empty ones too), and who looked."""
    book = xlsx.new_workbook()
    summary = book.active
    summary.title = _("Summary")
    xlsx.append(summary, [_("Kind of record"), _("Records")])
    for kind in kinds:
        xlsx.append(summary, [kind.label, len(kind.rows)])
    xlsx.append(summary, [_("Who looked at the person's data"), len(looks)])
    for index, kind in enumerate(kinds, start=1):
        sheet = book.create_sheet(f"{index}. {kind.label}"[:31])
        xlsx.append(sheet, kind.columns)
        for row in kind.rows:
            xlsx.append(sheet, row)
    sheet = book.create_sheet(_("Who looked")[:31])
    xlsx.append(sheet, [_("When"), _("Who"), _("What")])
    for look in looks:
        xlsx.append(sheet, [timezone.localtime(look.at).strftime("%d/%m/%Y %H:%M"), look.who, look.what])
    return xlsx.to_bytes(book)
