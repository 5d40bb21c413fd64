"""Reads: which units are expected to report, what state their reports are in, the rates.

Definitions follow DHIS2: a unit is expected for a month when it is assigned
to the campaign and open at some time during that month (opened on or before
the month's last day, not closed before its first day); actual reports are the
submitted and accepted ones; on time means submitted before the deadline;
rates are capped at 100 %.
"""

from __future__ import annotations

import datetime
import hashlib
import statistics
from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, Count, F, Q, Sum, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.collation import vi_sorted
from switchoff.lib.months import first_of_month, last_of_month
from switchoff.reports.deadlines import Due, due
from switchoff.reports.models import Activity, MonthlyReport, ReportLine
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


# Lazy: the labels are read in the language of each request, not of the first import.
STATUS_LABELS: dict[str, Promise] = {
    UnitStatus.NOT_STARTED: gettext_lazy("not started"),
    UnitStatus.DRAFT: gettext_lazy("draft"),
    UnitStatus.SUBMITTED: gettext_lazy("submitted on time"),
    UnitStatus.LATE: gettext_lazy("submitted late"),
    UnitStatus.RETURNED: gettext_lazy("returned"),
    UnitStatus.ACCEPTED: gettext_lazy("accepted"),
    UnitStatus.MISSING: gettext_lazy("missing"),
}


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
    due: Due
    now: datetime.datetime

    @property
    def deadline(self) -> datetime.datetime:
        return self.due.deadline

    @property
    def deadline_passed(self) -> bool:
        """Rates mean something only then: before it, a unit not yet in is not late."""
        return self.due.passed

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


def _name(unit: Unit) -> str:
    return unit.name


@dataclass(frozen=True)
class AreaCompleteness:
    """One area's part of a month's completeness (a province's, on a national campaign's page)."""

    area: Unit
    expected: int
    actual: int
    on_time: int
    accepted: int

    @property
    def completeness_rate(self) -> float:
        return _rate(self.actual, self.expected)


def completeness_by_area(result: Completeness, areas: list[Unit]) -> list[AreaCompleteness]:
    """``result`` added up by the area each unit rolls up into (the provinces of a national campaign), no query."""
    tallies: dict[int, list[int]] = {a.pk: [0, 0, 0, 0] for a in areas}
    for row in result.rows:
        area = next((a for a in areas if row.unit.rollup_path.startswith(a.rollup_path)), None)
        if area is None:
            continue
        tally = tallies[area.pk]
        tally[0] += 1
        tally[1] += int(row.submitted)
        tally[2] += int(row.submitted and not row.late)
        tally[3] += int(row.status == UnitStatus.ACCEPTED)
    return [AreaCompleteness(a, *tallies[a.pk]) for a in areas if tallies[a.pk][0]]


def completeness(
    *,
    campaign: Campaign,
    month: datetime.date,
    now: datetime.datetime,
    units: UnitQuerySet | None = None,
    reporting: list[Unit] | None = None,
) -> Completeness:
    """Each expected unit's state for ``month``, with two queries whatever the number of units.

    ``reporting``: the units that report instead of the assigned ones (the provinces to the country, whose
    deadline is ``levels.level_deadline``).
    """
    month = first_of_month(month)
    # Sorted by ICU's sort keys in Python: one key a unit, where an ORDER BY … COLLATE on SQLite would
    # call back into Python for every comparison of a national list.
    expected = vi_sorted(
        expected_units(campaign, month, units).select_related("kind", "parent") if reporting is None else reporting,
        key=_name,
    )
    reports = {
        r.unit_id: r
        for r in MonthlyReport.objects.filter(
            campaign=campaign, month=month, unit__in=[u.pk for u in expected]
        ).select_related("submitted_by")
    }
    if reporting is not None:
        from switchoff.reports.levels import level_deadline  # levels reads this module's line totals

        month_due = due(campaign, month, now, deadline=level_deadline(campaign, month))
    else:
        month_due = due(campaign, month, now)
    rows = [
        StatusRow(unit=u, status=_status(reports.get(u.pk), month_due.deadline, now), report=reports.get(u.pk))
        for u in expected
    ]
    return Completeness(month=month, rows=rows, due=month_due, now=now)


# Months per bit set of ``period_statuses`` (a signed 64-bit integer holds 62 and a sign).
MONTHS_PER_BITSET = 60


