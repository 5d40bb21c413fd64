"""The dashboard's figures: every one read from the rolled-up counters, never by counting subscribers, cases or visits.

A unit's figures are its own ``CountTotal`` rows (what lies below it, legacy
units merged in included); its children's figures are the children's own
rows, read together in one query per family. The only rows read besides the
counters are small configuration tables (the campaign, its forms, who must
report, the lists' dates): a page costs a fixed number of queries whatever
lies below the unit (``tests/test_dashboard.py`` counts them).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from switchoff.campaigns.models import Campaign, CommunicationForm
from switchoff.counts.models import Count, CountTotal
from switchoff.fieldwork import counts as fieldwork_keys
from switchoff.fieldwork.rules import Stage
from switchoff.lib.collation import vi_sorted
from switchoff.lib.months import first_of_month, last_of_month
from switchoff.reports import counts as report_keys
from switchoff.subscribers import counts as subscriber_keys
from switchoff.subscribers.models import SubscriberList
from switchoff.units.models import Unit, UnitKind

# How many weeks of visits the child units' small trend lines show.
TREND_WEEKS = 8
# How many weeks the chart of visits per week shows unless the whole campaign is asked for: a campaign's
# recent weeks stay readable (a year of weeks is 52 bars a few pixels wide on a phone).
RECENT_WEEKS = 12
GEOGRAPHIC = [
    UnitKind.Category.COUNTRY,
    UnitKind.Category.PROVINCE,
    UnitKind.Category.DISTRICT,
    UnitKind.Category.COMMUNE,
    UnitKind.Category.VILLAGE,
]


def campaigns_of(unit: Unit) -> list[Campaign]:
    """The campaigns a unit's dashboard can show: those whose area holds the unit or lies below it, latest first."""
    return [
        c
        for c in Campaign.objects.select_related("area").order_by("-start_date", "-pk")
        if unit.rollup_path.startswith(c.area.rollup_path) or c.area.rollup_path.startswith(unit.rollup_path)
    ]


def children_of(unit: Unit) -> list[Unit]:
    """The current geographic units right below ``unit``, in Vietnamese order (the table's and the grid's rows)."""
    rows = Unit.objects.filter(
        parent=unit, valid_to__isnull=True, merged_into__isnull=True, kind__category__in=GEOGRAPHIC
    ).select_related("kind")
    return vi_sorted(rows, key=lambda u: u.name)


def reporters_below(campaign: Campaign, unit: Unit) -> list[Unit]:
    """The units right below ``unit`` that report for the campaign and are not places (its committee, offices)."""
    rows = (
        Unit.objects.filter(parent=unit, valid_to__isnull=True, pk__in=campaign.assignments.values("unit_id"))
        .exclude(kind__category__in=GEOGRAPHIC)
        .select_related("kind")
    )
    return vi_sorted(rows, key=lambda u: u.name)


def weeks_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The Mondays of the weeks from ``first``'s to ``last``'s."""
    monday = first - datetime.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Funnel:
    """Cases at or beyond each stage (listed → visited → agreed → switched → verified)."""

    at_stage: dict[int, int]

    def reached(self, stage: int) -> int:
        return sum(n for s, n in self.at_stage.items() if s >= stage)

    @property
    def cases(self) -> int:
        return self.reached(Stage.LISTED)

    @property
    def never_visited(self) -> int:
        return self.at_stage.get(Stage.LISTED, 0)

    @property
    def switched(self) -> int:
        """Switched, self-reported or verified."""
        return self.reached(Stage.SWITCHED)

    @property
    def verified(self) -> int:
        return self.reached(Stage.VERIFIED)

    def rows(self) -> list[tuple[int, str, int]]:
        return [(s.value, str(s.label), self.reached(s)) for s in Stage]


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent with one decimal; None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class ReportCell:
    """The reports of the units expected under one unit for one month."""

    expected: int
    on_time: int
    late: int
    returned: int
    due_passed: bool

    @property
    def missing(self) -> int:
        """Expected units without a report in: missing once the deadline passed (before, still to come)."""
        return max(self.expected - self.on_time - self.late - self.returned, 0)

    @property
    def state(self) -> str:
        """One word for the cell's colour: the worst that applies."""
        if not self.expected:
            return "none"
        if self.missing and self.due_passed:
            return "missing"
        if self.returned:
            return "returned"
        if self.late:
            return "late"
        if self.missing:
            return "open"
        return "on_time"


