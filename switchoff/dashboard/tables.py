"""The dashboard's tables: one plain structure per chart, which the page shows as the chart's table view.

The chart, the table under it, the print view, the PDF and the workbook all
read these, so what a person copies from a table is what the chart draws.
Values stay numbers (formatted by the template or the workbook); a cell that
is not a number is text.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from switchoff.dashboard.selectors import RECENT_WEEKS, ChildRow, Dashboard, ReportCell
from switchoff.dashboard.templatetags.dashboard_numbers import Numbers
from switchoff.units.models import Unit


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    # The columns that are the coordinator's targets (drawn as dashed lines).
    target_columns: set[int] = field(default_factory=set)

    def html(self) -> SafeString:
        """The table as the page shows it (its first column the rows' headers, numbers in the reader's format).

        Written here rather than by a template: a large province's tables hold a few thousand cells, and the
        template engine's cost per cell was most of the page's time.
        """
        numbers = Numbers()
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.headers)
        body = []
        for row in self.rows:
            cells = [f'<th scope="row">{escape(row[0])}</th>' if row else ""]
            # Numbers right-aligned on one line; words (a report's state) wrap in their column.
            cells += [
                f'<td class="num">{escape(numbers.cell(v))}</td>'
                if v is None or isinstance(v, int | float)
                else f"<td>{escape(v)}</td>"
                for v in row[1:]
            ]
            body.append(f"<tr>{''.join(cells)}</tr>")
        html = (
            f'<div class="table-wrap"><table id="table-{escape(self.key)}" class="figures">'
            f'<caption class="visually-hidden">{escape(self.title)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )
        if self.note:
            html += f'<p class="muted">{escape(self.note)}</p>'
        return mark_safe(html)  # noqa: S308  # every text above escaped


def month_label(month: datetime.date) -> str:
    return month.strftime("%m/%Y")


def week_label(monday: datetime.date) -> str:
    return date_format(monday, "d/m/Y")


@functools.lru_cache(maxsize=8)
def _report_words(language: str) -> dict[str, str]:
    """The grid's words in ``language`` (the active one), looked up once: a country's grid has thousands of cells."""
    return {
        "on_time": _("%(n)s on time"),
        "late": _("%(n)s late"),
        "returned": _("%(n)s returned"),
        "missing": _("%(n)s missing"),
        "not_due": _("%(n)s not yet due"),
    }


# The print view's grid: each count after a mark, which the key under the grid names, so that a cell keeps to a
# line (in words, a country's grid ran to four lines a cell and four pages, most of the PDF's layout time).
REPORT_MARKS = {"on_time": "✓", "late": "△", "returned": "↩", "missing": "✗", "not_due": "…"}


def report_compact(cell: ReportCell | None) -> str:
    """A grid cell in marks and counts: "✓3 △1 ✗1/5" (three on time, one late, one missing, of five)."""
    if cell is None or not cell.expected:
        return "–"
    counts = [
        ("on_time", cell.on_time),
        ("late", cell.late),
        ("returned", cell.returned),
        ("missing" if cell.due_passed else "not_due", cell.missing),
    ]
    return " ".join(f"{REPORT_MARKS[k]}{n}" for k, n in counts if n) + f"/{cell.expected}"


def report_key() -> str:
    """What the marks of ``report_compact`` say, in the reader's language (the grid's own words, without counts)."""
    words = _report_words(get_language() or "")
    return " · ".join(f"{mark} {(words[k] % {'n': ''}).strip()}" for k, mark in REPORT_MARKS.items())


def report_text(cell: ReportCell | None) -> str:
    """A grid cell in words: the counts of what applies (a unit expected alone reads as one word)."""
    if cell is None or not cell.expected:
        return "–"
    words = _report_words(get_language() or "")
    parts = []
    if cell.on_time:
        parts.append(words["on_time"] % {"n": cell.on_time})
    if cell.late:
        parts.append(words["late"] % {"n": cell.late})
    if cell.returned:
        parts.append(words["returned"] % {"n": cell.returned})
    if cell.missing:
        parts.append(words["missing" if cell.due_passed else "not_due"] % {"n": cell.missing})
    return ", ".join(parts) + f" / {cell.expected}"


def headline(d: Dashboard) -> Table:
    h = d.headline
    rows: list[list[Any]] = [
        [
            _("2G-only subscribers listed at the campaign's start (or on the first lists), as of %(day)s")
            % {"day": date_format(h.listed_at_start_day or d.campaign.start_date, "d/m/Y")},
            h.listed_at_start,
        ],
        [_("2G-only subscribers still listed on the latest lists"), h.listed_now],
        [_("Listed at any time (still listed or left the lists)"), h.listed_ever],
        [_("Cases (listed or found at the door)"), h.cases],
        [_("Switched, self-reported (not yet verified)"), h.claimed],
        [_("Share switched, self-reported (%)"), h.claimed_share],
        [_("Switched, verified by the lists"), h.verified],
        [_("Share switched, verified (%)"), h.verified_share],
        [_("Follow-ups overdue"), h.overdue],
        [_("Days left to the switch-off"), h.days_left]
        if h.days_left >= 0
        else [_("Days since the switch-off"), h.days_since],
    ]
    rows += [
        [_("Latest list of %(operator)s") % {"operator": op.name}, date_format(day, "d/m/Y")]
        for op, day in h.latest_lists
    ]
    return Table("headline", _("Headline figures"), [_("Figure"), _("Value")], rows)


def funnel(d: Dashboard) -> Table:
    return Table(
        "funnel",
        _("From the list to a 4G phone"),
        [_("Step"), _("Cases")],
        [[label, n] for _stage, label, n in d.funnel.rows()],
        _("Each line counts the cases that reached at least that step, so the lines are not added up."),
    )


def weeks(d: Dashboard) -> Table:
    return Table(
        "weeks",
        _("Visits per week"),
        [_("Week from"), _("Visits")],
        [[week_label(w), n] for w, n in d.weeks],
        ""
        if d.all_weeks
        else _("The last %(n)s weeks of the campaign's %(all)s.") % {"n": RECENT_WEEKS, "all": d.campaign_weeks},
    )


def listed_over_time(d: Dashboard) -> Table:
    """Still listed per operator on each day a list changed the figure (an operator's last figure carried on),
    and the coordinator's targets on their days (a target for every operator together beside their sum)."""
    days = sorted(
        {day for _op, points in d.listed_over_time for day, _n in points} | {day for _o, day, _n in d.targets}
    )
    together = any(op is None for op, _day, _n in d.targets)
    target_ops: list[Unit | None] = []
    for op, _day, _n in d.targets:
        if op not in target_ops:
            target_ops.append(op)
    target_ops.sort(key=lambda op: (op is not None, op.name if op else ""))
    by_target = {(op.pk if op else None, day): n for op, day, n in d.targets}
    rows = []
    for day in days:
        row: list[Any] = [date_format(day, "d/m/Y")]
        carried = []
        for _op, points in d.listed_over_time:
            before = [n for p_day, n in points if p_day <= day]
            carried.append(before[-1] if before else None)
        row += carried
        if together:
            known = [n for n in carried if n is not None]
            row.append(sum(known) if known else None)
        row += [by_target.get((op.pk if op else None, day)) for op in target_ops]
        rows.append(row)
    headers = [_("Day"), *[op.name for op, _points in d.listed_over_time]]
    if together:
        headers.append(_("Every operator together"))
    first_target = len(headers)
    headers += [
        _("Target: %(operator)s") % {"operator": op.name} if op else _("Target: every operator together")
        for op in target_ops
    ]
    return Table(
        "listed",
        _("Subscribers still listed, per operator"),
        headers,
        rows,
        _("The targets are the coordinator's, set for this unit.") if target_ops else "",
        target_columns=set(range(first_target, len(headers))),
    )


def child_cells(r: ChildRow, *, compact: bool = False) -> list[Any]:
    return [
        r.listed,
        r.switched_share,
        r.visits_7_days,
        r.funnel.never_visited,
        r.visits_per_1000,
        report_compact(r.report) if compact else report_text(r.report),
    ]


def child_headers() -> list[str]:
    return [
        _("Still listed"),
        _("Switched (%)"),
        _("Visits, last 7 days"),
        _("Cases never visited"),
        _("Visits per 1,000 listed"),
        _("Report due this month"),
    ]


def structure_2024_note() -> str:  # a sentence, translated when asked for
    return _(
        "By the 2024 structure: each legacy unit's figures are what was recorded on it and the units below it "
        "then. What was recorded on today's units (after the 2025 merger) cannot be split by 2024 unit and is "
        "shown on its own row, not shared out."
    )


def rest_label(d: Dashboard) -> str:
    """The row of what the unit counts in none of the rows above it."""
    if d.structure_2024:
        return _("Recorded on today's units: cannot be split by 2024 unit")
    return pgettext("dashboard", "Not placed in a unit below yet")


def children(d: Dashboard, *, compact: bool = False) -> Table:
    """The units below, worst first; ``compact``: the report's cell in marks (the print view, its key in the note)."""
    rows = [[r.unit.name, *child_cells(r, compact=compact)] for r in d.children]
    if d.unplaced is not None:
        rows.append([rest_label(d), *child_cells(d.unplaced, compact=compact)])
    return Table(
        "children",
        _("Units below by the 2024 structure, worst first") if d.structure_2024 else _("Units below, worst first"),
        [_("Unit"), *child_headers()],
        rows,
        _("Worst first: the lowest share switched (self-reported or verified), then the most still listed.")
        + (" " + structure_2024_note() if d.structure_2024 else "")
        + (" " + report_key() if compact else ""),
    )


def grid(d: Dashboard, *, last: int | None = None, compact: bool = False) -> Table:
    """The units × months grid; ``last``: only the last months (a printed page holds about twelve); ``compact``:
    each cell in marks, their key in the note (the print view)."""
    first = -last if last else 0
    text = report_compact if compact else report_text
    note = _(
        "Each cell: the reports of the units expected under that unit for the month, "
        "on time, late, returned or missing."
    )
    return Table(
        "grid",
        _("Monthly reports: units × months"),
        [_("Unit"), *[month_label(m) for m in d.months[first:]]],
        [[u.name, *[text(c) for c in cells[first:]]] for u, cells in d.grid],
        f"{note} {report_key()}" if compact else note,
    )


def communication(d: Dashboard, *, last: int | None = None) -> Table:
    """Each form's counts per month and over the campaign; ``last``: only the last months shown (the total stays)."""
    months = d.months[-last:] if last else d.months
    return Table(
        "communication",
        _("Communication by form per month"),
        [_("Form"), _("Unit of count"), *[month_label(m) for m in months], _("Total, whole campaign")],
        [
            [fm.form.shown_name, fm.form.shown_count_unit, *[fm.by_month.get(m, 0) for m in months], fm.total]
            for fm in d.communication
        ],
        _("Each form counts in its own unit (broadcasts, articles, sessions…): forms are never added together."),
    )


def all_tables(d: Dashboard) -> list[Table]:
    return [headline(d), funnel(d), weeks(d), listed_over_time(d), children(d), grid(d), communication(d)]