@dataclass(frozen=True)
class PeriodStatus:
    """A unit's reporting over a period: the months it had to report, those it was late, those it did not report."""

    unit: Unit
    expected: list[datetime.date]
    late: list[datetime.date]
    missing: list[datetime.date]


def period_statuses(
    *,
    campaign: Campaign,
    months: list[datetime.date],
    units: UnitQuerySet | None = None,
    reporting: list[Unit] | None = None,
) -> list[PeriodStatus]:
    """Each unit expected in some month of ``months``, with its months late and missing: two queries for the period.

    The same rules as ``completeness`` month by month (a unit open at some time in the month is expected; a
    report not submitted is missing, or not yet in before the deadline), without a query per month. The
    database adds each unit's months up into two bit sets (months submitted, months submitted late): one row
    per unit, not one per report (a national year is 40,000 reports). ``reporting``: the units that report
    instead of the campaign's assigned ones (the provinces, for the country: ``levels.level_units``), already
    narrowed to what the reader sees.
    """
    months = [first_of_month(m) for m in months]
    if not months:
        return []
    first, last = months[0], last_of_month(months[-1])
    reporting_ids = [u.pk for u in reporting] if reporting is not None else None
    # The units that report are already at hand when given (the provinces): only their dates are checked.
    assigned = (
        [
            u
            for u in reporting
            if (u.valid_from is None or u.valid_from <= last) and (u.valid_to is None or u.valid_to >= first)
        ]
        if reporting is not None
        else list(
            Unit.objects.filter(pk__in=campaign.assignments.values("unit_id"))
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
            .filter(pk__in=(units if units is not None else Unit.objects.all()).values("pk"))
            .only("pk", "name", "valid_from", "valid_to")
        )
    )
    submitted_months: dict[int, int] = {}
    late_months: dict[int, int] = {}
    submitted = [MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED]
    for start in range(0, len(months), MONTHS_PER_BITSET):
        chunk = months[start : start + MONTHS_PER_BITSET]
        bit = Case(
            # Bits within the chunk (each sum fits in 64 bits), moved to the period's place in Python below.
            *(When(month=m, then=Value(1 << i)) for i, m in enumerate(chunk)),
            default=Value(0),
            output_field=BigIntegerField(),
        )
        in_chunk = MonthlyReport.objects.filter(
            campaign=campaign, month__gte=chunk[0], month__lte=chunk[-1], status__in=submitted
        )
        rows = (
            (
                in_chunk.filter(unit__in=reporting_ids)
                if reporting_ids is not None
                # A subquery, not 3,400 ids: a unit not assigned is not looked up below.
                else in_chunk.filter(unit__in=(units if units is not None else Unit.objects.all()).values("pk"))
            )
            .values("unit_id")
            .annotate(done=Sum(bit), late_ones=Sum(bit, filter=Q(late=True)))
            .order_by()
            .values_list("unit_id", "done", "late_ones")
        )
        for unit_id, done, late_ones in rows:
            submitted_months[unit_id] = submitted_months.get(unit_id, 0) | ((done or 0) << start)
            late_months[unit_id] = late_months.get(unit_id, 0) | ((late_ones or 0) << start)
    result = []
    for unit in vi_sorted(assigned, key=_name):
        expected = [
            (i, m)
            for i, m in enumerate(months)
            if (unit.valid_from is None or unit.valid_from <= last_of_month(m))
            and (unit.valid_to is None or unit.valid_to >= m)
        ]
        if not expected:
            continue
        done, late_ones = submitted_months.get(unit.pk, 0), late_months.get(unit.pk, 0)
        result.append(
            PeriodStatus(
                unit=unit,
                expected=[m for _i, m in expected],
                late=[m for i, m in expected if late_ones >> i & 1],
                # Not in (never started, a draft, returned): missing, or not yet in before the deadline;
                # either way not submitted, as completeness counts it.
                missing=[m for i, m in expected if not done >> i & 1],
            )
        )
    return result


# -- A report's figures as they stand now ---------------------------------------------------------

LineKey = tuple[int, int | None]  # (form id, medium id or None)


