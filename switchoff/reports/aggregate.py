"""The aggregated report: what the coordinating office sends upward (the country reads its provinces' own).

Built from the accepted monthly reports (a report nobody reviewed is not yet a figure the office
can defend); the coordinator may include the submitted reports not yet reviewed, and the document
then names them. For one month or cumulatively from the start of the campaign, with SQL
aggregation so that a national campaign does not load its lines into memory. The reporting status
covers every month of the period: a unit late three times is late three times. Units are listed in
Vietnamese alphabetical order (ICU's sort keys, in Python: on SQLite an ORDER BY … COLLATE would call
back into Python for every comparison of a national list).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.utils import timezone

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.collation import vi_key, vi_sorted
from switchoff.lib.months import first_of_month
from switchoff.reports.levels import has_levels, level_units
from switchoff.reports.models import MonthlyReport, ReportLine
from switchoff.reports.selectors import period_statuses
from switchoff.units.models import Unit, UnitQuerySet


def _partial(count: int, people: int | None, covers: int | None) -> bool:
    return people is not None and covers is not None and covers < count


@dataclass(frozen=True)
class FormMediumTotal:
    form: str
    count_unit: str
    medium: str
    count: int
    people_reached: int | None  # None: no unit said how many people were reached
    # How much of ``count`` the people reached speak for; None: all of it.
    people_covers: int | None = None

    @property
    def people_partial(self) -> bool:
        return _partial(self.count, self.people_reached, self.people_covers)


@dataclass(frozen=True)
class CountUnitTotal:
    """A "Tổng cộng" row: counts are added up only within one unit of count (lượt phát, bài, cái...)."""

    count_unit: str
    count: int
    people_reached: int | None
    people_covers: int | None = None

    @property
    def people_partial(self) -> bool:
        return _partial(self.count, self.people_reached, self.people_covers)


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


@dataclass(frozen=True)
class UnreviewedReport:
    """A report submitted but not yet accepted: counted only when the coordinator chose so, and named."""

    unit: str
    month: datetime.date


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
    # Units on time in every month of the period they had to report, late at least once, missing at least once.
    on_time: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    expected: int = 0
    other_results: list[OtherResult] = field(default_factory=list)  # by month, then unit
    # The months of each unit that was late, or missing, in the period (a cumulative report lists them).
    late_months: dict[str, list[datetime.date]] = field(default_factory=dict)
    missing_months: dict[str, list[datetime.date]] = field(default_factory=dict)
    reports_expected: int = 0  # unit-months over the period
    months_expected: dict[str, int] = field(default_factory=dict)  # by unit: the months it had to report
    # Submitted reports nobody has reviewed yet: included in the figures only with ``include_submitted``.
    include_submitted: bool = False
    unreviewed: list[UnreviewedReport] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        if self.cumulative:
            return f"{self.month_from:%m/%Y} - {self.month_to:%m/%Y}"
        return f"{self.month_to:%m/%Y}"

    @property
    def units_expected(self) -> list[str]:
        """Every unit that had to report in the period, in Vietnamese alphabetical order."""
        return vi_sorted({*self.months_expected, *self.on_time, *self.late, *self.missing})

    @property
    def totals_by_count_unit(self) -> list[CountUnitTotal]:
        """One total per unit of count, in catalogue order; people reached stay None where nobody said."""
        counts: dict[str, int] = {}
        people: dict[str, int | None] = {}
        covers: dict[str, int | None] = {}
        for t in self.by_form_medium:
            counts[t.count_unit] = counts.get(t.count_unit, 0) + t.count
            line_covers = t.count if t.people_covers is None and t.people_reached is not None else t.people_covers
            covers[t.count_unit] = (covers.get(t.count_unit) or 0) + (line_covers or 0)
            if t.people_reached is not None:
                people[t.count_unit] = (people.get(t.count_unit) or 0) + t.people_reached
        return [CountUnitTotal(unit, count, people.get(unit), covers.get(unit)) for unit, count in counts.items()]


def build_aggregate(
    *,
    campaign: Campaign,
    month: datetime.date,
    cumulative: bool = False,
    units: UnitQuerySet | None = None,
    now: datetime.datetime | None = None,
    include_submitted: bool = False,
) -> AggregateReport:
    """The aggregated report for ``month`` (or from the campaign's start to it) over ``units``.

    Only accepted reports count, unless ``include_submitted``: then the submitted ones not yet
    reviewed count too, and the report names them. On a campaign whose area is the country
    (``levels``), ``units`` that hold the country make the country's report: one line per province,
    read from the provinces' own reports only (what each submitted and the country accepted); the
    expected, late and missing are the provinces. Narrower ``units`` (a province) make the report of
    their assigned units, the province's own report to the country left out.
    """
    now = now or timezone.now()
    month = first_of_month(month)
    month_from = first_of_month(campaign.start_date) if cumulative else month
    units = units if units is not None else Unit.objects.all()
    reporting: list[Unit] | None = None
    if has_levels(campaign):
        provinces = level_units(campaign, units)
        # The country's report when the units hold it (asked once, with the provinces when they are some).
        if provinces and units.filter(pk=campaign.area_id).exists():
            reporting = provinces
            units = Unit.objects.filter(pk__in=[u.pk for u in reporting])
        else:
            units = units.filter(pk__in=campaign.assignments.values("unit_id"))
    forms = list(CommunicationForm.objects.filter(campaign=campaign))
    form_by_id = {f.pk: f for f in forms}
    media = {m.pk: m.name for m in Medium.objects.filter(campaign=campaign)}
    counted = [MonthlyReport.Status.ACCEPTED] + ([MonthlyReport.Status.SUBMITTED] if include_submitted else [])
    in_period = MonthlyReport.objects.filter(campaign=campaign, month__gte=month_from, month__lte=month, unit__in=units)
    # One query for the reports named in the document: those not yet reviewed, and the other results counted.
    named = list(
        in_period.filter(Q(status=MonthlyReport.Status.SUBMITTED) | (Q(status__in=counted) & ~Q(other_results="")))
        .order_by()
        .values_list("unit__name", "month", "status", "other_results")
    )
    unreviewed = sorted(
        (
            UnreviewedReport(unit=name, month=report_month)
            for name, report_month, status, _text in named
            if status == MonthlyReport.Status.SUBMITTED
        ),
        key=lambda r: (r.month, vi_key(r.unit)),
    )
    # One pass over the lines: by unit × form × medium, added up here by form × medium and by unit × form.
    rows = (
        ReportLine.objects.filter(
            report__campaign=campaign,
            report__month__gte=month_from,
            report__month__lte=month,
            report__status__in=counted,
            report__unit__in=units,
        )
        .values("report__unit", "form", "medium")
        .annotate(count=Sum("count"), people=Sum("people_reached"), people_part=Sum("people_covers"))
        .order_by()
        .values_list("report__unit", "form", "medium", "count", "people", "people_part")
    )
    sums: dict[tuple[int, int | None], list[int | None]] = {}
    per_unit: dict[int, dict[str, int]] = {}
    for unit_id, form_id, medium_id, count, people, part in rows:
        total = sums.setdefault((form_id, medium_id), [0, None, 0])
        total[0] = (total[0] or 0) + (count or 0)
        if people is not None:
            total[1] = (total[1] or 0) + people
        total[2] = (total[2] or 0) + (part or 0)
        code = form_by_id[form_id].code
        counts = per_unit.setdefault(unit_id, {})
        counts[code] = counts.get(code, 0) + (count or 0)
    form_rank = {f.pk: rank for rank, f in enumerate(forms)}  # the catalogue's order
    medium_rank = {pk: rank for rank, pk in enumerate(media)}
    by_form_medium = [
        FormMediumTotal(
            form=form_by_id[form_id].name,
            count_unit=form_by_id[form_id].count_unit,
            medium=media.get(medium_id, "") if medium_id else "",
            count=count or 0,
            people_reached=people,
            people_covers=part or 0,
        )
        for (form_id, medium_id), (count, people, part) in sorted(
            sums.items(),
            key=lambda item: (form_rank[item[0][0]], medium_rank.get(item[0][1], len(medium_rank))),  # type: ignore[arg-type]
        )
        if (count or 0) > 0
    ]
    names = (
        {u.pk: u.name for u in reporting}
        if reporting is not None
        else dict(Unit.objects.filter(pk__in=per_unit).values_list("pk", "name"))
    )
    by_unit = vi_sorted((UnitTotal(unit=names[uid], counts=counts) for uid, counts in per_unit.items()), key=_unit)
    months = [m for m in campaign.months() if month_from <= m <= month]
    statuses = period_statuses(campaign=campaign, months=months, units=units, reporting=reporting)
    expected = {row.unit.name: row.expected for row in statuses}
    late_months = {row.unit.name: row.late for row in statuses if row.late}
    missing_months = {row.unit.name: row.missing for row in statuses if row.missing}
    other = sorted(
        (
            OtherResult(month=report_month, unit=unit_name, text=text.strip())
            for unit_name, report_month, status, text in named
            if status in counted and text
        ),
        key=lambda r: (r.month, vi_key(r.unit)),
    )
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
        on_time=vi_sorted(name for name in expected if name not in late_months and name not in missing_months),
        late=vi_sorted(late_months),
        missing=vi_sorted(missing_months),
        expected=len(expected),
        other_results=other,
        late_months=late_months,
        missing_months=missing_months,
        reports_expected=sum(len(m) for m in expected.values()),
        months_expected={name: len(months) for name, months in expected.items()},
        include_submitted=include_submitted,
        unreviewed=unreviewed,
    )


def _unit(total: UnitTotal) -> str:
    return total.unit
