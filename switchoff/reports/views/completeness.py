"""Completeness and timeliness of a month, reminders, accepting the submitted reports in bulk, and the
aggregated report's downloads. The province's read-only viewer reads it all; reviewers act on it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from switchoff.lib.collation import vi_order
from switchoff.lib.months import parse_month
from switchoff.lib.text import is_id
from switchoff.people.access import can, visible_units
from switchoff.people.roles import Perm
from switchoff.reports import reminders, services
from switchoff.reports.aggregate import build_aggregate
from switchoff.reports.exports import aggregate_json, dhis2_adx, dhis2_data_value_set
from switchoff.reports.levels import has_levels, level_units
from switchoff.reports.models import MonthlyReport, Reminder
from switchoff.reports.selectors import STATUS_LABELS, completeness, completeness_by_area
from switchoff.reports.views.common import access_reports_campaign, month_shown, user_of
from switchoff.units.models import Unit, UnitKind

FORMATS = {"docx", "xlsx", "json", "dhis2.json", "adx.xml"}


@login_required
def completeness_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Each reporting unit's state for a month, the rates once the deadline has passed, and who to chase."""
    user = user_of(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.VIEW_REPORTS)
    month = month_shown(campaign, request.GET.get("month"))
    units = visible_units(user, Perm.VIEW_REPORTS)
    kind = request.GET.get("kind", "")
    area = request.GET.get("area", "")
    if kind:
        units = units.filter(kind__code=kind)
    if is_id(area):
        within = visible_units(user, Perm.VIEW_REPORTS).filter(pk=int(area)).first()
        if within is not None:
            units = units.filter(rollup_path__startswith=within.rollup_path)
    now = timezone.now()
    result = completeness(campaign=campaign, month=month, now=now, units=units)
    # Rates count only months whose deadline has passed: a running month's
    # missing reports are not late yet.
    overall = [
        completeness(campaign=campaign, month=m, now=now, units=units)
        for m in campaign.months()
        if m <= month and now >= campaign.deadline(m)
    ]
    expected = sum(c.expected for c in overall)
    can_review = can(user, Perm.REVIEW, campaign.area)
    # A campaign over the country: the provinces' own reports to it (what the country's figures read), each
    # province's people seeing theirs; their coordinators submit them, the country's accept or return them.
    provinces_reporting = level_units(campaign, visible_units(user, Perm.VIEW_REPORTS)) if not is_id(area) else []
    levels = (
        completeness(campaign=campaign, month=month, now=now, reporting=provinces_reporting)
        if provinces_reporting
        else None
    )
    can_review = can_review or (has_levels(campaign) and any(can(user, Perm.REVIEW, p) for p in level_units(campaign)))
    # A national campaign's page first gives each province's part (the country over the provinces).
    provinces = (
        list(
            Unit.objects.current()
            .filter(parent=campaign.area, kind__category=UnitKind.Category.PROVINCE)
            .order_by(vi_order("name"))
        )
        if campaign.area.kind.category == UnitKind.Category.COUNTRY and not area.isdigit()
        else []
    )
    context = {
        "campaign": campaign,
        "month": month,
        "months": campaign.months(),
        "result": result,
        "labels": STATUS_LABELS,
        "overall_completeness": min(100.0, round(100.0 * sum(c.actual for c in overall) / expected, 1))
        if expected
        else 0.0,
        "overall_timeliness": min(100.0, round(100.0 * sum(c.on_time for c in overall) / expected, 1))
        if expected
        else 0.0,
        "kinds": UnitKind.objects.filter(pk__in=campaign.assignments.values("unit__kind")),
        "areas": visible_units(user, Perm.VIEW_REPORTS)
        .current()
        .filter(rollup_path__startswith=campaign.area.rollup_path, kind__category__in=["province", "commune"])
        .order_by("depth", vi_order("name")),
        "kind": kind,
        "area": area,
        "by_province": completeness_by_area(result, provinces),
        "deadline_text": campaign.deadline_text(month),
        "reminded_today": set(
            Reminder.objects.filter(
                campaign=campaign, month=month, kind=Reminder.Kind.BY_HAND, day=timezone.localdate(now)
            ).values_list("unit_id", flat=True)
        ),
        "due": result.due,
        "overall_months": len(overall),
        "can_review": can_review,
        "levels": levels,
        "can_review_levels": can(user, Perm.REVIEW, campaign.area),
        "can_submit_level": set()
        if can(user, Perm.REVIEW, campaign.area)
        else {p.pk for p in provinces_reporting if can(user, Perm.REVIEW, p)},
        # Submitted and waiting for review: ticked for a bulk accept, or counted in the aggregate only on demand.
        "waiting": [
            r for r in result.rows if r.report is not None and r.report.status == MonthlyReport.Status.SUBMITTED
        ],
    }
    return render(request, "reports/completeness.html", context)