@dataclass(frozen=True)
class LogTotal:
    count: int
    people_reached: int | None  # None: no activity of the line said how many people were reached
    # How much of ``count`` the activities that gave people reached add up to: less than ``count``,
    # the people reached are a part only ("85 people, reported for 1 of 3 sessions").
    covers: int = 0

    @property
    def people_partial(self) -> bool:
        return self.people_reached is not None and self.covers < self.count


def log_totals(campaign: Campaign, unit: Unit, month: datetime.date) -> dict[LineKey, LogTotal]:
    """The activity log's totals for ``month`` by form × medium (one query)."""
    rows = (
        Activity.objects.filter(
            campaign=campaign, unit=unit, date__gte=first_of_month(month), date__lte=last_of_month(month)
        )
        .values("form", "medium")
        .annotate(
            total=Sum("count"),
            people=Sum("people_reached"),
            part=Sum(Case(When(people_reached__isnull=False, then=F("count")), default=Value(0))),
        )
        .order_by("form", "medium")
    )
    return {(row["form"], row["medium"]): LogTotal(row["total"] or 0, row["people"], row["part"] or 0) for row in rows}


@dataclass(frozen=True)
class FormSum:
    form: CommunicationForm
    entries: int  # activities logged
    total: int  # what they count, in the form's unit


def form_sums(
    *, campaign_ids: set[int], unit_ids: set[int], first: datetime.date, last: datetime.date
) -> dict[tuple[int, int], list[FormSum]]:
    """The log's sums by form from ``first`` to ``last`` for many units and campaigns at once (two queries):
    by (campaign id, unit id), in the catalogue's order. ``log_totals`` is the one report's, by form × medium."""
    rows = list(
        Activity.objects.filter(campaign_id__in=campaign_ids, unit_id__in=unit_ids, date__gte=first, date__lte=last)
        .values("campaign_id", "unit_id", "form_id")
        .annotate(entries=Count("pk"), total=Sum("count"))
        .order_by()
    )
    forms = {f.pk: f for f in CommunicationForm.objects.filter(pk__in={row["form_id"] for row in rows})}
    sums: dict[tuple[int, int], list[FormSum]] = {}
    for row in sorted(rows, key=lambda r: (forms[r["form_id"]].order, r["form_id"])):
        key = (row["campaign_id"], row["unit_id"])
        sums.setdefault(key, []).append(FormSum(forms[row["form_id"]], row["entries"], row["total"] or 0))
    return sums


def report_follows_log(report: MonthlyReport) -> bool:
    """A draft or returned report's untouched lines are the log's totals; a submitted one is a snapshot."""
    return report.status in {MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED}


@dataclass(frozen=True)
class ReportRow:
    """One line of the report page: the figures the report holds, and what the log says."""

    form: CommunicationForm
    medium: Medium | None
    count: int
    people_reached: int | None
    edited: bool
    log: LogTotal
    covers: int = 0

    @property
    def people_partial(self) -> bool:
        """People reached were given for a part of the count only: shown as such, never as the whole."""
        return self.people_reached is not None and self.covers < self.count

    @property
    def key(self) -> str:
        return f"{self.form.pk}-{self.medium.pk if self.medium else 0}"

    @property
    def differs(self) -> bool:
        """A figure typed by hand that the log no longer agrees with."""
        return self.edited and (self.count, self.people_reached) != (self.log.count, self.log.people_reached)


def report_rows(report: MonthlyReport, stored: list[ReportLine]) -> list[ReportRow]:
    """Every catalogue form × medium of the campaign, then any other line the report or the log holds.

    A line nobody edited shows the log's totals while the report is a draft or
    returned (computed here, on read: looking at a page writes nothing);
    an edited line, or any line of a submitted report, shows what was stored.
    """
    campaign = report.campaign
    forms = list(campaign.forms.prefetch_related("media"))
    form_by_id = {f.pk: f for f in forms}
    media = {m.pk: m for m in campaign.media.all()}
    following = report_follows_log(report)
    log = log_totals(campaign, report.unit, report.month)
    lines = {(line.form_id, line.medium_id): line for line in stored}
    keys: list[LineKey] = [(f.pk, m.pk) for f in forms for m in f.media.all()] + [
        (f.pk, None) for f in forms if not f.media.all()
    ]
    keys.sort(key=lambda k: (form_by_id[k[0]].order, k[0], media[k[1]].order if k[1] else 0, k[1] or 0))
    # Lines whose medium is not (any longer) in the form's list stay visible.
    keys += sorted(k for k in {*lines, *log} if k not in set(keys) and k[0] in form_by_id)
    rows = []
    for key in keys:
        line, logged = lines.get(key), log.get(key, LogTotal(0, None, 0))
        if line is not None and (line.edited or not following):
            count, people, edited, covers = line.count, line.people_reached, line.edited, line.people_covers
        elif following:
            count, people, edited, covers = logged.count, logged.people_reached, False, logged.covers
        else:
            count, people, edited, covers = 0, None, False, 0
        rows.append(
            ReportRow(
                form=form_by_id[key[0]],
                medium=media.get(key[1]) if key[1] else None,
                count=count,
                people_reached=people,
                edited=edited,
                log=logged,
                covers=covers,
            )
        )
    return rows