@dataclass
class ChildRow:
    unit: Unit
    listed: int
    funnel: Funnel
    visits: int
    visits_7_days: int
    trend: list[int]
    report: ReportCell | None

    @property
    def switched_share(self) -> float | None:
        return share(self.funnel.switched, self.funnel.cases)

    @property
    def visits_per_1000(self) -> float | None:
        return round(1000.0 * self.visits / self.listed, 1) if self.listed else None

    def sort_key(self) -> tuple[float, int, str]:
        """Worst first: the lowest share switched, then the most still listed."""
        pct = self.switched_share
        return (pct if pct is not None else 101.0, -self.listed, self.unit.search_name)


@dataclass
class Headline:
    listed_now: int
    listed_ever: int
    listed_at_start: int
    # The day that figure is of: the campaign's start, or the first list's date when none was dated by then.
    listed_at_start_day: datetime.date | None
    latest_lists: list[tuple[Unit, datetime.date]]  # each operator with the date of its latest list here
    claimed: int  # self-reported switched, not yet verified
    verified: int
    cases: int
    overdue: int
    days_left: int

    @property
    def days_since(self) -> int:
        return -self.days_left

    @property
    def claimed_share(self) -> float | None:
        return share(self.claimed, self.cases)

    @property
    def verified_share(self) -> float | None:
        return share(self.verified, self.cases)


@dataclass
class FormMonths:
    form: CommunicationForm
    by_month: dict[datetime.date, int]

    @property
    def total(self) -> int:
        return sum(self.by_month.values())


@dataclass
class Dashboard:
    campaign: Campaign
    unit: Unit
    today: datetime.date
    headline: Headline
    funnel: Funnel
    weeks: list[tuple[datetime.date, int]]
    listed_over_time: list[tuple[Unit, list[tuple[datetime.date, int]]]]
    children: list[ChildRow]
    # Counted under the unit but in none of its children: cases and subscribers not placed in a village yet.
    unplaced: ChildRow | None
    months: list[datetime.date]
    grid: list[tuple[Unit, list[ReportCell]]]
    communication: list[FormMonths]
    trend_weeks: list[datetime.date] = field(default_factory=list)
    # The month whose report is due this month (last month's), shown in the child units' table.
    report_month: datetime.date | None = None
    # Whether ``weeks`` holds every week of the campaign, and how many weeks it has in all.
    all_weeks: bool = True
    campaign_weeks: int = 0
    # The children by the 2024 structure (legacy units) instead of today's: what cannot be split by legacy unit
    # is ``unplaced``'s row (recorded on today's units).
    structure_2024: bool = False
    # Whether the campaign ran in 2024 and the unit had units below it then (the toggle is offered).
    has_2024_structure: bool = False
    # The coordinator's targets for this unit: (operator or None for every operator, day, still listed).
    targets: list[tuple[Unit | None, datetime.date, int]] = field(default_factory=list)


def _stage_keys(c: int) -> dict[str, int]:
    return {fieldwork_keys.stage_key(c, s): s for s in Stage.values}


def _sum_by_unit(unit_ids: list[int], keys: list[str]) -> dict[int, dict[str, int]]:
    """Each unit's totals of ``keys`` (every dimension and day), one query."""
    result: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        CountTotal.objects.filter(unit_id__in=unit_ids, key__in=keys)
        .values_list("unit_id", "key")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    for unit_id, key, n in rows:
        result[unit_id][key] = int(n)
    return result


def _visits_by_week(unit_ids: list[int], key: str, since: datetime.date) -> dict[int, dict[datetime.date, int]]:
    """Each unit's visits per week (the week's Monday) from ``since``: one query."""
    result: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        CountTotal.objects.filter(unit_id__in=unit_ids, key=key, day__gte=since)
        .values_list("unit_id", "day")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    for unit_id, day, n in rows:
        result[unit_id][_monday(day)] += int(n)
    return result