@login_required
@require_POST
def completeness_remind(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Remind one unit (``unit``) or every unit whose report of the month is not in."""
    user = user_of(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.REVIEW)
    month = month_shown(campaign, request.POST.get("month"))
    units = visible_units(user, Perm.REVIEW)
    chosen = request.POST.get("unit", "")
    if chosen:
        units = units.filter(pk=int(chosen)) if is_id(chosen) else units.none()
    run = reminders.units_remind(actor=user, campaign=campaign, month=month, units=units)
    if run.reminded:
        messages.success(
            request,
            ngettext("%(n)s unit was reminded.", "%(n)s units were reminded.", run.reminded) % {"n": run.reminded},
        )
    else:
        messages.info(request, _("Nobody was reminded: the units were reminded today already, or their report is in."))
    return redirect(reverse("reports:completeness", args=[campaign.pk]) + f"?month={month:%Y-%m}")


@login_required
@require_POST
def completeness_accept(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Accept the ticked submitted reports of the month at once (each told to its unit, each logged)."""
    user = user_of(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.REVIEW)
    month = month_shown(campaign, request.POST.get("month"))
    ids = [int(pk) for pk in request.POST.getlist("report") if is_id(pk)]
    reports = list(
        MonthlyReport.objects.filter(
            campaign=campaign, month=month, pk__in=ids, unit__in=visible_units(user, Perm.REVIEW)
        ).select_related("campaign", "unit")
    )
    if not ids:
        messages.info(request, _("Tick the reports to accept."))
    else:
        done = services.reports_accept_many(actor=user, reports=reports)
        skipped = done.skipped + len(set(ids) - {r.pk for r in reports})
        text = ngettext("%(n)s report was accepted.", "%(n)s reports were accepted.", done.accepted) % {
            "n": done.accepted
        }
        if skipped:
            text += " " + ngettext(
                "%(n)s was no longer waiting for review.", "%(n)s were no longer waiting for review.", skipped
            ) % {"n": skipped}
        messages.success(request, text)
    return redirect(reverse("reports:completeness", args=[campaign.pk]) + f"?month={month:%Y-%m}")


@login_required
def aggregate_download(request: HttpRequest, campaign_id: int, month: str, fmt: str) -> HttpResponse:
    """The aggregated report as Word, Excel, JSON, DHIS2 dataValueSets JSON or ADX; every download is logged.

    Accepted reports only; ``unreviewed=1`` includes the submitted ones not yet reviewed, which the
    document then names.
    """
    user = user_of(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.VIEW_REPORTS)
    parsed = parse_month(month)
    if parsed is None or fmt not in FORMATS:
        raise Http404
    cumulative = request.GET.get("cumulative") == "1"
    unreviewed = request.GET.get("unreviewed") == "1"
    units = visible_units(user, Perm.VIEW_REPORTS)
    report = build_aggregate(
        campaign=campaign, month=parsed, cumulative=cumulative, units=units, include_submitted=unreviewed
    )
    services.aggregate_export_record(
        actor=user, campaign=campaign, month=month, fmt=fmt, cumulative=cumulative, unreviewed=unreviewed
    )
    name = f"bao-cao-{campaign.technology.lower()}-{parsed:%Y-%m}{'-luy-ke' if cumulative else ''}"
    name += "-gom-chua-xem-xet" if unreviewed else ""
    # python-docx and openpyxl load only when a document is asked for.
    from switchoff.reports.documents import report_docx, report_xlsx

    content: bytes
    if fmt == "docx":
        content, mime = report_docx(report), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "xlsx":
        content, mime = report_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "json":
        content, mime = json.dumps(aggregate_json(report), ensure_ascii=False, indent=1).encode(), "application/json"
    elif fmt == "dhis2.json":
        values = dhis2_data_value_set(campaign=campaign, month=parsed, units=units, include_submitted=unreviewed)
        content, mime = json.dumps(values, ensure_ascii=False, indent=1).encode(), "application/json"
    else:
        content = dhis2_adx(campaign=campaign, month=parsed, units=units, include_submitted=unreviewed)
        mime = "application/adx+xml"
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
