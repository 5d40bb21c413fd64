"""Reads: which units are expected to report, what state their reports are in, the rates.

Definitions follow DHIS2: a unit is expected for a month when it is assigned
to the campaign and open at some time during that month (opened on or before
the month's last day, not closed before its first day); actual reports are the
submitted and accepted ones; on time means submitted before the deadline;
rates are capped at 100 %.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import first_of_month, last_of_month
from switchoff.reports.models import MonthlyReport
from switchoff.units.models import Unit, UnitKind, UnitQuerySet


def activity_places(unit: Unit) -> UnitQuerySet:
    """Where ``unit``'s activities may take place: the current communes and villages of its area."""
    return (
        Unit.objects.rolling_into(unit.geographic_anchor())
        .current()
        .filter(kind__category__in=[UnitKind.Category.COMMUNE, UnitKind.Category.VILLAGE])
    )


class UnitStatus:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    LATE = "late"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    MISSING = "missing"

    ON_TIME_STATES = frozenset({SUBMITTED, ACCEPTED})
    NOT_SUBMITTED_STATES = frozenset({NOT_STARTED, DRAFT, RETURNED, MISSING})


@dataclass(frozen=True)
class StatusRow:
    unit: Unit
    status: str
    report: MonthlyReport | None

    @property
    def late(self) -> bool:
        return self.report is not None and self.report.submitted_at is not None and self.report.late

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status in {
            MonthlyReport.Status.SUBMITTED,
            MonthlyReport.Status.ACCEPTED,
        }


@dataclass(frozen=True)
class Completeness:
    month: datetime.date
    rows: list[StatusRow]

    @property
    def expected(self) -> int:
        return len(self.rows)

    @property
    def actual(self) -> int:
        return sum(1 for r in self.rows if r.submitted)

    @property
    def on_time(self) -> int:
        return sum(1 for r in self.rows if r.submitted and not r.late)

    @property
    def completeness_rate(self) -> float:
        return _rate(self.actual, self.expected)

    @property
    def timeliness_rate(self) -> float:
        return _rate(self.on_time, self.expected)

    @property
    def to_chase(self) -> list[StatusRow]:
        return [r for r in self.rows if not r.submitted]


def _rate(part: int, whole: int) -> float:
    if whole == 0:
        return 0.0
    return min(100.0, round(100.0 * part / whole, 1))


def expected_units(campaign: Campaign, month: datetime.date, units: UnitQuerySet | None = None) -> UnitQuerySet:
    """Assigned units open at some time during ``month``."""
    first, last = first_of_month(month), last_of_month(month)
    queryset = (
        Unit.objects.filter(pk__in=campaign.assignments.values("unit_id"))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
    )
    if units is not None:
        queryset = queryset.filter(pk__in=units.values("pk"))
    return queryset


def _status(report: MonthlyReport | None, deadline: datetime.datetime, now: datetime.datetime) -> str:
    if report is None:
        return UnitStatus.MISSING if now >= deadline else UnitStatus.NOT_STARTED
    if report.status == MonthlyReport.Status.ACCEPTED:
        return UnitStatus.ACCEPTED
    if report.status == MonthlyReport.Status.SUBMITTED:
        return UnitStatus.LATE if report.late else UnitStatus.SUBMITTED
    if report.status == MonthlyReport.Status.RETURNED:
        return UnitStatus.RETURNED
    return UnitStatus.MISSING if now >= deadline else UnitStatus.DRAFT


def completeness(
    *, campaign: Campaign, month: datetime.date, now: datetime.datetime, units: UnitQuerySet | None = None
) -> Completeness:
    """Each expected unit's state for ``month``, with two queries whatever the number of units."""
    month = first_of_month(month)
    expected = list(expected_units(campaign, month, units).select_related("kind", "parent").order_by("search_name"))
    reports = {
        r.unit_id: r
        for r in MonthlyReport.objects.filter(campaign=campaign, month=month, unit__in=[u.pk for u in expected])
    }
    deadline = campaign.deadline(month)
    rows = [
        StatusRow(unit=u, status=_status(reports.get(u.pk), deadline, now), report=reports.get(u.pk)) for u in expected
    ]
    return Completeness(month=month, rows=rows)