def _visits_by_day(unit_ids: list[int], key: str, since: datetime.date) -> dict[tuple[int, datetime.date], int]:
    """Each unit's visits per day from ``since``: one query."""
    rows = (
        CountTotal.objects.filter(unit_id__in=unit_ids, key=key, day__gte=since)
        .values_list("unit_id", "day")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    return {(unit_id, day): int(n) for unit_id, day, n in rows}


def _expected_by_child(
    campaign: Campaign, unit: Unit, children: list[Unit], months: list[datetime.date]
) -> dict[int, list[int]]:
    """How many assigned units under each child (and under ``unit`` itself, key ``unit.pk``) report each month.

    One query on the campaign's assignments under the unit: a few thousand rows at most, never the field's rows.
    """
    rows = campaign.assignments.filter(
        Q(unit__rollup_path__startswith=unit.rollup_path) | Q(unit__path__startswith=unit.path)
    ).values_list("unit__rollup_path", "unit__valid_from", "unit__valid_to")
    # Each assigned unit belongs to the child whose rollup path is its own cut one level below the unit's;
    # units of the same child and validity are counted together before the months are walked.
    child_of = {c.rollup_path: c.pk for c in children}
    cut = len(unit.rollup_path.split("/"))
    groups: Counter[tuple[int | None, datetime.date | None, datetime.date | None]] = Counter()
    for path, valid_from, valid_to in rows:
        groups[(child_of.get("/".join(path.split("/")[:cut]) + "/"), valid_from, valid_to)] += 1
    expected: dict[int, list[int]] = {c.pk: [0] * len(months) for c in children}
    expected[unit.pk] = [0] * len(months)
    ends = [last_of_month(month) for month in months]
    for (child, valid_from, valid_to), n in groups.items():
        owners = [unit.pk] if child is None else [unit.pk, child]
        for i, month in enumerate(months):
            if (valid_from is None or valid_from <= ends[i]) and (valid_to is None or valid_to >= month):
                for owner in owners:
                    expected[owner][i] += n
    return expected


def _report_counts(
    campaign: Campaign, unit_ids: list[int], months: list[datetime.date]
) -> dict[tuple[int, datetime.date], dict[str, int]]:
    keys = {report_keys.report_key(campaign.pk, s): s for s in report_keys.STATES}
    result: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(dict)
    rows = (
        CountTotal.objects.filter(unit_id__in=unit_ids, key__in=list(keys), day__in=months)
        .values_list("unit_id", "key", "day")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    for unit_id, key, day, n in rows:
        result[(unit_id, day)][keys[key]] = int(n)
    return result


def _listed_over_time(unit: Unit) -> list[tuple[Unit, list[tuple[datetime.date, int]]]]:
    """Subscribers still listed per operator after each day a list changed them, from the counters: one query."""
    rows = (
        CountTotal.objects.filter(unit=unit, key=subscriber_keys.LISTED)
        .values_list("dimension", "day")
        .annotate(n=Sum("delta"))
        .order_by("dimension", "day")
    )
    series: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    running: dict[int, int] = defaultdict(int)
    for operator_id, day, n in rows:
        running[operator_id] += int(n)
        series[operator_id].append((day, running[operator_id]))
    operators = {u.pk: u for u in Unit.objects.filter(pk__in=list(series))}
    return [(operators[pk], points) for pk, points in sorted(series.items()) if pk in operators]


def _listed_at_start(
    series: list[tuple[Unit, list[tuple[datetime.date, int]]]], start: datetime.date
) -> tuple[int, datetime.date | None]:
    """Still listed at the campaign's start (each operator's last figure by then), from the series already read.

    Where no operator's list was dated by the start, the figure of the first lists, as of the first list's day.
    """
    before = [[n for day, n in points if day <= start] for _op, points in series]
    if any(before):
        return sum(values[-1] for values in before if values), start
    firsts = [points[0] for _op, points in series if points]
    if not firsts:
        return 0, None
    first_day = min(day for day, _n in firsts)
    return sum(n for _op, points in series for day, n in points[:1] if day == first_day), first_day


def _communication(campaign: Campaign, unit: Unit, months: list[datetime.date]) -> list[FormMonths]:
    """The log's counts per form and month under the unit (each form in its own unit of count): one query."""
    rows = (
        CountTotal.objects.filter(unit=unit, key=report_keys.activity_key(campaign.pk))
        .annotate(month=TruncMonth("day"))
        .values_list("dimension", "month")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    by_form: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for form_id, month, n in rows:
        if n:
            by_form[form_id][first_of_month(month)] = int(n)
    forms = campaign.forms.filter(pk__in=list(by_form)).order_by("order", "pk")
    return [FormMonths(form, {m: by_form[form.pk].get(m, 0) for m in months}) for form in forms]


def dashboard(
    *,
    campaign: Campaign,
    unit: Unit,
    today: datetime.date | None = None,
    all_weeks: bool = False,
    structure_2024: bool = False,
) -> Dashboard:
    """Everything the dashboard of ``unit`` shows for ``campaign``, from the counters: a fixed number of queries.

    ``all_weeks``: the visits of every week of the campaign, not only the last ``RECENT_WEEKS``.
    ``structure_2024``: the units below by the 2024 structure (legacy units), for a campaign that ran then.
    """
    today = today or timezone.localdate()
    c = campaign.pk
    stage_keys = _stage_keys(c)
    visits_key = fieldwork_keys.visits_key(c)
    children = children_of(unit)
    reporters = reporters_below(campaign, unit)
    ids = [unit.pk] + [child.pk for child in children]
    totals = _sum_by_unit(ids, [*stage_keys, subscriber_keys.LISTED, subscriber_keys.LEFT, visits_key])

    def funnel_of(unit_id: int) -> Funnel:
        got = totals.get(unit_id, {})
        return Funnel({stage: got.get(key, 0) for key, stage in stage_keys.items()})

    own = totals.get(unit.pk, {})
    funnel = funnel_of(unit.pk)
    # The overdue follow-ups are those due up to yesterday; the listed at the start, those of lists dated until then.
    yesterday = today - datetime.timedelta(days=1)
    overdue = CountTotal.objects.filter(unit=unit, key=fieldwork_keys.follow_up_key(c), day__lte=yesterday).aggregate(
        n=Sum("delta")
    )["n"]
    listed_over_time = _listed_over_time(unit)
    at_start, at_start_day = _listed_at_start(listed_over_time, campaign.start_date)
    latest = (
        SubscriberList.objects.filter(status=SubscriberList.Status.DONE)
        .filter(Q(area__rollup_path__startswith=unit.rollup_path) | Q(area__in=ancestor_ids(unit)))
        .values_list("operator_id")
        .annotate(day=Max("as_of"))
        .order_by()
    )
    latest_days = dict(latest)
    operators = {u.pk: u for u in Unit.objects.filter(pk__in=list(latest_days))}
    headline = Headline(
        listed_now=own.get(subscriber_keys.LISTED, 0),
        listed_ever=own.get(subscriber_keys.LISTED, 0) + own.get(subscriber_keys.LEFT, 0),
        listed_at_start=at_start,
        listed_at_start_day=at_start_day,
        latest_lists=vi_sorted([(operators[pk], d) for pk, d in latest_days.items()], key=lambda p: p[0].name),
        claimed=funnel.switched - funnel.verified,
        verified=funnel.verified,
        cases=funnel.cases,
        overdue=int(overdue or 0),
        days_left=(campaign.cutoff_date - today).days,
    )
    start = campaign.start_date
    last_day = min(today, campaign.end_date)
    week_list = weeks_between(start, max(last_day, start))
    trend_weeks = week_list[-TREND_WEEKS:]
    # The children's recent visits by day, one query: their trend lines' weeks and their last 7 days.
    since_7 = today - datetime.timedelta(days=6)
    recent = _visits_by_day(ids, visits_key, min(trend_weeks[0] if trend_weeks else start, since_7))
    by_week: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    last_7: dict[int, int] = defaultdict(int)
    for (unit_id, day), n in recent.items():
        by_week[unit_id][_monday(day)] += n
        if day >= since_7:
            last_7[unit_id] += n
    # The chart's weeks: the last RECENT_WEEKS, or the whole campaign's when asked for.
    shown_weeks = week_list if all_weeks else week_list[-RECENT_WEEKS:]
    own_weeks = _visits_by_week([unit.pk], visits_key, shown_weeks[0])[unit.pk]
    months = [m for m in campaign.months() if m <= first_of_month(today)]
    this_month = first_of_month(today)
    # The report this month's row shows is last month's: this month's is due next month.
    report_month = months[-2] if len(months) > 1 else (months[-1] if months else this_month)
    expected = _expected_by_child(campaign, unit, children + reporters, months)
    reports = _report_counts(campaign, ids + [r.pk for r in reporters], months)
    now = timezone.now()
    due_passed = [now >= campaign.deadline(month) for month in months]
    none_expected = [0] * len(months)

    def cell(unit_id: int, i: int, month: datetime.date) -> ReportCell:
        got = reports.get((unit_id, month), {})
        return ReportCell(
            expected=expected.get(unit_id, none_expected)[i],
            on_time=got.get(report_keys.ON_TIME, 0),
            late=got.get(report_keys.LATE, 0),
            returned=got.get(report_keys.RETURNED, 0),
            due_passed=due_passed[i],
        )

    i = months.index(report_month) if report_month in months else None

    def row(u: Unit) -> ChildRow:
        got = totals.get(u.pk, {})
        return ChildRow(
            unit=u,
            listed=got.get(subscriber_keys.LISTED, 0),
            funnel=funnel_of(u.pk),
            visits=got.get(visits_key, 0),
            visits_7_days=last_7.get(u.pk, 0),
            trend=[by_week[u.pk].get(w, 0) for w in trend_weeks] if u.pk in by_week else [0] * len(trend_weeks),
            report=cell(u.pk, i, report_month) if i is not None else None,
        )

    rows = current = sorted((row(child) for child in children), key=ChildRow.sort_key)
    unplaced = _unplaced(unit, row(unit), rows) if children else None
    legacy = legacy_children(unit) if campaign.start_date < STRUCTURE_2025 else []
    if structure_2024 and legacy:
        rows = _legacy_rows(campaign, legacy, trend_weeks, since_7, report_month if i is not None else None, today)
        unplaced = _unplaced(unit, row(unit), rows)
    return Dashboard(
        campaign=campaign,
        unit=unit,
        today=today,
        headline=headline,
        funnel=funnel,
        weeks=[(w, own_weeks.get(w, 0)) for w in shown_weeks],
        listed_over_time=listed_over_time,
        children=rows,
        unplaced=unplaced,
        months=months,
        # The grid stays by today's units (the reports' counters roll up into them).
        grid=[(u, [cell(u.pk, i, m) for i, m in enumerate(months)]) for u in [r.unit for r in current] + reporters],
        communication=_communication(campaign, unit, months),
        trend_weeks=trend_weeks,
        report_month=report_month if report_month in months else None,
        all_weeks=all_weeks or len(shown_weeks) == len(week_list),
        campaign_weeks=len(week_list),
        targets=targets_of(campaign, unit),
        structure_2024=structure_2024 and bool(legacy),
        has_2024_structure=bool(legacy),
    )


# The day the 2025 structure began (communes merged, districts ended): a campaign that started before ran in 2024.
STRUCTURE_2025 = datetime.date(2025, 7, 1)


def legacy_children(unit: Unit) -> list[Unit]:
    """The units right below ``unit`` in the 2024 structure that ended (a district, a commune merged in 2025)."""
    rows = Unit.objects.filter(
        parent=unit, valid_to__isnull=False, valid_to__lt=STRUCTURE_2025, kind__category__in=GEOGRAPHIC
    ).select_related("kind")
    return vi_sorted(rows, key=lambda u: u.name)


def _legacy_rows(
    campaign: Campaign,
    legacy: list[Unit],
    trend_weeks: list[datetime.date],
    since_7: datetime.date,
    report_month: datetime.date | None,
    today: datetime.date,
) -> list[ChildRow]:
    """Each legacy unit's figures: the counters of the units below it in the 2024 tree (``path``), their own rows.

    A legacy unit's roll-up follows its successor (``rollup_path``), so its 2024 subtree is summed here from the
    units' own counter rows (``Count``): what was recorded on those units. What was recorded on today's units
    (a case placed in a 2025 village) cannot be split by legacy unit and stays in the rest row.
    """
    c = campaign.pk
    stage_keys = _stage_keys(c)
    visits_key = fieldwork_keys.visits_key(c)
    report_of = {report_keys.report_key(c, s): s for s in report_keys.STATES}
    path_q = Q()
    for u in legacy:
        path_q |= Q(path__startswith=u.path)
    below = list(Unit.objects.filter(path_q).values_list("pk", "path", "valid_from", "valid_to"))
    owner = {pk: next(u.pk for u in legacy if path.startswith(u.path)) for pk, path, _f, _t in below}
    totals: dict[int, Counter[str]] = defaultdict(Counter)
    keys = [*stage_keys, subscriber_keys.LISTED, visits_key]
    for unit_id, key, n in (
        Count.objects.filter(unit_id__in=list(owner), key__in=keys)
        .values_list("unit_id", "key")
        .annotate(n=Sum("delta"))
        .order_by()
    ):
        totals[owner[unit_id]][key] += int(n)
    first = min(trend_weeks[0] if trend_weeks else since_7, since_7)
    by_week: dict[int, Counter[datetime.date]] = defaultdict(Counter)
    last_7: Counter[int] = Counter()
    for unit_id, day, n in (
        Count.objects.filter(unit_id__in=list(owner), key=visits_key, day__gte=first)
        .values_list("unit_id", "day")
        .annotate(n=Sum("delta"))
        .order_by()
    ):
        by_week[owner[unit_id]][_monday(day)] += int(n)
        if day >= since_7:
            last_7[owner[unit_id]] += int(n)
    reports: dict[int, Counter[str]] = defaultdict(Counter)
    expected: Counter[int] = Counter()
    if report_month:
        for unit_id, key, n in (
            Count.objects.filter(unit_id__in=list(owner), key__in=list(report_of), day=report_month)
            .values_list("unit_id", "key")
            .annotate(n=Sum("delta"))
            .order_by()
        ):
            reports[owner[unit_id]][report_of[key]] += int(n)
        assigned = set(campaign.assignments.filter(unit_id__in=list(owner)).values_list("unit_id", flat=True))
        for pk, _path, valid_from, valid_to in below:
            began = valid_from is None or valid_from <= last_of_month(report_month)
            if pk in assigned and began and (valid_to is None or valid_to >= report_month):
                expected[owner[pk]] += 1
    due_passed = report_month is not None and timezone.now() >= campaign.deadline(report_month)
    rows = []
    for u in legacy:
        got = totals[u.pk]
        rows.append(
            ChildRow(
                unit=u,
                listed=got[subscriber_keys.LISTED],
                funnel=Funnel({stage: got[key] for key, stage in stage_keys.items()}),
                visits=got[visits_key],
                visits_7_days=last_7[u.pk],
                trend=[by_week[u.pk][w] for w in trend_weeks],
                report=ReportCell(
                    expected=expected[u.pk],
                    on_time=reports[u.pk][report_keys.ON_TIME],
                    late=reports[u.pk][report_keys.LATE],
                    returned=reports[u.pk][report_keys.RETURNED],
                    due_passed=due_passed,
                )
                if report_month
                else None,
            )
        )
    return sorted(rows, key=ChildRow.sort_key)


def targets_of(campaign: Campaign, unit: Unit) -> list[tuple[Unit | None, datetime.date, int]]:
    """The coordinator's targets for the unit's dashboard, by day: one query."""
    from switchoff.dashboard.models import Target

    rows = Target.objects.filter(campaign=campaign, unit=unit).select_related("operator").order_by("day", "pk")
    return [(t.operator, t.day, t.listed) for t in rows]


def operators_listed(unit: Unit) -> list[Unit]:
    """The operators whose lists count subscribers under the unit (the series of the chart of still listed)."""
    ids = (
        CountTotal.objects.filter(unit=unit, key=subscriber_keys.LISTED).values_list("dimension", flat=True).distinct()
    )
    return vi_sorted(Unit.objects.filter(pk__in=list(ids)), key=lambda u: u.name)


def ancestor_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.rollup_path.strip("/").split("/") if part and int(part) != unit.pk]


def _unplaced(unit: Unit, whole: ChildRow, rows: list[ChildRow]) -> ChildRow | None:
    """What the unit counts that none of its children does (cases, subscribers not placed in a village yet)."""
    at_stage = {s: whole.funnel.at_stage.get(s, 0) - sum(r.funnel.at_stage.get(s, 0) for r in rows) for s in Stage}
    rest = ChildRow(
        unit=unit,
        listed=whole.listed - sum(r.listed for r in rows),
        funnel=Funnel({int(s): n for s, n in at_stage.items()}),
        visits=whole.visits - sum(r.visits for r in rows),
        visits_7_days=whole.visits_7_days - sum(r.visits_7_days for r in rows),
        trend=[w - sum(r.trend[i] for r in rows) for i, w in enumerate(whole.trend)],
        report=None,
    )
    if not (rest.listed or rest.funnel.cases or rest.visits):
        return None
    return rest
