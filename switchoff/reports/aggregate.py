"""The aggregated report: what the coordinating office sends upward.

Built from submitted and accepted monthly reports only (a draft is not a
report), for one month or cumulatively from the start of the campaign, with
SQL aggregation so that a national campaign does not load its lines into memory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.months import first_of_month
from switchoff.reports.models import MonthlyReport, ReportLine
from switchoff.reports.selectors import UnitStatus, completeness
from switchoff.units.models import Unit, UnitQuerySet


@dataclass(frozen=True)
class FormMediumTotal:
    form: str
    count_unit: str
    medium: str
    count: int
    people_reached: int | None  # None: no unit said how many people were reached


@dataclass(frozen=True)
class CountUnitTotal:
    """A "Tổng cộng" row: counts are added up only within one unit of count (lượt phát, bài, cái...)."""

    count_unit: str
    count: int
    people_reached: int | None


@dataclass(frozen=True)
class UnitTotal:
    # No total over the forms: their units of count differ.
    unit: str
    counts: dict[str, int]  # form code -> count


@dataclass(frozen=True)
class OtherResult:
    month: datetime.date
    unit: str
    text: str


@dataclass
class AggregateReport:
    """Everything the Word, Excel, JSON and DHIS2 exports show. Plain data, no queries."""

    campaign_name: str
    technology: str
    issuing_body_lines: list[str]
    document_symbol: str
    place_name: str
    recipient_name: str
    signer_title: str
    signer_name: str
    month_from: datetime.date
    month_to: datetime.date
    cumulative: bool
    generated_on: datetime.date
    forms: list[tuple[str, str, str]]  # (code, name, unit of count), in catalogue order
    by_form_medium: list[FormMediumTotal] = field(default_factory=list)
    by_unit: list[UnitTotal] = field(default_factory=list)
    on_time: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    expected: int = 0
    other_results: list[OtherResult] = field(default_factory=list)  # by month, then unit

    @property
    def period_label(self) -> str:
        if self.cumulative:
            return f"{self.month_from:%m/%Y} - {self.month_to:%m/%Y}"
        return f"{self.month_to:%m/%Y}"

    @property
    def totals_by_count_unit(self) -> list[CountUnitTotal]:
        """One total per unit of count, in catalogue order; people reached stay None where nobody said."""
        counts: dict[str, int] = {}
        people: dict[str, int | None] = {}
        for t in self.by_form_medium:
            counts[t.count_unit] = counts.get(t.count_unit, 0) + t.count
            if t.people_reached is not None:
                people[t.count_unit] = (people.get(t.count_unit) or 0) + t.people_reached
        return [CountUnitTotal(unit, count, people.get(unit)) for unit, count in counts.items()]


def build_aggregate(
    *,
    campaign: Campaign,
    month: datetime.date,
    cumulative: bool = False,
    units: UnitQuerySet | None = None,
    now: datetime.datetime | None = None,
) -> AggregateReport:
    """The aggregated report for ``month`` (or from the campaign's start to it) over ``units``."""
    now = now or timezone.now()
    month = first_of_month(month)
    month_from = first_of_month(campaign.start_date) if cumulative else month
    units = units if units is not None else Unit.objects.all()
    forms = list(CommunicationForm.objects.filter(campaign=campaign))
    form_by_id = {f.pk: f for f in forms}
    media = {m.pk: m.name for m in Medium.objects.filter(campaign=campaign)}
    reports = MonthlyReport.objects.filter(
        campaign=campaign,
        month__gte=month_from,
        month__lte=month,
        status__in=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED],
        unit__in=units,
    )
    lines = ReportLine.objects.filter(report__in=reports)
    by_form_medium = [
        FormMediumTotal(
            form=form_by_id[row["form"]].name,
            count_unit=form_by_id[row["form"]].count_unit,
            medium=media.get(row["medium"], "") if row["medium"] else "",
            count=row["count"] or 0,
            people_reached=row["people"],
        )
        for row in lines.values("form", "medium")
        .annotate(count=Sum("count"), people=Sum("people_reached"))
        .order_by("form__order", "form", "medium__order", "medium")
        if (row["count"] or 0) > 0
    ]
    per_unit: dict[int, dict[str, int]] = {}
    for row in lines.values("report__unit", "form").annotate(count=Sum("count")):
        per_unit.setdefault(row["report__unit"], {})[form_by_id[row["form"]].code] = row["count"] or 0
    names = dict(Unit.objects.filter(pk__in=per_unit).values_list("pk", "name"))
    by_unit = sorted(
        (UnitTotal(unit=names[uid], counts=counts) for uid, counts in per_unit.items()),
        key=lambda t: t.unit,
    )
    statuses = completeness(campaign=campaign, month=month, units=units, now=now).rows
    on_time = sorted(r.unit.name for r in statuses if r.status in UnitStatus.ON_TIME_STATES and not r.late)
    late = sorted(r.unit.name for r in statuses if r.late)
    missing = sorted(r.unit.name for r in statuses if r.status in UnitStatus.NOT_SUBMITTED_STATES)
    other = [
        OtherResult(month=report_month, unit=unit_name, text=text.strip())
        for report_month, unit_name, text in reports.exclude(other_results="")
        .order_by("month", "unit__search_name")
        .values_list("month", "unit__name", "other_results")
    ]
    return AggregateReport(
        campaign_name=campaign.name,
        technology=campaign.technology,
        issuing_body_lines=[line.strip() for line in campaign.issuing_body.split("|") if line.strip()],
        document_symbol=campaign.document_symbol,
        place_name=campaign.place_name,
        recipient_name=campaign.recipient_name,
        signer_title=campaign.signer_title,
        signer_name=campaign.signer_name,
        month_from=month_from,
        month_to=month,
        cumulative=cumulative,
        generated_on=timezone.localdate(now),
        forms=[(f.code, f.name, f.count_unit) for f in forms],
        by_form_medium=by_form_medium,
        by_unit=by_unit,
        on_time=on_time,
        late=late,
        missing=missing,
        expected=len(statuses),
        other_results=other,
    )
