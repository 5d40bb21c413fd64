"""Reports level by level: a national campaign's provinces report upward as its communes do.

A commune (or ward, or any assigned unit) submits its monthly report; the province's coordinating office
accepts or returns it. On a campaign whose area is the country, each province then submits its own monthly
report to the country: the province's aggregate, the sum of what it accepted of its units' reports (a
``MonthlyReport`` whose unit is the province, its lines written from the accepted lines at submission). The
ministry's coordinator accepts or returns it, with a reason, as a province does a commune's. The country's
aggregated report and completeness page read only the provinces' accepted reports (34 rows a month, not
3,400 units' lines), so a province's figures count once: through its own report, never also through its
communes'. A province's report is a snapshot: a commune's report reopened after the province submitted
changes the country's figure only when the province submits again (after a return from the country).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, Sum

from switchoff.campaigns.models import Campaign
from switchoff.reports.models import MonthlyReport, ReportLine
from switchoff.reports.selectors import LineKey, LogTotal
from switchoff.units.models import Unit, UnitKind, UnitQuerySet


def has_levels(campaign: Campaign) -> bool:
    """Whether the campaign's units report through their province (its area is the country)."""
    return bool(campaign.area.kind.category == UnitKind.Category.COUNTRY)


def level_units(campaign: Campaign, units: UnitQuerySet | None = None) -> list[Unit]:
    """The provinces that report to the country for ``campaign``: those with an assigned unit below them.

    Empty for a campaign without levels. ``units`` narrows them to what a person sees. The assigned units'
    distinct paths are read and their province taken in Python (measured quicker on PostgreSQL than an
    EXISTS per province, whose LIKE on a concatenated path uses no index).
    """
    if not has_levels(campaign):
        return []
    top = campaign.area.rollup_path
    below: set[int] = set()  # the unit one level below the country on each assigned unit's path, when deeper
    for path in campaign.assignments.values_list("unit__rollup_path", flat=True).distinct():
        rest = path[len(top) :].strip("/") if path.startswith(top) else ""
        if "/" in rest:
            below.add(int(rest.split("/", 1)[0]))
    provinces = Unit.objects.filter(
        pk__in=below, parent=campaign.area, kind__category=UnitKind.Category.PROVINCE
    ).select_related("kind", "parent")
    if units is not None:
        provinces = provinces.filter(pk__in=units.values("pk"))
    return list(provinces)


def is_level_unit(campaign: Campaign, unit: Unit) -> bool:
    """Whether ``unit`` reports to the country as a province of ``campaign``: a province right under the country
    (``LEVEL_REPORTS`` says the same of reports in SQL)."""
    return (
        has_levels(campaign) and unit.parent_id == campaign.area_id and unit.kind.category == UnitKind.Category.PROVINCE
    )


# The monthly reports that are provinces' reports to the country, as ``is_level_unit`` says: the counters of
# report states (``reports/counts.py``) leave them out, so a unit's report and its province's never add up.
LEVEL_REPORTS = Q(
    campaign__area__kind__category=UnitKind.Category.COUNTRY,
    unit__parent_id=F("campaign__area_id"),
    unit__kind__category=UnitKind.Category.PROVINCE,
)


def is_level_report(report: MonthlyReport) -> bool:
    return is_level_unit(report.campaign, report.unit)


def accepted_below(campaign: Campaign, unit: Unit, month: datetime.date) -> Q:
    """The accepted reports of ``month`` of the assigned units below ``unit`` (the province's own excluded)."""
    return (
        Q(campaign=campaign, month=month, status=MonthlyReport.Status.ACCEPTED)
        & Q(unit__rollup_path__startswith=unit.rollup_path)
        & ~Q(unit=unit)
        & Q(unit__in=campaign.assignments.values("unit_id"))
    )


def level_totals(campaign: Campaign, unit: Unit, month: datetime.date) -> dict[LineKey, LogTotal]:
    """What ``unit`` (a province) accepted of its units' reports for ``month``, by form × medium (one query)."""
    accepted = MonthlyReport.objects.filter(accepted_below(campaign, unit, month))
    rows = (
        ReportLine.objects.filter(report__in=accepted.values("pk"))
        .values("form", "medium")
        .annotate(
            total=Sum("count"),
            people=Sum("people_reached"),
            part=Sum("people_covers"),
        )
        .order_by("form", "medium")
    )
    return {(row["form"], row["medium"]): LogTotal(row["total"] or 0, row["people"], row["part"] or 0) for row in rows}


def level_coverage(campaign: Campaign, unit: Unit, month: datetime.date) -> tuple[int, int]:
    """(accepted reports, assigned units) below ``unit`` for ``month``: what its report stands for."""
    accepted = MonthlyReport.objects.filter(accepted_below(campaign, unit, month)).aggregate(n=Count("pk"))["n"]
    assigned = campaign.assignments.filter(unit__rollup_path__startswith=unit.rollup_path).exclude(unit=unit).count()
    return int(accepted or 0), assigned


# The days a province has after its units' deadline to review their reports and submit its own to the country.
LEVEL_REVIEW_DAYS = 5


def level_deadline(campaign: Campaign, month: datetime.date) -> datetime.datetime:
    """The first instant that is late for a province's report of ``month`` to the country."""
    return campaign.deadline(month) + datetime.timedelta(days=LEVEL_REVIEW_DAYS)
