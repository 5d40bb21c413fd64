"""The dashboard's pages: a unit's figures on screen, in print (A4 landscape), as a PDF and as a workbook.

Each reads the unit through the one access path and its figures through
``selectors.dashboard`` (the counters). Nothing here writes: the figures are
aggregates, not personal data, so the downloads are not logged.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.campaigns.models import Campaign
from switchoff.dashboard import charts, children, sections, selectors, services, tables, workbook
from switchoff.dashboard.forms import TargetForm
from switchoff.dashboard.models import Target
from switchoff.lib.text import is_id
from switchoff.maps.section import map_print, map_section
from switchoff.people.access import access_unit, acts_as_superuser, can, visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm
from switchoff.units.models import Unit

PRINT_MONTHS = 12


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def own_unit(user: User) -> Unit | None:
    """The unit a person's dashboard opens on: the highest place among their memberships that they may see.

    A committee or an office opens on its commune or province; a team, whose members see only the villages
    it covers, on the highest of those; an operator's branch, which sees no place, on itself.
    """
    if acts_as_superuser(user):
        top = Unit.objects.filter(parent__isnull=True, valid_to__isnull=True).select_related("kind")
        return min(top, key=lambda u: u.pk, default=None)
    memberships = Membership.objects.filter(user_id=user.pk).select_related("unit__kind", "unit__parent__kind")
    anchors = {m.unit.geographic_anchor().pk for m in memberships}
    visible = visible_units(user, Perm.VIEW_UNITS).filter(kind__category__in=selectors.GEOGRAPHIC)
    places = list(visible.filter(pk__in=anchors)) or list(visible.filter(valid_to__isnull=True))
    if not places:
        # An operator's branch sees only itself: its own figures (its log, its reports).
        own = {m.unit_id for m in memberships}
        places = list(visible_units(user, Perm.VIEW_UNITS).filter(pk__in=own))
    return min(places, key=lambda u: (u.rollup_path.count("/"), u.pk), default=None)


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    unit = own_unit(_user(request))
    if unit is None:
        raise Http404
    return redirect("dashboard:unit", unit.pk)


def _campaign(request: HttpRequest, unit: Unit) -> tuple[Campaign, list[Campaign]]:
    campaigns = selectors.campaigns_of(unit)
    if not campaigns:
        raise Http404
    wanted = request.GET.get("campaign", "")
    chosen = next((c for c in campaigns if is_id(wanted) and c.pk == int(wanted)), campaigns[0])
    return chosen, campaigns


def _context(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.VIEW_UNITS)
    campaign, campaigns = _campaign(request, unit)
    all_weeks = request.GET.get("weeks") == "all"
    structure_2024 = request.GET.get("structure") == "2024"
    data = selectors.dashboard(campaign=campaign, unit=unit, all_weeks=all_weeks, structure_2024=structure_2024)
    all_rows = request.GET.get("rows") == "all"
    shown = data.children if all_rows else data.children[: children.SHOWN]
    ids = [r.unit.pk for r in shown] + [unit.pk]
    # Which links of the figures lead somewhere the viewer may go: one query per kind of page.
    may = {
        perm: set(visible_units(user, perm).filter(pk__in=ids).values_list("pk", flat=True))
        for perm in (Perm.VIEW_UNITS, Perm.VIEW_SUBSCRIBERS, Perm.VIEW_REPORTS, Perm.REVIEW)
    }
    all_tables = tables.all_tables(data)
    by_key = {t.key: t for t in all_tables}
    ancestors = selectors.ancestor_ids(unit)
    crumbs = {u.pk: u for u in visible_units(user, Perm.VIEW_UNITS).filter(pk__in=ancestors).select_related("kind")}
    links = children.Links(
        campaign_id=campaign.pk,
        report_month=data.report_month,
        units=may[Perm.VIEW_UNITS],
        subscribers=may[Perm.VIEW_SUBSCRIBERS],
        reports=may[Perm.VIEW_REPORTS] | may[Perm.REVIEW],
    )
    # The page's grid has the rows of the units its table shows (the print view and the workbook have all).
    # (its rows are the children worst first, then the reporting offices: the hidden children are left out)
    grid_table = by_key["grid"]
    if len(shown) < len(data.children) and not data.structure_2024:
        grid_rows = grid_table.rows[: len(shown)] + grid_table.rows[len(data.children) :]
        grid_table = tables.Table(grid_table.key, grid_table.title, grid_table.headers, grid_rows, grid_table.note)
    return {
        "d": data,
        "unit": unit,
        "campaign": campaign,
        "campaigns": campaigns,
        "breadcrumb": [crumbs[pk] for pk in ancestors if pk in crumbs],
        "may_units": may[Perm.VIEW_UNITS],
        "may_subscribers": may[Perm.VIEW_SUBSCRIBERS],
        "may_reports": may[Perm.VIEW_REPORTS] | may[Perm.REVIEW],
        "sections": _sections(by_key),
        "rows_html": children.rows_html(data, shown, links),
        "sparks": children.sparks_json(data, shown),
        "trend_label": children.trend_label(data),
        "report_label": children.report_label(data),
        "hidden_rows": len(data.children) - len(shown),
        "all_rows": all_rows,
        "all_weeks": all_weeks,
        "rest_label": tables.rest_label(data),
        "structure_note": tables.structure_2024_note() if data.structure_2024 else "",
        "recent_weeks": selectors.RECENT_WEEKS,
        "grid_table": grid_table,
        "headline_table": by_key["headline"],
        "tables": all_tables,
        "support": sections.support(campaign=campaign, unit=unit, today=data.today),
        "map": map_section(unit=unit, children=data.children, campaign=campaign),
        "may_set_targets": can(user, Perm.MANAGE_CAMPAIGNS, unit),
    }


def _sections(by_key: dict[str, tables.Table]) -> list[dict[str, Any]]:
    """Each chart with its table view (the same figures) and the id of the script holding its data."""
    return [
        {"id": chart["id"], "table": by_key[chart["id"]], "data": chart, "script_id": f"chart-data-{chart['id']}"}
        for chart in charts.chart_data(by_key)
    ]


@login_required
def dashboard_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's dashboard: headline, funnel, visits per week, its child units worst first, reporting."""
    return render(request, "dashboard/page.html", _context(request, unit_id))