@dataclass(frozen=True)
class CountUnitTotal:
    count_unit: str
    count: int


def totals_by_count_unit(pairs: list[tuple[CommunicationForm, int]]) -> list[CountUnitTotal]:
    """Counts summed per unit of count (lượt phát, bài, cái...), in order of first appearance: never across units.

    Each total names its unit of count as the reader's language writes it after that number ("1 session").
    """
    sums: dict[str, tuple[CommunicationForm, int]] = {}
    for form, count in pairs:
        if count:
            first, total = sums.get(form.shown_count_unit, (form, 0))
            sums[form.shown_count_unit] = (first, total + count)
    return [CountUnitTotal(first.count_unit_for(total), total) for first, total in sums.values()]


# -- The check before sending (DHIS2's outlier rule) ----------------------------------------------

OUTLIER_FACTOR = 10
HOME_VISIT_CODE = "home_visit"


@dataclass(frozen=True)
class FigureWarning:
    key: str  # language-neutral, so that a confirmation given in one language holds in the other
    text: str


def report_warnings(report: MonthlyReport, rows: list[ReportRow]) -> list[FigureWarning]:
    """Figures to confirm before sending: far above the unit's usual month, or fewer people than home visits.

    "Usual" is the median of the unit's monthly totals for the form over the
    campaign's earlier submitted or accepted months where it reported that form.
    """
    earlier: dict[int, list[int]] = {}
    for row in (
        ReportLine.objects.filter(
            report__campaign=report.campaign_id,
            report__unit=report.unit_id,
            report__month__lt=report.month,
            report__status__in=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED],
        )
        .values("report__month", "form")
        .annotate(count=Sum("count"))
    ):
        if row["count"]:
            earlier.setdefault(row["form"], []).append(row["count"])
    now: dict[int, int] = {}
    forms: dict[int, CommunicationForm] = {}
    for r in rows:
        now[r.form.pk] = now.get(r.form.pk, 0) + r.count
        forms[r.form.pk] = r.form
    warnings = []
    for form_id, count in now.items():
        usual = statistics.median(earlier[form_id]) if form_id in earlier else 0
        if usual and count > OUTLIER_FACTOR * usual:
            form = forms[form_id]
            warnings.append(
                FigureWarning(
                    key=f"outlier:{form.code}:{count}",
                    text=gettext(
                        "%(form)s: %(count)s %(unit)s is more than %(factor)s times the unit's usual month "
                        "(median %(median)s over the campaign's earlier months)."
                    )
                    % {
                        "form": form.name,
                        "count": count,
                        "unit": form.shown_count_unit,
                        "factor": OUTLIER_FACTOR,
                        "median": f"{usual:g}",
                    },
                )
            )
    for r in rows:
        if r.form.code == HOME_VISIT_CODE and r.people_reached is not None and r.people_reached < r.count:
            warnings.append(
                FigureWarning(
                    key=f"visits:{r.key}:{r.count}:{r.people_reached}",
                    text=gettext("%(form)s: %(people)s people reached is fewer than the %(count)s home visits.")
                    % {"form": r.form.name, "people": r.people_reached, "count": r.count},
                )
            )
    return warnings


def warnings_fingerprint(warnings: list[FigureWarning]) -> str:
    """What the reporter confirms: these warnings on these figures. A changed figure needs a new confirmation."""
    return hashlib.sha256("|".join(sorted(w.key for w in warnings)).encode()).hexdigest()[:20]
