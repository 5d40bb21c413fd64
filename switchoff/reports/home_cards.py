"""Reads for the home page: what is due for a reporter's units, and what a coordinator must chase or review.

Each function costs a fixed number of queries whatever the number of
campaigns, units and activities (tests/test_query_counts.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from switchoff.campaigns.models import Campaign, CommunicationForm, ReportingAssignment
from switchoff.lib.collation import vi_order
from switchoff.lib.months import add_months, first_of_month
from switchoff.people.access import can, visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.reports.deadlines import Due, due
from switchoff.reports.models import MonthlyReport
from switchoff.reports.selectors import Completeness, completeness, form_sums
from switchoff.units.models import Unit

# The roles whose people log activities and send the unit's report.
REPORTING_ROLES = [Role.REPORTER, Role.OPERATOR_STAFF, Role.TEAM_LEADER]
# A coordinator sees the campaigns running now first; a few are enough for a landing page.
REVIEW_CARDS = 3
WAITING_SHOWN = 10


@dataclass(frozen=True)
class ReportDue:
    """A month's report of a unit: its state and its deadline (``deadlines.Due``, as every page reads it)."""

    report: MonthlyReport | None
    due: Due

    @property
    def month(self) -> datetime.date:
        return self.due.month

    @property
    def last_day(self) -> datetime.date:
        return self.due.last_day

    @property
    def days_left(self) -> int:
        return self.due.days_left

    @property
    def overdue(self) -> bool:
        return self.due.overdue

    @property
    def days_late(self) -> int:
        return self.due.days_late

    @property
    def text(self) -> str:
        return self.due.text

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status in {
            MonthlyReport.Status.SUBMITTED,
            MonthlyReport.Status.ACCEPTED,
        }


@dataclass(frozen=True)
class ReportingCard:
    campaign: Campaign
    unit: Unit
    month: datetime.date
    # This month, when the campaign runs in it.
    current: ReportDue | None
    # Last month's report when it is not in yet.
    pending: ReportDue | None
    activities: int = 0
    totals: list[tuple[CommunicationForm, int]] = field(default_factory=list)
    # Earlier months' reports the coordinator returned, waiting for the unit's correction (with the reason).
    returned: list[MonthlyReport] = field(default_factory=list)

    @property
    def report_month(self) -> datetime.date:
        """The report the "open the report" button opens: last month's while it is not in, else this month's."""
        if self.pending is not None:
            return self.pending.month
        return self.current.month if self.current is not None else self.month


@dataclass(frozen=True)
class ReviewCard:
    campaign: Campaign
    status: Completeness
    waiting: list[MonthlyReport]
    waiting_count: int
    # Reports their unit asked to have returned, with the reason.
    asked_back: list[MonthlyReport] = field(default_factory=list)


def _runs_in(campaign: Campaign, month: datetime.date) -> bool:
    return first_of_month(campaign.start_date) <= month <= first_of_month(campaign.end_date)


def reporting_cards(user: User, *, now: datetime.datetime | None = None) -> list[ReportingCard]:
    """For each campaign a unit of the user reports for: this month's log so far, and the reports due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = first_of_month(today)
    previous = add_months(month, -1)
    unit_ids = set(
        Membership.objects.filter(user_id=user.pk, role__in=REPORTING_ROLES).values_list("unit_id", flat=True)
    )
    if not unit_ids:
        return []
    assignments = list(
        ReportingAssignment.objects.filter(
            unit_id__in=unit_ids, campaign__start_date__lte=today, campaign__end_date__gte=previous
        )
        .select_related("campaign", "unit")
        .order_by("-campaign__start_date", "campaign__name", vi_order("unit__name"))
    )
    if not assignments:
        return []
    campaign_ids = {a.campaign_id for a in assignments}
    reports = {
        (r.campaign_id, r.unit_id, r.month): r
        for r in MonthlyReport.objects.filter(
            campaign_id__in=campaign_ids, unit_id__in=unit_ids, month__in=[previous, month]
        )
    }
    returned = list(
        MonthlyReport.objects.filter(
            campaign_id__in=campaign_ids,
            unit_id__in=unit_ids,
            month__lt=previous,
            status=MonthlyReport.Status.RETURNED,
        ).order_by("month")
    )
    sums = form_sums(campaign_ids=campaign_ids, unit_ids=unit_ids, first=month, last=today)
    cards = []
    for assignment in assignments:
        campaign, unit = assignment.campaign, assignment.unit
        rows = sums.get((campaign.pk, unit.pk), [])
        pending = None
        if _runs_in(campaign, previous):
            last = ReportDue(reports.get((campaign.pk, unit.pk, previous)), due(campaign, previous, now))
            pending = None if last.submitted else last
        current = None
        if _runs_in(campaign, month):
            current = ReportDue(reports.get((campaign.pk, unit.pk, month)), due(campaign, month, now))
        cards.append(
            ReportingCard(
                campaign=campaign,
                unit=unit,
                month=month,
                current=current,
                pending=pending,
                activities=sum(r.entries for r in rows),
                totals=[(r.form, r.total) for r in rows],
                returned=[r for r in returned if r.campaign_id == campaign.pk and r.unit_id == unit.pk],
            )
        )
    return cards


def review_cards(user: User, campaigns: list[Campaign], *, now: datetime.datetime | None = None) -> list[ReviewCard]:
    """For the few running campaigns the user reviews: last month's completeness and the reports to review."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    previous = add_months(first_of_month(today), -1)
    reviewed = [
        c for c in campaigns if c.start_date <= today and _runs_in(c, previous) and can(user, Perm.REVIEW, c.area)
    ][:REVIEW_CARDS]
    if not reviewed:
        return []
    units = visible_units(user, Perm.REVIEW)
    cards = []
    for campaign in reviewed:
        waiting = MonthlyReport.objects.filter(
            campaign=campaign, status=MonthlyReport.Status.SUBMITTED, unit__in=units
        ).select_related("unit")
        cards.append(
            ReviewCard(
                campaign=campaign,
                status=completeness(campaign=campaign, month=previous, now=now, units=units),
                waiting=list(waiting.order_by("submitted_at")[:WAITING_SHOWN]),
                waiting_count=waiting.count(),
                asked_back=list(
                    MonthlyReport.objects.filter(campaign=campaign, return_requested_at__isnull=False, unit__in=units)
                    .select_related("unit", "return_requested_by")
                    .order_by("return_requested_at")[:WAITING_SHOWN]
                ),
            )
        )
    return cards