@login_required
def dashboard_print(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The same figures laid out for an A4 landscape page, charts drawn on the server as SVG."""
    return render(request, "dashboard/print.html", _print_context(request, unit_id))


def _print_context(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    context = _context(request, unit_id)
    svgs = charts.svg_charts([section["data"] for section in context["sections"]])
    for section in context["sections"]:
        section["svg"] = svgs[section["id"]]
    # A page is 277 mm wide: the grid shows the last months that fit (the workbook has them all).
    context["print_map"] = map_print(context["map"])
    # Each report's cell in marks (their key in the note): in words, a country's grid ran to four pages.
    context["print_grid"] = tables.grid(context["d"], last=PRINT_MONTHS, compact=True)
    context["tables"] = [
        tables.children(context["d"], compact=True) if t.key == "children" else t for t in context["tables"]
    ]
    context["print_communication"] = tables.communication(context["d"], last=PRINT_MONTHS)
    # The units below: the worst ``children.SHOWN``, as on the page (a province's 170 communes would be pages
    # of a meeting's PDF nobody reads; the workbook has every row).
    d: selectors.Dashboard = context["d"]
    hidden = len(d.children) - children.SHOWN
    if hidden > 0:
        note = _("The %(n)s other units, each doing better, are in the Excel file.") % {"n": hidden}
        context["tables"] = [
            tables.Table(t.key, t.title, t.headers, t.rows[: children.SHOWN], f"{t.note} {note}")
            if t.key == "children"
            else t
            for t in context["tables"]
        ]
        grid = context["print_grid"]
        rows = grid.rows[: children.SHOWN] + grid.rows[len(d.children) :]
        context["print_grid"] = tables.Table(grid.key, grid.title, grid.headers, rows, f"{grid.note} {note}")
    return context


def _file_name(context: dict[str, Any], ext: str) -> str:
    d: selectors.Dashboard = context["d"]
    return f"bang-dieu-khien-{slugify(d.unit.search_name) or d.unit.pk}-{d.today:%Y%m%d}.{ext}"


@login_required
def dashboard_pdf(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The print view as a PDF (WeasyPrint, on the server): one click for the weekly meeting."""
    from weasyprint import HTML  # imported here: it loads its fonts and libraries once asked

    context = _print_context(request, unit_id)
    context["for_pdf"] = True
    html = render_to_string("dashboard/print.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(context, "pdf")}"'
    return response


@login_required
def dashboard_xlsx(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The dashboard's tables as a workbook, one sheet per table."""
    context = _context(request, unit_id)
    content = workbook.dashboard_workbook(context["d"])
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(context, "xlsx")}"'
    return response


def _targets_url(unit: Unit, campaign: Campaign) -> str:
    return reverse("dashboard:targets", args=[unit.pk]) + f"?campaign={campaign.pk}"


@login_required
def dashboard_targets(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The coordinator's targets for this unit: how many should still be listed on a date, drawn on the chart."""
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.MANAGE_CAMPAIGNS)
    campaign, campaigns = _campaign(request, unit)
    operators = selectors.operators_listed(unit)
    last = max(campaign.end_date, campaign.cutoff_date)
    form = TargetForm(request.POST or None, operators=operators, campaign_days=(campaign.start_date, last))
    if request.method == "POST" and form.is_valid():
        services.target_set(
            actor=user,
            campaign=campaign,
            unit=unit,
            operator=form.cleaned_data["operator"],
            day=form.cleaned_data["day"],
            listed=form.cleaned_data["listed"],
        )
        messages.success(request, _("Target saved."))
        return redirect(_targets_url(unit, campaign))
    targets = Target.objects.filter(campaign=campaign, unit=unit).select_related("operator", "set_by")
    return render(
        request,
        "dashboard/targets.html",
        {"unit": unit, "campaign": campaign, "campaigns": campaigns, "form": form, "targets": targets},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def dashboard_target_delete(request: HttpRequest, unit_id: int, target_id: int) -> HttpResponse:
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.MANAGE_CAMPAIGNS)
    target = get_object_or_404(Target.objects.select_related("campaign", "unit"), pk=target_id, unit=unit)
    services.target_delete(actor=user, target=target)
    messages.success(request, _("Target deleted."))
    return redirect(_targets_url(unit, target.campaign))
