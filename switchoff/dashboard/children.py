"""The table of child units on the page: worst first, the first ``SHOWN`` rows unless all are asked for.

Its rows are written here, once per row, rather than by the template: a province has up to 170 communes
and each row holds seven figures with their links, which the template engine made most of the page's time.
Each cell carries its column's name (``data-label``), so that on a phone every row is shown as a card of
labelled figures (CSS only, ``app.css``) instead of a table scrolled sideways. The figures are the same as
``tables.children``' (the table view, the print view and the workbook), which always holds every row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from switchoff.dashboard.selectors import ChildRow, Dashboard
from switchoff.dashboard.tables import report_text, week_label
from switchoff.dashboard.templatetags.dashboard_numbers import Numbers

# How many rows the page shows before "show all": the worst, which are the ones a meeting talks about.
SHOWN = 50
_ID = 987654321


def _url(name: str, *args: int) -> str:
    """A URL with ``{}`` where the unit's id goes (reversed once per page, not once per row)."""
    return reverse(name, args=[_ID if a == _ID else a for a in args]).replace(str(_ID), "{}")


@dataclass
class Links:
    """Which of a row's figures link where the viewer may go (the units they may open, per kind of page)."""

    campaign_id: int
    report_month: datetime.date | None
    units: set[int]
    subscribers: set[int]
    reports: set[int]


def _a(href: str | None, text: str) -> str:
    """A link (``href`` one of the URLs built above: numbers and our paths, ``&`` written ``&amp;``) or the text."""
    return f'<a href="{href}">{text}</a>' if href else text


def rows_html(d: Dashboard, rows: list[ChildRow], links: Links) -> SafeString:
    """The table's body: one row per unit, every text escaped, every figure with its sort value and label."""
    numbers = Numbers()
    page = _url("dashboard:unit", _ID) + f"?campaign={links.campaign_id}"
    registry = reverse("subscribers:registry") + "?unit={}"
    cases = reverse("fieldwork:cases")
    progress = _url("fieldwork:progress", _ID)
    completeness = (
        reverse("reports:completeness", args=[links.campaign_id]) + f"?month={links.report_month:%Y-%m}&amp;area={{}}"
        if links.report_month
        else ""
    )
    labels = [
        escape(x)
        for x in (
            _("Still listed"),
            _("Switched (%)"),
            _("Visits, last 7 days"),
            _("Cases never visited"),
            _("Visits per 1,000 listed"),
            report_label(d),
            trend_label(d),
        )
    ]
    out = []
    for r in rows:
        pk = r.unit.pk
        sees = pk in links.subscribers
        share, per_1000 = r.switched_share, r.visits_per_1000
        report = escape(report_text(r.report))
        expected = bool(r.report and r.report.expected)
        report_href = completeness.format(pk) if completeness and expected and pk in links.reports else None
        cells = [
            f'<tr data-unit="{pk}"><th scope="row"><a href="{page.format(pk)}">{escape(r.unit.name)}</a></th>',
            f'<td class="num" data-label="{labels[0]}" data-value="{r.listed}">'
            f"{_a(registry.format(pk) if sees else None, numbers.integer(r.listed))}</td>",
            f'<td class="num" data-label="{labels[1]}" data-value="{-1 if share is None else share}">'
            f"{numbers.one_decimal(share)}</td>",
            f'<td class="num" data-label="{labels[2]}" data-value="{r.visits_7_days}">'
            f"{_a(progress.format(pk) if sees else None, numbers.integer(r.visits_7_days))}</td>",
            f'<td class="num" data-label="{labels[3]}" data-value="{r.funnel.never_visited}">'
            f"{_a(f'{cases}?unit={pk}&amp;status=new' if sees else None, numbers.integer(r.funnel.never_visited))}"
            "</td>",
            f'<td class="num" data-label="{labels[4]}" data-value="{-1 if per_1000 is None else per_1000}">'
            f"{numbers.one_decimal(per_1000)}</td>",
            f'<td class="report-{r.report.state if r.report else "none"}" data-label="{labels[5]}">'
            f"{_a(report_href, report)}</td>",
            f'<td class="spark" data-label="{labels[6]}" data-spark="{pk}"></td></tr>',
        ]
        out.append("".join(cells))
    return mark_safe("\n".join(out))  # noqa: S308  # every text above escaped, the rest numbers and our URLs


def report_label(d: Dashboard) -> str:
    if d.report_month:
        return _("Report of %(month)s") % {"month": f"{d.report_month:%m/%Y}"}
    return _("Report")


def trend_label(d: Dashboard) -> str:
    n = len(d.trend_weeks)
    return ngettext("Visits, last week", "Visits, last %(n)s weeks", n) % {"n": n}


def sparks_json(d: Dashboard, rows: list[ChildRow]) -> dict[str, object]:
    """The small trend lines' figures, one blob for the whole table (the script draws them)."""
    return {"weeks": [week_label(w) for w in d.trend_weeks], "units": {str(r.unit.pk): r.trend for r in rows}}
