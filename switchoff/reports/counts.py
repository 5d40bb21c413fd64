"""The reporting's counters, per campaign: the activity log's counts by form, and the monthly reports by state.

``reports.<campaign>.activity`` adds each logged activity's count under its unit,
broken down by its form (the dimension), on the activity's day: the dashboard
reads communication totals per form and month from the rolled-up totals, one
form at a time, since two forms count in different units.

``reports.<campaign>.report.<state>`` counts the monthly reports of a unit by
state (on time, late, returned) on the report's month: the dashboard's units ×
months grid. A draft counts nowhere: a missing report is an expected unit
without one of these. The services of ``services/activities.py``,
``services/sheets.py`` and ``services/workflow.py`` write the deltas in the
transaction of their change; ``rebuild`` counts them again for ``verify_counts``.
A province's report to the country (``levels``) is not a unit's report: it counts nowhere.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When
from django.db.models import Count as CountRows
from django.db.models.functions import Cast, Concat

from switchoff.counts.services import Delta, count_add, counts_add_many
from switchoff.counts.verify import register
from switchoff.reports.levels import LEVEL_REPORTS, is_level_report
from switchoff.reports.models import Activity, MonthlyReport

PREFIX = "reports."
ON_TIME, LATE, RETURNED = "on_time", "late", "returned"
STATES = (ON_TIME, LATE, RETURNED)


def activity_key(campaign_id: int) -> str:
    return f"{PREFIX}{campaign_id}.activity"


def report_key(campaign_id: int, state: str) -> str:
    return f"{PREFIX}{campaign_id}.report.{state}"


def report_state(report: MonthlyReport) -> str | None:
    """Where a report counts: submitted or accepted on time or late, returned; a draft nowhere."""
    if report.status in {MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED}:
        return LATE if report.late else ON_TIME
    if report.status == MonthlyReport.Status.RETURNED:
        return RETURNED
    return None


def count_report_state(report: MonthlyReport, before: str | None) -> None:
    """The report moved from state ``before`` to its state now: move its count (in the caller's transaction).

    A province's report to the country counts nowhere: the grid counts the units' reports, and a province's
    would add up with its communes' in the country's totals (``levels.LEVEL_REPORTS``).
    """
    after = report_state(report)
    if before == after or is_level_report(report):
        return
    deltas = []
    if before is not None:
        deltas.append(Delta(report.unit_id, report_key(report.campaign_id, before), -1, day=report.month))
    if after is not None:
        deltas.append(Delta(report.unit_id, report_key(report.campaign_id, after), 1, day=report.month))
    counts_add_many(deltas)


def count_activity(activity: Activity, delta: int) -> None:
    """``delta`` more (or fewer) of the activity's form logged on its day, under its unit."""
    count_add(
        unit_id=activity.unit_id,
        key=activity_key(activity.campaign_id),
        delta=delta,
        dimension=activity.form_id,
        day=activity.date,
    )


def count_activities_removed(activities: QuerySet[Activity]) -> None:
    """The activities of ``activities`` are about to be deleted: their counts leave, one delta per unit, form, day."""
    rows = activities.values_list("campaign_id", "unit_id", "form_id", "date").annotate(n=Sum("count")).order_by()
    counts_add_many(
        Delta(unit_id, activity_key(campaign_id), -int(n), dimension=form_id, day=day)
        for campaign_id, unit_id, form_id, day, n in rows
    )


@register(PREFIX)
def rebuild() -> QuerySet[Any, Any]:
    campaign = Cast("campaign_id", CharField())
    activities = (
        Activity.objects.annotate(
            count_unit=F("unit_id"),
            count_key=Concat(Value(PREFIX), campaign, Value(".activity"), output_field=CharField()),
            count_dimension=F("form_id"),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=Sum("count"))
        .order_by()
    )
    counted = Q(status__in=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED])
    state = Case(
        When(counted & Q(late=True), then=Value(LATE)),
        When(counted, then=Value(ON_TIME)),
        default=Value(RETURNED),
        output_field=CharField(),
    )
    reports = (
        MonthlyReport.objects.filter(counted | Q(status=MonthlyReport.Status.RETURNED))
        .exclude(LEVEL_REPORTS)
        .annotate(
            count_unit=F("unit_id"),
            count_key=Concat(Value(PREFIX), campaign, Value(".report."), state, output_field=CharField()),
            count_dimension=Value(0),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=CountRows("pk"))
        .order_by()
    )
    return activities.union(reports, all=True)
